"""Dashboards kept as computed, until the records they are counted from change.

Counting every series of a large partnership's dashboard from its records takes seconds (see
docs/benchmarks.md); the figures only change when the records do, which is at an import or when HR
records something. So the usual dashboards are counted ahead by the refresh job (passport.metrics.refresh)
and kept with a fingerprint of the records they were counted from. The fingerprint reads only the ends
of indexes (highest ids and latest change times of the tables the metrics read), so checking it costs
the same at any size. Records are never deleted, every insert raises a highest id, every update moves
a latest change time: any change the dashboard could show changes the fingerprint.

A page view only reads (``dashboard``): a kept dashboard while it is current; else the figures counted
for this view (from the roll-ups when they are current, else from the records), kept nowhere; or, while
the records have changed since the last refresh and a refresh is on its way, the last kept dashboard,
said to be such, with when it was counted.
"""

from __future__ import annotations

import hashlib
import json
import time
from dataclasses import asdict, dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from passport.db import utcnow
from passport.metrics.dashboard import ChartData, Dashboard, dashboard_data, dashboard_people, seen_alone
from passport.metrics.fingerprint import source_fingerprint
from passport.metrics.models import DashboardSnapshot
from passport.metrics.operations import latest_recorded_month
from passport.metrics.organisation import keep_every_trusts_places
from passport.metrics.queries import Period, Place, month_index
from passport.metrics.recount import rebuild_rollups
from passport.metrics.rollups import (
    ROLLING_MONTHS,
    rollups_current,
    rollups_kept_current,
)
from passport.trusts.models import Trust

DEFAULT_MONTHS = 24


def snapshot_key(
    trust: Trust | None,
    first_month: int,
    last_month: int,
    staff_groups: tuple[str, ...],
    bands: tuple[str, ...],
    side_by_side: bool,
    as_of: date,
) -> str:
    asked = [
        trust.id if trust is not None else None,
        first_month,
        last_month,
        sorted(staff_groups),
        sorted(bands),
        side_by_side,
        as_of.isoformat(),  # newly qualified nurse retention counts up to today
    ]
    return hashlib.sha256(json.dumps(asked).encode()).hexdigest()


# JSON keeps no Decimals: they are written as {"decimal": "12.34"} and read back exactly.
def _encode(value: Any) -> Any:
    return {"decimal": format(value, "f")} if isinstance(value, Decimal) else value


def _decode(value: Any) -> Any:
    return Decimal(value["decimal"]) if isinstance(value, dict) else value


def _charts_to_json(charts: dict[str, ChartData]) -> dict[str, Any]:
    out = {}
    for name, chart in charts.items():
        data = asdict(chart)
        data["rows"] = [{key: _encode(v) for key, v in row.items()} for row in chart.rows]
        out[name] = data
    return out


def _charts_from_json(stored: dict[str, Any]) -> dict[str, ChartData]:
    charts = {}
    for name, data in stored.items():
        charts[name] = ChartData(
            name=data["name"],
            title=data["title"],
            description=data["description"],
            columns=[tuple(column) for column in data["columns"]],  # type: ignore[misc]
            rows=[{key: _decode(v) for key, v in row.items()} for row in data["rows"]],
            kind=data["kind"],
            note=data.get("note"),  # snapshots kept before charts had notes have none
            drill=data.get("drill"),
        )
    return charts


@dataclass(frozen=True)
class ShownDashboard:
    """A dashboard as a page shows it: ``current`` when its figures come from the records as they are
    now; otherwise they are the last kept ones, counted at ``counted_at``."""

    board: Dashboard
    current: bool
    counted_at: datetime | None = None


