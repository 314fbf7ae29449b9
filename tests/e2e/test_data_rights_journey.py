"""A nurse gets a copy of her data (a background job: she follows it to the end and reads the copy), and
sees who has opened her records; HR record a request made by letter, make the copy and mark it answered."""

from __future__ import annotations

import re

from playwright.sync_api import expect

from tests.e2e.conftest import sign_in


def test_a_nurse_gets_her_data_and_sees_who_opened_her_record(page):
    # HR of her trust opens her staff record first: that view is hers to see.
    sign_in(page, "hr@rpg.example")
    page.goto("/workforce/staff?name=nurse%40rpg.example")
    page.get_by_role("link", name="Singh, Aaron").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Aaron Singh")
    page.get_by_role("button", name="Sign out").click()

    sign_in(page, "nurse@rpg.example")
    page.get_by_role("link", name="Your data").first.click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Your data")
    page.get_by_role("button", name="Get a copy of your data").click()
    expect(page.locator("#job-status")).to_contain_text("Finished", timeout=30_000)
    page.goto("/account/your-data")
    page.get_by_role("link", name=re.compile("^Read or print")).first.click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Everything held about you")
    credentials = page.get_by_role("heading", name="Your credentials, each with its signed document")
    expect(credentials).to_be_visible()
    expect(page.get_by_text("nurse@rpg.example").first).to_be_visible()

    page.goto("/account/who-viewed")
    expect(page.get_by_role("heading", level=1)).to_have_text("Who has seen your records")
    viewer = page.get_by_role("cell", name=re.compile("^Who HR, Oxleas NHS Foundation Trust|^HR, Oxleas"))
    expect(viewer.first).to_be_visible()


def test_hr_answers_a_request_made_by_letter(page):
    sign_in(page, "hr@rpg.example")
    page.goto("/workforce/subject-access")
    expect(page.get_by_role("heading", level=1)).to_have_text("Subject access requests")
    page.get_by_label("Who is asking").fill("nurse@rpg.example")
    page.get_by_label("Day").fill("1")
    page.get_by_label("Month").fill("12")
    page.get_by_label("Year").fill("2026")
    page.get_by_label("How it arrived").select_option("letter")
    page.get_by_role("button", name="Record the request").click()
    expect(page.get_by_text("Request recorded. Answer it by 1 January 2027.")).to_be_visible()
    page.get_by_role("button", name="Make the copy").click()
    expect(page.locator("#job-status")).to_contain_text("Finished", timeout=30_000)
    page.get_by_role("link", name="See the result").click()
    expect(page.get_by_role("link", name="Download the copy (JSON)")).to_be_visible()
    page.get_by_role("button", name="Mark as answered").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(re.compile("as answered\\?$"))
    page.get_by_role("button", name="Yes, mark as answered").click()
    expect(page.get_by_text("The request is marked as answered.")).to_be_visible()
