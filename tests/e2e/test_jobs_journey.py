"""HR opens the joint Band 5 Registered Nurse job description, sees it is joint, and checks a nurse's fit."""

from __future__ import annotations

import re

from playwright.sync_api import expect

from tests.e2e.conftest import sign_in


def test_hr_opens_a_joint_job_description_and_runs_a_fit_check(page):
    sign_in(page, "hr@rpg.example")
    page.get_by_role("link", name=re.compile("Job descriptions")).first.click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Job descriptions")
    page.get_by_role("link", name="Registered Nurse").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Registered Nurse")
    expect(page.get_by_text("Joint job description", exact=True)).to_be_visible()
    expect(page.get_by_text(re.compile("This is a joint job description: it is adopted by"))).to_be_visible()

    # The person picker suggests names as they are typed (people.js); a suggestion is the email address.
    nurse = page.get_by_label("Nurse", exact=True)
    nurse.press_sequentially("aaron sin", delay=30)
    expect(page.locator('#email-suggestions option[value="nurse@rpg.example"]')).to_have_count(1)
    first = page.locator("#email-suggestions option").first
    expect(first).to_have_attribute("label", re.compile(r"^Aaron Singh, "))
    nurse.fill("nurse@rpg.example")
    page.get_by_role("button", name="Check fit").click()
    expect(page).to_have_url(re.compile(r"/jobs/\d+/fit-check\?email="))
    expect(page.get_by_role("heading", level=1)).to_contain_text("Fit check")
    verdict = page.locator("main .nhsuk-tag").first
    expect(verdict).to_have_text(re.compile(r"^\s*(Ready|Ready, with items expiring soon|Not ready)\s*$"))
    table = page.get_by_role("table", name="Each requirement and how it is met")
    expect(table.get_by_role("row").nth(1)).to_contain_text("DBS check (enhanced or higher)")

    page.get_by_role("link", name="Back to the job description").click()
    page.get_by_role("link", name=re.compile("is ready for this job")).click()
    expect(page.get_by_role("heading", level=1)).to_contain_text(
        "Who in Oxleas NHS Foundation Trust is ready"
    )
    expect(page.get_by_text(re.compile(r"^\d+ of \d+ staff (is|are) ready"))).to_be_visible()
    # Ready first, then the fewest gaps: the demo nurse, who holds the most of what it asks, comes first.
    expect(page.locator("main tbody tr").first).to_contain_text("nurse@rpg.example")
    page.get_by_label("Show").select_option("not_ready")
    page.get_by_role("button", name="Filter").click()
    expect(page).to_have_url(re.compile(r"verdict=not_ready"))


def test_a_nurse_reads_adopted_job_descriptions_but_cannot_run_fit_checks(page):
    sign_in(page, "nurse@rpg.example")
    page.goto("/jobs")
    expect(page.get_by_role("link", name="Nursing Associate")).to_be_visible()
    page.get_by_role("link", name="Nursing Associate").click()
    expect(page.get_by_text("Joint job description", exact=True)).to_be_visible()
    expect(page.get_by_role("button", name="Check fit")).to_have_count(0)
