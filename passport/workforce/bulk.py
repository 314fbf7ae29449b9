"""Set-based reading and writing for the imports, inside the caller's transaction.

- ``select_in``: one query per batch of keys (SQLite allows 32,766 bound parameters per statement).
- ``BulkWriter``: writes one chunk's rows in the caller's transaction (the import commits chunk by chunk),
  or writes nothing while the whole file is checked first. New rows go straight through the session's
  own DBAPI connection (the same transaction): ``COPY ... FROM STDIN`` on PostgreSQL, one
  ``executemany`` on SQLite. Going through
  SQLAlchemy's per-row parameter processing costs more than the database's own work at a million rows.
  The values written are what SQLAlchemy itself would store (SQLite: ISO dates, REAL for Numeric).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy import Table, bindparam, insert
from sqlalchemy.orm import Session

from passport.db import utcnow

IN_BATCH = 5_000
_NULL = "\\N"
_ESCAPES = str.maketrans({"\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r"})


def select_in(session: Session, stmt: Any, column: Any, keys: Iterable[Any]) -> Iterator[Any]:
    """Rows of ``stmt`` whose ``column`` is one of ``keys``, one query per batch of keys."""
    values = list(keys)
    # An expanding parameter: the statement is compiled once, not once per key as a literal list would be.
    query = stmt.where(column.in_(bindparam("keys", expanding=True)))
    for start in range(0, len(values), IN_BATCH):
        yield from session.execute(query, {"keys": values[start : start + IN_BATCH]}).all()


class _DriverDays(dict[date | None, Any]):
    """date -> what the driver is given for it: ISO text for SQLite (as SQLAlchemy stores it) and for
    PostgreSQL's COPY, the date itself elsewhere. Dates repeat across a million rows: each is converted
    once."""

    def __init__(self, as_text: bool) -> None:
        super().__init__({None: None})
        self.as_text = as_text

    def __missing__(self, day: date) -> Any:
        value = day.isoformat() if self.as_text else day
        self[day] = value
        return value


class BulkWriter:
    """Writes a chunk's new and changed rows, or (``writing=False``, the check before an import) only
    pretends to: the import's rules then run over the whole file without changing anything."""

    def __init__(self, session: Session, writing: bool) -> None:
        self.session = session
        self.writing = writing
        self.dialect = session.get_bind().dialect.name
        sqlite, postgresql = self.dialect == "sqlite", self.dialect == "postgresql"
        self.day = _DriverDays(as_text=sqlite or postgresql).__getitem__  # for every date written
        # SQLAlchemy stores Numeric as REAL on SQLite; COPY takes text.
        self.fte: Any = float if sqlite else (str if postgresql else Decimal)

    def execute(self, statement: Any, rows: list[dict[str, Any]]) -> None:
        """A SQLAlchemy executemany (updates, and inserts on other databases)."""
        if rows and self.writing:
            self.session.execute(statement, rows)

    def insert(self, table: Table, columns: Sequence[str], rows: list[tuple[Any, ...]]) -> None:
        """Insert new rows of ``columns`` (dates passed through ``self.day``), stamped created/updated now."""
        if not rows or not self.writing:
            return
        stamps = [name for name in ("created_at", "updated_at") if name in table.c]
        connection = self.session.connection()
        dbapi = connection.connection.driver_connection
        names = ", ".join([*columns, *stamps])
        if self.dialect == "postgresql":
            # COPY's text format built here: several times cheaper than psycopg's write_row per row.
            end = "\t".join(["", *[utcnow().isoformat()] * len(stamps)]) + "\n"
            text = "".join(
                "\t".join(
                    [
                        _NULL if v is None else (v.translate(_ESCAPES) if type(v) is str else str(v))
                        for v in row
                    ]
                )
                + end
                for row in rows
            )
            with dbapi.cursor() as cursor, cursor.copy(f"COPY {table.name} ({names}) FROM STDIN") as copy:
                copy.write(text)
        elif self.dialect == "sqlite":
            values = ", ".join(["?"] * len(columns) + ["CURRENT_TIMESTAMP"] * len(stamps))
            cursor = dbapi.cursor()
            try:
                cursor.executemany(f"INSERT INTO {table.name} ({names}) VALUES ({values})", rows)  # noqa: S608
            finally:
                cursor.close()
        else:
            now = utcnow()
            self.session.execute(
                insert(table),
                [{**dict(zip(columns, row, strict=True)), **dict.fromkeys(stamps, now)} for row in rows],
            )
