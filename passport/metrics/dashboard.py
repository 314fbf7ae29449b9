"""The nursing directors' dashboard as data: every chart's rows, from which the chart, its table
alternative and its CSV download are all drawn (so the three always hold exactly the same figures).

Suppression applies here: no figure about fewer than 5 people, or differing by 1 to 4 people from another
figure that can be asked for, is shown (passport.metrics.disclosure); reasons for sickness held by fewer
than 5 people are grouped as "Other reasons"; counts of people from 1 to 4 are not shown; and a sickness
cell with 330 FTE days available or fewer shows no rate.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from sqlalchemy.orm import Session

from passport.formatting import uk_month
from passport.metrics.benchmark import benchmark_series
from passport.metrics.disclosure import (
    MIN_PEOPLE,
    PeopleInPost,
    Selection,
    kept_in_session,
    people_in_post,
)
from passport.metrics.fingerprint import source_fingerprint
from passport.metrics.movement import secondment_counts
from passport.metrics.operations import earliest_recorded_month, is_suppressed, scope_for
from passport.metrics.organisation import by_organisation_chart
from passport.metrics.queries import Period, Place, month_label, month_last_day, month_of, trust_codes
from passport.metrics.reason_disclosure import reason_people, reasons_shown
from passport.metrics.retention import nqn_retention
from passport.metrics.rollups import retention_source, sickness_source
from passport.metrics.sickness import SicknessCell
from passport.reference.workforce import SICKNESS_REASON_BY_CODE
from passport.trusts.models import Trust
from passport.trusts.operations import the_partnership

CHART_NAMES = (
    "by-organisation",
    "sickness-spc",
    "sickness-trend",
    "sickness-term",
    "leaver-spc",
    "retention-trend",
    "secondments",
    "absence-reasons",
    "partner-trusts",
    "nqn-retention",
)


@dataclass
class ChartData:
    name: str
    title: str
    description: str
    columns: list[tuple[str, str]]  # (key, heading)
    rows: list[dict[str, Any]] = field(default_factory=list)
    kind: str = "line"  # line, bar, table or spc (a month-by-month XmR chart: passport.metrics.spc_charts)
    note: str | None = None  # why some figures are blank, under the table
    # An SPC chart's reading (icons and sentence), worked out when the chart is shown (it depends on the
    # trust's target and the month its limits are recalculated from), never kept with the figures.
    spc: Any = None
    # A drill-down table's query field (a Place field): its first column links one level down.
    drill: str | None = None


@dataclass
class Dashboard:
    title: str
    period: Period
    charts: dict[str, ChartData]


OTHER_REASONS = "Other reasons"
PARTNER_TRUSTS = "partner-trusts"  # the one chart side by side adds


def seen_alone(beside_partners: Dashboard) -> Dashboard:
    """A trust's dashboard as ``dashboard_data`` counts it without ``side_by_side``, from the same one
    counted side by side: that adds the partner trusts' chart and changes nothing else."""
    charts = {name: chart for name, chart in beside_partners.charts.items() if name != PARTNER_TRUSTS}
    return Dashboard(beside_partners.title, beside_partners.period, charts)


def _sickness_rate(cell: Any, shown: bool = True) -> Decimal | None:
    if not shown or cell is None or is_suppressed(cell.fte_days_available):
        return None
    return cell.rate_percent


def _people_count(count: int | None, *, within: int | None = None) -> int | None:
    """A count of people, unless it is 1 to 4, or 1 to 4 short of ``within`` (a count holding it)."""
    if count is None or 0 < count < MIN_PEOPLE:
        return None
    if within is not None and 0 < within - count < MIN_PEOPLE:
        return None
    return count


def dashboard_people(session: Session, first_month: int, last_month: int, fingerprint: str) -> PeopleInPost:
    """The people in post that decide which of a dashboard's figures may be shown: its months and the 11
    before them (a rolling figure's year). Kept in the session for the next dashboard of the records."""
    return people_in_post(session, scope_for(session, None), first_month - 11, last_month, fingerprint)


