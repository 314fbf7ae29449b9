"""Anonymising a leaver changes no figure (issue 17): the dashboards, counted again from the records after
the retention job and a full refresh, equal those counted before."""

from __future__ import annotations

from datetime import date

from sqlalchemy import delete, select

from passport.metrics.dashboard import dashboard_data
from passport.metrics.models import RetentionRollup, RollupState, SicknessRollup
from passport.metrics.queries import month_index
from passport.metrics.refresh import refresh_figures
from passport.record_keeping.operations import apply_retention
from passport.record_keeping.schedule import RetentionSchedule
from passport.trusts.models import StaffMember
from tests.support.factories import StaffMemberFactory
from tests.support.workforce_factories import AbsenceFactory, AssignmentFactory

FIRST, LAST = month_index(date(2019, 1, 1)), month_index(date(2021, 12, 1))


def _cells(session, model):  # type: ignore[no-untyped-def]
    columns = [c for c in model.__table__.c if c.name != "id"]  # a rebuild numbers its rows anew
    return sorted(tuple(str(v) for v in row) for row in session.execute(select(*columns)).all())


def _figures(session, trusts):  # type: ignore[no-untyped-def]
    rollups = (_cells(session, SicknessRollup), _cells(session, RetentionRollup))
    boards = [dashboard_data(session, trust, FIRST, LAST, suppress=False) for trust in (None, *trusts)]
    return rollups, boards


def test_figures_are_the_same_after_a_leaver_is_anonymised_and_everything_is_counted_again(
    session, demo_trusts
):
    rpg, rv5 = demo_trusts
    for trust in [rpg] * 12 + [rv5] * 4:
        post = AssignmentFactory(staff_member=StaffMemberFactory(trust=trust), start_date=date(2015, 1, 1))
        AbsenceFactory(
            assignment=post, first_day=date(2020, 3, 2), last_day=date(2020, 3, 9), reason_code="S12"
        )
    leaver = StaffMemberFactory(trust=rpg, date_of_birth=date(1945, 1, 1))
    post = AssignmentFactory(
        staff_member=leaver, start_date=date(2010, 1, 1), end_date=date(2020, 6, 30), leaving_reason="retired"
    )
    AbsenceFactory(
        assignment=post, first_day=date(2019, 11, 4), last_day=date(2019, 11, 20), reason_code="S10"
    )
    session.flush()
    refresh_figures(session, "before")
    before = _figures(session, demo_trusts)
    assert any(before[0][1]) and before[1][0].charts  # there are figures to compare

    report = apply_retention(session, RetentionSchedule(), date(2026, 7, 1))
    assert report.gone["staff_records"] == 1
    assert session.scalar(select(StaffMember.anonymised_at).where(StaffMember.id == leaver.id)) is not None
    refresh_figures(session, "after")  # a full count from the records
    assert _figures(session, demo_trusts) == before
    session.execute(delete(RollupState))  # and counted from the records alone, roll-ups set aside
    assert [dashboard_data(session, t, FIRST, LAST, suppress=False) for t in (None, rpg, rv5)] == before[1]
