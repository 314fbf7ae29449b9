"""A GET that keeps an access trail (a share link's openings, a fit check's audit, a browser session's
last-seen time) on SQLite, when a job committed after the request's first read.

SQLite cannot turn a transaction that began by reading into a writing one once another writer has
committed since ("database is locked", at once, without waiting): the request's trail was lost and the
page answered 500. On the real engine (committed rows, two connections, as a worker and a web process
would be), not the test's rolled-back connection; every row written here is deleted at the end."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from flask import Flask, g
from sqlalchemy import delete, func, select
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session, sessionmaker

from passport.audit.models import AuditEvent
from passport.audit.operations import record_event
from passport.db import allow_access_trail

ACTION = "test.access_trail_after_a_job"


@pytest.fixture
def sqlite_engine(engine: Engine) -> Iterator[Engine]:
    if engine.dialect.name != "sqlite":
        pytest.skip("SQLite's single writer; PostgreSQL's transactions write after reading")
    yield engine
    with engine.begin() as connection:
        connection.execute(delete(AuditEvent).where(AuditEvent.action == ACTION))


def _written(engine: Engine) -> list[str]:
    with Session(engine) as reader:
        return list(reader.scalars(select(AuditEvent.actor_label).where(AuditEvent.action == ACTION)))


def test_a_get_keeps_its_access_trail_though_a_job_committed_after_its_first_read(
    app: Flask, sqlite_engine: Engine
) -> None:
    request_sessions = sessionmaker(bind=sqlite_engine, expire_on_commit=False)
    with app.test_request_context("/v/some-share-link", method="GET"):
        g.db_session = request_session = request_sessions()
        try:
            # The page reads first (the share, the passport) ...
            request_session.scalar(select(func.count(AuditEvent.id)))
            # ... a job commits meanwhile (an import's chunk) ...
            with Session(sqlite_engine) as job:
                record_event(job, actor="job", action=ACTION)
                job.commit()
            # ... and the page then notes who opened the link, as record_opening does.
            allow_access_trail(request_session)
            record_event(request_session, actor="reader", action=ACTION)
            request_session.commit()
        finally:
            request_session.close()
            del g.db_session
    assert sorted(_written(sqlite_engine)) == ["job", "reader"]


def test_what_the_request_read_stays_loaded_when_its_trail_begins(app: Flask, sqlite_engine: Engine) -> None:
    """Ending the read before the trail's write keeps the objects the page loaded (nothing expires)."""
    with Session(sqlite_engine) as setup:
        record_event(setup, actor="earlier", action=ACTION)
        setup.commit()
    request_sessions = sessionmaker(bind=sqlite_engine, expire_on_commit=False)
    with app.test_request_context("/v/some-share-link", method="GET"):
        g.db_session = request_session = request_sessions()
        try:
            loaded = request_session.scalars(select(AuditEvent).where(AuditEvent.action == ACTION)).one()
            allow_access_trail(request_session)
            assert "actor_label" in loaded.__dict__, "still loaded: no second read"
            assert loaded.actor_label == "earlier"
        finally:
            request_session.close()
            del g.db_session