def dashboard_data(
    session: Session,
    trust: Trust | None,
    first_month: int,
    last_month: int,
    *,
    staff_groups: tuple[str, ...] = (),
    bands: tuple[str, ...] = (),
    side_by_side: bool = False,
    as_of: Any = None,
    suppress: bool = True,
    place: Place = Place(),
) -> Dashboard:
    """Every series for one trust (trust level) or the partnership (partnership level), or a place
    (directorate, ward, cost centre) of the trust. ``suppress`` False shows every figure, small ones
    included: for checking the arithmetic on a handful of people, never for a page."""
    scope = scope_for(session, trust, staff_groups, bands, place=place)
    partnership = the_partnership(session) if trust is None else trust.partnership
    title = trust.name if trust is not None else partnership.name
    months = list(range(first_month, last_month + 1))
    level = "trust" if trust is not None else "partnership"
    charts: dict[str, ChartData] = {}
    fingerprint = source_fingerprint(session)
    people = dashboard_people(session, first_month, last_month, fingerprint) if suppress else None

    def shown(first: int, last: int) -> bool:
        return people is None or people.shown(Selection.of(scope, first, last))

    def count(value: int | None, within: int) -> int | None:
        return _people_count(value, within=within) if suppress else value

    # A rolling figure needs its twelve months of records: one whose window reaches back before the
    # records begin would count part of a year as a whole one (a rate climbing through the first year).
    records_begin = earliest_recorded_month(session, scope.trust_ids)

    def complete(month: int) -> bool:
        return records_begin is None or month - 11 >= records_begin

    rolling_note = None
    if records_begin is not None and not complete(first_month):
        rolling_note = (
            f"Rolling 12-month figures begin with {uk_month(month_label(records_begin + 11))}: the records "
            f"begin in {uk_month(month_label(records_begin))}, and each figure needs 12 months of them."
        )

    if trust is not None:
        by_unit = by_organisation_chart(
            session, trust, staff_groups, bands, place, people, last_month, fingerprint
        )
        if by_unit is not None:
            charts["by-organisation"] = by_unit

    # Counted from the roll-ups while they match the records (one fingerprint read for every series).
    sickness = sickness_source(session, scope, first_month, last_month, fingerprint)
    monthly, rolling = sickness.trend(first_month, last_month)
    codes = trust_codes(session, scope.partnership_trust_ids)
    org_codes = [trust.ods_code] if trust is not None else [codes[i] for i in scope.partnership_trust_ids]
    bench = benchmark_series(session, org_codes, first_month, last_month)
    published_label = "Published rate, this trust" if trust is not None else "Published rate, partner trusts"
    charts["sickness-spc"] = ChartData(
        "sickness-spc",
        "Sickness absence rate, month by month",
        "Each month's sickness absence rate (FTE days lost / FTE days available) as a statistical process "
        "control chart in NHS England's Making Data Count style: the mean, the process limits within which "
        "the rate varies by chance, and the months that differ for a reason worth looking into.",
        [("month", "Month"), ("rate_percent", "Rate (%)")],
        kind="spc",
    )
    for m in months:
        charts["sickness-spc"].rows.append(
            {"month": month_label(m), "rate_percent": _sickness_rate(monthly.get(m), shown(m, m))}
        )
    charts["sickness-trend"] = ChartData(
        "sickness-trend",
        "Sickness absence rate",
        "Monthly and rolling 12-month sickness absence rate (FTE days lost / FTE days available), beside "
        "NHS England's published rates for the same organisations, their region, their type and England. "
        "Published figures cover all staff groups.",
        [
            ("month", "Month"),
            ("rate_percent", "Rate (%)"),
            ("rolling_12_month_rate_percent", "Rolling 12 months (%)"),
            ("published_rate_percent", published_label + " (%)"),
            ("published_region_rate_percent", f"Published, {', '.join(bench.region_names) or 'region'} (%)"),
            ("published_org_type_rate_percent", f"Published, {', '.join(bench.org_types) or 'type'} (%)"),
            ("published_england_rate_percent", "Published, England (%)"),
        ],
        note=rolling_note,
    )
    for m in months:
        published = bench.months.get(m)
        charts["sickness-trend"].rows.append(
            {
                "month": month_label(m),
                "rate_percent": _sickness_rate(monthly.get(m), shown(m, m)),
                "rolling_12_month_rate_percent": _sickness_rate(rolling.get(m), shown(m - 11, m))
                if complete(m)
                else None,
                "published_rate_percent": published.own if published else None,
                "published_region_rate_percent": published.region if published else None,
                "published_org_type_rate_percent": published.org_type if published else None,
                "published_england_rate_percent": published.england if published else None,
            }
        )

    charts["sickness-term"] = _sickness_term_chart(sickness, months, shown, suppress)

    rolling_periods = [Period(m - 11, m) for m in months]
    retention = retention_source(session, scope, first_month, last_month, fingerprint)
    charts["leaver-spc"] = _monthly_leavers_chart(retention, months, level, shown)
    leavers = {c.period.last_month: c for c in retention.leavers(rolling_periods, [])}
    stability = {c.period.last_month: c for c in retention.stability(rolling_periods, [])}
    charts["retention-trend"] = ChartData(
        "retention-trend",
        "Leaver rate and stability",
        f"Rolling 12 months at the {level} level: leavers / average headcount (and FTE), and the share of "
        "staff in post at the start still in post at the end."
        + (" A move to a partner trust counts as leaving the trust." if trust is not None else "")
        + ("" if trust is not None else " Moves between partner trusts and secondments are not leaving."),
        [
            ("month", "12 months to"),
            ("leavers", "Leavers"),
            ("average_headcount", "Average headcount"),
            ("leaver_rate_percent", "Leaver rate (%)"),
            ("fte_leaver_rate_percent", "Leaver rate by FTE (%)"),
            ("stability_percent", "Stability index (%)"),
        ],
        note=rolling_note,
    )
    for m in months:
        lv, st = (leavers.get(m), stability.get(m)) if shown(m - 11, m) and complete(m) else (None, None)
        charts["retention-trend"].rows.append(
            {
                "month": month_label(m),
                "leavers": lv.leavers if lv else None,
                "average_headcount": lv.average_headcount if lv else None,
                "leaver_rate_percent": lv.rate_percent if lv else None,
                "fte_leaver_rate_percent": lv.fte_rate_percent if lv else None,
                "stability_percent": st.stability_percent if st else None,
            }
        )

    def seconded(trust_ids: tuple[int, ...], where: Place = Place()) -> dict[int, tuple[int, int]]:
        # Kept for the refresh's other dashboards: each trust's shares the partnership's counts.
        key = ("secondments", fingerprint, trust_ids, scope.partnership_trust_ids, tuple(months), where)
        return kept_in_session(
            session,
            key,
            lambda: secondment_counts(session, trust_ids, scope.partnership_trust_ids, months, place=where),
        )

    movement = seconded(scope.trust_ids, place)
    everyone = seconded(scope.partnership_trust_ids) if trust is not None else movement
    # A place's counts are also held by its trust's and every wider place's (a ward's by its
    # directorate's): none may be 1 to 4 short of them either.
    enclosing = [seconded(scope.trust_ids, wider) for wider in place.enclosing()]
    charts["secondments"] = ChartData(
        "secondments",
        "Secondments in and out",
        "People on secondment during each month: seconded in to "
        + ("this trust" if trust is not None else "a partner trust")
        + " from a partner trust, and seconded out"
        + (
            " from this trust."
            if trust is not None
            else " (across the partnership every secondment is both)."
        )
        + " A secondment is never counted as leaving. Counts of 1 to 4 people are not shown.",
        [("month", "Month"), ("seconded_in", "Seconded in"), ("seconded_out", "Seconded out")],
        kind="bar",
    )
    for m in months:
        seconded_in, seconded_out = movement[m]
        if trust is None:
            seconded_out = seconded_in  # inside the partnership each secondment leaves one trust for another
        all_secondments = everyone[m][0]  # across the partnership each is both in and out
        charts["secondments"].rows.append(
            {
                "month": month_label(m),
                "seconded_in": count(seconded_in, all_secondments),
                "seconded_out": count(seconded_out, all_secondments),
            }
        )
        row = charts["secondments"].rows[-1]
        if any(count(seconded_in, wider[m][0]) is None for wider in enclosing):
            row["seconded_in"] = None
        if any(count(seconded_out, wider[m][1]) is None for wider in enclosing):
            row["seconded_out"] = None

    reason_first = last_month - 11  # always 12 months: shorter runs would differ by a few people's months
    reason_sickness = sickness_source(session, scope, reason_first, last_month, fingerprint)
    shares, available = reason_sickness.reasons(reason_first, last_month)
    reason_period = Period(reason_first, last_month)
    charts["absence-reasons"] = ChartData(
        "absence-reasons",
        "Reasons for sickness absence",
        f"Share of FTE days lost by reason, {reason_period.words}. Reasons fewer than {MIN_PEOPLE} people "
        f"were absent for are grouped as {OTHER_REASONS.lower()}; none are shown when fewer than "
        f"{MIN_PEOPLE} people were absent.",
        [
            ("reason_code", "Code"),
            ("reason", "Reason"),
            ("fte_days_lost", "FTE days lost"),
            ("share_percent", "Share (%)"),
        ],
        kind="bar",
    )
    if not is_suppressed(available) and shown(reason_first, last_month):
        charts["absence-reasons"].rows = _reason_rows(
            session, people, scope, reason_period, shares, fingerprint
        )

    if side_by_side:
        charts[PARTNER_TRUSTS] = _partner_trusts(
            session, people, staff_groups, bands, reason_period, codes, fingerprint
        )

    cohort = Period(last_month - 23, last_month - 12)
    charts["nqn-retention"] = _nqn_chart(session, scope, cohort, as_of, codes, MIN_PEOPLE if suppress else 0)
    return Dashboard(title, Period(first_month, last_month), charts)


