"""The dashboard's first load in a browser with an empty cache, until every chart is drawn (issue 14).

Run: .venv/bin/python bench/bench_dashboard_first_load.py [--runs 7] [--warm 4]

A temporary SQLite database is migrated and given the demo partnership (its dashboards counted by
seed-demo); gunicorn serves the app on a free loopback port as deployed (gunicorn.conf.py, production
settings but for PASSPORT_ENV, so no secrets are needed). Debian's chromium, driven by Playwright,
signs in as director@rpg.example once; then every run is a new browser context (an empty HTTP cache,
nothing compiled kept) with that session's cookie, which opens /metrics and waits until every
``.metrics-chart`` has ``data-drawn="true"``. A load is timed from the navigation's start (the page's
time origin) to the moment the last chart was marked drawn (a MutationObserver installed before the
page's own scripts); on the way, when the page and plotly.js were received (Resource Timing) and when
plotly.js had run (it sets window.Plotly last). The bytes transferred for plotly.js are the browser's own
count (transferSize: body as sent plus headers). Each server is warmed by ``--warm`` loads first.

Three servers, one after the other, each measured on loopback and again through Chromium's network
emulation at 20 Mbit/s down with a 40 ms round trip (a busy trust network): the app as it is (plotly.js's
basic bundle, sent gzipped); the full bundle of the Python plotly wheel sent gzipped by the same route;
and the full bundle sent as before issue 14 (uncompressed, the old route). The last two are made by a
small module written to the temporary folder that points the app at the wheel's bundle before it starts.
The median of ``--runs`` runs is reported, and every run. Goal (issue 14): first load under 1 s here.
"""

from __future__ import annotations

import argparse
import gzip
import os
import shutil
import statistics
import sys
import tempfile
from pathlib import Path

from served_app import ROOT, migrate_and_seed_demo, serve  # beside this file (run as a script)

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-quic"]
DIRECTOR, PASSWORD = "director@rpg.example", "demo-passport-2026"
THROTTLED = {"offline": False, "latency": 40, "downloadThroughput": 20e6 / 8, "uploadThroughput": 10e6 / 8}

# Loaded by gunicorn in place of wsgi.py for the two servers of the full bundle.
FULL_BUNDLE_APP = '''
import os
from pathlib import Path

import plotly
from flask import send_file

from passport.metrics import charts

FULL = Path(plotly.__file__).resolve().parent / "package_data" / "plotly.min.js"
charts.PLOTLY_JS = FULL  # read by nothing yet: plotly.css and the style ids come from it too
charts.PLOTLY_JS_GZIP = Path(os.environ["BENCH_FULL_GZIP"])

from wsgi import app  # noqa: E402

if os.environ["BENCH_PLOTLY"] == "full-plain":

    def plotly_js():  # the route before issue 14
        return send_file(FULL, mimetype="text/javascript", max_age=86400)

    app.view_functions["metrics.plotly_js"] = plotly_js
'''

# Installed before the page's scripts: notes when plotly.js has run (it ends by setting window.Plotly) and
# when the last chart is marked drawn.
DRAWN_OBSERVER = """
window.__chartsDrawnAt = null;
(function () {
  var plotly;
  Object.defineProperty(window, 'Plotly', {configurable: true, get: function () { return plotly; },
    set: function (value) { plotly = value; window.__plotlyReadyAt = performance.now(); }});
})();
window.__firstChartDrawnAt = null;
new MutationObserver(function () {
  var charts = document.querySelectorAll('.metrics-chart');
  if (window.__firstChartDrawnAt === null && document.querySelector('.metrics-chart[data-drawn="true"]')) {
    window.__firstChartDrawnAt = performance.now();
  }
  if (window.__chartsDrawnAt === null && charts.length && Array.prototype.every.call(charts, function (c) {
    return c.getAttribute('data-drawn') === 'true';
  })) { window.__chartsDrawnAt = performance.now(); }
}).observe(document, {subtree: true, attributes: true, attributeFilter: ['data-drawn']});
"""

MEASURED = """
() => {
  const plotly = performance.getEntriesByType('resource').filter(e => e.name.includes('/plotly.min.js'));
  const all = performance.getEntriesByType('resource').concat(performance.getEntriesByType('navigation'));
  return {
    drawn: window.__chartsDrawnAt,
    firstDrawn: window.__firstChartDrawnAt,
    html: performance.getEntriesByType('navigation')[0].responseEnd,
    plotlyReceived: plotly.length ? plotly[0].responseEnd : null,
    plotlyReady: window.__plotlyReadyAt,
    contentLoaded: performance.getEntriesByType('navigation')[0].domContentLoadedEventStart,
    charts: document.querySelectorAll('.metrics-chart').length,
    plotlyTransfer: plotly.length ? plotly[0].transferSize : null,
    plotlyBody: plotly.length ? plotly[0].decodedBodySize : null,
    pageTransfer: all.reduce((sum, e) => sum + e.transferSize, 0),
  };
}
"""


def _signed_in(browser, url: str) -> dict:  # type: ignore[no-untyped-def]
    context = browser.new_context(base_url=url)
    page = context.new_page()
    page.goto("/sign-in")
    page.get_by_label("Email address").fill(DIRECTOR)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(lambda address: "/sign-in" not in address)
    state = context.storage_state()
    context.close()
    return state


