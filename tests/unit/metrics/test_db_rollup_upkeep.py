"""Roll-ups kept current by the writes themselves: an import (chunk by chunk, each committed), a form's
operation, and what the refresh job does after them (the dashboards only; the roll-ups again only when
they are out of date, or when a full recount is asked for)."""

from __future__ import annotations

from contextlib import contextmanager
from datetime import date

import pytest
from sqlalchemy import update

from passport.auth.models import Role
from passport.metrics import refresh as refresh_module
from passport.metrics.fingerprint import source_fingerprint
from passport.metrics.models import RollupState
from passport.metrics.refresh import figures_state, refresh_figures
from passport.metrics.rollups import rollups_kept_current
from passport.workforce.import_runs import import_steps
from passport.workforce.importing import ABSENCES, ASSIGNMENTS
from passport.workforce.models import Absence, Assignment
from passport.workforce.operations import record_absence
from tests.support.esr_csv import absence, assignment, csv_bytes
from tests.support.factories import UserFactory
from tests.unit.metrics.test_rollup_upkeep_property import assert_kept_equal_a_full_count


def _steps(session, kind: str, rows: list[dict[str, str]]):  # type: ignore[no-untyped-def]
    """The import's steps in chunks of two rows (the caller commits each, as the import job does)."""
    return import_steps(
        session,
        kind=kind,
        content=csv_bytes(rows),
        filename="extract.csv",
        actor="cli",
        only_trust_id=None,
        trust_id=None,
        partial=False,
        max_bytes=1_000_000,
        check_chunk_size=2,
        apply_chunk_size=2,
    )


def _import(session, kind: str, rows: list[dict[str, str]]) -> None:  # type: ignore[no-untyped-def]
    """As the import job does: every step committed."""
    for _step in _steps(session, kind, rows):
        session.commit()


def _people() -> list[dict[str, str]]:
    return [
        assignment("30000001-1", "ann@rpg.example", **{"Assignment Start Date": "2023-01-01"}),
        assignment("30000002-1", "bob@rpg.example", **{"Org Code": "RV5", "Contracted FTE": "0.6"}),
        assignment("30000003-1", "cat@rpg.example", **{"AfC Band": "Band 6"}),
    ]


@pytest.fixture
def kept(session, demo_trusts):  # type: ignore[no-untyped-def]
    """Three people with sickness, and both roll-ups counted and kept from them (a full refresh)."""
    _import(session, ASSIGNMENTS, _people())
    _import(session, ABSENCES, [absence("30000001-1", "01/05/2024", "03/05/2024")])
    refresh_figures(session, "test", force=True)
    session.commit()
    assert figures_state(session).current
    return demo_trusts


@pytest.mark.parametrize("scan_for", [2_000, 0], ids=["looked up by index", "found by a scan"])
def test_an_import_keeps_the_rollups_current_chunk_by_chunk(session, kept, monkeypatch, scan_for):
    monkeypatch.setattr("passport.metrics.rollups._SCAN_FOR", scan_for)
    _import(
        session,
        ASSIGNMENTS,
        [
            # Ended (a leaver), a new person, and a change of band.
            assignment("30000001-1", "ann@rpg.example", **{"Assignment End Date": "30/06/2024"}),
            assignment("30000004-1", "dee@rpg.example", **{"Assignment Start Date": "2024-02-01"}),
            assignment("30000003-1", "cat@rpg.example", **{"AfC Band": "Band 7"}),
        ],
    )
    assert_kept_equal_a_full_count(session)
    _import(
        session,
        ABSENCES,
        [
            absence("30000001-1", "01/05/2024", "10/05/2024"),  # the stored one, longer
            absence("30000002-1", "28/02/2024", "02/03/2024"),  # across a month end
            absence("30000004-1", "01/03/2024", ""),  # open
            absence("30000003-1", "15/04/2024", "16/04/2024"),
        ],
    )
    assert_kept_equal_a_full_count(session)


