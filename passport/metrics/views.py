"""The retention and sickness dashboard, its CSV downloads, HR's Bradford list and the admin upload of
published NHS figures; plus plotly.js (its basic bundle, copied from npm by the asset build, gzipped) and
its stylesheet."""

from __future__ import annotations

import csv
import io
from datetime import date
from decimal import Decimal
from typing import Any

from flask import Blueprint, Response, abort, flash, redirect, render_template, request, send_file, url_for
from flask_login import current_user, login_required

from passport.auth.models import Role
from passport.auth.policy import Action, allows, ensure
from passport.db import get_session
from passport.errors import DomainError, NotFound
from passport.formatting import uk_date_time, uk_month
from passport.forms import attach_domain_error
from passport.metrics import charts, snapshots
from passport.metrics.benchmark import import_published_sickness, published_months
from passport.metrics.dashboard import CHART_NAMES
from passport.metrics.fingerprint import records_changed_at
from passport.metrics.forms import DashboardFilterForm, PublishedUploadForm
from passport.metrics.operations import latest_recorded_month, parse_month, refuse_period_past_records
from passport.metrics.organisation import LEVELS, check_drill_down, places_of, units_in
from passport.metrics.queries import Place, month_label
from passport.metrics.refresh import refresh_under_way, request_refresh
from passport.metrics.sickness import bradford_factors
from passport.metrics.snapshots import DEFAULT_MONTHS, ShownDashboard, default_period
from passport.metrics.spc_charts import read_spc_charts
from passport.metrics.tasks import CHECK_EVERY_MINUTES
from passport.navigation import HomeLink, register
from passport.subject_access.trail import record_views
from passport.trusts.models import Trust
from passport.trusts.operations import get_trust, list_trusts

blueprint = Blueprint("metrics", __name__)
PARTNERSHIP = "partnership"

register(
    HomeLink(
        Role.DIRECTOR,
        "Retention and sickness",
        "metrics.dashboard",
        "Trends for your trust and the partnership, beside published NHS figures.",
    ),
    HomeLink(
        Role.HR,
        "Retention and sickness",
        "metrics.dashboard",
        "Your trust's sickness, leaver and stability trends.",
    ),
    HomeLink(
        Role.HR,
        "Bradford factors",
        "metrics.bradford",
        "Your trust's staff with sickness in the last 52 weeks.",
    ),
    HomeLink(
        Role.ADMIN,
        "Retention and sickness",
        "metrics.dashboard",
        "The partnership's and each trust's trends.",
    ),
    HomeLink(
        Role.ADMIN,
        "Published sickness figures",
        "metrics.published",
        "Import NHS England's monthly sickness absence files.",
    ),
)


def _user():  # type: ignore[no-untyped-def]
    return current_user._get_current_object()


def trust_asked(session: Any, user: Any, action: Action, asked: str) -> Trust:
    """The trust ``asked`` names (its ODS code); without one the user's own, or for an admin (who has
    none) the first trust. Refused (403) unless ``action`` is allowed there; 404 for no such trust. The
    action is checked first without a trust, so those who may not do it anywhere learn nothing about
    which trusts exist."""
    ensure(user, action)
    if asked:
        trust = get_trust(session, asked)
    elif user.trust is not None:
        trust = user.trust
    else:
        trusts = list_trusts(session)
        if not trusts:
            raise NotFound("There are no trusts in the partnership yet.")
        trust = trusts[0]
    ensure(user, action, trust.id)
    return trust


def _scope_choices(user: Any, trusts: list[Trust]) -> list[tuple[str, str]]:
    choices = [(t.ods_code, t.name) for t in trusts if allows(user, Action.VIEW_METRICS, t.id)]
    if allows(user, Action.VIEW_PARTNERSHIP_METRICS):
        choices.insert(0, (PARTNERSHIP, "The partnership (all partner trusts)"))
    return choices


