"""The sickness roll-up gives exactly the figures counted from the records, and is only used while it is
current and covers the months asked about."""

from __future__ import annotations

from datetime import date

import pytest

from passport.metrics.dashboard import dashboard_data
from passport.metrics.fingerprint import source_fingerprint
from passport.metrics.models import RollupState, SicknessRollup
from passport.metrics.operations import scope_for
from passport.metrics.queries import Period
from passport.metrics.rollups import (
    RecordRetention,
    RecordSickness,
    RollupRetention,
    RollupSickness,
    rebuild_retention_rollup,
    rebuild_sickness_rollup,
    retention_source,
    sickness_source,
)
from tests.unit.metrics.conftest import month
from tests.unit.metrics.test_retention_hand_worked import retention_world  # noqa: F401 (a fixture)
from tests.unit.metrics.test_sickness_hand_worked import sickness_world  # noqa: F401 (a fixture)


@pytest.fixture
def built(session, sickness_world):  # type: ignore[no-untyped-def]  # noqa: F811
    return rebuild_sickness_rollup(session, source_fingerprint(session))


def _scopes(session, demo_trusts):  # type: ignore[no-untyped-def]
    rpg = next(t for t in demo_trusts if t.ods_code == "RPG")
    return {
        "partnership": scope_for(session, None),
        "RPG": scope_for(session, rpg),
        "nurses at RPG": scope_for(session, rpg, ["NMR"]),
        "band 5 everywhere": scope_for(session, None, (), ["5"]),
    }


def test_every_sickness_series_from_the_rollup_equals_the_records(session, demo_trusts, built):
    first, last = month("2023-06"), month("2024-04")
    for name, scope in _scopes(session, demo_trusts).items():
        counted, summed = RecordSickness(session, scope), RollupSickness(session, scope)
        assert summed.trend(first, last) == counted.trend(first, last), name
        assert summed.reasons(first, last) == counted.reasons(first, last), name
        assert summed.by_trust(first, last) == counted.by_trust(first, last), name


def test_the_rollup_holds_february_by_hand(session, built):
    # RPG, February 2024 (see test_sickness_hand_worked): 13 FTE days lost of 60.4 available.
    rows = session.query(SicknessRollup).filter_by(month=month("2024-02")).all()
    lost = sum(r.fte_days_lost_e4 for r in rows)
    available = sum(r.fte_days_available_e4 for r in rows)
    # RPG 13 lost + RV5 2 (28-29 Feb); RPG 60.4 available + RV5 29.
    assert (lost, available) == (150_000, 894_000)
    reasons = {r.reason_code for r in rows if r.fte_days_lost_e4}
    assert reasons == {"S10", "S11", "S12", "S13"}


def test_the_rollup_is_used_only_while_current_and_covering(session, people, built):
    scope = scope_for(session, None)
    assert isinstance(sickness_source(session, scope, month("2024-01"), month("2024-12")), RollupSickness)
    state = session.get(RollupState, "sickness")
    too_early = state.first_month  # its rolling months would start before the roll-up does
    assert isinstance(sickness_source(session, scope, too_early, month("2024-12")), RecordSickness)
    assert isinstance(sickness_source(session, scope, month("2024-01"), state.last_month + 1), RecordSickness)
    (n9,) = people.person((people.rpg, date(2024, 1, 1), None, "1.0"))
    people.absence(n9, date(2024, 3, 1), date(2024, 3, 3), "S10")
    session.flush()
    assert isinstance(sickness_source(session, scope, month("2024-01"), month("2024-12")), RecordSickness)


@pytest.fixture
def mixed_world(people, retention_world):  # type: ignore[no-untyped-def]  # noqa: F811
    """The hand-worked leavers, with people in other staff groups and bands, and a nurse holding posts in
    two bands at once (one head in total, one in each band)."""
    rpg, rv5 = people.rpg, people.rv5
    people.person((rpg, date(2021, 1, 1), date(2024, 6, 30), "1.0", "employee", "AHP", "6"))
    people.person(
        (rpg, date(2020, 1, 1), None, "0.5", "employee", "NMR", "6"),
        (rpg, date(2020, 1, 1), date(2024, 8, 31), "0.5", "employee", "NMR", "7"),
    )
    people.person((rv5, date(2022, 1, 1), date(2024, 10, 31), "1.0", "employee", "AC", "3"))
    people.person((rv5, date(2023, 3, 1), None, "1.0", "employee", "NMR", None))


