"""The declarative base, the engine and one database session, and one transaction, per request.

Operations take a ``Session`` and never commit. A request's transaction ends in one place
(``_end_request_transaction``): a request that changes something commits once, after the view, unless
it is answered with an error status (then nothing it did is kept, unless it says otherwise with
``keep_changes_on_error``); a GET never writes (but for the access trail, ``allow_access_trail``). CLI
commands commit once when they finish (``passport.cli``), jobs as they save their chunks
(``passport.jobs.runner``). Tests swap the session factory for one bound to a connection whose outer
transaction is rolled back after each test (see ``tests/conftest.py``).
"""

from __future__ import annotations

import json
import logging
import os
import uuid
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime
from operator import itemgetter
from typing import Any

from flask import Flask, Response, current_app, g, has_request_context, request
from sqlalchemy import (
    DateTime,
    Executable,
    MetaData,
    Table,
    TypeDecorator,
    any_,
    bindparam,
    create_engine,
    event,
    func,
    select,
)
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import DeclarativeBase, ORMExecuteState, Session, sessionmaker

log = logging.getLogger(__name__)
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
_WROTE = "passport_wrote"

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class UTCDateTime(TypeDecorator[datetime]):
    """Stores aware datetimes as UTC and always gives them back aware, on SQLite as on PostgreSQL."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: object) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetimes are not stored: give a timezone")
        return value.astimezone(UTC)

    def process_result_value(self, value: datetime | None, dialect: object) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


def utcnow() -> datetime:
    return datetime.now(UTC)


def new_uuid() -> str:
    return str(uuid.uuid4())


SQLITE_CACHE_KIB = 64 * 1024


def make_engine(url: str) -> Engine:
    if url.startswith("sqlite"):
        engine = create_engine(url, connect_args={"check_same_thread": False})

        @event.listens_for(engine, "connect")
        def _sqlite_pragmas(dbapi_connection, _record):  # type: ignore[no-untyped-def]
            # pysqlite's own transaction handling breaks SAVEPOINT; SQLAlchemy's documented fix is to
            # turn it off and emit BEGIN ourselves (below).
            dbapi_connection.isolation_level = None
            cursor = dbapi_connection.cursor()
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA busy_timeout=5000")
            # A checkpoint copies every page changed since the last one back into the database file;
            # an import's chunks change the same index pages again and again, so checkpointing every
            # 20,000 pages (80 MB of WAL) rather than the default 1,000 copies each far fewer times
            # (a million absences imported in 31 s rather than 34 s: docs/import-formats.md).
            cursor.execute("PRAGMA wal_autocheckpoint=20000")
            # A page cache of up to 64 MiB a connection (the default is 2 MiB), taken only as pages are
            # read: an index that rows join at random (an absence's trust and days) stays in memory while
            # an import writes, rather than being read back page by page (a million absences written in
            # 8.5 s rather than 13 s by a bare insert; bench/bench_import.py).
            cursor.execute(f"PRAGMA cache_size=-{SQLITE_CACHE_KIB}")
            cursor.close()

        @event.listens_for(engine, "begin")
        def _sqlite_begin(connection):  # type: ignore[no-untyped-def]
            connection.exec_driver_sql("BEGIN IMMEDIATE" if _request_writes() else "BEGIN")

        return engine
    engine = create_engine(url, pool_pre_ping=True)

    @event.listens_for(engine, "do_connect")
    def _postgres_session_settings(_dialect, _record, _cargs, cparams):  # type: ignore[no-untyped-def]
        # Named by process, so pg_stat_activity tells whose each session is (a web instance's, a
        # worker's), and the name follows a fork since it is given at connect time.
        cparams.setdefault("application_name", f"passport {os.getpid()}")
        # A process killed mid-query (a worker SIGKILLed, a machine lost) leaves its backend running the
        # query to its end, holding its locks (the refresh lock: minutes of work nobody will commit).
        # PostgreSQL (14+) checks every 2 s that the client is still there and cancels the query if not.
        options = cparams.get("options", "")
        cparams["options"] = f"{options} -c client_connection_check_interval=2000".strip()

    return engine


def _request_writes() -> bool:
    """Is this a web request that may write (not a GET)? On SQLite its transaction asks for the write
    lock at its start: a transaction that reads first cannot take the lock once another writer has
    committed after its read ("database is locked" at once, no waiting), while one that asks first
    simply waits its turn (the busy timeout) behind a job's short chunk. A view class may say it only
    reads (``reads_only = True``: verifying a presentation is a POST that writes nothing)."""
    if not has_request_context():
        return False
    # A client with an API token has the token's last use recorded (at most once a minute), even on a
    # GET: asked for at the start, the lock is waited for instead of failing once another writer (an
    # import's chunk) has committed after this request's first read.
    bearer = request.headers.get("Authorization", "").lower().startswith("bearer ")
    if bearer or not _reads_only_request():
        return True
    session: Session | None = g.get("db_session")
    return session is not None and bool(session.info.get(ACCESS_TRAIL))  # see allow_access_trail


def _reads_only_request() -> bool:
    """A GET, HEAD or OPTIONS, or a request to a view class that says it only reads (``reads_only``)."""
    if request.method in SAFE_METHODS:
        return True
    view = current_app.view_functions.get(request.endpoint or "")
    return bool(getattr(getattr(view, "view_class", view), "reads_only", False))


def init_app(app: Flask, database_url: str) -> None:
    engine = make_engine(database_url)
    app.extensions["passport_engine"] = engine
    app.extensions["passport_sessionmaker"] = sessionmaker(bind=engine, expire_on_commit=False)
    app.after_request(_end_request_transaction)
    # Per request as well as per app context: an app context can outlive several requests (tests, CLI).
    app.teardown_request(_close_session)
    app.teardown_appcontext(_close_session)


def get_session() -> Session:
    """The session of the current request (or app context), created on first use."""
    if "db_session" not in g:
        g.db_session = current_app.extensions["passport_sessionmaker"]()
    return g.db_session


class WriteOnSafeRequest(RuntimeError):
    """A GET (or HEAD, OPTIONS, or a view that says it only reads) tried to change the database."""


ACCESS_TRAIL = "passport_access_trail"


def allow_access_trail(session: Session) -> None:
    """Declare that this request, even a GET, appends to the access trail (an API token's last use, a
    share link's openings, an audit of who viewed a record): those writes are kept. A GET changes no
    record; everything else it tries to write is undone (and is an error in tests).

    Call it before changing anything. On SQLite a transaction that began by reading cannot write once
    another writer (a job's chunk) has committed since: "database is locked" at once, no waiting. So the
    read is ended here (it wrote nothing; loaded objects stay loaded, as the session does not expire them)
    and the trail's transaction begins by asking for the write lock (``_request_writes``), waiting its
    turn. PostgreSQL's transactions write after reading as they are."""
    if (
        session.get_bind().dialect.name == "sqlite"
        and session.in_transaction()
        and not (session.new or session.dirty or session.deleted or session.info.get(_WROTE))
    ):
        session.commit()
    session.info[ACCESS_TRAIL] = True


KEEP_ON_ERROR = "passport_keep_on_error"


def keep_changes_on_error(session: Session) -> None:
    """Declare that what this request wrote stands even though it answers with an error status (a failed
    sign-in is recorded, and answered 401). Without it, an answer of 400 or more undoes the request."""
    session.info[KEEP_ON_ERROR] = True


def discard_request_changes() -> None:
    """Undo what this request has changed so far (an error is being answered)."""
    session: Session | None = g.get("db_session")
    if session is not None:
        session.rollback()


def _end_request_transaction(response: Response) -> Response:
    session: Session | None = g.get("db_session")
    if session is None:
        return response
    if _reads_only_request() and not session.info.get(ACCESS_TRAIL):
        if session.new or session.dirty or session.deleted or session.info.get(_WROTE):
            session.rollback()
            message = f"{request.method} {request.path} tried to write to the database; it was undone."
            if current_app.config.get("PASSPORT_STRICT_SAFE_METHODS", current_app.testing):
                raise WriteOnSafeRequest(message)
            log.error(message)
        else:
            session.rollback()
        return response
    if response.status_code >= 400 and not session.info.get(KEEP_ON_ERROR):
        session.rollback()
        return response
    try:
        session.commit()
    except IntegrityError as error:
        # Another writer committed first and the database refused this one (the rule the application
        # checked held when it checked): a 409 naming what clashed, with nothing of this request kept.
        from passport.errors import handle_integrity_error

        session.rollback()
        return handle_integrity_error(error)
    return response


@event.listens_for(Session, "after_flush")
def _note_flush(session: Session, _context: object) -> None:
    session.info[_WROTE] = True


@event.listens_for(Session, "do_orm_execute")
def _note_bulk_write(state: ORMExecuteState) -> None:
    if state.is_insert or state.is_update or state.is_delete:
        state.session.info[_WROTE] = True


@event.listens_for(Session, "after_commit")
@event.listens_for(Session, "after_rollback")
def _forget_writes(session: Session) -> None:
    for key in (_WROTE, ACCESS_TRAIL, KEEP_ON_ERROR):
        session.info.pop(key, None)


def _close_session(_exc: BaseException | None) -> None:
    session: Session | None = g.pop("db_session", None)
    if session is not None:
        session.close()


# --- Reading and writing many rows --------------------------------------------------------------------
# Counting the roll-ups reads a million rows and writes a hundred thousand. SQLAlchemy's rows and the
# ORM's bulk insert cost more than the driver's own read and write (2.1 s against 0.8 s to read 842,000
# absences on SQLite; bench/bench_dashboard.py), so these two hand the work to the driver, in the
# session's transaction.


def among(column: Any, values: Sequence[Any], dialect: str) -> Any:
    """``column`` is one of ``values``. On PostgreSQL one array parameter: an IN of 5,000 placeholders took
    longer to build and for the driver to parse than the query took to run (half of an assignments
    import's time; a recount's secondee spans 0.10-0.25 s against 0.06-0.08 s). On SQLite whole numbers
    and text go as one JSON text read by ``json_each``, for the same reason: SQLAlchemy expands an IN
    placeholder by placeholder in Python (5,000 assignment numbers: 7-8 ms a query against 10-11 ms). Else
    an expanding IN, compiled once however many the values."""
    if dialect == "postgresql":
        return column == any_(_array_parameter(column, values))
    if dialect == "sqlite" and _plain_kind(values) is not None:
        listed = func.json_each(bindparam(None, json.dumps(list(values), ensure_ascii=False)))
        return column.in_(select(listed.table_valued("value").c.value))
    return column.in_(bindparam(None, list(values), expanding=True))


def _plain_kind(values: Sequence[Any]) -> type | None:
    """int or str when every value is one (not bool, not a subclass), else None (none at all too)."""
    kinds = set(map(type, values))
    return kinds.pop() if kinds in ({int}, {str}) else None


def _array_parameter(column: Any, values: Sequence[Any]) -> Any:
    """PostgreSQL: whole numbers and text as the array's literal text, written here and read by the server
    as the column's array type; psycopg dumps a list element by element in Python, which for 5,000 emails
    took 7-9 ms against 2 ms (84 such reads in an import of 60,000 assignments). Other values go as a list,
    dumped by psycopg."""
    kind = _plain_kind(values)
    if kind is int:
        written = "{" + ",".join(map(str, values)) + "}"
    elif kind is str:
        if '"' in (every := "".join(values)) or "\\" in every:
            values = [value.replace("\\", "\\\\").replace('"', '\\"') for value in values]
        written = '{"' + '","'.join(values) + '"}'
    else:
        return bindparam(None, list(values), type_=ARRAY(column.type))
    return bindparam(None, written, type_=_ArrayText(column.type))


class _ArrayText(TypeDecorator[str]):
    """An array of the given type whose parameter is its literal text: bound as the array is (the same cast,
    so the same plans), without the list conversion."""

    impl = ARRAY
    cache_ok = True

    def bind_processor(self, dialect: Any) -> None:
        return None

    def literal_processor(self, dialect: Any) -> Any:  # a statement printed with its values
        return lambda written: "'" + written.replace("'", "''") + "'"


def driver_rows(session: Session, statement: Executable) -> list[tuple[Any, ...]]:
    """Every row of ``statement`` as plain tuples of what the driver returns: no result processing, so
    select only values the driver gives as wanted (integers, text; day numbers rather than dates)."""
    result = session.connection().execute(statement)
    try:
        return list(result.cursor.fetchall())  # type: ignore[attr-defined]
    finally:
        result.close()


@contextmanager
def _driver_cursor(session: Session) -> Iterator[tuple[Any, str]]:
    """A cursor of the session's own DBAPI connection (its transaction), and the dialect's name."""
    connection = session.connection()
    cursor = connection.connection.dbapi_connection.cursor()  # type: ignore[union-attr]
    try:
        yield cursor, connection.dialect.name
    finally:
        cursor.close()


def insert_driver_rows(session: Session, table: Table, rows: Sequence[dict[str, Any]]) -> None:
    """Insert ``rows`` (column name to value; every row the same columns) into ``table`` in the session's
    transaction: PostgreSQL's COPY, SQLite's executemany. No ORM events: for tables nothing listens to."""
    if not rows:
        return
    names = list(rows[0])
    pick = itemgetter(*names)  # a tuple for two names or more; the roll-ups have many
    values = [pick(row) for row in rows] if len(names) > 1 else [(row[names[0]],) for row in rows]
    insert_driver_values(session, table, names, values)


def insert_driver_values(
    session: Session, table: Table, names: Sequence[str], values: Sequence[Sequence[Any]]
) -> None:
    """``insert_driver_rows`` of rows already in order of the columns ``names``."""
    if not values:
        return
    columns = ", ".join(table.c[name].name for name in names)
    with _driver_cursor(session) as (cursor, dialect):
        if dialect == "postgresql":
            with cursor.copy(f"COPY {table.name} ({columns}) FROM STDIN") as copy:
                for value in values:
                    copy.write_row(value)
        else:
            marks = ", ".join("?" for _ in names)
            # The table's and columns' own names, checked against its metadata above; values are bound.
            statement = f"INSERT INTO {table.name} ({columns}) VALUES ({marks})"  # noqa: S608
            cursor.executemany(statement, values)


def update_driver_rows(
    session: Session, table: Table, rows: Sequence[dict[str, Any]], key: str = "id"
) -> None:
    """Update the rows of ``table`` whose ``key`` the ``rows`` give (column name to value; every row the
    same columns) in the session's transaction, by the driver's executemany: the ORM's bulk update costs
    ten times as much a row (2 s against 0.3 s for 120,000 roll-up cells on SQLite). No ORM events."""
    if not rows:
        return
    names = [name for name in rows[0] if name != key]
    pick = itemgetter(*names, key)
    with _driver_cursor(session) as (cursor, dialect):
        mark = "%s" if dialect == "postgresql" else "?"
        # The table's and columns' own names, checked against its metadata; values are bound.
        assignments = ", ".join(f"{table.c[name].name} = {mark}" for name in names)
        statement = f"UPDATE {table.name} SET {assignments} WHERE {table.c[key].name} = {mark}"  # noqa: S608
        cursor.executemany(statement, [pick(row) for row in rows])