def dashboard(
    session: Session,
    trust: Trust | None,
    first_month: int,
    last_month: int,
    *,
    staff_groups: tuple[str, ...] = (),
    bands: tuple[str, ...] = (),
    side_by_side: bool = False,
    as_of: date | None = None,
    place: Place = Place(),
) -> ShownDashboard:
    """The dashboard for a page view. Reads only: never keeps or refreshes anything (a GET writes
    nothing; refreshes follow the writes, passport.metrics.tasks). A place's (a directorate's, ward's or
    cost centre's) is never kept: it is counted from the records on the request."""
    as_of = as_of or date.today()
    key = snapshot_key(trust, first_month, last_month, staff_groups, bands, side_by_side, as_of)
    fingerprint = source_fingerprint(session)
    kept = None if place.chosen else session.get(DashboardSnapshot, key)
    if kept is not None and kept.source_fingerprint == fingerprint:
        return ShownDashboard(_from_snapshot(kept, first_month, last_month), True, kept.computed_at)
    stale_rollups = not rollups_current(session, first_month - (ROLLING_MONTHS - 1), last_month, fingerprint)
    if kept is not None and stale_rollups:
        # Counting from the records would keep a director waiting (half a minute for a large
        # partnership); the figures she saw last, said to be such, serve her better until the refresh
        # that the change started has counted them (docs/metrics.md).
        return ShownDashboard(_from_snapshot(kept, first_month, last_month), False, kept.computed_at)
    board = dashboard_data(
        session,
        trust,
        first_month,
        last_month,
        staff_groups=staff_groups,
        bands=bands,
        side_by_side=side_by_side,
        as_of=as_of,
        place=place,
    )
    return ShownDashboard(board, True)


def _from_snapshot(kept: DashboardSnapshot, first_month: int, last_month: int) -> Dashboard:
    return Dashboard(kept.title, Period(first_month, last_month), _charts_from_json(kept.charts))


@dataclass(frozen=True)
class CountedDashboard:
    """A dashboard counted (from the roll-ups, when they are current) and not yet kept."""

    key: str
    board: Dashboard
    seconds: float


def count_dashboard(
    session: Session,
    trust: Trust | None,
    first_month: int,
    last_month: int,
    *,
    side_by_side: bool = False,
    as_of: date | None = None,
) -> CountedDashboard:
    """Count one of the usual dashboards for keeping. Reads only."""
    as_of = as_of or date.today()
    key = snapshot_key(trust, first_month, last_month, (), (), side_by_side, as_of)
    started = time.perf_counter()
    board = dashboard_data(session, trust, first_month, last_month, side_by_side=side_by_side, as_of=as_of)
    return CountedDashboard(key, board, time.perf_counter() - started)


def _keep(session: Session, counted: CountedDashboard, fingerprint: str) -> None:
    kept = session.get(DashboardSnapshot, counted.key) or DashboardSnapshot(key=counted.key)
    kept.source_fingerprint, kept.title = fingerprint, counted.board.title
    kept.charts = _charts_to_json(counted.board.charts)
    kept.compute_seconds = counted.seconds
    kept.computed_at = utcnow()
    session.add(kept)
    session.flush()


def keep_dashboard(
    session: Session,
    trust: Trust | None,
    first_month: int,
    last_month: int,
    fingerprint: str,
    *,
    side_by_side: bool = False,
    as_of: date | None = None,
) -> Dashboard:
    """Count a dashboard (from the roll-ups, which the caller has just rebuilt) and keep it, replacing
    the one kept for the same question. The caller commits."""
    counted = count_dashboard(session, trust, first_month, last_month, side_by_side=side_by_side, as_of=as_of)
    _keep(session, counted, fingerprint)
    return counted.board


def keep_dashboards_for(session: Session, trust: Trust, period: Period) -> int:
    """Count a trust's dashboard over a period, alone and beside the partner trusts, and keep both
    (replacing those kept for the same question) until the next refresh replaces the kept dashboards.
    The caller commits. Returns how many were kept."""
    fingerprint = source_fingerprint(session)
    for side_by_side in (False, True):
        keep_dashboard(
            session, trust, period.first_month, period.last_month, fingerprint, side_by_side=side_by_side
        )
    return 2


def default_period(session: Session, trust: Trust | None, partner_trust_ids: list[int]) -> Period:
    """The dashboard's usual period: the 24 months up to the latest absence on record (else last month)."""
    ids = [trust.id] if trust is not None else partner_trust_ids
    recorded = latest_recorded_month(session, ids)
    last = recorded if recorded is not None else month_index(date.today()) - 1
    return Period(last - DEFAULT_MONTHS + 1, last)