def test_a_form_keeps_them_current_and_the_refresh_counts_only_the_dashboards(session, kept, monkeypatch):  # type: ignore[no-untyped-def]
    hr = UserFactory(role=Role.HR, trust=kept[0])
    post = session.query(Assignment).filter_by(assignment_number="30000003-1").one()
    record_absence(
        session,
        hr,
        post,
        first_day=date(2024, 6, 3),
        last_day=date(2024, 6, 7),
        category="SICKNESS",
        reason_code="S12",
    )
    session.commit()
    assert_kept_equal_a_full_count(session)
    assert not figures_state(session).current  # the dashboards kept are of the records before

    def counted_again(*_args):  # type: ignore[no-untyped-def]
        raise AssertionError("the roll-ups were counted again though they were current")

    monkeypatch.setattr(refresh_module, "count_rollups", counted_again)
    monkeypatch.setattr("passport.metrics.snapshots.rebuild_rollups", counted_again)
    refresh_figures(session, "test", force=False, recount=False)
    session.commit()
    assert figures_state(session).current


def test_a_change_that_went_round_them_leaves_them_to_a_full_count(session, kept):
    # A bulk write that announced nobody (not what the service does; a script might): the roll-ups can
    # no longer be trusted, and no later change makes them current again by itself.
    session.execute(update(Absence).values(last_day=date(2024, 5, 20)))
    session.commit()
    assert not rollups_kept_current(session, source_fingerprint(session))
    post = session.query(Assignment).filter_by(assignment_number="30000002-1").one()
    hr = UserFactory(role=Role.HR, trust=post.trust)
    record_absence(
        session, hr, post, first_day=date(2024, 7, 1), last_day=None, category="SICKNESS", reason_code="S10"
    )
    session.commit()
    assert not rollups_kept_current(session, source_fingerprint(session))
    # The refresh after it counts them again from every record.
    refresh_figures(session, "test", force=False, recount=False)
    session.commit()
    assert_kept_equal_a_full_count(session)


def test_a_full_recount_is_there_when_asked_for(session, kept):
    before = {s.name: s.built_at for s in session.query(RollupState)}
    refresh_figures(session, "test", force=True, recount=True)
    session.commit()
    after = {s.name: s.built_at for s in session.query(RollupState)}
    assert all(after[name] > before[name] for name in before)
    assert_kept_equal_a_full_count(session)


def test_an_import_counts_its_people_once_and_applies_them_after_its_last_chunk(session, kept, monkeypatch):
    from passport.metrics import upkeep

    counted: list[int] = []
    real = upkeep._contribution

    def counting(session_, rollup, upkeep_, name, people):  # type: ignore[no-untyped-def]
        counted.append(len(list(people)))
        return real(session_, rollup, upkeep_, name, people)

    monkeypatch.setattr(upkeep, "_contribution", counting)
    rows = [
        absence(number, "01/08/2024", "02/08/2024") for number in ("30000001-1", "30000002-1", "30000003-1")
    ]
    _import(session, ABSENCES, rows)  # two chunks, each committed
    # Before the first chunk and after the last, not before and after every chunk; and only the sickness
    # roll-up (absences do not move leavers or stability).
    assert counted == [3, 3]
    assert_kept_equal_a_full_count(session)


_CHANGES = {
    ABSENCES: [absence(n, "01/08/2024", "02/08/2024") for n in ("30000001-1", "30000002-1", "30000003-1")],
    # Both roll-ups: each counted before either is written.
    ASSIGNMENTS: [
        assignment("30000001-1", "ann@rpg.example", **{"Assignment End Date": "30/09/2024"}),
        assignment("30000002-1", "bob@rpg.example", **{"Org Code": "RV5", "Contracted FTE": "0.8"}),
        assignment("30000003-1", "cat@rpg.example", **{"AfC Band": "Band 7"}),
    ],
}


