"""The figures are counted again by refresh jobs: started by a change of the records (the workforce
signal), run at once here when the starting session commits (the test app's "immediate" queue), one
transaction each, one at a time."""

from __future__ import annotations

import threading
import time
from datetime import date

import pytest
from sqlalchemy import delete, select, text
from sqlalchemy.orm import Session

from passport.auth.models import Role
from passport.background import queue as background_queue
from passport.background.models import FAILED, QUEUED, SUCCEEDED, Job
from passport.background.operations import exclusive
from passport.background.runner import run_job
from passport.metrics import recount, refresh, rollups, snapshots
from passport.metrics.dashboard import dashboard_data
from passport.metrics.models import DashboardSnapshot, RetentionRollup, RollupState, SicknessRollup
from passport.metrics.refresh import (
    REFRESH_KIND,
    WAIT_FOR_REFRESH_SECONDS,
    figures_state,
    refresh_figures,
    refresh_lock_name,
    request_refresh,
    start_refresh,
)
from passport.metrics.tasks import REFRESH_ON_CHANGE
from passport.workforce import operations
from passport.workforce.signals import records_changed
from tests.support.factories import StaffMemberFactory, user_with_role
from tests.support.workforce_factories import AbsenceFactory, AssignmentFactory


@pytest.fixture
def world(session, demo_trusts):  # type: ignore[no-untyped-def]
    """Twenty nurses at RPG and six at RV5 since 2023 (enough people for every figure to be shown), one
    absence in April 2024."""
    rpg, rv5 = demo_trusts
    made = [
        AssignmentFactory(staff_member=StaffMemberFactory(trust=trust), start_date=date(2023, 1, 1))
        for trust in [rpg] * 20 + [rv5] * 6
    ]
    AbsenceFactory(assignment=made[0], first_day=date(2024, 4, 1), last_day=date(2024, 4, 6))
    session.flush()
    return made


@pytest.fixture
def refresh_on_change(app, monkeypatch):  # type: ignore[no-untyped-def]
    monkeypatch.setitem(app.config, REFRESH_ON_CHANGE, True)


def _refresh_jobs(session: Session) -> list[Job]:
    return list(
        session.scalars(
            select(Job)
            .where(Job.kind == REFRESH_KIND)
            .order_by(Job.id)
            .execution_options(populate_existing=True)
        )
    )


def _rollup_rows(session: Session) -> tuple[list[tuple], list[tuple]]:
    sickness = session.execute(
        select(
            SicknessRollup.month,
            SicknessRollup.trust_id,
            SicknessRollup.staff_group,
            SicknessRollup.band,
            SicknessRollup.reason_code,
            SicknessRollup.fte_days_lost_e4,
            SicknessRollup.fte_days_available_e4,
        )
    ).all()
    retention = session.execute(
        select(
            RetentionRollup.level,
            RetentionRollup.trust_id,
            RetentionRollup.staff_group,
            RetentionRollup.band,
            RetentionRollup.month,
            RetentionRollup.leavers,
            RetentionRollup.end_headcount,
            RetentionRollup.stability_still_in_post,
        )
    ).all()
    return sorted(map(tuple, sickness), key=str), sorted(map(tuple, retention), key=str)


def _usual(session, trust, trusts):  # type: ignore[no-untyped-def]
    period = snapshots.default_period(session, trust, [t.id for t in trusts])
    return snapshots.dashboard(session, trust, period.first_month, period.last_month), period


def _recount_from_records(session, trust, period):  # type: ignore[no-untyped-def]
    """The whole dashboard counted from the records alone (roll-ups set aside for this transaction)."""
    session.execute(delete(RollupState))
    return dashboard_data(session, trust, period.first_month, period.last_month)


