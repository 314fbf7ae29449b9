"""Set-based reading and writing for the imports, inside the caller's transaction.

- ``select_in``: one query per batch of keys (SQLite allows 32,766 bound parameters per statement; PostgreSQL
  takes the batch as one array).
- ``BulkWriter``: writes one chunk's rows in the caller's transaction (the import commits chunk by chunk),
  or writes nothing while the whole file is checked first. New rows go straight through the session's
  own DBAPI connection (the same transaction): ``COPY ... FROM STDIN`` on PostgreSQL, one
  ``executemany`` on SQLite. Going through
  SQLAlchemy's per-row parameter processing costs more than the database's own work at a million rows.
  The values written are what SQLAlchemy itself would store (SQLite: ISO dates, REAL for Numeric).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy import Table, insert, text
from sqlalchemy.orm import Session

from passport.db import among, utcnow

IN_BATCH = 5_000
# PostgreSQL's planner reads a table's size from statistics that autovacuum refreshes a minute or more
# after a change; a table an import fills from nothing is planned as empty meanwhile, and a chunk's join of
# 5,000 stored assignments to their staff took 7 s instead of 0.1 s. So the writer analyses a table
# itself whenever it has grown by half since it was last analysed (about ten times for a million rows).
_ANALYSE_AFTER_GROWTH = 0.5
_NULL = "\\N"
_ESCAPES = str.maketrans({"\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r"})


def select_in(session: Session, stmt: Any, column: Any, keys: Iterable[Any]) -> Iterator[Any]:
    """Rows of ``stmt`` whose ``column`` is one of ``keys``, one query per batch of keys."""
    values = list(keys)
    dialect = session.get_bind().dialect.name
    for start in range(0, len(values), IN_BATCH):
        yield from session.execute(stmt.where(among(column, values[start : start + IN_BATCH], dialect))).all()


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
        self._unanalysed: dict[str, tuple[int, float]] = {}  # table -> (rows written since, rows then)

    def execute(self, statement: Any, rows: list[dict[str, Any]]) -> None:
        """A SQLAlchemy executemany (updates, and inserts on other databases)."""
        if rows and self.writing:
            self.session.execute(statement, rows)

    def _keep_statistics(self, table: str, added: int) -> None:
        """Analyse ``table`` (PostgreSQL) once the rows written since it was last analysed reach half the
        rows it then had (see ``_ANALYSE_AFTER_GROWTH``); in this transaction, which sees its own rows."""
        written, known = self._unanalysed.get(table) or (0, self._estimated_rows(table))
        written += added
        if written >= _ANALYSE_AFTER_GROWTH * known:
            self.session.execute(text(f"ANALYZE {table}"))
            written, known = 0, self._estimated_rows(table)
        self._unanalysed[table] = (written, known)

    def _estimated_rows(self, table: str) -> float:
        # reltuples: -1 for a table never analysed (PostgreSQL 14 and later).
        rows = self.session.execute(
            text("SELECT reltuples FROM pg_class WHERE oid = CAST(:table AS regclass)"), {"table": table}
        ).scalar_one()
        return max(float(rows), 0.0)

    def insert(self, table: Table, columns: Sequence[str], rows: list[tuple[Any, ...]]) -> None:
        """Insert new rows of ``columns`` (dates passed through ``self.day``), stamped created/updated now."""
        self.write_prepared(self.prepare_insert(table, columns, rows))

    def prepare_insert(
        self, table: Table, columns: Sequence[str], rows: list[tuple[Any, ...]]
    ) -> PreparedInsert:
        """What ``write_prepared`` sends for these rows, made without the session: so that another thread
        can make the next chunk's while this one's are written. The stamps are left to the writing, so that
        they are the time the rows are written, whenever they were prepared."""
        if self.dialect != "postgresql" or not self.writing:
            return PreparedInsert(table, columns, len(rows), rows)
        # COPY's text format built here: several times cheaper than psycopg's write_row per row.
        lines = [
            "\t".join(
                [_NULL if v is None else (v.translate(_ESCAPES) if type(v) is str else str(v)) for v in row]
            )
            for row in rows
        ]
        return PreparedInsert(table, columns, len(rows), lines)

    def write_prepared(
        self, prepared: PreparedInsert, while_stored: Callable[[], object] | None = None
    ) -> None:
        """Insert the rows ``prepare_insert`` made ready, stamped created/updated now. ``while_stored`` is
        called once PostgreSQL has been sent them, before waiting for it to store them (elsewhere, or with
        nothing to send, at once): Python work started there overlaps the server's, without holding up
        the sending (which wants Python's lock turn by turn; started sooner, it held up the server as
        long as it ran)."""
        table, columns, rows = prepared.table, prepared.columns, prepared.rows
        sending = prepared.count and self.writing and self.dialect == "postgresql"
        if while_stored is not None and not sending:
            while_stored()
        if not prepared.count or not self.writing:
            return
        stamps = [name for name in ("created_at", "updated_at") if name in table.c]
        connection = self.session.connection()
        dbapi = connection.connection.driver_connection
        names = ", ".join([*columns, *stamps])
        if self.dialect == "postgresql":
            end = "\t".join(["", *[utcnow().isoformat()] * len(stamps)]) + "\n"
            with dbapi.cursor() as cursor, cursor.copy(f"COPY {table.name} ({names}) FROM STDIN") as copy:
                copy.write(end.join(rows) + end)
                if while_stored is not None:
                    while_stored()  # the server stores the rows meanwhile
            self._keep_statistics(table.name, prepared.count)
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


@dataclass(frozen=True)
class PreparedInsert:
    """New rows of ``columns`` ready for ``BulkWriter.write_prepared``: on PostgreSQL each row's line of
    COPY text without its stamps, elsewhere the rows as given."""

    table: Table
    columns: Sequence[str]
    count: int
    rows: list[Any]
