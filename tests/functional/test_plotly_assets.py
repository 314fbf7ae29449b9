"""plotly.js as the dashboard gets it: the basic partial bundle (scatter, bar, pie) copied from the npm
registry by scripts/build_assets.py, sent gzipped to browsers that accept gzip and as it is to the rest,
with plotly's stylesheets read out of that same bundle (our CSP refuses the inline <style> it would add).
"""

from __future__ import annotations

import gzip
import html
import json
import re
from datetime import date
from decimal import Decimal

import pytest

from passport.auth.models import Role
from passport.metrics import charts
from tests.conftest import sign_in
from tests.support.factories import StaffMemberFactory, UserFactory
from tests.support.workforce_factories import AbsenceFactory, AssignmentFactory, PublishedSicknessFactory

SCRIPT, STYLES = "/metrics/assets/plotly.min.js", "/metrics/assets/plotly.css"
# Each trace module of a plotly.js bundle registers itself with this object literal.
TRACE_MODULE = re.compile(rb'moduleType:"trace",name:"(\w+)"')


@pytest.fixture
def world(session, demo_trusts):  # type: ignore[no-untyped-def]
    """Enough records for every chart of a director's dashboard to be drawn (none withheld)."""
    rpg, rv5 = demo_trusts
    made = [
        AssignmentFactory(staff_member=StaffMemberFactory(trust=rpg), start_date=date(2023, 1, 1))
        for _ in range(20)
    ]
    for index, post in enumerate(made[:10]):
        AbsenceFactory(
            assignment=post,
            first_day=date(2024, 4, 1),
            last_day=date(2024, 4, 6),
            reason_code="S10" if index < 5 else "S12",
        )
    for _ in range(6):
        AssignmentFactory(staff_member=StaffMemberFactory(trust=rv5), start_date=date(2023, 1, 1))
    PublishedSicknessFactory(
        org_code="RPG", fte_days_lost=Decimal("6113.03626"), fte_days_available=Decimal("129753.81081")
    )
    return made


def _figures(client, demo_trusts) -> dict[str, dict]:  # type: ignore[no-untyped-def]
    sign_in(client, UserFactory(role=Role.DIRECTOR, trust=demo_trusts[0]))
    page = client.get("/metrics?from_month=2024-03&to_month=2024-04").get_data(as_text=True)
    found = re.findall(r'id="([a-z-]+)-chart" data-figure="([^"]*)"', page)
    return {name: json.loads(html.unescape(figure)) for name, figure in found}


def _served(client, accept_encoding: str | None = None):  # type: ignore[no-untyped-def]
    headers = {} if accept_encoding is None else {"Accept-Encoding": accept_encoding}
    response = client.get(SCRIPT, headers=headers)
    assert response.status_code == 200
    return response


def test_gzip_answer_is_exactly_the_served_bundle(client):
    plain = _served(client, "identity").data
    assert plain == charts.PLOTLY_JS.read_bytes()
    response = _served(client, "gzip, deflate, br, zstd")  # what chromium sends
    assert response.headers["Content-Encoding"] == "gzip"
    assert "Accept-Encoding" in response.vary
    assert int(response.headers["Content-Length"]) == len(response.data)
    assert response.mimetype == "text/javascript"
    assert gzip.decompress(response.data) == plain
    assert len(response.data) < len(plain) / 2.5  # 395 kB of 1.19 MB for plotly.js 4.1.1


@pytest.mark.parametrize("accept_encoding", [None, "identity", "br, deflate", "gzip;q=0, *", "*;q=0"])
def test_no_gzip_unless_accepted(client, accept_encoding):
    response = _served(client, accept_encoding)
    assert "Content-Encoding" not in response.headers
    assert "Accept-Encoding" in response.vary  # a shared cache must not hand this to a gzip client
    assert response.data == charts.PLOTLY_JS.read_bytes()
    assert int(response.headers["Content-Length"]) == len(response.data)


@pytest.mark.parametrize("accept_encoding", ["gzip", "GZIP;q=0.5", "*", "br, *;q=0.1"])
def test_gzip_whenever_accepted(client, accept_encoding):
    response = _served(client, accept_encoding)
    assert response.headers["Content-Encoding"] == "gzip"
    assert gzip.decompress(response.data) == charts.PLOTLY_JS.read_bytes()


def test_the_stylesheet_is_gzipped_too(client):
    plain = client.get(STYLES, headers={"Accept-Encoding": "identity"})
    packed = client.get(STYLES, headers={"Accept-Encoding": "gzip"})
    assert "Content-Encoding" not in plain.headers and packed.headers["Content-Encoding"] == "gzip"
    assert gzip.decompress(packed.data) == plain.data == charts.plotly_css().encode()
    assert int(packed.headers["Content-Length"]) == len(packed.data)
    assert all("Accept-Encoding" in answer.vary for answer in (plain, packed))