def test_a_change_of_the_records_starts_a_refresh_that_gives_a_full_recount(
    app, session, demo_trusts, world, refresh_on_change
):
    rpg, _ = demo_trusts
    AbsenceFactory(assignment=world[1], first_day=date(2024, 4, 10), last_day=date(2024, 4, 15))
    session.flush()
    with app.app_context():
        records_changed.send(app, session=session, trust_ids=[rpg.id])
        records_changed.send(app, session=session, trust_ids=[rpg.id])  # one is waiting: not another
        assert len(_refresh_jobs(session)) == 1
        session.commit()  # the job is queued, and run here at once
    assert [job.status for job in _refresh_jobs(session)] == [SUCCEEDED]
    shown, period = _usual(session, rpg, demo_trusts)
    assert shown.current
    april = next(r for r in shown.board.charts["sickness-trend"].rows if r["month"] == "2024-04")
    assert str(april["rate_percent"]) == "2.00"  # 12 FTE days lost of 20 x 30
    assert shown.board.charts == _recount_from_records(session, rpg, period).charts


def test_each_change_made_by_hand_asks_for_a_refresh_of_its_trust(
    app, session, demo_trusts, world, refresh_on_change
):
    """The workforce operations announce their own changes, whichever page, API or command calls them."""
    rpg, _ = demo_trusts
    heard: list[tuple[object, list[int]]] = []

    def listener(sender, session, trust_ids):  # type: ignore[no-untyped-def]
        heard.append((sender, list(trust_ids)))

    hr = user_with_role(Role.HR, rpg)
    records_changed.connect(listener)
    try:
        with app.app_context():
            absence = operations.record_absence(
                session,
                hr,
                world[2],
                first_day=date(2024, 5, 1),
                last_day=None,
                category="SICKNESS",
                reason_code="S13",
            )
            operations.end_absence(session, hr, absence, last_day=date(2024, 5, 3))
            operations.record_leaver(
                session, hr, world[3], end_date=date(2024, 6, 30), leaving_reason="VR_RELOCATION"
            )
    finally:
        records_changed.disconnect(listener)
    assert heard == [("passport.workforce", [rpg.id])] * 3
    assert len(_refresh_jobs(session)) == 1  # the first queued a refresh; the others found it waiting


def test_changes_start_nothing_when_switched_off(app, session, demo_trusts, world, monkeypatch):
    monkeypatch.setitem(app.config, REFRESH_ON_CHANGE, False)
    with app.app_context():
        records_changed.send(app, session=session, trust_ids=[demo_trusts[0].id])
    assert _refresh_jobs(session) == []


def _kept_dashboards(session: Session) -> dict[str, tuple[str, dict]]:
    kept = session.scalars(select(DashboardSnapshot).execution_options(populate_existing=True))
    return {snapshot.key: (snapshot.source_fingerprint, snapshot.charts) for snapshot in kept}


def _recount_aside(session, trust, period):  # type: ignore[no-untyped-def]
    """``_recount_from_records`` in a savepoint undone afterwards, so the roll-ups stay for what follows."""
    nested = session.begin_nested()
    try:
        return _recount_from_records(session, trust, period)
    finally:
        nested.rollback()


KEEPING_ROLLUPS, KEEPING_DASHBOARDS = "keeping the roll-ups", "keeping the dashboards"


def _kill_refresh_while(monkeypatch, what: str) -> None:  # type: ignore[no-untyped-def]
    """Make the next refresh stop with an error while keeping the roll-ups (the sickness cells already
    rewritten, the retention cells deleted) or just before keeping the dashboards. Patched where both
    ways of refreshing look them up: in one transaction (snapshots, recount) and in phases (refresh)."""
    if what == KEEPING_ROLLUPS:
        kept, real = [], rollups.keep_rollup

        def killed(session, counted, fingerprint):  # type: ignore[no-untyped-def]
            kept.append(counted.name)
            if len(kept) == 2:
                session.execute(delete(RetentionRollup))
                raise RuntimeError("the worker was killed here")
            return real(session, counted, fingerprint)

        monkeypatch.setattr(recount, "keep_rollup", killed)
        monkeypatch.setattr(refresh, "keep_rollup", killed)
    else:

        def killed_before(session, counted):  # type: ignore[no-untyped-def]
            raise RuntimeError("the worker was killed here")

        monkeypatch.setattr(snapshots, "keep_usual_dashboards", killed_before)
        monkeypatch.setattr(refresh, "keep_usual_dashboards", killed_before)