def _read_filters() -> tuple[DashboardFilterForm, dict[str, Any] | None]:
    """The filter form from the query string and, when it is valid, what to count."""
    user = _user()
    ensure(user, Action.VIEW_METRICS)
    session = get_session()
    trusts = list_trusts(session)
    form = DashboardFilterForm(formdata=request.args)
    form.scope.choices = _scope_choices(user, trusts)
    asked = (request.args.get("scope") or "").strip()
    if asked == PARTNERSHIP:
        ensure(user, Action.VIEW_PARTNERSHIP_METRICS)
    elif asked:
        known = next((t for t in trusts if t.ods_code == asked), None)
        if known is not None:
            ensure(user, Action.VIEW_METRICS, known.id)  # another trust's figures: refused, not "invalid"
    if not form.validate():
        return form, None
    default_scope = next((t.ods_code for t in trusts if t.id == user.trust_id), None) or PARTNERSHIP
    chosen = form.scope.data or default_scope
    trust = next((t for t in trusts if t.ods_code == chosen), None)
    if trust is None:
        ensure(user, Action.VIEW_PARTNERSHIP_METRICS)
    else:
        ensure(user, Action.VIEW_METRICS, trust.id)
    form.scope.data = chosen
    try:
        last = parse_month(form.to_month.data, "to_month") if form.to_month.data else None
        first = parse_month(form.from_month.data, "from_month") if form.from_month.data else None
    except DomainError as error:
        attach_domain_error(form, error)
        return form, None
    chose_first = first is not None
    # "Data as of": the latest month with records. Months after it would be drawn as flat lines of
    # nothing (no absences, no leavers), so a period reaching past it stops there, and the page says so.
    data_as_of = latest_recorded_month(session, [trust.id] if trust is not None else [t.id for t in trusts])
    cut_short = data_as_of is not None and last is not None and last > data_as_of
    if last is None or cut_short:
        # The usual period ends with the data-as-of month (read just above); without records, last month.
        last = data_as_of
    if last is None:
        last = default_period(session, trust, [t.id for t in trusts]).last_month
    if first is None:
        first = last - DEFAULT_MONTHS + 1
    if cut_short and first > last:
        ended = uk_month(month_label(last))
        form.from_month.errors = [
            *form.from_month.errors,
            f"The records end in {ended}: choose a period that starts by then",
        ]
        return form, None
    if last < first:
        form.to_month.errors = [*form.to_month.errors, "The period must end after it starts"]
        return form, None
    if last - first + 1 > 60:
        form.from_month.errors = [*form.from_month.errors, "Choose at most 60 months"]
        return form, None
    if chose_first:
        try:
            refuse_period_past_records(session, trust, first, "from_month")
        except DomainError as error:
            attach_domain_error(form, error)
            return form, None
    places = places_of(session, trust) if trust is not None else []  # read once: checked, then offered
    try:
        asked = {level.field: form[level.field].data for level in LEVELS}
        place = check_drill_down(session, trust, places=places, **asked)
    except DomainError as error:
        attach_domain_error(form, error)
        return form, None
    if trust is not None:
        # Each level's choices lie inside the levels above it that are chosen.
        for i, level in enumerate(LEVELS):
            above = Place(**{upper.field: getattr(place, upper.field) for upper in LEVELS[:i]})
            form[level.field].choices = [("", level.all_of_them)] + [
                (name, name) for name in units_in(places, level.field, above)
            ]
    limits_from = None
    if form.limits_from.data:
        try:
            limits_from = parse_month(form.limits_from.data, "limits_from")
        except DomainError as error:
            attach_domain_error(form, error)
            return form, None
        if not first <= limits_from <= last:
            form.limits_from.errors = [
                *form.limits_from.errors,
                f"Choose a month from {uk_month(month_label(first))} to {uk_month(month_label(last))}, "
                "inside the period shown",
            ]
            return form, None
    form.from_month.data, form.to_month.data = month_label(first), month_label(last)
    return form, {
        "place": place,
        "data_as_of": data_as_of,
        "cut_short": cut_short,
        "limits_from": limits_from,
        "trust": trust,
        "first": first,
        "last": last,
        "staff_groups": (form.staff_group.data,) if form.staff_group.data else (),
        "bands": (form.band.data,) if form.band.data else (),
        "side_by_side": allows(user, Action.VIEW_PARTNERSHIP_METRICS),
    }


def _dashboard(chosen: dict[str, Any]) -> ShownDashboard:
    """The dashboard asked for. Reads only: the figures are kept current by refresh jobs, never here.
    The SPC charts are read here, against the trust's target and from the month asked for."""
    shown = snapshots.dashboard(
        get_session(),
        chosen["trust"],
        chosen["first"],
        chosen["last"],
        staff_groups=chosen["staff_groups"],
        bands=chosen["bands"],
        side_by_side=chosen["side_by_side"],
        place=chosen["place"],
    )
    trust = chosen["trust"]
    target = trust.sickness_target_percent if trust is not None else None
    read_spc_charts(shown.board, target_percent=target, limits_from=chosen["limits_from"])
    return shown