def usual_people_months(session: Session) -> Period:
    """The months of the grid of people in post the usual dashboards decide their figures by: each one's
    period and the 11 months before it (a rolling figure's year)."""
    trust_ids = list(session.scalars(select(Trust.id)))
    trusts = list(session.scalars(select(Trust)))
    periods = [default_period(session, trust, trust_ids) for trust in [None, *trusts]]
    return Period(min(p.first_month for p in periods) - 11, max(p.last_month for p in periods))


@dataclass(frozen=True)
class UsualDashboards:
    """The usual dashboards counted from one state of the records (``fingerprint``), not yet kept."""

    fingerprint: str
    boards: list[CountedDashboard]


def count_usual_dashboards(session: Session) -> UsualDashboards:
    """Count the dashboards people open first: each trust's, alone and with the partner trusts side by
    side, and the partnership's with the trusts side by side, over the usual period; from the roll-ups
    while they are current (the refresh has just kept them), else from the records. Reads only."""
    # Read first: the figures below are of the records as they are in this transaction.
    fingerprint = source_fingerprint(session)
    trusts = list(session.scalars(select(Trust).order_by(Trust.ods_code)))
    partner_ids = [t.id for t in trusts]
    boards: list[CountedDashboard] = []
    as_of = date.today()
    if not trusts:
        return UsualDashboards(fingerprint, boards)
    periods = [(trust, default_period(session, trust, partner_ids)) for trust in [None, *trusts]]
    # One grid of people in post for every dashboard below, rather than one per period (each trust's
    # period ends in its own month): kept in the session, where dashboard_data finds it (a full recount
    # has built it beside its count, ``usual_people_months``).
    first = min(period.first_month for _trust, period in periods)
    dashboard_people(session, first, max(period.last_month for _trust, period in periods), fingerprint)
    # Every trust's places at once, for each trust's chart by directorate, ward or cost centre.
    keep_every_trusts_places(session, fingerprint)
    # A trust's own directors see it alone; those who see the partnership see the trusts side by side.
    # Earliest period first: the sickness roll-up is read once a transaction from the earliest month asked
    # so far (passport.metrics.rollup_cells), so then it is read once for them all.
    for trust, period in sorted(periods, key=lambda pair: pair[1].first_month):
        first, last = period.first_month, period.last_month
        beside = count_dashboard(session, trust, first, last, side_by_side=True, as_of=as_of)
        if trust is not None:  # counted once: alone is the same less the partner trusts' chart
            key = snapshot_key(trust, first, last, (), (), False, as_of)
            boards.append(CountedDashboard(key, seen_alone(beside.board), beside.seconds))
        boards.append(beside)
    return UsualDashboards(fingerprint, boards)


def keep_usual_dashboards(session: Session, counted: UsualDashboards) -> int:
    """Replace every kept dashboard with the usual ones just counted (the others were of an earlier state
    of the records, or an earlier day; other views are counted when asked, from the roll-ups). Writes
    only: the caller holds the refresh lock and commits. Returns how many were kept."""
    session.execute(delete(DashboardSnapshot))
    for board in counted.boards:
        _keep(session, board, counted.fingerprint)
    return len(counted.boards)


def refresh_usual_dashboards(session: Session, *, recount: bool = True) -> int:
    """Count the roll-ups (unless they are current and ``recount`` is False) and the usual dashboards
    from the records and keep them, in the caller's transaction, which holds the refresh lock
    (passport.metrics.refresh) and commits. Returns how many dashboards were counted."""
    if session.scalar(select(Trust.id).limit(1)) is None:
        return 0
    # The roll-ups first: every dashboard below then sums them instead of reading every record.
    fingerprint = source_fingerprint(session)
    if recount or not rollups_kept_current(session, fingerprint):
        rebuild_rollups(session, fingerprint, usual_people_months(session))
    return keep_usual_dashboards(session, count_usual_dashboards(session))