def test_every_retention_series_from_the_rollup_equals_the_records(session, demo_trusts, mixed_world):
    rebuild_retention_rollup(session, source_fingerprint(session))
    rpg, rv5 = demo_trusts
    windows = [Period(m - 11, m) for m in range(month("2024-01"), month("2025-03") + 1)]
    for name, scope in {
        "partnership": scope_for(session, None),
        "RPG": scope_for(session, rpg),
        "RV5": scope_for(session, rv5),
        "nurses at RPG": scope_for(session, rpg, ["NMR"]),
        "band 6 everywhere": scope_for(session, None, (), ["6"]),
        "band 7 nurses everywhere": scope_for(session, None, ["NMR"], ["7"]),
        "AHPs at RPG": scope_for(session, rpg, ["AHP"]),
    }.items():
        counted, summed = RecordRetention(session, scope), RollupRetention(session, scope)
        assert summed.leavers(windows, []) == counted.leavers(windows, []), name
        assert summed.stability(windows, []) == counted.stability(windows, []), name
        if scope.level == "partnership":
            assert summed.leavers(windows, ["trust"]) == counted.leavers(windows, ["trust"]), name
            assert summed.stability(windows, ["trust"]) == counted.stability(windows, ["trust"]), name
    # Leavers add up over months, so the roll-up answers shorter periods too: a half year, and each
    # single month (the SPC chart's), equal to counting the records.
    half_year = [Period(month("2024-01"), month("2024-06"))]
    single_months = [Period(m, m) for m in range(month("2023-04"), month("2025-03") + 1)]
    scope = scope_for(session, rpg)
    from_rollup = RollupRetention(session, scope).leavers(half_year, [])
    assert from_rollup == RecordRetention(session, scope).leavers(half_year, [])
    assert from_rollup[0].leavers == 3  # P2 (31 Mar), P3 (15 May) and the AHP (30 Jun) left RPG
    for scope in (scope_for(session, None), scope_for(session, rpg), scope_for(session, None, ["NMR"])):
        monthly = RollupRetention(session, scope).leavers(single_months, [])
        assert monthly == RecordRetention(session, scope).leavers(single_months, [])
        assert sum(cell.leavers for cell in monthly) > 0


def test_the_dashboard_from_the_rollups_equals_the_one_from_the_records(
    session,
    demo_trusts,
    mixed_world,
    sickness_world,  # noqa: F811
):
    first, last = month("2023-06"), month("2024-12")
    rpg = demo_trusts[0]
    counted = [
        dashboard_data(session, None, first, last, side_by_side=True),
        dashboard_data(session, rpg, first, last, staff_groups=("NMR",)),
    ]
    fingerprint = source_fingerprint(session)
    rebuild_sickness_rollup(session, fingerprint)
    rebuild_retention_rollup(session, fingerprint)
    assert isinstance(retention_source(session, scope_for(session, None), first, last), RollupRetention)
    summed = [
        dashboard_data(session, None, first, last, side_by_side=True),
        dashboard_data(session, rpg, first, last, staff_groups=("NMR",)),
    ]
    for before, after in zip(counted, summed, strict=True):
        for name, chart in before.charts.items():
            assert after.charts[name].rows == chart.rows, name


def _columns_of(read):  # type: ignore[no-untyped-def]
    """The absences read, as comparable rows (post, first, last, reason name), in order."""
    names = [read.reason_names[code] for code in read.reason.tolist()]
    return sorted(zip(read.post.tolist(), read.first.tolist(), read.last.tolist(), names, strict=True))


def test_sqlites_one_text_read_of_the_absences_equals_the_plain_read(session, sickness_world):  # noqa: F811
    """SQLite reads every sickness absence as one text of fixed-width records (an open one, a reason
    among them); the plain read of tuples gives the same columns, and serves when a value does not fit."""
    from sqlalchemy import update

    from passport.db import driver_rows
    from passport.metrics.rollup_counts import OPEN
    from passport.metrics.rollup_io import sqlite_sickness_absences
    from passport.metrics.rollups import _sickness_absences_query, sickness_absences
    from passport.metrics.sickness_counts import SicknessAbsences
    from passport.workforce.models import Absence

    if session.get_bind().dialect.name != "sqlite":
        pytest.skip("SQLite's own read; PostgreSQL reads the tuples")
    plain = SicknessAbsences.from_rows(driver_rows(session, _sickness_absences_query()))
    fast = sqlite_sickness_absences(session)
    assert fast is not None and len(fast.post) == 5
    assert _columns_of(fast) == _columns_of(plain)
    assert OPEN in fast.last.tolist()  # the open absence
    # A reason longer than the record's three characters (SQLite does not hold VARCHAR(3) to it).
    session.execute(update(Absence).where(Absence.reason_code == "S13").values(reason_code="S13X"))
    assert sqlite_sickness_absences(session) is None
    assert _columns_of(sickness_absences(session)) == _columns_of(
        SicknessAbsences.from_rows(driver_rows(session, _sickness_absences_query()))
    )


