"""The metrics as the CLI, the API and the dashboard ask for them: input checked, figures counted in the
database (sickness.py, retention.py), rows shaped with exactly the keys other tools rely on.

Figures about fewer than 5 people, or differing by 1 to 4 people from another figure that can be asked
for, are suppressed (passport.metrics.disclosure), and so are sickness cells whose FTE days available are
330 or fewer: their figures are given as null, unless the caller asks otherwise, which only the
operator's command line can.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy import func, select, union_all
from sqlalchemy.orm import Session

from passport.audit.operations import record_event
from passport.errors import InvalidInput
from passport.formatting import uk_month
from passport.metrics.disclosure import Selection, people_in_post
from passport.metrics.published import SUPPRESSION_MAX_DAYS_AVAILABLE
from passport.metrics.queries import Period, Place, Scope, month_index, month_label, month_of, trust_codes
from passport.metrics.retention import leaver_cells, stability_cells
from passport.metrics.sickness import sickness_cells
from passport.reference.workforce import AFC_BANDS, STAFF_GROUP_BY_CODE
from passport.trusts.models import Trust
from passport.trusts.operations import find_trust, the_partnership
from passport.workforce.models import Absence, Assignment

METRICS = ("sickness", "leavers", "stability")
BREAKDOWN_KEYS = ("month", "trust", "staff_group", "band")
WINDOWS = ("month", "rolling12")
DEFAULT_WINDOW = {"sickness": "month", "leavers": "month", "stability": "rolling12"}
MAX_MONTHS = 120
_MONTH = re.compile(r"^(\d{4})-(\d{2})$")


@dataclass(frozen=True)
class MetricQuery:
    metric: str
    trust: Trust | None  # None: the partnership
    first_month: int
    last_month: int
    by: tuple[str, ...]
    window: str
    staff_groups: tuple[str, ...] = ()
    bands: tuple[str, ...] = ()
    place: Place = Place()  # inside the trust (passport.metrics.organisation)

    @property
    def level(self) -> str:
        return "partnership" if self.trust is None else "trust"


def parse_month(text: str | None, field: str) -> int:
    """A month written YYYY-MM, as a month index."""
    match = _MONTH.match((text or "").strip())
    if not match or not 1 <= int(match.group(2)) <= 12 or int(match.group(1)) < 1900:
        raise InvalidInput(f"{text!r} is not a month: write it as YYYY-MM, such as 2024-04.", field=field)
    return month_index(date(int(match.group(1)), int(match.group(2)), 1))


def parse_by(value: str | Sequence[str] | None) -> tuple[str, ...]:
    """Breakdown keys from "month,staff_group" (or a list); each known, in the canonical order."""
    if value is None:
        return ()
    parts = value.split(",") if isinstance(value, str) else [p for item in value for p in item.split(",")]
    keys = [p.strip() for p in parts if p.strip()]
    unknown = [k for k in keys if k not in BREAKDOWN_KEYS]
    if unknown:
        raise InvalidInput(
            f"{', '.join(unknown)} {'is not a breakdown' if len(unknown) == 1 else 'are not breakdowns'}: "
            f"use any of {', '.join(BREAKDOWN_KEYS)}.",
            field="by",
        )
    return tuple(k for k in BREAKDOWN_KEYS if k in keys)


def _codes(values: Sequence[str] | None, known: Sequence[str], field: str, what: str) -> tuple[str, ...]:
    chosen = tuple(dict.fromkeys(v.strip() for v in values or () if v and v.strip()))
    bad = [v for v in chosen if v not in known]
    if bad:
        raise InvalidInput(f"{', '.join(bad)} is not a {what}: use one of {', '.join(known)}.", field=field)
    if len(chosen) > 1:
        # Two figures for overlapping sets of values differ by whatever lies between them, which may be
        # one person (passport.metrics.disclosure): one value at a time, or a breakdown by the key.
        raise InvalidInput(
            f"Ask for one {what} at a time (or none for all of them), or break the figures down by {field}.",
            field=field,
        )
    return chosen


def build_query(
    session: Session,
    *,
    metric: str,
    trust: str | None,
    partnership: bool,
    from_month: str | None,
    to_month: str | None,
    by: str | Sequence[str] | None = None,
    window: str | None = None,
    staff_groups: Sequence[str] | None = None,
    bands: Sequence[str] | None = None,
    directorate: str | None = None,
    ward: str | None = None,
    cost_centre: str | None = None,
) -> MetricQuery:
    """Check a request for figures; every problem raises InvalidInput naming its field."""
    from passport.metrics.organisation import check_drill_down  # it builds its scopes with scope_for

    if metric not in METRICS:
        raise InvalidInput(f"{metric!r} is not a metric: use one of {', '.join(METRICS)}.", field="metric")
    if bool(trust) == bool(partnership):
        raise InvalidInput(
            "Ask for one trust (its ODS code) or for the partnership, not both or neither.", field="trust"
        )
    first = parse_month(from_month, "from")
    last = parse_month(to_month, "to")
    if last < first:
        raise InvalidInput(f"The period ends ({to_month}) before it starts ({from_month}).", field="to")
    if last - first + 1 > MAX_MONTHS:
        raise InvalidInput(f"Ask for at most {MAX_MONTHS} months at a time.", field="to")
    found = None
    if trust:
        found = find_trust(session, trust)
        if found is None:
            raise InvalidInput(
                f"There is no trust {trust.strip().upper()!r} in the partnership.", field="trust"
            )
    chosen_window = window or DEFAULT_WINDOW[metric]
    if chosen_window not in WINDOWS:
        raise InvalidInput(f"{window!r} is not a window: use month or rolling12.", field="window")
    place = check_drill_down(session, found, directorate=directorate, ward=ward, cost_centre=cost_centre)
    return MetricQuery(
        metric,
        found,
        first,
        last,
        parse_by(by),
        chosen_window,
        _codes(staff_groups, list(STAFF_GROUP_BY_CODE), "staff_group", "staff group code"),
        _codes(bands, list(AFC_BANDS), "band", "band"),
        place,
    )


def scope_for(
    session: Session,
    trust: Trust | None,
    staff_groups: Sequence[str] = (),
    bands: Sequence[str] = (),
    *,
    place: Place = Place(),
) -> Scope:
    partnership = the_partnership(session) if trust is None else trust.partnership
    partner_ids = tuple(
        session.scalars(select(Trust.id).where(Trust.partnership_id == partnership.id).order_by(Trust.id))
    )
    return Scope(
        trust_ids=partner_ids if trust is None else (trust.id,),
        partnership_trust_ids=partner_ids,
        level="partnership" if trust is None else "trust",
        staff_groups=tuple(staff_groups),
        bands=tuple(bands),
        place=place,
    )


def periods_for(first_month: int, last_month: int, by: Sequence[str], window: str) -> list[Period]:
    if "month" not in by:
        return [Period(first_month, last_month)]
    span = 11 if window == "rolling12" else 0
    return [Period(m - span, m) for m in range(first_month, last_month + 1)]


def is_suppressed(fte_days_available: Decimal | None) -> bool:
    return fte_days_available is None or fte_days_available <= SUPPRESSION_MAX_DAYS_AVAILABLE


def _number(value: Decimal | None, places: str = "0.0001") -> float | None:
    return None if value is None else float(value.quantize(Decimal(places)))


def metric_rows(session: Session, query: MetricQuery, *, suppress: bool = True) -> list[dict[str, Any]]:
    """The figures as rows: period, trust or partnership, the breakdown keys asked for, then the metric's
    own keys (see docs/metrics.md)."""
    scope = scope_for(session, query.trust, query.staff_groups, query.bands, place=query.place)
    by = query.by
    if query.metric == "sickness":
        cells: Sequence[Any] = sickness_cells(
            session, scope, query.first_month, query.last_month, by, query.window
        )
    else:
        periods = periods_for(query.first_month, query.last_month, by, query.window)
        counter = leaver_cells if query.metric == "leavers" else stability_cells
        cells = counter(session, scope, periods, by)
    codes = trust_codes(session, scope.partnership_trust_ids)
    owner = (
        {"trust": query.trust.ods_code}
        if query.trust is not None
        else {"partnership": the_partnership(session).code}
    )
    people = (
        people_in_post(session, scope_for(session, None), query.first_month - 11, query.last_month)
        if suppress
        else None
    )
    rows = []
    for cell in cells:
        row: dict[str, Any] = {"period": cell.period.label, **owner}
        for key in by:
            if key == "month":
                row["month"] = month_label(cell.period.last_month)
            elif key == "trust":
                row["trust"] = codes.get(cell.keys["trust"])
            else:
                row[key] = cell.keys[key]
        figures = _figures(cell, query.metric, suppress)
        if people is not None:
            selection = Selection.of(
                scope,
                cell.period.first_month,
                cell.period.last_month,
                **{key: cell.keys[key] for key in by if key != "month"},
            )
            if not people.shown(selection):
                figures = dict.fromkeys(figures)
        row.update(figures)
        rows.append(row)
    return rows


def _figures(cell: Any, metric: str, suppress: bool) -> dict[str, Any]:
    if metric == "sickness":
        hidden = suppress and is_suppressed(cell.fte_days_available)
        return {
            "fte_days_lost": None if hidden else _number(cell.fte_days_lost),
            "fte_days_available": _number(cell.fte_days_available),
            "rate_percent": None if hidden else _number(cell.rate_percent, "0.01"),
        }
    if metric == "leavers":
        return {
            "leavers": cell.leavers,
            "average_headcount": _number(cell.average_headcount, "0.1"),
            "rate_percent": _number(cell.rate_percent, "0.01"),
            "leavers_fte": _number(cell.leavers_fte),
            "average_fte": _number(cell.average_fte),
            "fte_rate_percent": _number(cell.fte_rate_percent, "0.01"),
        }
    return {
        "start_headcount": cell.start_headcount,
        "still_in_post": cell.still_in_post,
        "stability_percent": _number(cell.stability_percent, "0.01"),
    }


def records_end_month(session: Session, trust_ids: Sequence[int]) -> int | None:
    """The last month any record of these trusts reaches: an absence's first or last day, an assignment's
    start or end. None when they hold no records yet."""
    absences = select(func.max(Absence.first_day), func.max(Absence.last_day)).where(
        Absence.trust_id.in_(trust_ids)
    )
    assignments = select(func.max(Assignment.start_date), func.max(Assignment.end_date)).where(
        Assignment.trust_id.in_(trust_ids)
    )
    days = [day for stmt in (absences, assignments) for day in session.execute(stmt).one() if day is not None]
    return month_index(max(days)) if days else None


def refuse_period_past_records(session: Session, trust: Trust | None, first_month: int, field: str) -> None:
    """A period that starts after the trust's (or partnership's) records end would show invented flat
    lines: refused, naming the month the records end. Allowed while nothing is recorded."""
    ids = [trust.id] if trust is not None else scope_for(session, None).trust_ids
    end = records_end_month(session, ids)
    if end is not None and first_month > end:
        ended = uk_month(month_of(end))
        raise InvalidInput(f"The records end in {ended}: choose a period that starts by then.", field=field)


def earliest_recorded_month(session: Session, trust_ids: Sequence[int]) -> int | None:
    """The month of the earliest absence on record for these trusts: where their records begin (an ESR
    extract carries posts from long before, but absences only from the month its history starts)."""
    earliest = _first_day_on_record(session, trust_ids, latest=False)
    return None if earliest is None else month_index(earliest)


def latest_recorded_month(session: Session, trust_ids: Sequence[int]) -> int | None:
    """The month of the latest absence on record for these trusts: where a dashboard's period ends."""
    latest = _first_day_on_record(session, trust_ids, latest=True)
    return None if latest is None else month_index(latest)


