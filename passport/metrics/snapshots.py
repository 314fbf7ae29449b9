"""Dashboards kept as computed, until the records they are counted from change.

Counting every series of a large partnership's dashboard from its records takes seconds (see
docs/benchmarks.md); the figures only change when the records do, which is at an import or when HR
records something. So a dashboard, once counted, is kept with a fingerprint of the records it was
counted from, and shown again while the fingerprint still matches. The fingerprint reads only the ends
of indexes (highest ids and latest change times of the tables the metrics read), so checking it costs
the same at any size. Records are never deleted, every insert raises a highest id, every update moves
a latest change time: any change the dashboard could show changes the fingerprint.

After an import (and after loading the demo) the usual dashboards are counted straight away, so the
first director to look does not wait either.
"""

from __future__ import annotations

import hashlib
import json
import time
from dataclasses import asdict
from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from passport.demo import DEMO_FINISHERS, DemoReport
from passport.metrics.dashboard import ChartData, Dashboard, dashboard_data
from passport.metrics.fingerprint import source_fingerprint
from passport.metrics.models import DashboardSnapshot
from passport.metrics.operations import latest_recorded_month
from passport.metrics.queries import Period, month_index
from passport.metrics.rollups import rebuild_retention_rollup, rebuild_sickness_rollup
from passport.trusts.models import Trust
from passport.workforce.runner import AFTER_IMPORT_STEPS

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
        )
    return charts


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
) -> Dashboard:
    """The dashboard, from its snapshot when the records have not changed since, else counted afresh
    (and kept). Writes to the session: the caller commits."""
    as_of = as_of or date.today()
    key = snapshot_key(trust, first_month, last_month, staff_groups, bands, side_by_side, as_of)
    fingerprint = source_fingerprint(session)
    kept = session.get(DashboardSnapshot, key)
    if kept is not None and kept.source_fingerprint == fingerprint:
        return Dashboard(kept.title, Period(first_month, last_month), _charts_from_json(kept.charts))
    started = time.perf_counter()
    board = dashboard_data(
        session,
        trust,
        first_month,
        last_month,
        staff_groups=staff_groups,
        bands=bands,
        side_by_side=side_by_side,
        as_of=as_of,
    )
    _keep(session, key, fingerprint, board, time.perf_counter() - started, kept)
    return board


def _keep(
    session: Session,
    key: str,
    fingerprint: str,
    board: Dashboard,
    seconds: float,
    kept: DashboardSnapshot | None,
) -> None:
    charts = _charts_to_json(board.charts)
    # Fingerprints only ever move on (rows are added, ids and change times rise), so a snapshot of an
    # earlier state can never be shown again: drop them all.
    session.execute(
        delete(DashboardSnapshot)
        .where(DashboardSnapshot.source_fingerprint != fingerprint, DashboardSnapshot.key != key)
        .execution_options(synchronize_session=False)
    )
    if kept is not None:
        kept.source_fingerprint, kept.title, kept.charts = fingerprint, board.title, charts
        kept.compute_seconds = seconds
        session.flush()
        return
    try:
        # Two people opening the same new dashboard at once both count it; the second one's copy is
        # simply not kept.
        with session.begin_nested():
            session.add(
                DashboardSnapshot(
                    key=key,
                    source_fingerprint=fingerprint,
                    title=board.title,
                    charts=charts,
                    compute_seconds=seconds,
                )
            )
    except IntegrityError:
        pass


def default_period(session: Session, trust: Trust | None, partner_trust_ids: list[int]) -> Period:
    """The dashboard's usual period: the 24 months up to the latest absence on record (else last month)."""
    ids = [trust.id] if trust is not None else partner_trust_ids
    recorded = latest_recorded_month(session, ids)
    last = recorded if recorded is not None else month_index(date.today()) - 1
    return Period(last - DEFAULT_MONTHS + 1, last)


def refresh_usual_dashboards(session: Session) -> int:
    """Count the dashboards people open first (each trust's, and the partnership's with the trusts side
    by side, over the usual period) so nobody waits after an import. Returns how many were counted."""
    trusts = list(session.scalars(select(Trust).order_by(Trust.ods_code)))
    if not trusts:
        return 0
    partner_ids = [t.id for t in trusts]
    # The roll-ups first: every dashboard below then sums them instead of reading every record.
    fingerprint = source_fingerprint(session)
    rebuild_sickness_rollup(session, fingerprint)
    rebuild_retention_rollup(session, fingerprint)
    # A trust's own directors see it alone; those who see the partnership see the trusts side by side.
    for trust in [None, *trusts]:
        period = default_period(session, trust, partner_ids)
        for side_by_side in (True,) if trust is None else (False, True):
            dashboard(session, trust, period.first_month, period.last_month, side_by_side=side_by_side)
    return 1 + 2 * len(trusts)


def _refresh_after_demo(session: Session, report: DemoReport) -> None:
    counted = refresh_usual_dashboards(session)
    report.notes.append(f"Dashboards counted and kept: {counted}.")


if refresh_usual_dashboards not in AFTER_IMPORT_STEPS:
    AFTER_IMPORT_STEPS.append(refresh_usual_dashboards)
if _refresh_after_demo not in DEMO_FINISHERS:
    DEMO_FINISHERS.append(_refresh_after_demo)
