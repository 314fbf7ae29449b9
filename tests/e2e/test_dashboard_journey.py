"""A nursing director signs in, opens the retention and sickness dashboard, sees a chart drawn by plotly
(served by us, under our Content-Security-Policy) and its table alternative, reads the month-by-month SPC
chart's sentence, recalculates its limits from a month, drills down to a ward and a cost centre and back,
opens the trust's board report and downloads its PDF, then looks at the partnership."""

from __future__ import annotations

import re
from pathlib import Path

from playwright.sync_api import expect

from tests.e2e.conftest import sign_in


def test_director_sees_a_chart_and_its_table(page, live_server):
    requests: list[str] = []
    page.on("request", lambda request: requests.append(request.url))
    sign_in(page, "director@rpg.example")
    page.get_by_role("link", name=re.compile("Retention and sickness")).first.click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Oxleas NHS Foundation Trust")
    chart = page.locator("#sickness-trend-chart")
    expect(chart).to_have_attribute("data-drawn", "true")
    expect(chart.locator("svg.main-svg").first).to_be_visible()
    expect(chart.locator(".scatterlayer .trace").first).to_be_attached()
    table = page.locator("#sickness-trend-table")
    expect(table).to_be_hidden()
    page.locator("section", has=table).get_by_text("Show the data as a table").click()
    expect(table).to_be_visible()
    expect(table.locator("caption")).to_have_text("Sickness absence rate")
    expect(table.locator("tbody tr")).to_have_count(24)
    # The published benchmark for Oxleas, March 2025: 4.71% is April 2024's; every row has a month.
    expect(table.locator("tbody tr").first.locator("th")).to_contain_text("April 2023")
    # The month-by-month chart in the Making Data Count way: drawn, its icons named, read in a sentence.
    spc = page.locator("#sickness-spc-chart")
    expect(spc).to_have_attribute("data-drawn", "true")
    reading = page.locator("#sickness-spc-reading")
    expect(reading).to_contain_text("The sickness absence rate was")
    expect(reading).to_contain_text("variation")
    # The director recalculates the limits from a month, and the page says so.
    page.get_by_label("Recalculate the month-by-month limits from").fill("2024-04")
    page.get_by_role("button", name="Show figures").click()
    expect(page.locator("#sickness-spc-reading")).to_contain_text("recalculated from April 2024")
    assert "limits_from=2024-04" in page.url
    page.get_by_label("Recalculate the month-by-month limits from").fill("")
    # Drill down: a directorate, then one of its wards, then back to the trust by the breadcrumb; the
    # choices stay in the address.
    page.locator("#by-organisation-table").get_by_role("link", name="Adult mental health").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Adult mental health")
    page.locator("#by-organisation-table").get_by_role("link", name="Barefoot Lodge").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Barefoot Lodge")
    assert "directorate=Adult+mental+health" in page.url and "ward=Barefoot+Lodge" in page.url
    expect(page.locator("#sickness-spc-chart")).to_have_attribute("data-drawn", "true")
    # The ward's two cost centres; the first (about two thirds of its staff in the demo).
    page.locator("#by-organisation-table").get_by_role("link", name="RPG01000").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Cost centre RPG01000")
    assert "ward=Barefoot+Lodge" in page.url and "cost_centre=RPG01000" in page.url
    expect(page.locator("#sickness-spc-chart")).to_have_attribute("data-drawn", "true")
    page.get_by_role("navigation", name="Drill-down").get_by_role(
        "link", name="Oxleas NHS Foundation Trust"
    ).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(re.compile("Oxleas NHS Foundation Trust$"))
    assert "directorate" not in page.url
    # The trust's one-page board report for the month shown, and its PDF.
    page.get_by_role("link", name="Board report for March 2025").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Workforce board report: March 2025")
    with page.expect_download() as download:
        page.get_by_role("link", name="Download as PDF").click()
    assert download.value.suggested_filename == "board-report_RPG_2025-03.pdf"
    assert Path(download.value.path()).read_bytes().startswith(b"%PDF-")
    page.go_back()
    # Partnership view: the director may switch to it and sees the partner trusts side by side.
    page.get_by_label("Figures for").select_option("partnership")
    page.get_by_role("button", name="Show figures").click()
    expect(page.locator("#partner-trusts-chart")).to_have_attribute("data-drawn", "true")
    assert all(url.startswith(live_server) for url in requests), [
        u for u in requests if not u.startswith(live_server)
    ]
