"""The page a share link opens, for the demo nurse's full passport (13 credentials from three trusts):
what HR acts on is in the first screen, and the page prints on at most two A4 sheets."""

from __future__ import annotations

import re

from playwright.sync_api import expect

from tests.e2e.conftest import sign_in

SCREEN = {"width": 1280, "height": 800}
# A browser's usual print margins; Playwright's own default is none, which would flatter the page.
PRINT_MARGINS = {"top": "1cm", "bottom": "1cm", "left": "1cm", "right": "1cm"}


def _share_with_rv5(page) -> str:  # type: ignore[no-untyped-def]
    """The demo nurse shares everything current (what the page preselects) with RV5."""
    sign_in(page, "nurse@rpg.example")
    page.goto("/passport/share")
    page.get_by_label("Which trust are you showing it to? (optional)").select_option("RV5")
    page.get_by_role("button", name="Create link").click()
    return page.locator("#share-link").inner_text()


def _printed_pages(pdf: bytes) -> int:
    """Pages of a PDF: its /Type /Page objects (not the /Type /Pages tree nodes)."""
    return len(re.findall(rb"/Type\s*/Page(?!s)", pdf))


def _top(locator) -> float:  # type: ignore[no-untyped-def]
    box = locator.bounding_box()
    assert box is not None
    return box["y"]


def test_hr_sees_the_verdict_and_fit_check_first_and_the_page_prints_on_two_sheets(
    page, browser, live_server
):
    link = _share_with_rv5(page)

    context = browser.new_context(base_url=live_server, viewport=SCREEN)
    hr = context.new_page()
    sign_in(hr, "hr@rv5.example")
    hr.goto(link)
    expect(hr.get_by_role("heading", level=1)).to_contain_text("Staff passport of")
    expect(hr.get_by_role("heading", name="Verified", level=2)).to_be_visible()
    fit = hr.get_by_role("heading", name=re.compile("Fit for .*job descriptions"), level=2)
    expect(fit).to_be_visible()
    assert _top(fit) < SCREEN["height"]
    levels = hr.eval_on_selector_all("main :is(h1, h2, h3, h4)", "found => found.map(h => +h.tagName[1])")
    assert levels[0] == 1 and all(b <= a + 1 for a, b in zip(levels, levels[1:], strict=False)), levels
    rows = hr.get_by_role("table", name=re.compile("Each credential shared")).locator("tbody tr")
    expect(rows).to_have_count(13)
    # Registration first, with its PIN and expiry; the checks behind details, closed.
    expect(rows.first).to_contain_text("NMC PIN")
    expect(rows.first).to_contain_text("Registration expires")
    checks = rows.first.locator("details")
    expect(checks.get_by_text("Passed:").first).to_be_hidden()
    checks.locator("summary").focus()
    hr.keyboard.press("Enter")  # opened from the keyboard
    expect(checks.get_by_text("Passed:")).to_have_count(7)
    expect(checks.get_by_text(re.compile("^did:web:"))).to_be_visible()

    pdf = hr.pdf(format="A4", margin=PRINT_MARGINS)
    assert _printed_pages(pdf) <= 2, f"{_printed_pages(pdf)} A4 pages"
    context.close()

    # Someone not signed in: no fit check, so the verdict and the first credential lead.
    stranger = browser.new_context(viewport=SCREEN)
    public = stranger.new_page()
    public.goto(link)
    verdict = public.get_by_role("heading", name="Verified", level=2)
    expect(verdict).to_be_visible()
    first_row = (
        public.get_by_role("table", name=re.compile("Each credential shared")).locator("tbody tr").first
    )
    assert _top(verdict) < SCREEN["height"] and _top(first_row) < SCREEN["height"]
    assert _printed_pages(public.pdf(format="A4", margin=PRINT_MARGINS)) <= 2
    stranger.close()