def test_postgresqls_byte_string_read_of_the_absences_equals_the_plain_read(
    session,
    sickness_world,  # noqa: F811
    monkeypatch,
):
    """PostgreSQL reads every sickness absence as byte strings of fixed-width records, joined by the
    server part by part (an open one among them); the plain read of tuples gives the
    same columns, and serves when a reason's bytes do not fit the record."""
    from sqlalchemy import update

    from passport.db import driver_rows
    from passport.metrics import cell_columns, rollup_io
    from passport.metrics.rollup_counts import OPEN
    from passport.metrics.rollups import _sickness_absences_query, sickness_absences
    from passport.metrics.sickness_counts import SicknessAbsences
    from passport.workforce.models import Absence

    if session.get_bind().dialect.name != "postgresql":
        pytest.skip("PostgreSQL's own read; SQLite's is tested above")
    plain = SicknessAbsences.from_rows(driver_rows(session, _sickness_absences_query()))
    monkeypatch.setattr(cell_columns, "_ROWS_A_PART", 2)  # several parts, joined in no set order
    fast = rollup_io.postgresql_sickness_absences(session)
    assert fast is not None and len(fast.post) == 5
    assert _columns_of(fast) == _columns_of(plain)
    assert OPEN in fast.last.tolist() and "S13" in fast.reason_names
    # Three characters in four bytes: the record would be a byte too long.
    session.execute(update(Absence).where(Absence.reason_code == "S13").values(reason_code="S1é"))
    assert rollup_io.postgresql_sickness_absences(session) is None
    assert _columns_of(sickness_absences(session)) == _columns_of(
        SicknessAbsences.from_rows(driver_rows(session, _sickness_absences_query()))
    )


@pytest.mark.parametrize("rows_a_part", [1, 2, 3, 1_000])
def test_postgresqls_packed_read_joins_every_matching_row_once_in_any_parts(
    session,
    sickness_world,  # noqa: F811
    monkeypatch,
    rows_a_part,
):
    """The rows a packed read joins are those a plain select finds, each once, whether they fall in one
    range of ids or in many (a part of one row, parts not aligned with the first id, a part left empty by
    deleted rows); an empty table, or none matching, gives none."""
    from sqlalchemy import BigInteger, cast, delete, func, select

    from passport.metrics import cell_columns
    from passport.workforce.models import Absence
    from passport.workforce.operations import SICKNESS

    if session.get_bind().dialect.name != "postgresql":
        pytest.skip("PostgreSQL's own read")
    monkeypatch.setattr(cell_columns, "_ROWS_A_PART", rows_a_part)
    ids = sorted(session.scalars(select(Absence.id)))
    session.execute(delete(Absence).where(Absence.id.in_(ids[1:3])))  # a gap among the ids
    record = func.int8send(cast(Absence.id, BigInteger))

    def packed_ids(*where):  # type: ignore[no-untyped-def]
        count, data = cell_columns.postgresql_packed(session, Absence.id, record, *where)
        read = sorted(int.from_bytes(data[at : at + 8], "big") for at in range(0, len(data), 8))
        assert count == len(read)
        return read

    assert packed_ids() == [ids[0], *ids[3:]]
    sick = Absence.category == SICKNESS
    assert packed_ids(sick) == sorted(session.scalars(select(Absence.id).where(sick)))
    assert packed_ids(Absence.category == "NONE SUCH") == []
    session.execute(delete(Absence))
    assert cell_columns.postgresql_packed(session, Absence.id, record) == (0, b"")


def test_a_reason_read_in_bulk_that_is_not_ascii_is_left_to_the_plain_read():
    """Three bytes of a reason that are not ASCII (a database in another encoding than UTF-8 sends 'é'
    as one byte): the bulk read gives way rather than guess what they are."""
    import numpy as np

    from passport.metrics.rollup_io import _absences

    columns = [np.array([1, 2], dtype=np.int64), np.array([10, 11]), np.array([12, 13])]
    assert _absences(*columns, np.array([b"S13", b"S12"], dtype="S3")).reason_names == ["S12", "S13"]
    assert _absences(*columns, np.array([b"S13", b"S\xe9 "], dtype="S3")) is None


