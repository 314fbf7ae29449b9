"""The months the roll-ups cover: four years to the latest month with a sickness absence recorded (where
the usual dashboard ends: 24 months and the 11 before them for the rolling figures, with a year to spare),
and on to this month, or to the month the latest recorded sickness absence ends, if that is later. Other
months are counted from the records.

Asked of the database (``rollup_months``), the latest last day is a scan of every sickness absence (0.1 s
at a million absences on SQLite): no index orders them by it. A full recount reads every sickness absence
anyway, so it starts from the latest first day alone (``months_before_the_absences``, one index seek a
trust) and learns the last day from what it read (``months_of_absences``).
"""

from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy import func, select, union_all
from sqlalchemy.orm import Session

from passport.metrics.queries import EPOCH, Period, month_index
from passport.metrics.rollup_counts import OPEN
from passport.metrics.sickness_counts import SicknessAbsences
from passport.trusts.models import Trust
from passport.workforce.models import Absence
from passport.workforce.operations import SICKNESS

ROLLUP_MONTHS = 48
_TRUSTS_A_QUERY = 400  # SQLite takes at most 500 SELECTs joined by UNION ALL


def covered_months(latest_first_day: date | None, latest_last_day: date | None) -> Period:
    """The months covered, from the latest first and last day of a sickness absence on record."""
    today = month_index(date.today())
    anchor = month_index(latest_first_day) if latest_first_day is not None else today
    recorded = [month_index(d) for d in (latest_first_day, latest_last_day) if d is not None]
    return Period(anchor - ROLLUP_MONTHS + 1, max([today, *recorded]))


def rollup_months(session: Session) -> Period:
    """The months covered, as the records in the database stand."""
    latest_first_day, latest_last_day = session.execute(
        select(func.max(Absence.first_day), func.max(Absence.last_day)).where(Absence.category == SICKNESS)
    ).one()
    return covered_months(latest_first_day, latest_last_day)


def months_before_the_absences(session: Session) -> Period:
    """The months covered as far as the latest first day of a sickness absence tells them: one seek of
    ix_absence_trust_days a trust (walking back past any other absences). ``rollup_months`` when no
    sickness absence ends in a later month (``months_of_absences`` tells)."""
    trust_ids = list(session.scalars(select(Trust.id)))
    latest = []
    for start in range(0, len(trust_ids), _TRUSTS_A_QUERY):
        per_trust = [
            select(func.max(Absence.first_day).label("day")).where(
                Absence.trust_id == trust_id, Absence.category == SICKNESS
            )
            for trust_id in trust_ids[start : start + _TRUSTS_A_QUERY]
        ]
        days = union_all(*per_trust).subquery()
        latest.append(session.scalar(select(func.max(days.c.day))))
    return covered_months(max((day for day in latest if day is not None), default=None), None)


def months_of_absences(absences: SicknessAbsences) -> Period:
    """``rollup_months`` from every sickness absence, as read (passport.metrics.rollups.sickness_absences)."""
    if not len(absences.first):
        return covered_months(None, None)
    closed = absences.last[absences.last != OPEN]
    latest_last = EPOCH + timedelta(days=int(closed.max())) if len(closed) else None
    return covered_months(EPOCH + timedelta(days=int(absences.first.max())), latest_last)