@contextmanager
def _watching(session, monkeypatch):  # type: ignore[no-untyped-def]
    """The upkeep's counts, the statements that write and the commits, in order, while the block runs:
    a list of "count", "write" and "commit"."""
    from sqlalchemy import event
    from sqlalchemy.orm import Session

    from passport.metrics import upkeep

    events: list[str] = []
    real = upkeep._contribution

    def counting(*args):  # type: ignore[no-untyped-def]
        events.append("count")
        return real(*args)

    def note_writes(_conn, _cursor, statement, *_args):  # type: ignore[no-untyped-def]
        if statement.lstrip().split(None, 1)[0].upper() in {"INSERT", "UPDATE", "DELETE"}:
            events.append("write")

    def note_commit(_session):  # type: ignore[no-untyped-def]
        events.append("commit")

    monkeypatch.setattr(upkeep, "_contribution", counting)
    event.listen(session.get_bind(), "before_cursor_execute", note_writes)
    event.listen(Session, "after_commit", note_commit)
    try:
        yield events
    finally:
        event.remove(session.get_bind(), "before_cursor_execute", note_writes)
        event.remove(Session, "after_commit", note_commit)


def _transactions(events: list[str]) -> tuple[list[str], list[str]]:
    """(the transaction that settled the import's upkeep: the last that counted, the one before it)."""
    transactions = [done.split() for done in " ".join(events).split("commit")]
    settling = max(i for i, done in enumerate(transactions) if "count" in done)
    return transactions[settling], transactions[settling - 1]


@pytest.mark.parametrize("kind", [ABSENCES, ASSIGNMENTS])
def test_an_imports_upkeep_is_settled_by_a_commit_of_its_own_that_counts_before_it_writes(
    session, kept, monkeypatch, kind
):  # type: ignore[no-untyped-def]
    """After an import's last chunk is committed, the upkeep it carried is settled in a transaction of
    its own that counts the file's people before it writes anything: SQLite hands a transaction its one
    write lock at its first write, so no form waits behind the counting."""
    with _watching(session, monkeypatch) as events:
        for _step in _steps(session, kind, _CHANGES[kind]):
            session.commit()
    settling, last_chunk = _transactions(events)
    counts = 2 if kind == ASSIGNMENTS else 1  # assignments move both roll-ups, absences the sickness one
    assert settling[:counts] == ["count"] * counts and set(settling[counts:]) == {"write"}
    assert "write" in last_chunk and "count" not in last_chunk
    assert_kept_equal_a_full_count(session)


def test_an_import_job_counts_its_upkeep_before_it_writes_its_progress(app, session, kept, monkeypatch):
    """As the import job runs it: each step is committed with the job's heartbeat and progress, written
    just before the commit. The upkeep after the last chunk is counted before those writes, so on SQLite
    the job's transaction takes the write lock only once the counting is done."""
    from passport.background.models import SUCCEEDED, Job
    from passport.background.runner import run_job
    from tests.functional.test_workforce_import_jobs import start

    job = start(session, ABSENCES, csv_bytes(_CHANGES[ABSENCES]), partial=False)
    with _watching(session, monkeypatch) as events:
        run_job(app, job.id)
    assert session.get(Job, job.id, populate_existing=True).status == SUCCEEDED
    settling, _last_chunk = _transactions(events)
    assert settling[0] == "count" and "write" in settling
    assert_kept_equal_a_full_count(session)


def test_a_change_between_an_imports_chunks_leaves_the_rollups_to_the_refresh(session, kept):
    rows = [absence(n, "01/08/2024", "02/08/2024") for n in ("30000001-1", "30000002-1", "30000003-1")]
    steps = _steps(session, ABSENCES, rows)
    written = 0
    for step in steps:
        session.commit()
        if step.stage == "applying" and step.done and not written:
            written = step.done
            # Between two chunks, a write that went round the upkeep (another process, say).
            session.execute(
                update(Absence).where(Absence.first_day == date(2024, 5, 1)).values(last_day=date(2024, 5, 9))
            )
            session.commit()
    assert written
    assert not rollups_kept_current(session, source_fingerprint(session))
    refresh_figures(session, "test", force=False, recount=False)
    session.commit()
    assert_kept_equal_a_full_count(session)