_TRUSTS_A_QUERY = 400  # SQLite takes at most 500 SELECTs joined by UNION ALL


def _first_day_on_record(session: Session, trust_ids: Sequence[int], *, latest: bool) -> date | None:
    """The earliest or latest first day of an absence of these trusts: one seek of ix_absence_trust_days
    a trust, where PostgreSQL reads every absence for one min or max over the trusts together (60 ms at a
    million absences, on every dashboard page)."""
    bound, pick = (func.max, max) if latest else (func.min, min)
    ids = list(trust_ids)
    found = []
    for start in range(0, len(ids), _TRUSTS_A_QUERY):
        per_trust = [
            select(bound(Absence.first_day).label("day")).where(Absence.trust_id == trust_id)
            for trust_id in ids[start : start + _TRUSTS_A_QUERY]
        ]
        days = union_all(*per_trust).subquery()
        day = session.scalar(select(bound(days.c.day)))
        if day is not None:
            found.append(day)
    return pick(found, default=None)


# --- A trust's sickness absence target ---------------------------------------------------------------
# The rate (%) its board aims to stay under: the dashboard draws it on the sickness charts and the SPC
# assurance icon asks whether the rate will meet it. Held on the trust (Trust.sickness_target_percent).
SICKNESS_TARGET_FIELD = "sickness_target_percent"
_HUNDREDTH = Decimal("0.01")
_TARGET_EVENTS = {"set": "trust.sickness_target_set", "cleared": "trust.sickness_target_cleared"}