@blueprint.context_processor
def _plotly_style_ids() -> dict[str, Any]:
    return {"plotly_style_ids": charts.bundled_style_ids()}


@blueprint.get("/metrics")
@login_required
def dashboard():  # type: ignore[no-untyped-def]
    form, chosen = _read_filters()
    if chosen is None:
        return render_template("metrics/dashboard.html", form=form, dashboard=None, figures={}, query=""), 422
    shown = _dashboard(chosen)
    board = shown.board
    figures = {name: charts.figure_json(chart) for name, chart in board.charts.items()}
    query = request.query_string.decode("ascii", "replace")
    return render_template(
        "metrics/dashboard.html",
        form=form,
        dashboard=board,
        figures=figures,
        query=query,
        data_as_of=None if chosen["data_as_of"] is None else month_label(chosen["data_as_of"]),
        trust=chosen["trust"],
        place_heading=_place_heading(chosen["place"]),
        breadcrumbs=_breadcrumbs(chosen["trust"], chosen["place"]),
        drill_url=_drill_url,
        report_month=month_label(chosen["last"]),
        may_set_target=chosen["trust"] is not None
        and allows(_user(), Action.SET_SICKNESS_TARGET, chosen["trust"].id),
        cut_short=chosen["cut_short"],
        stale=None if shown.current else _stale_note(shown),
        records_up_to=_records_up_to() if shown.current else None,
    )


def _drill_url(level: str, value: str | None = None) -> str:
    """This page, the other filters kept, at a level of the drill-down: "trust" (no place), or a Place
    field and ``value`` there, inside the levels above it shown now. For the links and breadcrumb."""
    fields = [unit.field for unit in LEVELS]
    kept = {key: value for key, value in request.args.items() if key not in fields and value}
    if level in fields and value:
        for upper in fields[: fields.index(level)]:
            if request.args.get(upper):
                kept[upper] = request.args[upper]
        kept[level] = value
    return url_for("metrics.dashboard", **kept)


def _place_heading(place: Place) -> tuple[str, list[str]] | None:
    """The deepest unit chosen, as the page's heading names it, and the wider ones it lies in (widest
    last); None for a trust or the partnership."""
    chosen = place.chosen.items()
    named = [f"Cost centre {name}" if field == "cost_centre" else name for field, name in chosen]
    return (named[-1], named[-2::-1]) if named else None


def _breadcrumbs(trust: Trust | None, place: Place) -> list[dict[str, str]]:
    """Links up the drill-down: the trust, then each chosen level above the deepest."""
    chosen = list(place.chosen.items())
    if trust is None or not chosen:
        return []
    return [{"href": _drill_url("trust"), "text": trust.name}] + [
        {"href": _drill_url(field, name), "text": name} for field, name in chosen[:-1]
    ]


def _records_up_to() -> str | None:
    """When the records the (current) figures include were last changed, in UK time."""
    changed_at = records_changed_at(get_session())
    return uk_date_time(changed_at) if changed_at else None


def _stale_note(shown: ShownDashboard) -> dict[str, Any]:
    """What the page says about figures counted before the latest change of the records."""
    return {
        "counted_at": uk_date_time(shown.counted_at) if shown.counted_at else None,
        "refreshing": refresh_under_way(get_session()),
        "check_minutes": CHECK_EVERY_MINUTES,
    }


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, Decimal):
        return format(value, "f")
    return str(value)


@blueprint.get("/metrics/charts/<string:name>.csv")
@login_required
def chart_csv(name: str):  # type: ignore[no-untyped-def]
    """Exactly the rows of one chart (and of its table), as CSV."""
    if name not in CHART_NAMES:
        raise NotFound(f"There is no chart called {name}.")
    form, chosen = _read_filters()
    if chosen is None:
        abort(422)
    chart = _dashboard(chosen).board.charts.get(name)
    if chart is None:
        raise NotFound(f"The chart {name} is not part of your dashboard.")
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow([key for key, _heading in chart.columns])
    for row in chart.rows:
        writer.writerow([_cell(row[key]) for key, _heading in chart.columns])
    scope = chosen["trust"].ods_code if chosen["trust"] else PARTNERSHIP
    filename = f"{name}_{scope}_{month_label(chosen['first'])}_{month_label(chosen['last'])}.csv"
    return Response(
        out.getvalue(),
        mimetype="text/csv",
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )


