"""The roll-ups kept by the changes themselves (passport.metrics.upkeep) always equal a full count.

Random sequences of changes to the records, each made through the ORM as the forms and the API make
them, or through the import's bulk writes with its announcement: a person made with a post, a post
added (own, bank or secondee, at either trust), a post ended, changed (FTE, band, start), moved to another
person or deleted, an
absence added, ended, changed or deleted, a sickness absence after every month covered (the roll-ups
reach further), an absence written in bulk, and a change that fails half way (rolled back). After each,
the kept rows of both roll-ups are exactly those a full count over the months they cover gives.
"""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal
from typing import Any
from uuid import uuid4

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import insert, select

from passport.metrics.fingerprint import source_fingerprint
from passport.metrics.models import RetentionRollup, RollupState, SicknessRollup
from passport.metrics.queries import Period, month_of
from passport.metrics.rollups import (
    RETENTION_ROLLUP,
    SICKNESS_ROLLUP,
    rebuild_retention_rollup,
    rebuild_sickness_rollup,
    retention_rows,
    rollups_kept_current,
    sickness_rows,
)
from passport.metrics.upkeep import ROLLUPS, settle
from passport.trusts.models import StaffMember
from passport.workforce.models import Absence, Assignment
from passport.workforce.signals import announce_records_changing
from tests.support.factories import StaffMemberFactory
from tests.support.workforce_factories import AssignmentFactory

FIRST = date(2023, 10, 1)
SPAN = 500  # days from FIRST over which records start
FTES = ["0.4", "0.6", "1.0"]
BANDS = ["5", "6", None]
GROUPS = ["NMR", "ACS"]
REASONS = ["S10", "S12", "S13"]

offset = st.integers(0, SPAN)
length = st.one_of(st.none(), st.integers(0, 120))
pick = st.integers(0, 1_000)  # which of the records there are (modulo their number)
post_values = st.tuples(
    st.booleans(),  # at the first trust (else the second)
    offset,
    length,
    st.sampled_from(FTES),
    st.sampled_from(["employee", "employee", "bank", "secondee"]),
    st.sampled_from(GROUPS),
    st.sampled_from(BANDS),
)
absence_values = st.tuples(
    offset, length, st.sampled_from(["SICKNESS", "SICKNESS", "ANNUAL_LEAVE"]), st.sampled_from(REASONS)
)
steps = st.one_of(
    st.tuples(st.just("new person"), post_values),
    st.tuples(st.just("add post"), pick, post_values),
    st.tuples(st.just("end post"), pick, st.integers(0, 200)),
    st.tuples(st.just("change post"), pick, st.sampled_from(FTES), st.sampled_from(BANDS), offset),
    st.tuples(st.just("delete post"), pick),
    st.tuples(st.just("move post"), pick, pick),
    st.tuples(st.just("add absence"), pick, absence_values),
    st.tuples(st.just("end absence"), pick, st.integers(0, 60)),
    st.tuples(st.just("change absence"), pick, st.sampled_from(REASONS), offset),
    st.tuples(st.just("delete absence"), pick),
    st.tuples(st.just("absence after the months covered"), pick, st.integers(1, 80)),
    st.tuples(st.just("bulk absence"), pick, absence_values),
    st.tuples(st.just("failing change"), pick, absence_values),
)


def _day(days: int) -> date:
    return FIRST + timedelta(days=days)


def _kept(session, model, rollup) -> dict[tuple[Any, ...], tuple[int, ...]]:  # type: ignore[no-untyped-def]
    return {
        tuple(getattr(row, k) for k in rollup.keys): tuple(getattr(row, f) for f in rollup.figures)
        for row in session.scalars(select(model))
    }


def _counted(rows, rollup) -> dict[tuple[Any, ...], tuple[int, ...]]:  # type: ignore[no-untyped-def]
    return {tuple(r[k] for k in rollup.keys): tuple(r[f] for f in rollup.figures) for r in rows}