def _monthly_leavers_chart(retention: Any, months: list[int], level: str, shown: Any) -> ChartData:
    """Each month's leavers / average headcount, for the leaver SPC chart: single months, not a rolling
    year (a rolling figure shares eleven months with the one before, so its points are not independent
    and the SPC rules would find runs that are only the window moving)."""
    monthly = {c.period.last_month: c for c in retention.leavers([Period(m, m) for m in months], [])}
    chart = ChartData(
        "leaver-spc",
        "Leaver rate, month by month",
        f"Each month's leavers / average headcount at the {level} level (the months add up to the rolling "
        "12-month leaver rate below), as a statistical process control chart in NHS England's Making Data "
        "Count style.",
        [
            ("month", "Month"),
            ("leavers", "Leavers"),
            ("average_headcount", "Average headcount"),
            ("leaver_rate_percent", "Leaver rate (%)"),
        ],
        kind="spc",
    )
    for m in months:
        # Shown as the rolling chart's are: when the month's selection holds enough people.
        cell = monthly.get(m) if shown(m, m) else None
        chart.rows.append(
            {
                "month": month_label(m),
                "leavers": cell.leavers if cell else None,
                "average_headcount": cell.average_headcount if cell else None,
                "leaver_rate_percent": cell.rate_percent if cell else None,
            }
        )
    return chart