def test_a_refresh_between_an_imports_chunks_is_not_added_to_again_by_the_import(app, session, kept):
    """A refresh job may run between two of an import's chunks (the periodic check's, or one a form
    queued) and count the roll-ups again from the chunks written so far. The import's upkeep, counted
    before its first chunk, would then add those chunks a second time: it leaves the roll-ups to the
    refresh instead."""
    rows = [absence(n, "01/08/2024", "12/08/2024") for n in ("30000001-1", "30000002-1", "30000003-1")]
    refreshed = False
    for step in _steps(session, ABSENCES, rows):
        session.commit()
        if step.stage == "applying" and step.done and not refreshed:
            refreshed = True
            with app.extensions["passport_sessionmaker"]() as worker:  # the refresh job's own session
                refresh_figures(worker, "test", force=False, recount=False)
                worker.commit()
                assert rollups_kept_current(worker, source_fingerprint(worker))  # with the first chunk
    assert refreshed
    assert not rollups_kept_current(session, source_fingerprint(session))
    refresh_figures(session, "test", force=False, recount=False)
    session.commit()
    assert_kept_equal_a_full_count(session)


def test_roll_up_sums_read_earlier_in_a_transaction_follow_its_own_upkeep(session, kept):
    """The roll-up is read once a transaction for its sums (passport.metrics.rollup_cells); the upkeep
    writing it in that same transaction makes the next sums read it again."""
    from passport.metrics.operations import scope_for
    from passport.metrics.rollups import RecordSickness, RollupSickness
    from passport.metrics.upkeep import settle
    from tests.unit.metrics.conftest import month

    scope = scope_for(session, None)
    first, last = month("2024-01"), month("2024-12")
    before = RollupSickness(session, scope).trend(first, last)
    post = session.query(Assignment).filter_by(assignment_number="30000003-1").one()
    hr = UserFactory(role=Role.HR, trust=kept[0])
    record_absence(
        session, hr, post, first_day=date(2024, 6, 3), last_day=date(2024, 6, 7), category="SICKNESS",
        reason_code="S12",
    )  # fmt: skip
    settle(session)  # what the commit does, here inside the transaction
    after = RollupSickness(session, scope).trend(first, last)
    assert after != before
    assert after == RecordSickness(session, scope).trend(first, last)


def test_a_full_count_serves_the_sums_and_people_that_follow_from_what_it_read_and_wrote(
    session, kept, monkeypatch
):  # type: ignore[no-untyped-def]
    """A refresh counts the roll-ups and then the dashboards in one transaction: the dashboards sum the
    sickness rows just written, and build the people in post from the posts just read, without reading
    either again; and what they get is what reading them would give."""
    from itertools import combinations

    from passport.metrics import disclosure
    from passport.metrics.operations import scope_for
    from passport.metrics.recount import rebuild_rollups
    from passport.metrics.rollup_cells import KEYS, SicknessRollupCells, rollup_cells
    from tests.unit.metrics.conftest import month

    scope = scope_for(session, None)
    first, last = month("2023-01"), month("2024-12")
    fingerprint = source_fingerprint(session)
    session.info.pop(disclosure._KEPT, None)  # nothing kept by the fixture's refresh: a new session's state
    rebuild_rollups(session, fingerprint)
    read_back = SicknessRollupCells.read(session, first)
    posts = disclosure.placed_posts(session, scope)

    def no_read(*_args, **_kwargs):  # type: ignore[no-untyped-def]
        raise AssertionError("read again")

    monkeypatch.setattr(SicknessRollupCells, "read", no_read)
    monkeypatch.setattr(disclosure, "placed_posts", no_read)
    kept_cells = rollup_cells(session, first)
    people = disclosure.people_in_post(session, scope, first, last, fingerprint)
    for size in range(len(KEYS) + 1):
        for keys in combinations(KEYS, size):
            assert sorted(kept_cells.sums(scope, first, last, keys), key=repr) == sorted(
                read_back.sums(scope, first, last, keys), key=repr
            ), keys
    assert kept_cells.sums(scope, first, last, ())[0].available_e4 > 0
    assert people.asked == (first, last)
    assert (people.grid == disclosure.PeopleInPost(posts, scope.trust_ids, first, last).grid).all()
    assert people.grid.sum() > 0