def assert_kept_equal_a_full_count(session) -> None:  # type: ignore[no-untyped-def]
    fingerprint = source_fingerprint(session)
    for name, model, count in (
        (SICKNESS_ROLLUP, SicknessRollup, sickness_rows),
        (RETENTION_ROLLUP, RetentionRollup, retention_rows),
    ):
        state = session.get(RollupState, name)
        session.refresh(state)
        # Kept current, over every month they should cover: the dashboard uses them, and the refresh
        # after the change counts only the dashboards from them.
        assert state.source_fingerprint == fingerprint, name
        assert rollups_kept_current(session, fingerprint), name
        covered = Period(state.first_month, state.last_month)
        assert _kept(session, model, ROLLUPS[name]) == _counted(count(session, covered), ROLLUPS[name]), name


class World:
    def __init__(self, session, trusts) -> None:  # type: ignore[no-untyped-def]
        self.session = session
        self.trusts = trusts

    def _nth(self, model, n):  # type: ignore[no-untyped-def]
        found = list(self.session.scalars(select(model).order_by(model.id)))
        return found[n % len(found)] if found else None

    def post(self, person, values) -> Assignment:  # type: ignore[no-untyped-def]
        first_trust, start, days, fte, kind, group, band = values
        return AssignmentFactory(
            staff_member=person,
            trust=self.trusts[0] if first_trust else self.trusts[1],
            start_date=_day(start),
            end_date=None if days is None else _day(start + days),
            contracted_fte=Decimal(fte),
            person_type=kind,
            staff_group=group,
            afc_band=band,
        )

    def free_day(self, post, first: date, category: str, but=None) -> date:  # type: ignore[no-untyped-def]
        """``first`` or the next day on which no absence of the kind starts on the post (one per day)."""
        self.session.flush()
        taken = set(
            self.session.scalars(
                select(Absence.first_day).where(
                    Absence.assignment_id == post.id, Absence.category == category, Absence.id != but
                )
            )
        )
        while first in taken:
            first += timedelta(days=1)
        return first

    def sickness_fits(self, post_id: int, first: date, last: date | None, but=None) -> bool:  # type: ignore[no-untyped-def]
        """Would a sickness spell first..last (None: open) overlap none of the post's others? The
        records never hold overlapping sickness (PostgreSQL refuses them), so steps that would are
        skipped."""
        self.session.flush()
        spells = self.session.execute(
            select(Absence.first_day, Absence.last_day).where(
                Absence.assignment_id == post_id, Absence.category == "SICKNESS", Absence.id != but
            )
        ).all()
        return all(
            (last is not None and last < other_first) or (other_last is not None and other_last < first)
            for other_first, other_last in spells
        )

    def absence_on(self, post, values, first_day=None) -> Absence | None:  # type: ignore[no-untyped-def]
        start, days, category, reason = values
        first = self.free_day(post, first_day or max(post.start_date, _day(start)), category)
        last = None if days is None else first + timedelta(days=days)
        if category == "SICKNESS" and not self.sickness_fits(post.id, first, last):
            return None
        # By the post's id, as the workforce operations record one (the relationship is not set).
        made = Absence(
            assignment_id=post.id,
            trust_id=post.trust_id,
            first_day=first,
            last_day=last,
            category=category,
            reason_code=reason if category == "SICKNESS" else None,
        )
        self.session.add(made)
        self.session.flush()
        return made

    def apply(self, step) -> None:  # type: ignore[no-untyped-def]
        session, kind = self.session, step[0]
        if kind == "new person":
            # The staff record and her post in one flush (she has no id before it).
            first_trust, start, days, fte, person_type, group, band = step[1]
            trust = self.trusts[0] if first_trust else self.trusts[1]
            person = StaffMember(
                trust=trust, given_name="New", family_name="Starter", email=f"new{uuid4().hex}@example.test"
            )
            session.add(
                Assignment(
                    staff_member=person,
                    trust=trust,
                    assignment_number=f"N{uuid4().hex[:10]}",
                    staff_group=group,
                    job_role="Staff Nurse",
                    afc_band=band,
                    contracted_fte=Decimal(fte),
                    person_type=person_type,
                    start_date=_day(start),
                    end_date=None if days is None else _day(start + days),
                )
            )
            session.flush()
            return
        if (
            kind not in ("end absence", "change absence", "delete absence")
            and self._nth(Assignment, 0) is None
        ):
            return  # every post was deleted: nothing to change
        if kind == "add post":
            post = self._nth(Assignment, step[1])
            self.post(post.staff_member, step[2])
        elif kind == "end post":
            post = self._nth(Assignment, step[1])
            post.end_date = post.start_date + timedelta(days=step[2])
        elif kind == "change post":
            post = self._nth(Assignment, step[1])
            post.contracted_fte, post.afc_band = Decimal(step[2]), step[3]
            if post.end_date is not None:  # moved whole: as long as it was
                post.end_date += _day(step[4]) - post.start_date
            post.start_date = _day(step[4])
        elif kind == "move post":  # recorded against the wrong person, put right
            post, other = self._nth(Assignment, step[1]), self._nth(Assignment, step[2])
            post.staff_member_id = other.staff_member_id
        elif kind == "delete post":
            post = self._nth(Assignment, step[1])
            for absence in session.scalars(select(Absence).where(Absence.assignment_id == post.id)):
                session.delete(absence)
            session.delete(post)
        elif kind == "add absence":
            self.absence_on(self._nth(Assignment, step[1]), step[2])
        elif kind in ("end absence", "change absence", "delete absence"):
            absence = self._nth(Absence, step[1])
            if absence is None:
                return
            sick = absence.category == "SICKNESS"
            if kind == "end absence":
                last = absence.first_day + timedelta(days=step[2])
                if sick and not self.sickness_fits(
                    absence.assignment_id, absence.first_day, last, absence.id
                ):
                    return
                absence.last_day = last
            elif kind == "change absence":
                post = session.get(Assignment, absence.assignment_id)
                moved = self.free_day(post, _day(step[3]), absence.category, but=absence.id)
                # Moved whole: as long as it was.
                last = None if absence.last_day is None else absence.last_day + (moved - absence.first_day)
                if sick and not self.sickness_fits(post.id, moved, last, absence.id):
                    return
                absence.reason_code = step[2] if sick else None
                absence.last_day, absence.first_day = last, moved
            else:
                session.delete(absence)
        elif kind == "absence after the months covered":
            post = self._nth(Assignment, step[1])
            post.end_date = None  # she is in post then
            state = session.get(RollupState, SICKNESS_ROLLUP)
            after = month_of(state.last_month + 1) + timedelta(days=step[2])
            self.absence_on(post, (0, 3, "SICKNESS", "S10"), first_day=after)
        elif kind == "bulk absence":
            post = self._nth(Assignment, step[1])
            start, days, category, reason = step[2]
            first = self.free_day(post, max(post.start_date, _day(start)), category)
            last = None if days is None else first + timedelta(days=days)
            if category == "SICKNESS" and not self.sickness_fits(post.id, first, last):
                return
            # As the import writes: the people announced, then a bulk INSERT the ORM does not see.
            announce_records_changing(session, [post.staff_member_id], "absences")
            session.execute(
                insert(Absence),
                [
                    {
                        "assignment_id": post.id,
                        "trust_id": post.trust_id,
                        "first_day": first,
                        "last_day": last,
                        "category": category,
                        "reason_code": reason if category == "SICKNESS" else None,
                    }
                ],
            )
        elif kind == "failing change":
            savepoint = session.begin_nested()
            self.absence_on(self._nth(Assignment, step[1]), step[2])
            post = self._nth(Assignment, step[1])
            post.end_date = post.start_date
            session.flush()
            savepoint.rollback()  # an error half way: nothing of it is kept
        session.flush()


@pytest.fixture
def world(session, demo_trusts):  # type: ignore[no-untyped-def]
    return World(session, demo_trusts)


@settings(max_examples=50, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(start=st.lists(post_values, min_size=1, max_size=4), changes=st.lists(steps, min_size=1, max_size=6))
def test_kept_rollups_equal_a_full_count_after_every_change(session, world, start, changes):
    outer = session.begin_nested()
    try:
        first = StaffMemberFactory(trust=world.trusts[0])
        for values in start:
            post = world.post(first, values)
            world.absence_on(post, (values[1], 10, "SICKNESS", "S12"))
        session.flush()
        fingerprint = source_fingerprint(session)
        rebuild_sickness_rollup(session, fingerprint)
        rebuild_retention_rollup(session, fingerprint)
        settle(session)  # the end of the transaction that made them (roll-ups were not kept then)
        for step in changes:
            world.apply(step)
            settle(session)  # what the transaction's commit does (its before_commit hook)
            assert_kept_equal_a_full_count(session)
    finally:
        outer.rollback()