def _reason_rows(
    session: Session,
    people: PeopleInPost | None,
    scope: Any,
    period: Period,
    shares: list[Any],
    fingerprint: str,
) -> list[dict[str, Any]]:
    """The reasons chart's rows: each reason enough people were absent for, then the others together
    (every reason by itself when ``people`` is None: nothing suppressed)."""
    if people is None:
        alone, other = {share.reason_code for share in shares}, set()
    else:
        first_day, last_day = month_of(period.first_month), month_last_day(period.last_month)
        absent = reason_people(session, people, first_day, last_day, fingerprint)
        alone, other = reasons_shown(
            people, absent, Selection.of(scope, period.first_month, period.last_month)
        )
    rows = []
    for share in shares:
        if share.reason_code in alone:
            reason = SICKNESS_REASON_BY_CODE.get(share.reason_code)
            rows.append(
                {
                    "reason_code": share.reason_code,
                    "reason": reason.label if reason else share.reason_code,
                    "fte_days_lost": share.fte_days_lost.quantize(Decimal("0.01")),
                    "share_percent": share.share_percent,
                }
            )
    grouped = [share for share in shares if share.reason_code in other]
    if grouped:
        lost = sum((share.fte_days_lost for share in grouped), Decimal(0))
        all_lost = sum((share.fte_days_lost for share in shares), Decimal(0))
        rows.append(
            {
                "reason_code": "",
                "reason": OTHER_REASONS,
                "fte_days_lost": lost.quantize(Decimal("0.01")),
                "share_percent": (lost * 100 / all_lost).quantize(Decimal("0.01")) if all_lost else None,
            }
        )
    return rows


