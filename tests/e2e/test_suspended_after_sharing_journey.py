"""A credential suspended after the passport was shared: whoever opens the link is told which one, by whom
and when, on the page itself (the journey of issue 15, with a suspended credential)."""

from __future__ import annotations

import re
from datetime import date, timedelta

from playwright.sync_api import expect

from tests.e2e.conftest import RQY_NURSE, change_status, create_share_link, issue_training, sign_in

RQY = "South West London and St George's Mental Health NHS Trust"


def test_a_credential_suspended_after_sharing_is_named_on_the_shared_page(page, browser, live_server, api):
    completed_on = (date.today() - timedelta(days=5)).isoformat()
    credential = issue_training(api, "CSTF-RESUS", completed_on)

    # The nurse shares everything current, the new training included.
    sign_in(page, RQY_NURSE)
    link = create_share_link(page)

    # Then the issuing trust suspends it.
    change_status(api, credential, "suspend", "Certificate under review")
    try:
        stranger = browser.new_context()
        public = stranger.new_page()
        public.goto(link)
        verdict = public.locator(".passport-verdict")
        expect(verdict).to_contain_text(re.compile(r"1 of \d+ credentials did not verify"))
        expect(verdict).to_contain_text(
            re.compile(rf"suspended by {re.escape(RQY)} on \d{{1,2}} \w+ \d{{4}}")
        )
        # The failure links to its row, which says the same.
        verdict.get_by_role("link").first.click()
        failed_row = public.locator("tr.passport-shared__failed")
        expect(failed_row).to_have_count(1)
        expect(failed_row.get_by_text("Failed", exact=True)).to_be_visible()
        expect(failed_row).to_contain_text(f"Suspended by {RQY} on ")
        # The issuer's reason is theirs to give, not anyone's with the link.
        expect(public.get_by_text("Certificate under review")).to_have_count(0)
        stranger.close()
    finally:
        change_status(api, credential, "reinstate")
