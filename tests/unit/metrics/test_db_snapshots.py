"""Dashboard snapshots: shown while the records are unchanged, counted again as soon as they change."""

from __future__ import annotations

import io
from datetime import date

import pytest
from sqlalchemy import func, select

from passport.metrics import snapshots
from passport.metrics.benchmark import import_published_sickness
from passport.metrics.models import DashboardSnapshot
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


def _count_afresh(monkeypatch) -> list[int]:  # type: ignore[no-untyped-def]
    """Counts how often the dashboard is counted from the records rather than read from its snapshot."""
    calls: list[int] = []
    original = snapshots.dashboard_data

    def counting(*args, **kwargs):  # type: ignore[no-untyped-def]
        calls.append(1)
        return original(*args, **kwargs)

    monkeypatch.setattr(snapshots, "dashboard_data", counting)
    return calls


def test_a_kept_dashboard_is_shown_again_with_the_same_figures(session, demo_trusts, nurses, monkeypatch):
    rpg, _ = demo_trusts
    counted = _count_afresh(monkeypatch)
    first = snapshots.dashboard(session, rpg, FIRST, APRIL, as_of=AS_OF)
    again = snapshots.dashboard(session, rpg, FIRST, APRIL, as_of=AS_OF)
    assert len(counted) == 1
    assert again.title == first.title and again.period == first.period
    for name, chart in first.charts.items():
        kept = again.charts[name]
        assert kept.columns == chart.columns and kept.kind == chart.kind
        # Same values and same types: Decimals come back as Decimals, exactly.
        assert [[(k, type(v), v) for k, v in row.items()] for row in kept.rows] == [
            [(k, type(v), v) for k, v in row.items()] for row in chart.rows
        ]
    # 6 FTE days lost of 20 x 30 available in April.
    assert str(_april_rate(again)) == "1.00"


def test_a_new_absence_makes_the_dashboard_count_again(session, demo_trusts, nurses, monkeypatch):
    rpg, _ = demo_trusts
    counted = _count_afresh(monkeypatch)
    snapshots.dashboard(session, rpg, FIRST, APRIL, as_of=AS_OF)
    AbsenceFactory(assignment=nurses[1], first_day=date(2024, 4, 10), last_day=date(2024, 4, 15))
    session.flush()
    board = snapshots.dashboard(session, rpg, FIRST, APRIL, as_of=AS_OF)
    assert len(counted) == 2
    assert str(_april_rate(board)) == "2.00"  # 12 of 600
    assert session.scalar(select(func.count()).select_from(DashboardSnapshot)) == 1  # replaced, not added


def test_a_changed_absence_makes_the_dashboard_count_again(session, demo_trusts, nurses):
    rpg, _ = demo_trusts
    before = snapshots.dashboard(session, rpg, FIRST, APRIL, as_of=AS_OF)
    absence = nurses[0]
    ongoing = AbsenceFactory(assignment=absence, first_day=date(2024, 4, 20), last_day=date(2024, 4, 20))
    session.flush()
    middle = snapshots.dashboard(session, rpg, FIRST, APRIL, as_of=AS_OF)
    ongoing.last_day = date(2024, 4, 22)  # an update: same number of rows, same highest id
    session.flush()
    after = snapshots.dashboard(session, rpg, FIRST, APRIL, as_of=AS_OF)
    assert [str(_april_rate(b)) for b in (before, middle, after)] == ["1.00", "1.17", "1.50"]


def test_a_corrected_published_figure_makes_the_dashboard_count_again(session, demo_trusts, nurses):
    def publish(lost: str) -> None:
        csv = f"{HEADER}\n{line(lost=lost)}\n".encode()
        import_published_sickness(session, [("april.csv", io.BytesIO(csv))], actor=None)
        session.flush()

    publish("6113.03626")
    fingerprint = snapshots.source_fingerprint(session)
    publish("6113.03626")  # the same file again changes nothing
    assert snapshots.source_fingerprint(session) == fingerprint
    publish("6200.00000")  # NHS England corrected the figure: same rows, one updated
    assert snapshots.source_fingerprint(session) != fingerprint


def test_different_questions_are_kept_apart(session, demo_trusts, nurses):
    rpg, rv5 = demo_trusts
    snapshots.dashboard(session, rpg, FIRST, APRIL, as_of=AS_OF)
    snapshots.dashboard(session, rv5, FIRST, APRIL, as_of=AS_OF)
    snapshots.dashboard(session, rpg, FIRST, APRIL, staff_groups=("NMR",), as_of=AS_OF)
    snapshots.dashboard(session, rpg, FIRST, APRIL, as_of=date(2024, 6, 1))
    assert session.scalar(select(func.count()).select_from(DashboardSnapshot)) == 4


def test_the_usual_dashboards_are_counted_ahead(session, demo_trusts, nurses, monkeypatch):
    assert snapshots.refresh_usual_dashboards(session) == 5  # the partnership, and each trust both ways
    counted = _count_afresh(monkeypatch)
    rpg, _ = demo_trusts
    usual = snapshots.default_period(session, rpg, [t.id for t in demo_trusts])
    assert usual.last_month == APRIL  # the latest absence on record
    board = snapshots.dashboard(session, rpg, usual.first_month, usual.last_month)
    assert counted == []
    assert str(_april_rate(board)) == "1.00"
