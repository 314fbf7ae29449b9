"""Worlds of records shared by the metrics tests of this folder."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from tests.support.factories import StaffMemberFactory
from tests.support.workforce_factories import AbsenceFactory, AssignmentFactory


@pytest.fixture
def steady_then_a_bad_month(session, demo_trusts):  # type: ignore[no-untyped-def]
    """Twenty full-time nurses at RPG. Each month of 2024 one of them is off sick for 2 days, then in
    December five are off for 10 days each: 50 of 620 FTE days (8.06%), far outside the usual ~0.33%."""
    rpg, rv5 = demo_trusts
    nurses = [
        AssignmentFactory(staff_member=StaffMemberFactory(trust=rpg), start_date=date(2023, 1, 1))
        for _ in range(20)
    ]
    for _ in range(6):  # enough at RV5 that the partnership less RPG is not a handful of people
        AssignmentFactory(staff_member=StaffMemberFactory(trust=rv5), start_date=date(2023, 1, 1))
    for month in range(1, 12):
        first = date(2024, month, 3)
        AbsenceFactory(assignment=nurses[month], first_day=first, last_day=first + timedelta(days=1))
    for nurse in nurses[:5]:
        AbsenceFactory(assignment=nurse, first_day=date(2024, 12, 2), last_day=date(2024, 12, 11))
    return nurses