def _partner_trusts(
    session: Session,
    people: PeopleInPost | None,
    staff_groups: tuple[str, ...],
    bands: tuple[str, ...],
    period: Period,
    codes: dict[int, str],
    fingerprint: str,
) -> ChartData:
    scope = scope_for(session, None, staff_groups, bands)
    source = sickness_source(session, scope, period.first_month, period.last_month, fingerprint)
    by_trust = source.by_trust(period.first_month, period.last_month)
    sickness = {c.keys["trust"]: c for c in by_trust}
    # Days lost and available add up across trusts (unlike heads), so the partnership's sickness is the
    # sum of the trusts' cells: a ratio of sums, without a second pass over the absences.
    totals = (
        [
            SicknessCell(
                period,
                {},
                sum((c.fte_days_lost for c in by_trust), Decimal(0)),
                sum((c.fte_days_available for c in by_trust), Decimal(0)),
            )
        ]
        if by_trust
        else []
    )
    retention = retention_source(session, scope, period.first_month, period.last_month, fingerprint)
    leavers = {c.keys["trust"]: c for c in retention.leavers([period], ["trust"])}
    stability = {c.keys["trust"]: c for c in retention.stability([period], ["trust"])}
    leavers_total = retention.leavers([period], [])
    stability_total = retention.stability([period], [])
    chart = ChartData(
        PARTNER_TRUSTS,
        "Partner trusts side by side",
        f"{period.words}, partnership view: each trust's sickness rate, leaver rate (leaving the partnership "
        "from that trust) and stability (staying in the partnership), with the partnership as a whole "
        "(ratios of summed figures, never averages of the trusts' rates).",
        [
            ("trust", "Trust"),
            ("sickness_rate_percent", "Sickness rate (%)"),
            ("leaver_rate_percent", "Leaver rate (%)"),
            ("stability_percent", "Stability index (%)"),
        ],
        kind="bar",
    )

    def shown(trust_id: int | None) -> bool:
        if people is None:
            return True
        trusts = None if trust_id is None else frozenset([trust_id])
        groups, chosen_bands = frozenset(staff_groups) or None, frozenset(bands) or None
        return people.shown(Selection(trusts, groups, chosen_bands, period.first_month, period.last_month))

    for trust_id in sorted(codes, key=codes.get):  # type: ignore[arg-type]
        visible = shown(trust_id)
        lv, st = (leavers.get(trust_id), stability.get(trust_id)) if visible else (None, None)
        chart.rows.append(
            {
                "trust": codes[trust_id],
                "sickness_rate_percent": _sickness_rate(sickness.get(trust_id), visible),
                "leaver_rate_percent": lv.rate_percent if lv else None,
                "stability_percent": st.stability_percent if st else None,
            }
        )
    visible = shown(None)
    chart.rows.append(
        {
            "trust": "Partnership",
            "sickness_rate_percent": _sickness_rate(totals[0] if totals else None, visible),
            "leaver_rate_percent": leavers_total[0].rate_percent if leavers_total and visible else None,
            "stability_percent": stability_total[0].stability_percent
            if stability_total and visible
            else None,
        }
    )
    return chart