def test_the_bundle_holds_the_traces_the_figures_use_and_no_others(client, world, demo_trusts):
    """The served bundle registers every trace type the dashboard's figures use, and is the partial
    bundle: the full one (47 trace types, 4.8 MB) would fail here."""
    figures = _figures(client, demo_trusts)
    assert {"sickness-trend", "retention-trend", "absence-reasons", "partner-trusts"} <= set(figures)
    used = {trace.get("type", "scatter") for figure in figures.values() for trace in figure["data"]}
    assert used >= {"scatter", "bar"}
    registered = {name.decode() for name in TRACE_MODULE.findall(_served(client).data)}
    assert used <= registered, f"{used - registered} missing from the served bundle"
    assert registered == {"scatter", "bar", "pie"}
    assert len(_served(client).data) < 1_500_000


def test_the_bundle_is_the_plotly_js_the_python_wheel_checks_figures_against(client):
    """test_metrics_dashboard checks every figure with the Python plotly classes, whose schema is that of
    the plotly.js the wheel bundles: the served bundle must be the same release (major and minor)."""
    from plotly.offline import get_plotlyjs_version

    banner = re.search(rb"plotly\.js \(basic - minified\) v(\d+)\.(\d+)\.\d+", _served(client).data[:600])
    assert banner, "not plotly.js's basic bundle"
    assert [int(part) for part in banner.groups()] == [int(p) for p in get_plotlyjs_version().split(".")[:2]]


def test_its_styles_are_found_in_the_bundle_served(client, world, demo_trusts):
    """plotly.css holds the rules the served bundle would otherwise inject inline: its global rules and
    every stylesheet it adds at load time; the page names each of those by id, so the bundle skips it."""
    bundle = _served(client).data.decode()
    styles = charts.bundled_styles()
    # Every <style> the bundle can make: one in its addStyleRule helper (skipped for our linked
    # stylesheet), the others at load time, each of which we must have found.
    assert bundle.count('document.createElement("style")') == 1 + len(styles) >= 2
    css = client.get(STYLES, headers={"Accept-Encoding": "identity"}).get_data(as_text=True)
    assert "not found" not in css
    assert ".js-plotly-plot .plotly .modebar{" in css and ".plotly-notifier .notifier-close{" in css
    sign_in(client, UserFactory(role=Role.DIRECTOR, trust=demo_trusts[0]))
    page = client.get("/metrics?from_month=2024-03&to_month=2024-04").get_data(as_text=True)
    for style_id, style in styles:
        assert f'document.getElementById("{style_id}")' in bundle
        assert style and style in css
        assert f'<template id="{style_id}"></template>' in page


def test_links_carry_the_bundles_hash_and_may_be_kept_a_year(client, world, demo_trusts):
    sign_in(client, UserFactory(role=Role.DIRECTOR, trust=demo_trusts[0]))
    page = client.get("/metrics?from_month=2024-03&to_month=2024-04").get_data(as_text=True)
    fingerprint = charts.plotly_fingerprint()
    script = re.search(r'<script src="([^"]*plotly[^"]*)"', page)
    styles = re.search(r'<link id="plotly.js-style-global"[^>]* href="([^"]*)"', page)
    assert script and styles
    assert html.unescape(script.group(1)) == f"{SCRIPT}?v={fingerprint}"
    assert html.unescape(styles.group(1)) == f"{STYLES}?v={fingerprint}"
    # Asked for by the signed-in director, as the page does: kept all the same (no personal data in them;
    # passport.app's no-store is for pages and API answers).
    for url in (f"{SCRIPT}?v={fingerprint}", f"{STYLES}?v={fingerprint}"):
        kept = client.get(url, headers={"Accept-Encoding": "gzip"})
        assert kept.cache_control.max_age == 365 * 86400 and kept.cache_control.immutable, url
        assert kept.cache_control.public and not kept.cache_control.no_store, url
        assert "Content-Security-Policy" in kept.headers
    for url in (SCRIPT, f"{SCRIPT}?v=stale", STYLES):  # no hash, or another bundle's: a day only
        brief = client.get(url)
        assert brief.cache_control.max_age == 86400 and not brief.cache_control.immutable, url


def test_a_repeat_request_is_answered_not_modified(client):
    first = _served(client, "gzip")
    again = client.get(SCRIPT, headers={"Accept-Encoding": "gzip", "If-None-Match": first.headers["ETag"]})
    assert again.status_code == 304 and not again.data
    plain = _served(client, "identity")
    assert plain.headers["ETag"] != first.headers["ETag"]  # two representations, two validators
