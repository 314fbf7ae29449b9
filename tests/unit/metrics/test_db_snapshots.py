"""Dashboard snapshots: kept by the refresh, shown while the records are unchanged; a page view only reads
(the last kept figures, said to be older, while the records have changed and a refresh is on its way)."""

from __future__ import annotations

import io
import json
from datetime import date

import pytest
from sqlalchemy import func, select

from passport.metrics import operations, snapshots
from passport.metrics.benchmark import import_published_sickness
from passport.metrics.dashboard import dashboard_data
from passport.metrics.fingerprint import source_fingerprint
from passport.metrics.models import DashboardSnapshot
from passport.metrics.operations import earliest_recorded_month, latest_recorded_month
from tests.support.factories import StaffMemberFactory
from tests.support.workforce_factories import AbsenceFactory, AssignmentFactory
from tests.unit.metrics.conftest import month
from tests.unit.metrics.test_published_parser import HEADER, line

APRIL, FIRST = month("2024-04"), month("2023-05")
AS_OF = date(2024, 5, 1)


@pytest.fixture
def nurses(session, demo_trusts):  # type: ignore[no-untyped-def]
    rpg, _rv5 = demo_trusts
    made = [
        AssignmentFactory(staff_member=StaffMemberFactory(trust=rpg), start_date=date(2023, 1, 1))
        for _ in range(20)
    ]
    AbsenceFactory(assignment=made[0], first_day=date(2024, 4, 1), last_day=date(2024, 4, 6))
    session.flush()
    return made


def _april_rate(board):  # type: ignore[no-untyped-def]
    return next(r for r in board.charts["sickness-trend"].rows if r["month"] == "2024-04")["rate_percent"]


def _snapshots(session) -> int:  # type: ignore[no-untyped-def]
    return session.scalar(select(func.count()).select_from(DashboardSnapshot))


def test_a_kept_dashboard_is_shown_again_with_exactly_its_figures(session, demo_trusts, nurses):
    rpg, _ = demo_trusts
    counted = snapshots.keep_dashboard(session, rpg, FIRST, APRIL, source_fingerprint(session), as_of=AS_OF)
    shown = snapshots.dashboard(session, rpg, FIRST, APRIL, as_of=AS_OF)
    assert shown.current
    assert shown.board.title == counted.title and shown.board.period == counted.period
    for name, chart in counted.charts.items():
        kept = shown.board.charts[name]
        assert kept.columns == chart.columns and kept.kind == chart.kind
        # Same values and same types: Decimals come back as Decimals, exactly.
        assert [[(k, type(v), v) for k, v in row.items()] for row in kept.rows] == [
            [(k, type(v), v) for k, v in row.items()] for row in chart.rows
        ]
    # 6 FTE days lost of 20 x 30 available in April.
    assert str(_april_rate(shown.board)) == "1.00"


def test_a_page_view_keeps_nothing(session, demo_trusts, nurses):
    rpg, _ = demo_trusts
    shown = snapshots.dashboard(session, rpg, FIRST, APRIL, as_of=AS_OF)
    assert shown.current and str(_april_rate(shown.board)) == "1.00"  # counted from the records
    assert _snapshots(session) == 0
    assert not session.new and not session.dirty


def test_a_view_nobody_keeps_is_counted_from_the_current_rollups(session, demo_trusts, nurses):
    rpg, _ = demo_trusts
    snapshots.refresh_usual_dashboards(session)
    kept = _snapshots(session)
    shown = snapshots.dashboard(session, rpg, FIRST, APRIL, staff_groups=("NMR",), as_of=AS_OF)
    assert shown.current
    recounted = dashboard_data(session, rpg, FIRST, APRIL, staff_groups=("NMR",), as_of=AS_OF)
    assert shown.board.charts == recounted.charts
    assert _snapshots(session) == kept


def test_a_changed_absence_moves_the_fingerprint(session, nurses):
    before = source_fingerprint(session)
    ongoing = AbsenceFactory(assignment=nurses[0], first_day=date(2024, 4, 20), last_day=date(2024, 4, 20))
    session.flush()
    middle = source_fingerprint(session)
    ongoing.last_day = date(2024, 4, 22)  # an update: same number of rows, same highest id
    session.flush()
    assert len({before, middle, source_fingerprint(session)}) == 3


