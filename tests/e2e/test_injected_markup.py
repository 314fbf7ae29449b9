"""Markup a person types stays text in a real browser (issue 18): a secondment reason carrying a script,
an image with onerror and a meta refresh, proposed by HR of one trust and read by HR of the other."""

from __future__ import annotations

import re
from datetime import date, timedelta

from playwright.sync_api import expect

from tests.e2e.conftest import sign_in
from tests.e2e.test_secondment_journey import _sign_out, fill_proposal

PAYLOAD = (
    "<script>window.__injected = 'script'</script>"
    '<img src="x" onerror="window.__injected = \'img\'">'
    '<meta http-equiv="refresh" content="0;url=https://example.com/">'
)


def test_a_reason_full_of_markup_is_shown_as_text_to_the_other_trust(page):
    start = date.today() + timedelta(days=900)  # clear of the other journeys' secondments
    sign_in(page, "hr@rv5.example")
    page.goto("/secondments/new")
    fill_proposal(page, start=start, days=30, fte="0.6", recharge="50", reason=f"Winter cover {PAYLOAD}")
    expect(page.locator(".nhsuk-tag").first).to_have_text("Proposed")
    detail = page.url
    _sign_out(page)

    # HR of the home trust, another organisation, opens it: the reason is text, nothing ran or moved.
    sign_in(page, "hr@rpg.example")
    page.goto(detail)
    expect(page.get_by_text(re.compile(re.escape("<script>window.__injected")))).to_be_visible()
    page.wait_for_timeout(1500)  # a meta refresh of 0 s would have moved the page by now
    assert page.url == detail
    assert page.evaluate("() => window.__injected === undefined")
    assert page.locator("main script, main img[src='x'], meta[http-equiv='refresh']").count() == 0
