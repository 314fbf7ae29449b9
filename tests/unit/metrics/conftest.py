"""Helpers for the metric tests: people with assignments and absences, made with the factories."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from passport.metrics.operations import scope_for
from passport.metrics.queries import Period, month_index
from tests.support.factories import StaffMemberFactory
from tests.support.workforce_factories import AbsenceFactory, AssignmentFactory


def month(text: str) -> int:
    year, number = text.split("-")
    return month_index(date(int(year), int(number), 1))


def period(first: str, last: str | None = None) -> Period:
    return Period(month(first), month(last or first))


class People:
    """Makes a person and her assignments: ``person(trust, (start, end, fte[, kind, group, band]), ...)``."""

    def __init__(self, trusts):  # type: ignore[no-untyped-def]
        self.rpg, self.rv5 = trusts

    def person(self, *spans, **staff):  # type: ignore[no-untyped-def]
        first_trust = spans[0][0]
        member = StaffMemberFactory(trust=first_trust, **staff)
        made = []
        for span in spans:
            trust, start, end, fte, *rest = span
            kind = rest[0] if len(rest) > 0 else "employee"
            group = rest[1] if len(rest) > 1 else "NMR"
            band = rest[2] if len(rest) > 2 else "5"
            made.append(
                AssignmentFactory(
                    staff_member=member,
                    trust=trust,
                    start_date=start,
                    end_date=end,
                    contracted_fte=Decimal(str(fte)),
                    person_type=kind,
                    staff_group=group,
                    afc_band=band,
                )
            )
        return made

    @staticmethod
    def absence(assignment, first, last, reason="S10", category="SICKNESS"):  # type: ignore[no-untyped-def]
        return AbsenceFactory(
            assignment=assignment,
            first_day=first,
            last_day=last,
            category=category,
            reason_code=reason if category == "SICKNESS" else None,
        )


@pytest.fixture
def people(demo_trusts):  # type: ignore[no-untyped-def]
    return People(demo_trusts)


@pytest.fixture
def scopes(session, demo_trusts):  # type: ignore[no-untyped-def]
    rpg, rv5 = demo_trusts
    return {
        "RPG": scope_for(session, rpg),
        "RV5": scope_for(session, rv5),
        "partnership": scope_for(session, None),
    }