def test_a_corrected_published_figure_moves_the_fingerprint(session, demo_trusts, nurses):
    def publish(lost: str) -> None:
        csv = f"{HEADER}\n{line(lost=lost)}\n".encode()
        import_published_sickness(session, [("april.csv", io.BytesIO(csv))], actor=None)
        session.flush()

    publish("6113.03626")
    fingerprint = source_fingerprint(session)
    publish("6113.03626")  # the same file again changes nothing
    assert source_fingerprint(session) == fingerprint
    publish("6200.00000")  # NHS England corrected the figure: same rows, one updated
    assert source_fingerprint(session) != fingerprint


def test_different_questions_are_kept_apart(session, demo_trusts, nurses):
    rpg, rv5 = demo_trusts
    fingerprint = source_fingerprint(session)
    snapshots.keep_dashboard(session, rpg, FIRST, APRIL, fingerprint, as_of=AS_OF)
    snapshots.keep_dashboard(session, rv5, FIRST, APRIL, fingerprint, as_of=AS_OF)
    snapshots.keep_dashboard(session, rpg, FIRST, APRIL, fingerprint, side_by_side=True, as_of=AS_OF)
    snapshots.keep_dashboard(session, rpg, FIRST, APRIL, fingerprint, as_of=date(2024, 6, 1))
    snapshots.keep_dashboard(session, rpg, FIRST, APRIL, fingerprint, as_of=AS_OF)  # the same again
    assert _snapshots(session) == 4


def test_a_refresh_keeps_each_trusts_dashboard_alone_and_beside_its_partners(session, demo_trusts, nurses):
    # Counted once beside the partners; kept alone as well, exactly as counting it alone gives.
    snapshots.refresh_usual_dashboards(session)
    rpg, _ = demo_trusts
    period = snapshots.default_period(session, rpg, [t.id for t in demo_trusts])
    today = date.today()
    for side_by_side in (False, True):
        key = snapshots.snapshot_key(rpg, period.first_month, period.last_month, (), (), side_by_side, today)
        kept = session.get(DashboardSnapshot, key)
        counted = dashboard_data(
            session, rpg, period.first_month, period.last_month, side_by_side=side_by_side, as_of=today
        )
        assert kept is not None and kept.title == counted.title
        assert kept.charts == json.loads(json.dumps(snapshots._charts_to_json(counted.charts)))
        assert ("partner-trusts" in kept.charts) is side_by_side
    assert _snapshots(session) == 5  # the partnership's, and each of the two trusts' alone and beside


def test_a_full_recount_builds_the_grid_of_people_in_post_once_beside_its_count(
    session, demo_trusts, nurses, monkeypatch
):  # type: ignore[no-untyped-def]
    """The grid that decides which figures may be shown is built in the recount's second thread, over the
    months every usual dashboard asks about: none of them builds another."""
    import threading

    from passport.metrics.disclosure import PeopleInPost

    built = []
    real_init = PeopleInPost.__init__

    def noting(self, posts, trust_ids, first_month, last_month):  # type: ignore[no-untyped-def]
        built.append((threading.current_thread() is threading.main_thread(), first_month, last_month))
        real_init(self, posts, trust_ids, first_month, last_month)

    monkeypatch.setattr(PeopleInPost, "__init__", noting)
    snapshots.refresh_usual_dashboards(session, recount=True)
    months = snapshots.usual_people_months(session)
    assert built == [(False, months.first_month, months.last_month)]


@pytest.mark.parametrize("trusts_a_query", [400, 1])  # 1: each trust asked in a query of its own
def test_the_records_begin_and_end_with_whichever_trust_holds_the_absence(
    session, people, demo_trusts, monkeypatch, trusts_a_query
):
    monkeypatch.setattr(operations, "_TRUSTS_A_QUERY", trusts_a_query)
    rpg, rv5 = demo_trusts
    (at_rpg,) = people.person((rpg, date(2020, 1, 1), None, 1))
    (at_rv5,) = people.person((rv5, date(2020, 1, 1), None, 1))
    people.absence(at_rpg, date(2021, 3, 2), date(2021, 3, 3))
    people.absence(at_rpg, date(2023, 1, 9), None)
    people.absence(at_rv5, date(2021, 5, 2), date(2021, 5, 2))
    people.absence(at_rv5, date(2024, 7, 9), date(2024, 7, 9), category="ANNUAL_LEAVE")
    session.flush()
    for trust_ids in ([rpg.id, rv5.id], [rv5.id, rpg.id]):
        assert earliest_recorded_month(session, trust_ids) == month("2021-03")
        assert latest_recorded_month(session, trust_ids) == month("2024-07")
    assert (earliest_recorded_month(session, [rv5.id]), latest_recorded_month(session, [rpg.id])) == (
        month("2021-05"),
        month("2023-01"),
    )
    assert earliest_recorded_month(session, []) is None and latest_recorded_month(session, []) is None