def test_a_full_recount_writes_only_the_cells_that_differ(session, built):
    """A recount finding what is kept leaves the rows as they are (the same ids); one cell gone wrong is
    put right, one missing is added and one too many removed, and the rest are not rewritten."""
    from sqlalchemy import delete, event, select, update

    def kept():  # type: ignore[no-untyped-def]
        session.expire_all()
        return {
            (r.month, r.trust_id, r.staff_group, r.band, r.reason_code, r.term): (r.id, r.fte_days_lost_e4)
            for r in session.scalars(select(SicknessRollup))
        }

    emptied = []

    def note_emptying(_conn, _cursor, statement, *_args):  # type: ignore[no-untyped-def]
        if statement.startswith("DELETE FROM sickness_rollup") and "WHERE" not in statement:
            emptied.append(statement)

    event.listen(session.get_bind(), "before_cursor_execute", note_emptying)
    before = kept()
    rebuild_sickness_rollup(session, source_fingerprint(session))
    assert kept() == before  # nothing written: every id as it was
    ids = sorted(row_id for row_id, _lost in before.values())
    session.execute(update(SicknessRollup).where(SicknessRollup.id == ids[0]).values(fte_days_lost_e4=1))
    session.execute(delete(SicknessRollup).where(SicknessRollup.id == ids[1]))
    stray = SicknessRollup(
        month=month("2024-02"), trust_id=before and next(iter(before))[1], staff_group="ZZ", band=None,
        reason_code=None, term=None, fte_days_lost_e4=0, fte_days_available_e4=1, episodes=0,
    )  # fmt: skip
    session.add(stray)
    session.flush()
    rebuild_sickness_rollup(session, source_fingerprint(session))
    after = kept()
    assert {key: lost for key, (_id, lost) in after.items()} == {
        key: lost for key, (_id, lost) in before.items()
    }
    unchanged = [key for key, (row_id, _lost) in before.items() if row_id not in ids[:2]]
    assert all(after[key][0] == before[key][0] for key in unchanged)
    event.remove(session.get_bind(), "before_cursor_execute", note_emptying)
    assert emptied == []  # never emptied and filled again


def test_the_cells_kept_are_read_numbered_as_the_cells_counted(session, built):
    """The database numbers the kept cells' names as the count numbers its own (held_columns), so the two
    are told equal from integers; a name the count does not have is numbered -1, and tells them apart."""
    from passport.metrics.cell_columns import held_columns, same_cells
    from passport.metrics.rollups import CELL_COLUMNS, SICKNESS_ROLLUP, count_sickness_rollup

    keys, figures = CELL_COLUMNS[SICKNESS_ROLLUP]
    counted = count_sickness_rollup(session).cells
    held = held_columns(session, SicknessRollup, (*keys, *figures), counted)
    kept = {tuple(getattr(row, name) for name in (*keys, *figures)) for row in session.query(SicknessRollup)}
    read = {
        tuple(counted.names[name][code] if name in counted.names else code for name, code in zip(
            (*keys, *figures), values, strict=True
        ))
        for values in zip(*(held[name].tolist() for name in (*keys, *figures)), strict=True)
    }  # fmt: skip
    assert len(kept) > 10 and read == kept
    assert same_cells(held, counted, keys)
    session.add(
        SicknessRollup(
            month=month("2024-02"), trust_id=next(iter(kept))[1], staff_group="ZZ", band=None,
            reason_code=None, term=None, fte_days_lost_e4=0, fte_days_available_e4=1, episodes=0,
        )
    )  # fmt: skip
    session.flush()
    held = held_columns(session, SicknessRollup, (*keys, *figures), counted)
    assert held["staff_group"].tolist().count(-1) == 1
    assert not same_cells(held, counted, keys)


def test_a_full_recount_covers_the_months_the_sickness_absences_reach(session, sickness_world, people):  # noqa: F811
    """A full recount starts from the latest first day of a sickness absence (an index seek a trust, past
    later annual leave) and learns from the absences it reads whether one ends in a later month: then both
    roll-ups reach that month, retention counted again for it. Either way, the months rollup_months gives."""
    from datetime import timedelta

    from passport.metrics.queries import month_index
    from passport.metrics.recount import count_rollups
    from passport.metrics.rollup_months import months_before_the_absences, rollup_months

    assert months_before_the_absences(session) == rollup_months(session)  # RPG's latest is annual leave
    assert {counted.covered for counted in count_rollups(session)} == {rollup_months(session)}
    (post,) = people.person((people.rpg, date(2023, 1, 1), None, "1.0"))
    ends = date.today() + timedelta(days=400)
    people.absence(post, date(2024, 1, 8), ends, "S12")
    session.flush()
    covered = rollup_months(session)
    assert covered.last_month == month_index(ends) and months_before_the_absences(session) != covered
    for counted in count_rollups(session):
        assert counted.covered == covered, counted.name
        assert int(counted.cells.values["month"].max()) == covered.last_month, counted.name