def _nqn_chart(
    session: Session, scope: Any, cohort: Period, as_of: Any, codes: dict[int, str], smallest: int
) -> ChartData:
    from datetime import date

    cells = nqn_retention(session, scope, cohort, as_of or date.today(), ["trust"])
    chart = ChartData(
        "nqn-retention",
        "Newly qualified nurse retention",
        f"Nurses whose first post in the partnership started at band 5 from {cohort.words}, and how many "
        f"were still in post at the {scope.level} level 12 months after they started. Cohorts of fewer "
        f"than {MIN_PEOPLE} are not shown.",
        [
            ("trust", "Trust of first post"),
            ("cohort", "Starters"),
            ("retained", "Still in post"),
            ("retention_percent", "Retention (%)"),
        ],
        kind="table",
    )
    for cell in sorted(cells, key=lambda c: codes.get(c.keys["trust"], "")):
        large_enough = cell.cohort >= smallest
        chart.rows.append(
            {
                "trust": codes.get(cell.keys["trust"]),
                "cohort": cell.cohort if large_enough else None,
                "retained": cell.retained if large_enough else None,
                "retention_percent": cell.retention_percent if large_enough else None,
            }
        )
    return chart


def _sickness_term_chart(sickness: Any, months: list[int], shown: Any, suppress: bool) -> ChartData:
    """Short-term and long-term sickness per month (passport.metrics.sickness_terms): each term's FTE days
    lost / FTE days available, shown as the month's total rate is (``_sickness_rate``); and the episodes
    starting in the month by term, not shown from 1 to 4 (nor when the month's figures are withheld)."""
    terms = sickness.terms(months[0], months[-1]) if months else {}
    chart = ChartData(
        "sickness-term",
        "Short-term and long-term sickness",
        "Each month's sickness absence rate split by the length of the episode: long-term when an episode "
        "of sickness lasts more than 28 calendar days (NHS Digital's definition; one still open counts to "
        "the end of the period shown), short-term otherwise, all of an episode's days being of its term; "
        "with the episodes starting in each month. Counts of 1 to 4 episodes are not shown.",
        [
            ("month", "Month"),
            ("short_term_rate_percent", "Short-term rate (%)"),
            ("long_term_rate_percent", "Long-term rate (%)"),
            ("short_term_episodes", "Short-term episodes starting"),
            ("long_term_episodes", "Long-term episodes starting"),
        ],
    )
    for m in months:
        term, month_shown = terms.get(m), shown(m, m)
        row: dict[str, Any] = {"month": month_label(m)}
        for name, lost, episodes in (
            ("short_term", term.fte_days_lost_short if term else None, term.episodes_short if term else None),
            ("long_term", term.fte_days_lost_long if term else None, term.episodes_long if term else None),
        ):
            cell = (
                SicknessCell(Period(m, m), {}, lost, term.fte_days_available)
                if term and lost is not None
                else None
            )
            row[f"{name}_rate_percent"] = _sickness_rate(cell, month_shown)
            if not suppress:
                row[f"{name}_episodes"] = episodes
            else:
                row[f"{name}_episodes"] = _people_count(episodes) if month_shown else None
        chart.rows.append(row)
    return chart
