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


def test_a_nurse_asks_for_a_correction_and_hr_makes_it(page):
    sign_in(page, "nurse@rpg.example")
    page.get_by_role("link", name="Your staff record").first.click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Your staff record")
    # Her staff record is Oxleas's, whose HR decide (her posts may be other trusts').
    page.get_by_role("link", name="Ask to correct date of birth").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Correct the date of birth")
    page.get_by_label("Day").fill("14")
    page.get_by_label("Month").fill("3")
    page.get_by_label("Year").fill("1990")
    page.get_by_label("Anything HR should know (optional)").fill("My passport shows 14 March 1990.")
    page.get_by_role("button", name="Send the request").click()
    expect(page.get_by_text("Your request was sent to HR.")).to_be_visible()
    expect(page.get_by_text("Waiting for HR")).to_be_visible()
    page.get_by_role("button", name="Sign out").click()

    sign_in(page, "hr@rpg.example")
    page.get_by_role("link", name=re.compile("correction waits? for a decision")).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Corrections asked for")
    page.get_by_role("link", name="Aaron Singh").first.click()
    expect(page.get_by_text("14 March 1990").first).to_be_visible()
    page.get_by_label("Accept and make the change").check()
    page.get_by_role("button", name="Continue").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Change the date of birth of Aaron Singh?")
    page.get_by_role("button", name="Yes, accept and change it").click()
    expect(page.get_by_text("The correction was made.")).to_be_visible()
    page.get_by_role("button", name="Sign out").click()

    sign_in(page, "nurse@rpg.example")
    page.goto("/account/your-record")
    expect(page.get_by_text("Corrected", exact=True)).to_be_visible()


def test_the_retention_dry_run_and_a_legal_hold(page):
    sign_in(page, "admin@partnership.example")
    page.goto("/")
    page.get_by_role("link", name="Record retention").first.click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Record retention")
    schedule = page.get_by_role("table", name="The retention schedule")
    expect(schedule).to_contain_text("75th birthday or 6 years after leaving, whichever is later")
    expect(page.get_by_role("heading", name="If the job ran today")).to_be_visible()
    expect(page.get_by_role("cell", name="Staff records anonymised")).to_be_visible()
    expect(page.get_by_text("flask --app wsgi passport retention --dry-run")).to_be_visible()
    page.get_by_role("button", name="Sign out").click()

    sign_in(page, "hr@rpg.example")
    page.goto("/workforce/staff?name=nurse%40rpg.example")
    page.get_by_role("link", name="Singh, Aaron").click()
    page.get_by_role("link", name="Place a legal hold").click()
    page.get_by_label("Why are the records held?").fill("Employment tribunal claim, case 2026/0415.")
    page.get_by_role("button", name="Place the hold").click()
    expect(page.get_by_text("Legal hold placed.")).to_be_visible()
    expect(page.get_by_text("Employment tribunal claim, case 2026/0415.")).to_be_visible()
    page.get_by_role("link", name="Release the hold").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(re.compile("^Release the legal hold"))
    page.get_by_role("button", name="Yes, release the hold").click()
    expect(page.get_by_text("Legal hold released.")).to_be_visible()
