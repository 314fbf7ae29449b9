"""Factories for workforce records (assignments, absences) and published benchmark rows."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import factory

from passport.metrics.models import PublishedSickness
from passport.workforce.models import Absence, Assignment
from tests.support.factories import StaffMemberFactory, _Base, register


class AssignmentFactory(_Base):
    class Meta:
        model = Assignment

    staff_member = factory.SubFactory(StaffMemberFactory)
    trust = factory.LazyAttribute(lambda o: o.staff_member.trust)
    assignment_number = factory.Sequence(lambda n: f"{10000000 + n}-1")
    staff_group = "NMR"
    job_role = "Staff Nurse"
    afc_band = "5"
    contracted_fte = Decimal("1.0")
    person_type = "employee"
    start_date = date(2023, 4, 1)
    end_date = None
    leaving_reason = None


class AbsenceFactory(_Base):
    class Meta:
        model = Absence

    assignment = factory.SubFactory(AssignmentFactory)
    trust_id = factory.LazyAttribute(lambda o: o.assignment.trust_id)
    first_day = date(2024, 5, 1)
    last_day = date(2024, 5, 3)
    category = "SICKNESS"
    reason_code = "S12"


class PublishedSicknessFactory(_Base):
    class Meta:
        model = PublishedSickness

    month = date(2024, 4, 1)
    org_code = "RPG"
    org_name = "Oxleas NHS Foundation Trust"
    org_type = "Mental Health and Learning Disability"
    region_code = "Y56"
    region_name = "London"
    ics_code = "QKK"
    ics_name = "NHS South East London Integrated Care Board"
    fte_days_lost = Decimal("5000")
    fte_days_available = Decimal("100000")


register(AssignmentFactory, AbsenceFactory, PublishedSicknessFactory)
