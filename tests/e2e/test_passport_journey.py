"""The passport journey: the demo nurse shares her passport; someone not signed in opens the link and
sees it verified; HR of the receiving trust records it; the nurse sees who opened it."""

from __future__ import annotations

import re

from playwright.sync_api import expect

from tests.e2e.conftest import sign_in


def test_nurse_shares_and_anyone_sees_it_verified(page, browser, live_server):
    sign_in(page, "nurse@rpg.example")
    page.get_by_role("link", name=re.compile("Your passport")).first.click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Your passport")
    expect(page.get_by_role("heading", name="Training to renew")).to_be_visible()
    expect(page.get_by_text("Revoked").first).to_be_visible()

    page.get_by_role("link", name="Share your passport").first.click()
    # Share only what is current (the page preselects it), with RV5, for the default 3 days.
    page.get_by_label("Which trust are you showing it to? (optional)").select_option("RV5")
    page.get_by_role("button", name="Create link").click()
    expect(page.get_by_role("heading", name="Your link is ready")).to_be_visible()
    expect(page.get_by_role("img", name=re.compile("QR code"))).to_be_visible()
    link = page.locator("#share-link").inner_text()
    # The link as given to the nurse, followed whole: it names the port this server listens on.
    assert link.startswith(f"{live_server}/v/"), link

    # Someone not signed in: a separate browser context, no cookies.
    stranger = browser.new_context()
    public = stranger.new_page()
    public.goto(link)
    expect(public.get_by_role("heading", level=1)).to_contain_text("Staff passport of")
    expect(public.get_by_text("Verified", exact=True).first).to_be_visible()
    expect(public.get_by_text(re.compile("did not verify"))).to_have_count(0)
    download = public.get_by_role("link", name=re.compile("Download the Verifiable Presentation"))
    expect(download).to_be_visible()
    expect(public.get_by_role("heading", name=re.compile("Fit for"))).to_have_count(0)  # HR only
    stranger.close()

    # HR of the receiving trust records that she verified it.
    hr_context = browser.new_context(base_url=live_server)
    hr_page = hr_context.new_page()
    sign_in(hr_page, "hr@rv5.example")
    hr_page.goto(link)
    # She also sees how what was shared fits the job descriptions her trust has adopted.
    expect(hr_page.get_by_role("heading", name=re.compile("Fit for .*job descriptions"))).to_be_visible()
    fit = hr_page.get_by_role("table", name=re.compile("fit each job description"))
    expect(fit.get_by_role("link", name="Registered Nurse")).to_be_visible()
    hr_page.get_by_role("button", name=re.compile("Record that .* verified this passport")).click()
    expect(hr_page.get_by_text("Recorded that you checked this passport")).to_be_visible()
    hr_context.close()

    # The nurse sees every opening.
    page.goto("/passport/shares")
    expect(page.get_by_text("Someone not signed in").first).to_be_visible()
    expect(page.get_by_text("Recorded as verified")).to_be_visible()
    # Withdrawing cannot be undone: a page says what will happen first, and Cancel changes nothing.
    page.get_by_role("button", name=re.compile("Withdraw this link")).first.click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Withdraw the link you shared on")
    expect(page.get_by_text("the link stops working straight away")).to_be_visible()
    expect(page.get_by_text("A withdrawn link cannot be turned back on")).to_be_visible()
    page.get_by_role("link", name="Cancel").click()
    expect(page).to_have_url(re.compile(r"/passport/shares$"))
    page.get_by_role("button", name=re.compile("Withdraw this link")).first.click()
    page.get_by_role("button", name="Yes, withdraw this link").click()
    expect(page.get_by_text("The link is withdrawn")).to_be_visible()
    public = browser.new_context().new_page()
    public.goto(link)
    expect(public.get_by_text("This link was withdrawn by the person who shared it")).to_be_visible()
    public.context.close()
