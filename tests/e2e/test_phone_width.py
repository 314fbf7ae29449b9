"""Every page at 390 px wide (a phone) without sideways scrolling, for every demo role.

The pages come from the app's own URL map: each GET rule without arguments, and each rule with
arguments reached by following the demo's links from those pages (one example page per rule). Every
HTML page a role opens (200) is measured: the document may not be wider than the screen. The header's
navigation is checked on a phone too: with JavaScript it folds what does not fit into "More"; without,
it is a wrapped list of links."""

from __future__ import annotations

import re
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import Error as PlaywrightError
from playwright.sync_api import expect
from werkzeug.exceptions import HTTPException
from werkzeug.routing import MapAdapter

from passport.app import create_app
from tests.e2e.conftest import create_share_link, sign_in

PHONE = {"width": 390, "height": 844}
ROLES = {
    "nurse": "nurse@rpg.example",
    "hr": "hr@rpg.example",
    "assessor": "assessor@rpg.example",
    "director": "director@rpg.example",
    "admin": "admin@partnership.example",
}
# Not pages: the JSON API (its HTML reference is a page), CASE, files; a file's download is skipped too.
NOT_PAGES = ("api-docs.", "case.", "static", "nhsuk_assets", "healthz", "metrics.plotly_")
FILE_SUFFIXES = (".json", ".csv", ".png", ".svg")

WIDTH_SCRIPT = "() => document.documentElement.scrollWidth"
LINKS_SCRIPT = "() => Array.from(document.querySelectorAll('a[href]'), a => a.href)"


@pytest.fixture(scope="module")
def url_map(live_service) -> MapAdapter:  # type: ignore[no-untyped-def]
    app = create_app({"PASSPORT_DATABASE_URL": live_service.database_url})
    return app.url_map.bind("localhost")


def _endpoint(adapter: MapAdapter, path: str) -> str | None:
    """The endpoint of a page worth measuring at ``path``, or None."""
    try:
        endpoint, _args = adapter.match(path, method="GET")
    except HTTPException:
        return None
    is_api = endpoint.split(".", 1)[0].endswith("_api")
    if is_api or endpoint.startswith(NOT_PAGES) or path.endswith(FILE_SUFFIXES):
        return None
    return endpoint


def _measure_pages(page, adapter: MapAdapter, base: str, start: list[str]) -> dict[str, int]:  # type: ignore[no-untyped-def]
    """Opens ``start`` and then, breadth first, one page for each rule their links reach that was not
    yet seen; the scroll width of each HTML page that opened (200), by path."""
    widths: dict[str, int] = {}
    seen_endpoints = {_endpoint(adapter, path) for path in start}
    queue = list(start)
    while queue:
        url = queue.pop(0)
        try:
            response = page.goto(url)
        except PlaywrightError as error:  # a download, not a page
            if "Download is starting" in str(error):
                continue
            raise
        if response is None or response.status != 200:
            continue
        is_html = "text/html" in response.headers.get("content-type", "")
        if not is_html or urlsplit(page.url).path != urlsplit(url).path:
            continue  # a file, or a redirect elsewhere
        widths[url] = page.evaluate(WIDTH_SCRIPT)
        for href in page.evaluate(LINKS_SCRIPT):
            parts = urlsplit(href)
            endpoint = _endpoint(adapter, parts.path) if href.startswith(base) else None
            if endpoint is None or endpoint in seen_endpoints:
                continue
            seen_endpoints.add(endpoint)
            queue.append(parts.path + (f"?{parts.query}" if parts.query else ""))
    return widths


def _too_wide(widths: dict[str, int]) -> list[str]:
    return [f"{url} is {width} px wide" for url, width in sorted(widths.items()) if width > PHONE["width"]]


def test_every_page_fits_a_phone_for_every_role(browser, live_server, url_map):  # type: ignore[no-untyped-def]
    plain = sorted(
        rule.rule
        for rule in url_map.map.iter_rules()
        if "GET" in (rule.methods or ()) and not rule.arguments and _endpoint(url_map, rule.rule)
    )
    failures: list[str] = []
    opened: dict[str, int] = {}
    share_link = ""  # a shared passport, made by the nurse (the first role), for HR and for anyone
    for role, email in ROLES.items():
        context = browser.new_context(base_url=live_server, viewport=PHONE)
        page = context.new_page()
        sign_in(page, email)  # once per role: the sign-in rate limit
        expect(page.get_by_role("heading", level=1)).to_contain_text("Hello")
        if role == "nurse":
            share_link = urlsplit(create_share_link(page)).path
        widths = _measure_pages(page, url_map, live_server, [*plain, share_link] if role == "hr" else plain)
        opened[role] = len(widths)
        failures += [f"{role}: {failure}" for failure in _too_wide(widths)]
        context.close()
    anonymous = browser.new_context(base_url=live_server, viewport=PHONE)
    widths = _measure_pages(anonymous.new_page(), url_map, live_server, [*plain, share_link])
    assert {"/sign-in", "/api/v1/reference", share_link} <= set(widths), sorted(widths)
    failures += [f"anyone: {failure}" for failure in _too_wide(widths)]
    anonymous.close()
    # Each role opens the pages its home page offers and more (a guard against measuring only errors).
    assert all(count >= 8 for count in opened.values()), opened
    assert not failures, "Pages wider than a 390 px phone:\n" + "\n".join(failures)


def test_the_navigation_folds_into_more_on_a_phone(browser, live_server):  # type: ignore[no-untyped-def]
    context = browser.new_context(base_url=live_server, viewport=PHONE)
    page = context.new_page()
    sign_in(page, "hr@rpg.example")
    navigation = page.get_by_role("navigation", name="Menu")
    more = navigation.get_by_role("button", name=re.compile("More"))
    expect(more).to_be_visible()
    more.click()
    expect(more).to_have_attribute("aria-expanded", "true")
    navigation.get_by_role("link", name="Audit log").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Audit log")
    marked = page.get_by_role("navigation", name="Menu").locator("[aria-current=page]")
    expect(marked).to_have_text("Audit log")
    context.close()


def test_without_javascript_the_navigation_is_a_wrapped_list(browser, live_server):  # type: ignore[no-untyped-def]
    context = browser.new_context(base_url=live_server, viewport=PHONE, java_script_enabled=False)
    page = context.new_page()
    sign_in(page, "hr@rpg.example")
    navigation = page.get_by_role("navigation", name="Menu")
    links = navigation.get_by_role("link")
    expect(links).to_have_count(8)
    for index in range(8):
        expect(links.nth(index)).to_be_visible()
        assert (
            links.nth(index).bounding_box()["x"] + links.nth(index).bounding_box()["width"] <= PHONE["width"]
        )
    expect(navigation.get_by_role("button", name=re.compile("More"))).to_be_hidden()
    assert page.evaluate(WIDTH_SCRIPT) <= PHONE["width"]
    context.close()
