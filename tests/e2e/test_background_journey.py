"""HR uploads a large ESR extract, closes the page while it is imported, and comes back to see it done."""

from __future__ import annotations

import re
import uuid

from playwright.sync_api import expect

from tests.e2e.conftest import sign_in
from tests.support.esr_csv import ASSIGNMENT_HEADER, assignment, csv_bytes

ROWS = 20_000


def test_hr_uploads_a_large_file_closes_the_page_and_comes_back_to_it_done(browser, live_server):
    tag = uuid.uuid4().hex[:6]
    extract = csv_bytes(
        [assignment(f"BIG{tag}{n:06d}-1", f"big{n}.{tag}@rpg.example") for n in range(ROWS)],
        ASSIGNMENT_HEADER,
    )
    context = browser.new_context(base_url=live_server)
    page = context.new_page()
    sign_in(page, "hr@rpg.example")
    page.goto("/workforce/imports")
    page.get_by_label("Assignments").check()
    page.locator("input[type=file]").set_input_files(
        {"name": f"big-{tag}.csv", "mimeType": "text/csv", "buffer": extract}
    )
    page.get_by_role("button", name="Import file").click()
    # Answered at once with the job's page; the worker imports the file meanwhile.
    expect(page.get_by_role("heading", level=1)).to_contain_text(f"big-{tag}.csv")
    expect(page.get_by_text("You can close this page")).to_be_visible()
    job_path = page.url.removeprefix(live_server)
    assert re.fullmatch(r"/background-jobs/\d+", job_path), page.url
    page.close()

    page = context.new_page()  # she comes back later, in a new tab
    page.goto("/background-jobs")
    page.get_by_role("link", name=re.compile(f"big-{tag}.csv")).click()
    expect(page.get_by_role("status")).to_contain_text("Finished", timeout=120_000)
    page.get_by_role("link", name="See the result").click()
    summary = page.locator(".nhsuk-summary-list")
    expect(summary).to_contain_text(re.compile(rf"Added\s*{ROWS:,}|Added\s*{ROWS}"))
    context.close()