@blueprint.get("/metrics/bradford")
@login_required
def bradford():  # type: ignore[no-untyped-def]
    user = _user()
    ensure(user, Action.VIEW_SICKNESS_DETAIL, user.trust_id)  # HR of a trust; nobody without one
    as_of = date.today()
    session = get_session()
    scores = bradford_factors(session, user.trust_id, as_of)
    record_views(session, user, [score.staff_member_id for score in scores], "bradford_list")
    return render_template("metrics/bradford.html", scores=scores, as_of=as_of, trust=user.trust)


@blueprint.route("/admin/published-sickness", methods=["GET", "POST"])
@login_required
def published():  # type: ignore[no-untyped-def]
    user = _user()
    ensure(user, Action.MANAGE_PUBLISHED_BENCHMARKS)
    session = get_session()
    form = PublishedUploadForm()
    if form.validate_on_submit():
        uploads = [(upload.filename or "upload.csv", upload.stream) for upload in form.file.data]
        try:
            summary = import_published_sickness(session, uploads, actor=user)
        except DomainError as error:
            attach_domain_error(form, error)  # InvalidInput names the field "file"; the 422 undoes it all
        else:
            # The dashboards show these beside the trusts' own figures: count them again (queued when
            # this request commits).
            request_refresh(session, reason="published figures imported", created_by_id=user.id)
            months = ", ".join(map(uk_month, summary.months))
            flash(
                f"Imported {summary.rows} rows for {months}: {summary.added} added, "
                f"{summary.updated} updated, {summary.unchanged} unchanged.",
                "success",
            )
            return redirect(url_for("metrics.published"))
    status = 422 if form.errors or form.form_errors else 200
    return render_template("metrics/published.html", form=form, months=published_months(session)), status


# plotly.js (its basic bundle, 1.2 MB) goes gzipped (395 kB) to every browser that accepts gzip: the copy
# scripts/build_assets.py makes once at build time (level 9), sent as a file. Chosen over flask-compress,
# which compresses in an after_request hook for the whole app (set up in app.py, every response then to
# think about) and, for a cache, wants a cache backend and key of its own: for one file that changes only
# with a deployment, a copy made at build time needs no library and no work per request or per process,
# and send_file keeps its ETag, conditional requests and exact Content-Length. Brotli would save about a
# fifth more but needs a compiled library for this alone; every browser accepts gzip. The stylesheet (90
# kB, read out of the bundle) is compressed once per process.
_YEAR, _DAY = 365 * 86400, 86400


@blueprint.url_defaults
def _plotly_fingerprint(endpoint: str, values: dict[str, Any]) -> None:
    """Links to plotly's script and stylesheet carry the bundle's hash (?v=), so browsers may keep them a
    year and still fetch the new ones the moment the bundle changes."""
    if endpoint in ("metrics.plotly_js", "metrics.plotly_css"):
        values.setdefault("v", charts.plotly_fingerprint())


def _plotly_max_age() -> int:
    return _YEAR if request.args.get("v") == charts.plotly_fingerprint() else _DAY


def _accepts_gzip() -> bool:
    """Whether Accept-Encoding allows gzip: named with a quality above 0, or not named and * allowed."""
    qualities = {value.lower(): quality for value, quality in request.accept_encodings}
    return qualities.get("gzip", qualities.get("*", 0)) > 0


def _vary_and_cache(response: Response, max_age: int) -> Response:
    response.vary.add("Accept-Encoding")
    response.cache_control.public = True
    response.cache_control.max_age = max_age
    response.cache_control.immutable = max_age == _YEAR
    return response


@blueprint.get("/metrics/assets/plotly.min.js")
def plotly_js():  # type: ignore[no-untyped-def]
    max_age = _plotly_max_age()
    if _accepts_gzip():
        response = send_file(charts.PLOTLY_JS_GZIP, mimetype="text/javascript", max_age=max_age)
        response.headers["Content-Encoding"] = "gzip"
    else:
        response = send_file(charts.PLOTLY_JS, mimetype="text/javascript", max_age=max_age)
    return _vary_and_cache(response, max_age)


@blueprint.get("/metrics/assets/plotly.css")
def plotly_css():  # type: ignore[no-untyped-def]
    if _accepts_gzip():
        response = Response(charts.plotly_css_gzip(), mimetype="text/css")
        response.headers["Content-Encoding"] = "gzip"
    else:
        response = Response(charts.plotly_css(), mimetype="text/css")
    return _vary_and_cache(response, _plotly_max_age())


# The sickness target and board report pages register on this blueprint; imported last, once
# ``blueprint`` exists.
from passport.metrics import board_report_views, target_views  # noqa: E402,F401
