"""HR imports an ESR assignments extract (a background job: she follows its page to the end, leaves, and
finds it again), sees the counts, then records an absence for one of the people."""

from __future__ import annotations

import re
import uuid

from playwright.sync_api import expect

from tests.e2e.conftest import sign_in
from tests.support.esr_csv import assignment, csv_bytes


def test_hr_uploads_assignments_sees_the_counts_and_records_an_absence(page):
    tag = uuid.uuid4().hex[:6]
    extract = csv_bytes(
        [
            assignment(
                f"E2E{tag}-1",
                f"amara.{tag}@rpg.example",
                **{"First Name": "Amara", "Last Name": f"Journey{tag}"},
            ),
            assignment(
                f"E2E{tag}-2",
                f"bola.{tag}@rpg.example",
                **{"First Name": "Bola", "Last Name": f"Journey{tag}"},
            ),
            assignment(f"E2E{tag}-3", f"cai.{tag}@rv5.example", **{"Org Code": "RV5"}),
        ]
    )
    sign_in(page, "hr@rpg.example")
    page.get_by_role("link", name=re.compile("Import ESR extracts")).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Import ESR extracts")

    page.get_by_label("Assignments").check()
    page.locator("input[type=file]").set_input_files(
        {"name": f"e2e-{tag}.csv", "mimeType": "text/csv", "buffer": extract}
    )
    page.get_by_role("button", name="Import file").click()
    # The upload is answered at once with the job's page, which follows the worker to the end.
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Import of e2e-{tag}.csv (assignments)")
    expect(page.locator("#job-status")).to_contain_text("Finished", timeout=30_000)
    job_url = page.url
    # She leaves, and comes back later: the job's page still has the outcome and the report.
    page.goto("/workforce/imports")
    expect(page.get_by_role("link", name=f"e2e-{tag}.csv")).to_be_visible()
    page.goto(job_url)
    page.get_by_role("link", name="See the result").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Import of e2e-{tag}.csv")
    # The RV5 row is not HR's to import, so nothing was imported and the row is listed.
    expect(page.get_by_text("Nothing was imported")).to_be_visible()
    expect(page.get_by_role("cell", name=re.compile("RV5 is not your trust"))).to_be_visible()

    page.get_by_role("link", name="Import another file").click()
    page.get_by_label("Assignments").check()
    page.locator("input[type=file]").set_input_files(
        {"name": f"e2e-{tag}.csv", "mimeType": "text/csv", "buffer": extract}
    )
    page.get_by_label("Import the good rows even if some rows are rejected").check()
    page.get_by_role("button", name="Import file").click()
    expect(page.locator("#job-status")).to_contain_text("Finished", timeout=30_000)
    page.get_by_role("link", name="See the result").click()
    summary = page.locator(".nhsuk-summary-list")
    expect(summary).to_contain_text(re.compile(r"Added\s*2"))
    expect(summary).to_contain_text(re.compile(r"Rejected\s*1"))

    page.get_by_role("link", name="see staff records").click()
    page.get_by_label("Name or email").fill(f"amara.{tag}")
    page.get_by_role("button", name="Filter").click()
    page.get_by_role("link", name=f"Journey{tag}, Amara").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Amara Journey{tag}")

    page.get_by_role("link", name=re.compile("Record an absence")).click()
    page.get_by_label("Kind of absence").select_option("SICKNESS")
    first_day = page.get_by_role("group", name="First day")
    first_day.get_by_label("Day").fill("31")
    first_day.get_by_label("Month").fill("2")
    first_day.get_by_label("Year").fill("2025")
    page.get_by_label("Sickness reason").select_option("S10")
    page.get_by_role("button", name="Record absence").click()
    expect(page.locator(".nhsuk-error-summary")).to_contain_text("First day must be a real date")
    first_day = page.get_by_role("group", name="First day")
    first_day.get_by_label("Day").fill("3")
    first_day.get_by_label("Month").fill("3")
    page.get_by_role("button", name="Record absence").click()

    expect(page.get_by_text("Absence recorded.")).to_be_visible()
    expect(page.get_by_role("cell", name=re.compile("S10 Anxiety"))).to_be_visible()
    expect(page.get_by_role("cell", name="3 March 2025", exact=True)).to_be_visible()
    expect(page.get_by_role("link", name=re.compile("End absence"))).to_be_visible()
