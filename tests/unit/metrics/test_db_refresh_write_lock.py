"""On SQLite a refresh counts without the database's write lock and holds it only to replace rows, so a
write made meanwhile (a sign-in's audit event) waits a moment, not for the whole refresh.

On the real engine (committed rows, two connections, as a worker and a web process would be), not the
test's rolled-back connection; everything the test writes is removed at the end."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from datetime import date

import pytest
from sqlalchemy import delete, select, tuple_
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from passport.audit.models import AuditEvent
from passport.background.models import SUCCEEDED, Job
from passport.background.operations import start_job
from passport.background.runner import run_job
from passport.db import Base
from passport.metrics import recount, refresh
from passport.metrics.refresh import REFRESH_KIND, figures_state
from tests.support import factories
from tests.support.factories import StaffMemberFactory, TrustFactory
from tests.support.workforce_factories import AbsenceFactory, AssignmentFactory

# How long the slowed counting below takes: longer than a sign-in may wait behind it.
COUNTING_SECONDS = 1.5


def _every_row(engine: Engine) -> dict[str, set[tuple]]:
    with engine.connect() as connection:
        return {
            table.name: set(map(tuple, connection.execute(select(*table.primary_key.columns))))
            for table in Base.metadata.sorted_tables
        }


@pytest.fixture
def real_records(engine: Engine) -> Iterator[None]:
    """Two trusts with a few nurses and an absence, committed; afterwards every row added to any table
    (by the test or the refresh) is deleted, children first."""
    if engine.dialect.name != "sqlite":
        pytest.skip("SQLite's single write lock; PostgreSQL's readers and writers do not wait for a refresh")
    before = _every_row(engine)
    bound = [item._meta.sqlalchemy_session for item in factories.ALL_FACTORIES]
    try:
        with Session(engine) as setup:
            factories.bind(setup)
            for code in ("RPG", "RV5"):
                trust = TrustFactory(ods_code=code)
                for _ in range(4):
                    made = AssignmentFactory(staff_member=StaffMemberFactory(trust=trust))
                AbsenceFactory(assignment=made, first_day=date(2024, 4, 1), last_day=date(2024, 4, 6))
            setup.commit()
        yield
    finally:
        for item, session in zip(factories.ALL_FACTORIES, bound, strict=True):
            item._meta.sqlalchemy_session = session
        after = _every_row(engine)
        with engine.begin() as connection:
            for table in reversed(Base.metadata.sorted_tables):
                added = after[table.name] - before[table.name]
                if added:
                    key = tuple_(*table.primary_key.columns)
                    connection.execute(delete(table).where(key.in_(list(added))))
        assert _every_row(engine) == before


def test_a_write_during_a_refresh_waits_well_under_a_second(app, engine, real_records, monkeypatch):
    counting = threading.Event()
    real_count = recount.count_rollups

    def slow_count(session, *args):  # type: ignore[no-untyped-def]
        """Counting as slow as a large partnership's: the write lock must not be held meanwhile."""
        counted = real_count(session, *args)
        counting.set()
        time.sleep(COUNTING_SECONDS)
        return counted

    # Where both ways of refreshing look it up: in phases (refresh) and in one transaction (recount).
    monkeypatch.setattr(refresh, "count_rollups", slow_count)
    monkeypatch.setattr(recount, "count_rollups", slow_count)

    with Session(engine) as setup:
        job_id = start_job(setup, kind=REFRESH_KIND, title="refresh", params={"force": True}, queue=False).id
        setup.commit()
    worker = threading.Thread(target=run_job, args=(app, job_id))
    worker.start()
    waits: list[float] = []
    errors: list[Exception] = []
    try:
        assert counting.wait(10)
        while worker.is_alive():
            started = time.perf_counter()
            try:
                with Session(engine) as other:  # a sign-in, in a web process
                    other.add(AuditEvent(actor_label="someone@example.test", action="auth.sign_in"))
                    other.commit()
            except Exception as error:  # "database is locked"
                errors.append(error)
            waits.append(time.perf_counter() - started)
            time.sleep(0.05)
    finally:
        worker.join(30)

    assert errors == []
    assert max(waits) < 1.0, f"a write waited {max(waits):.2f} s behind the refresh"
    assert len(waits) >= 10  # written all through the counting
    with Session(engine) as check:
        job = check.get(Job, job_id)
        assert job is not None and job.status == SUCCEEDED, job and job.error
        assert job.result == {"dashboards": 5}  # the partnership's, and each trust's alone and side by side
        assert figures_state(check).current