def check_sickness_target(target_percent: Decimal | None) -> Decimal | None:
    """The target as stored (hundredths), or None for none; a value outside 0 to 100, or one with more
    than 2 decimal places, raises InvalidInput naming the field."""
    if target_percent is None:
        return None
    if not target_percent.is_finite() or not 0 <= target_percent <= 100:
        raise InvalidInput("Enter a target between 0 and 100", field=SICKNESS_TARGET_FIELD)
    if target_percent != target_percent.quantize(_HUNDREDTH):
        raise InvalidInput(
            "Enter a target with no more than 2 decimal places, for example 4.25", field=SICKNESS_TARGET_FIELD
        )
    return target_percent.quantize(_HUNDREDTH).copy_abs()  # -0 is 0


def set_sickness_target(
    session: Session, trust: Trust, target_percent: Decimal | None, actor: object
) -> Trust:
    """Set (None: clear) the trust's sickness absence target; audited. Saving the value it already has
    changes and records nothing. The caller checks the actor may (Action.SET_SICKNESS_TARGET)."""
    target = check_sickness_target(target_percent)
    previous = trust.sickness_target_percent
    if previous == target:
        return trust
    trust.sickness_target_percent = target
    session.flush()
    record_event(
        session,
        actor=actor,
        action=_TARGET_EVENTS["cleared" if target is None else "set"],
        record_type="trust",
        record_id=trust.id,
        trust_id=trust.id,
        details={
            "ods_code": trust.ods_code,
            "sickness_target_percent": None if target is None else str(target),
            "previous": None if previous is None else str(previous),
        },
    )
    return trust