@pytest.mark.parametrize("killed_while", [KEEPING_ROLLUPS, KEEPING_DASHBOARDS])
def test_an_interrupted_refresh_shows_nothing_wrong_and_a_second_run_equals_a_clean_refresh(
    app, session, demo_trusts, world, monkeypatch, killed_while
):
    rpg, _ = demo_trusts
    refresh_figures(session, "test")
    before = _rollup_rows(session)
    AbsenceFactory(assignment=world[1], first_day=date(2024, 4, 10), last_day=date(2024, 4, 15))
    session.flush()

    _kill_refresh_while(monkeypatch, killed_while)
    with app.app_context():
        request_refresh(session, reason="test")
        session.commit()
    assert [job.status for job in _refresh_jobs(session)] == [FAILED]
    assert not figures_state(session).current  # so the periodic check queues another
    shown, period = _usual(session, rpg, demo_trusts)
    if killed_while == KEEPING_DASHBOARDS and session.get_bind().dialect.name == "sqlite":
        # SQLite keeps the roll-ups in a transaction of their own, before counting the dashboards: they
        # are current, and the dashboards kept before them (of the older records) are not shown.
        assert _rollup_rows(session) != before
        assert shown.current
        assert shown.board.charts == _recount_aside(session, rpg, period).charts
    else:
        # Nothing of it was kept: the figures from before the change, said to be such.
        assert _rollup_rows(session) == before
        assert not shown.current

    monkeypatch.undo()
    with app.app_context():
        request_refresh(session, reason="test, again")
        session.commit()
    assert [job.status for job in _refresh_jobs(session)] == [FAILED, SUCCEEDED]
    assert figures_state(session).current
    shown, period = _usual(session, rpg, demo_trusts)
    assert shown.current
    assert shown.board.charts == _recount_aside(session, rpg, period).charts
    second_run = _rollup_rows(session), _kept_dashboards(session)
    refresh_figures(session, "a clean refresh")
    assert (_rollup_rows(session), _kept_dashboards(session)) == second_run


def test_two_refreshes_never_overlap(engine):
    """Two transactions on the real engine: a refresh waits for the one holding the lock to commit."""
    first_holds_lock = threading.Event()
    committed_at: list[float] = []

    def first() -> None:
        with Session(engine) as session, exclusive(session, refresh_lock_name(), "first"):
            first_holds_lock.set()
            time.sleep(0.5)
            committed_at.append(time.perf_counter())
            session.commit()

    holder = threading.Thread(target=first)
    holder.start()
    try:
        assert first_holds_lock.wait(5)
        with Session(engine) as session:
            refresh_figures(session, "second")
            finished_at = time.perf_counter()
            session.rollback()
    finally:
        holder.join(15)
        with engine.begin() as connection:
            connection.execute(text("DELETE FROM background_lock"))
    assert committed_at and finished_at > committed_at[0]


def test_a_refresh_job_finding_another_under_way_steps_back_and_frees_its_worker_thread(
    app, session, engine, demo_trusts, world, monkeypatch
):
    if engine.dialect.name != "postgresql":
        pytest.skip("SQLite's refreshes hold the lock only for brief writes: one there waits its turn")
    queued: list[tuple[int, float]] = []
    monkeypatch.setattr(
        background_queue, "enqueue", lambda _app, job_id, delay=0: queued.append((job_id, delay))
    )
    with app.app_context():
        job = start_refresh(session, reason="records changed")
        session.commit()
        with Session(engine) as other, exclusive(other, refresh_lock_name(), "a refresh under way"):
            # The other holds the lock until this returns: a run that waited for it would never return.
            run_job(app, job.id)
            other.rollback()
        job = session.get(Job, job.id, populate_existing=True)
        assert (job.status, job.attempts, job.error) == (QUEUED, 0, None)
        assert job.stage == "Waiting for the refresh under way to finish"
        assert queued[-1] == (job.id, WAIT_FOR_REFRESH_SECONDS)
        run_job(app, job.id)  # the other has finished: this one counts
    job = session.get(Job, job.id, populate_existing=True)
    assert (job.status, job.attempts) == (SUCCEEDED, 1)
    assert figures_state(session).current
