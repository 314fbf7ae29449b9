"""A credential suspended, or revoked, after the passport was shared: whoever opens the link is told which
one, by whom and when, on the page itself (the journey of issue 15). HR revokes through the page that asks
first (issue 19); the API acts at once."""

from __future__ import annotations

import re
from datetime import date, timedelta

from playwright.sync_api import expect

from tests.e2e.conftest import RQY_HR, RQY_NURSE, change_status, create_share_link, issue_training, sign_in

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


def test_hr_revokes_through_the_page_that_asks_first_and_the_link_says_so(page, browser, live_server, api):
    completed_on = (date.today() - timedelta(days=6)).isoformat()
    credential = issue_training(api, "CSTF-PREVENT", completed_on)
    sign_in(page, RQY_NURSE)
    link = create_share_link(page)

    # HR of the issuing trust revokes it from its page: first a page naming it and what will happen.
    hr_context = browser.new_context(base_url=live_server)
    hr_page = hr_context.new_page()
    sign_in(hr_page, RQY_HR)
    hr_page.goto(f"/credentials/{credential['id']}")
    hr_page.get_by_role("button", name="Revoke for good").click()
    heading = hr_page.get_by_role("heading", level=1)
    expect(heading).to_have_text(re.compile(rf"^Revoke {re.escape(credential['title'])} for .+\?$"))
    expect(hr_page.get_by_text("verifiers see it as revoked from now on")).to_be_visible()
    expect(hr_page.get_by_text("A revoked credential cannot be reinstated")).to_be_visible()
    hr_page.get_by_role("link", name="Cancel").click()  # back, nothing changed
    expect(hr_page.get_by_role("heading", level=1)).to_have_text(credential["title"])
    expect(hr_page.get_by_role("button", name="Suspend")).to_be_visible()
    hr_page.get_by_role("button", name="Revoke for good").click()
    hr_page.get_by_label("Reason (optional)").fill("Recorded against the wrong course")
    hr_page.get_by_role("button", name=f"Yes, revoke {credential['title']}").click()
    expect(hr_page.get_by_text("verifiers see it as revoked from now on")).to_be_visible()
    expect(hr_page.get_by_text("Revoked", exact=True).first).to_be_visible()
    expect(hr_page.get_by_role("button", name="Suspend")).to_have_count(0)
    hr_context.close()

    # Whoever opens the link she shared before is told it was revoked, by whom and when.
    stranger = browser.new_context()
    public = stranger.new_page()
    public.goto(link)
    expect(public.locator(".passport-verdict")).to_contain_text(
        re.compile(rf"revoked by {re.escape(RQY)} on \d{{1,2}} \w+ \d{{4}}")
    )
    expect(public.get_by_text("Recorded against the wrong course")).to_have_count(0)
    stranger.close()