def _load(browser, url: str, state: dict, throttled: bool) -> dict:  # type: ignore[no-untyped-def]
    """One first load in a new context (empty cache): ms to every chart drawn, and bytes."""
    context = browser.new_context(base_url=url, storage_state=state)
    try:
        page = context.new_page()
        if throttled:
            cdp = context.new_cdp_session(page)
            cdp.send("Network.enable")
            cdp.send("Network.emulateNetworkConditions", THROTTLED)
        page.add_init_script(DRAWN_OBSERVER)
        page.goto("/metrics", wait_until="commit")
        page.wait_for_function("() => window.__chartsDrawnAt !== null", timeout=60_000)
        measured = page.evaluate(MEASURED)
    finally:
        context.close()
    assert measured["charts"] >= 4, measured
    assert measured["plotlyTransfer"], f"plotly.js came from a cache or not at all: {measured}"
    return measured


def _measure(browser, env: dict[str, str], app: str, args: argparse.Namespace) -> dict:  # type: ignore[no-untyped-def]
    server, port = serve(env, app)
    url = f"http://127.0.0.1:{port}"
    try:
        state = _signed_in(browser, url)
        for _ in range(args.warm):  # both gunicorn processes: imports, templates, the CSS read out
            _load(browser, url, state, throttled=False)
        return {
            profile: [_load(browser, url, state, throttled=profile == "throttled") for _ in range(args.runs)]
            for profile in ("loopback", "throttled")
        }
    finally:
        server.terminate()
        server.wait(timeout=20)


def _median(runs: list[dict], key: str) -> str:
    return f"{statistics.median(run[key] for run in runs):,.0f} ms"


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--warm", type=int, default=4)
    args = parser.parse_args()
    if not CHROMIUM:
        print("chromium is not installed (apt-get install chromium): nothing measured")
        return 1
    import plotly
    from playwright.sync_api import sync_playwright

    full = Path(plotly.__file__).resolve().parent / "package_data" / "plotly.min.js"
    folder = Path(tempfile.mkdtemp(prefix="bench-first-load-"))
    (folder / "bench_full_bundle_app.py").write_text(FULL_BUNDLE_APP, encoding="utf-8")
    (folder / "plotly.full.min.js.gz").write_bytes(gzip.compress(full.read_bytes(), 9, mtime=0))
    env = {
        **os.environ,
        "PASSPORT_DATABASE_URL": f"sqlite:///{folder}/bench.sqlite3",
        "PASSPORT_QUEUE_URL": f"sqlite:///{folder}/queue.sqlite3",
        "PASSPORT_ENV": "development",
        "PASSPORT_DEMO_PASSWORD": PASSWORD,
        "PASSPORT_SIGN_IN_RATE_LIMIT": "1000 per minute",
        "PASSPORT_SIGN_IN_ADDRESS_RATE_LIMIT": "1000 per minute",
        "PYTHONPATH": os.pathsep.join([str(ROOT), str(folder)]),
        "BENCH_FULL_GZIP": str(folder / "plotly.full.min.js.gz"),
        "GUNICORN_ACCESS_LOG": "-",
    }
    for name in ("PASSPORT_TEST_DATABASE_URL", "PASSPORT_PUBLIC_URL"):
        env.pop(name, None)
    migrate_and_seed_demo(env)
    servers = [
        ("now: basic bundle (scatter, bar, pie), gzip", "wsgi:app", "basic"),
        ("full bundle of the plotly wheel, gzip", "bench_full_bundle_app:app", "full-gzip"),
        ("before: full bundle, uncompressed", "bench_full_bundle_app:app", "full-plain"),
    ]
    results = {}
    load_before = os.getloadavg()[0]
    try:
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
            try:
                for label, app, kind in servers:
                    results[label] = _measure(browser, env | {"BENCH_PLOTLY": kind}, app, args)
            finally:
                browser.close()
    finally:
        shutil.rmtree(folder, ignore_errors=True)

    charts = results[servers[0][0]]["loopback"][0]["charts"]
    print(
        f"The dashboard (/metrics) of director@rpg.example, demo partnership ({charts} charts), gunicorn "
        "(gunicorn.conf.py) on loopback, Debian's chromium (headless) through Playwright; every load in a "
        "new browser context (empty cache), timed from the navigation's start until the first chart is "
        "drawn (metrics.js draws one chart a task, those on screen first) and until every chart is "
        f"drawn. Median of {args.runs} runs after {args.warm} warm-up loads; throttled: Chromium's network "
        "emulation, 20 Mbit/s down, 40 ms round trip. Goal (issue 14): first load under 1 s.\n"
    )
    print(
        "| plotly.js served | bytes transferred for plotly.js | plotly.js unpacked | loopback: page received "
        "| loopback: plotly.js received | loopback: plotly.js run | loopback: first chart drawn "
        "| loopback: every chart drawn | throttled: first chart drawn | throttled: every chart drawn |"
    )
    print("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |")
    for label, measured in results.items():
        loopback, throttled = measured["loopback"], measured["throttled"]
        print(
            f"| {label} | {loopback[0]['plotlyTransfer']:,} | {loopback[0]['plotlyBody']:,} "
            f"| {_median(loopback, 'html')} | {_median(loopback, 'plotlyReceived')} "
            f"| {_median(loopback, 'plotlyReady')} "
            f"| {_median(loopback, 'firstDrawn')} | **{_median(loopback, 'drawn')}** "
            f"| {_median(throttled, 'firstDrawn')} | {_median(throttled, 'drawn')} |"
        )
    now = results[servers[0][0]]["loopback"][0]
    print(
        f"\nThe whole page now transfers {now['pageTransfer']:,} bytes. The machine's load average (1 min) "
        f"was {load_before:.1f} at the start and {os.getloadavg()[0]:.1f} at the end; every run, first load "
        "until every chart is drawn:\n"
    )
    for label, measured in results.items():
        for profile, runs in measured.items():
            print(f"- {label}, {profile} (ms): " + ", ".join(f"{r['drawn']:,.0f}" for r in runs))
    return 0


if __name__ == "__main__":
    sys.exit(main())
