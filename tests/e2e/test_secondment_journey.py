"""The secondment journey in a browser: HR of the host trust proposes, HR of the home trust approves
from her to-do list, the nurse consents from her own account, and all three see it agreed; HR of the host
trust finds it by date in the list, then cancels it through the page that asks first."""

from __future__ import annotations

import re
from datetime import date, timedelta
from urllib.parse import urlparse

from playwright.sync_api import expect

from tests.e2e.conftest import sign_in


def _fill_date(page, name: str, day: date) -> None:  # type: ignore[no-untyped-def]
    page.locator(f"#{name}-day").fill(str(day.day))
    page.locator(f"#{name}-month").fill(str(day.month))
    page.locator(f"#{name}-year").fill(str(day.year))


def _fill_date_parts(page, name: str, day: str, month: str, year: str) -> None:  # type: ignore[no-untyped-def]
    page.locator(f"#{name}-day").fill(day)
    page.locator(f"#{name}-month").fill(month)
    page.locator(f"#{name}-year").fill(year)


def _sign_out(page) -> None:  # type: ignore[no-untyped-def]
    page.get_by_role("button", name="Sign out").click()
    expect(page).to_have_url(re.compile(r"/sign-in"))


def fill_proposal(page, *, start: date, days: int, fte: str, recharge: str, reason: str) -> None:  # type: ignore[no-untyped-def]
    """On the proposal form: the RPG demo nurse, a Registered Nurse job, and the rest as given; sent."""
    page.get_by_label("Nurse", exact=True).fill("nurse@rpg.example")
    option = page.locator("#job_version_id option", has_text="Registered Nurse").first
    page.get_by_label("Job description").select_option(option.get_attribute("value"))
    _fill_date(page, "start_date", start)
    _fill_date(page, "end_date", start + timedelta(days=days))
    page.get_by_label("FTE (optional)").fill(fte)
    page.get_by_label("Recharge (% of the nurse's pay the host trust reimburses)").fill(recharge)
    page.get_by_label("Reason for the secondment").fill(reason)
    page.get_by_role("button", name="Propose secondment").click()


def test_host_proposes_home_approves_nurse_consents(page):
    start = date.today() + timedelta(days=400)  # clear of the demo secondments' dates
    # HR of the host trust (RV5) proposes seconding the RPG demo nurse.
    sign_in(page, "hr@rv5.example")
    page.get_by_role("link", name="Secondments").first.click()
    page.get_by_role("link", name="Propose a secondment into your trust").click()
    fill_proposal(
        page, start=start, days=180, fte="0.8", recharge="100", reason="Community team cover over the winter."
    )
    expect(page.locator(".nhsuk-tag").first).to_have_text("Proposed")
    detail = page.url
    _sign_out(page)

    # HR of the home trust (RPG) finds it on her to-do list and approves it.
    sign_in(page, "hr@rpg.example")
    todo = page.locator("#todo-list").get_by_role(
        "link", name=re.compile(r"Approve or decline: .*RPG to RV5")
    )
    expect(todo.first).to_be_visible()
    page.goto(detail)
    page.locator("#approve-override_reason").fill("Her checks transfer on day one.")
    page.get_by_role("button", name="Approve secondment").click()
    expect(page.get_by_text("Approved by the home trust").first).to_be_visible()
    expect(page.locator(".nhsuk-tag").first).to_have_text("Proposed")
    _sign_out(page)

    # The nurse consents from her own account: now it is agreed.
    sign_in(page, "nurse@rpg.example")
    page.locator("#todo-list").get_by_role("link", name=re.compile(r"Consent or decline")).first.click()
    expect(page).to_have_url(detail)
    page.get_by_role("button", name="Consent to secondment").click()
    expect(page.locator(".nhsuk-tag").first).to_have_text("Agreed")
    timeline = page.locator("#timeline li")
    expect(timeline).to_have_count(3)
    expect(timeline.nth(2)).to_contain_text("Consented to by the nurse")
    _sign_out(page)

    sign_in(page, "hr@rv5.example")
    page.goto(detail)
    expect(page.locator(".nhsuk-tag").first).to_have_text("Agreed")

    # The list's date filters are NHS.UK date inputs too: an impossible date is named, a real one filters.
    page.goto("/secondments")
    _fill_date_parts(page, "on_or_after", "31", "2", str(start.year))
    page.get_by_role("button", name="Show secondments").click()
    summary = page.locator(".nhsuk-error-summary")
    expect(summary).to_contain_text("Running on or after must be a real date")
    summary.get_by_role("link").first.click()
    expect(page.locator("#on_or_after-day")).to_be_focused()
    expect(page.locator("#on_or_after-day")).to_have_value("31")
    _fill_date(page, "on_or_after", start + timedelta(days=10))
    page.get_by_role("button", name="Show secondments").click()
    path = urlparse(detail).path
    expect(page.locator(f'main a[href="{path}"]')).to_have_count(1)

    # Cancelling cannot be undone: a page names what will happen first, and going back changes nothing.
    page.goto(detail)
    page.get_by_role("button", name="Cancel secondment").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Cancel the secondment of")
    expect(page.get_by_text("A cancelled secondment cannot be reopened")).to_be_visible()
    page.get_by_role("link", name="No, keep the secondment").click()
    expect(page).to_have_url(detail)
    expect(page.locator(".nhsuk-tag").first).to_have_text("Agreed")
    page.get_by_role("button", name="Cancel secondment").click()
    page.get_by_label("Note (optional)").fill("The winter cover is no longer needed.")
    page.get_by_role("button", name="Yes, cancel the secondment").click()
    expect(page).to_have_url(detail)
    expect(page.locator(".nhsuk-tag").first).to_have_text("Cancelled")
    expect(page.locator("#timeline li").last).to_contain_text("The winter cover is no longer needed.")
