"""The monthly workforce board report (issue 14): one A4 page per trust, as a page to print and as a PDF.

Its headline figures are checked against the dashboard's own rows for the same month (dashboard_data, and the
dashboard page), never against numbers worked out here; the PDF is read back with pypdf."""

from __future__ import annotations

import dataclasses
import html
import io
import re
from datetime import date
from decimal import Decimal
from typing import Any

import pytest
from pypdf import PdfReader

from passport.auth.models import Role
from passport.metrics.board_report import board_report
from passport.metrics.board_report_views import board_report_pdf
from passport.metrics.dashboard import dashboard_data
from passport.metrics.queries import month_index
from passport.metrics.spc_charts import read_spc_charts
from tests.conftest import sign_in
from tests.functional.test_form_error_pattern import assert_error_pattern
from tests.support.factories import UserFactory
from tests.support.workforce_factories import PublishedSicknessFactory

PAGE, PDF = "/metrics/board-report", "/metrics/board-report.pdf"
DECEMBER_2024 = month_index(date(2024, 12, 1))
A4 = (595.28, 841.89)


@pytest.fixture
def with_target_and_published(session, demo_trusts, steady_then_a_bad_month):  # type: ignore[no-untyped-def]
    """RPG's board aims for 4.5%; NHS England has published October 2024 (RPG 4.71%) and nothing later."""
    rpg = demo_trusts[0]
    rpg.sickness_target_percent = Decimal("4.5")
    PublishedSicknessFactory(
        month=date(2024, 10, 1),
        org_code="RPG",
        fte_days_lost=Decimal("6113.03626"),
        fte_days_available=Decimal("129753.81081"),
    )
    session.flush()
    return rpg


def _words(page: str) -> str:
    """The page's text as read: tags gone, white space single, no space before punctuation."""
    text = " ".join(html.unescape(re.sub(r"<[^>]+>", " ", page)).split())
    return re.sub(r" ([,.:;])", r"\1", text)


def _rows(page: str, table_id: str) -> list[list[str]]:
    """A table's rows as lists of cell texts, header row first."""
    table = page[page.index(f'id="{table_id}"') :]
    table = table[: table.index("</table>")]
    rows = []
    for row in re.findall(r"<tr[^>]*>(.*?)</tr>", table, re.S):
        cells = re.findall(r"<t[hd][^>]*>(.*?)</t[hd]>", row, re.S)
        rows.append([" ".join(html.unescape(re.sub(r"<[^>]+>", "", cell)).split()) for cell in cells])
    return rows


def _shown(value: Any) -> str:
    """A figure as the dashboard's tables write it."""
    return "–" if value is None else (format(value, "f") if isinstance(value, Decimal) else str(value))


def _dashboard_rows(session: Any, trust: Any, month: int) -> dict[str, dict[str, dict[str, Any]]]:
    board = dashboard_data(session, trust, month - 23, month)
    return {name: {row.get("month"): row for row in chart.rows} for name, chart in board.charts.items()}


HEADLINES = {
    "Sickness absence rate, the month (%)": ("sickness-trend", "rate_percent"),
    "Sickness absence rate, rolling 12 months (%)": ("sickness-trend", "rolling_12_month_rate_percent"),
    "Leaver rate, rolling 12 months (%)": ("retention-trend", "leaver_rate_percent"),
    "Stability index, 12 months (%)": ("retention-trend", "stability_percent"),
    "Staff seconded in from partner trusts": ("secondments", "seconded_in"),
    "Staff seconded out to partner trusts": ("secondments", "seconded_out"),
}


def test_a_director_has_the_months_figures_as_the_dashboard_counts_them(
    client, session, with_target_and_published, demo_trusts
):
    rpg = with_target_and_published
    sign_in(client, UserFactory(role=Role.DIRECTOR, trust=rpg))
    response = client.get(PAGE)  # no month: the latest with records, December 2024
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    said = _words(page)
    assert "Oxleas NHS Foundation Trust" in said and "Workforce board report: December 2024" in said
    headline = _rows(page, "board-report-headline")
    assert headline[0] == ["Measure", "December 2024", "November 2024", "December 2023"]
    expected = _dashboard_rows(session, rpg, DECEMBER_2024)
    shown = {row[0]: row[1:] for row in headline[1:]}
    assert set(shown) == set(HEADLINES)
    for label, (chart, key) in HEADLINES.items():
        rows = expected[chart]
        assert shown[label] == [_shown(rows[m].get(key)) for m in ("2024-12", "2024-11", "2023-12")], label
    assert shown["Sickness absence rate, the month (%)"][0] == "8.06"
    # The same month's rate as the dashboard page's own table says it.
    dashboard = client.get("/metrics?from_month=2023-01&to_month=2024-12").get_data(as_text=True)
    trend = _rows(dashboard, "sickness-trend-table")
    december = next(row for row in trend if row[0].endswith("December 2024"))
    assert december[1].endswith(shown["Sickness absence rate, the month (%)"][0])

    # Both SPC readings, as the dashboard reads the same figures against the same target.
    board = dashboard_data(session, rpg, DECEMBER_2024 - 23, DECEMBER_2024)
    read_spc_charts(board, target_percent=Decimal("4.5"), limits_from=None)
    for name in ("sickness-spc", "leaver-spc"):
        reading = board.charts[name].spc
        assert reading.sentence in said and reading.sentence in _words(dashboard)
        assert reading.variation_words in said
    assert "The sickness absence rate was 8.06% in December 2024." in said
    assert board.charts["sickness-spc"].spc.assurance_words in said
    # Why the rolling figures before December 2024 are blank, as the dashboard says under its tables.
    note = board.charts["sickness-trend"].note
    assert note and note.startswith("Rolling 12-month figures begin with") and note in said
    # The target and the latest published rates, with their month.
    benchmarks = {row[0]: row[1] for row in _rows(page, "board-report-benchmarks")}
    assert benchmarks["The trust's sickness absence target"] == "4.50%"
    published = _shown(expected["sickness-trend"]["2024-10"]["published_rate_percent"])
    assert benchmarks["Published sickness rate, this trust, October 2024"] == f"{published}%"
    assert "Published sickness rate, England, October 2024" in benchmarks
    # The charts: server-drawn SVG, hidden from screen readers, with every figure in a table; no plotly.
    assert page.count('<svg class="board-report__svg"') == 2 and 'aria-hidden="true"' in page
    series = _rows(page, "sickness-spc-table")
    assert len(series) == 25 and series[-1][:2] == ["December 2024", "8.06"]
    assert series[-1][-1].startswith("Concern: outside the process limits")
    assert "plotly" not in page.lower() and "<script>" not in page
    # The foot of the page: suppression note, aggregates only, sources and the OGL.
    assert "– means no figure" in said and "Aggregates only" in said
    assert "Contains public sector information licensed under the Open Government Licence v3.0." in said
    assert "Data as of December 2024, the latest month with records." in said
    link = re.search(r'<a href="([^"]*)"[^>]*>Download as PDF</a>', page)
    assert link and html.unescape(link.group(1)).startswith(PDF)
    assert "scope=RPG" in link.group(1) and "month=2024-12" in link.group(1)
    assert 'href="/static/css/board_report.css' in page


def test_an_earlier_month_compares_with_its_own_month_before_and_year_before(
    client, session, steady_then_a_bad_month, demo_trusts
):
    rpg = demo_trusts[0]
    sign_in(client, UserFactory(role=Role.DIRECTOR, trust=rpg))
    page = client.get(f"{PAGE}?month=2024-06").get_data(as_text=True)
    headline = _rows(page, "board-report-headline")
    assert headline[0][1:] == ["June 2024", "May 2024", "June 2023"]
    expected = _dashboard_rows(session, rpg, month_index(date(2024, 6, 1)))
    label = "Sickness absence rate, the month (%)"
    cells = next(row[1:] for row in headline if row[0] == label)
    assert cells == [
        _shown(expected["sickness-trend"][m]["rate_percent"]) for m in ("2024-06", "2024-05", "2023-06")
    ]
    assert _rows(page, "sickness-spc-table")[-1][0] == "June 2024"
    assert "The trust's sickness absence target" in _words(page) and "None set" in _words(page)


def test_the_pdf_is_one_a4_page_naming_the_trust_the_month_and_the_sickness_reading(
    client, session, with_target_and_published
):
    rpg = with_target_and_published
    sign_in(client, UserFactory(role=Role.DIRECTOR, trust=rpg))
    response = client.get(f"{PDF}?month=2024-12")
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    assert response.headers["Content-Disposition"] == 'attachment; filename="board-report_RPG_2024-12.pdf"'
    assert response.data.startswith(b"%PDF-")
    reader = PdfReader(io.BytesIO(response.data))
    assert len(reader.pages) == 1
    box = reader.pages[0].mediabox
    assert (round(float(box.width), 2), round(float(box.height), 2)) == A4
    text = " ".join(reader.pages[0].extract_text().split())
    assert "Oxleas NHS Foundation Trust" in text and "December 2024" in text
    board = dashboard_data(session, rpg, DECEMBER_2024 - 23, DECEMBER_2024)
    read_spc_charts(board, target_percent=Decimal("4.5"), limits_from=None)
    assert " ".join(board.charts["sickness-spc"].spc.sentence.split()) in text
    assert "The sickness absence rate was 8.06% in December 2024." in text
    assert "Open Government Licence v3.0" in text and "Aggregates only" in text
    assert reader.metadata.title == "Oxleas NHS Foundation Trust: workforce board report, December 2024"
    assert "Oxleas NHS Foundation Trust" in reader.metadata.author


def test_the_pdf_keeps_to_one_page_however_long_the_words(session, with_target_and_published):
    """A long trust name, long reasons and long sentences shrink the page to fit; they never add one."""
    report = board_report(session, with_target_and_published, DECEMBER_2024)
    long_charts = tuple(
        dataclasses.replace(
            chart, spc=dataclasses.replace(chart.spc, sentence=" ".join([chart.spc.sentence] * 6))
        )
        for chart in report.charts
    )
    long_reasons = (
        tuple(dataclasses.replace(reason, label=reason.label * 4) for reason in report.reasons) or tuple()
    )
    long = dataclasses.replace(
        report,
        trust_name="A Very Long Name Of An NHS Foundation Trust " * 4,
        charts=long_charts,
        reasons=long_reasons,
    )
    for each in (report, long):
        reader = PdfReader(io.BytesIO(board_report_pdf(each)))
        assert len(reader.pages) == 1
    assert "A Very Long Name" in reader.pages[0].extract_text()


@pytest.mark.parametrize("month", ["2024-13", "December", "24-12"])
def test_a_month_not_written_yyyy_mm_is_refused_naming_the_field(
    client, steady_then_a_bad_month, demo_trusts, month
):
    sign_in(client, UserFactory(role=Role.DIRECTOR, trust=demo_trusts[0]))
    response = client.get(f"{PAGE}?month={month}")
    assert_error_pattern(response, {"month": "Enter the month as YYYY-MM"}, {"month": month})
    download = client.get(f"{PDF}?month={month}")
    assert download.status_code == 400 and download.mimetype != "application/pdf"
    assert "Enter the month as YYYY-MM" in _words(download.get_data(as_text=True))


def test_a_month_after_the_records_end_is_refused(client, steady_then_a_bad_month, demo_trusts):
    sign_in(client, UserFactory(role=Role.DIRECTOR, trust=demo_trusts[0]))
    message = "The records end in December 2024: choose a month by then"
    assert_error_pattern(client.get(f"{PAGE}?month=2025-01"), {"month": message}, {"month": "2025-01"})
    download = client.get(f"{PDF}?month=2025-01")
    assert download.status_code == 400 and message in _words(download.get_data(as_text=True))


def test_the_partnership_has_no_board_report(client, steady_then_a_bad_month, demo_trusts):
    sign_in(client, UserFactory(role=Role.DIRECTOR, trust=demo_trusts[0]))
    message = "A board report is for one trust: choose a trust, not the partnership"
    assert_error_pattern(client.get(f"{PAGE}?scope=partnership"), {"scope": message})
    assert client.get(f"{PDF}?scope=partnership").status_code == 400


@pytest.mark.parametrize("path", [PAGE, PDF])
def test_who_may_have_a_trusts_report(client, steady_then_a_bad_month, demo_trusts, path):
    rpg, rv5 = demo_trusts
    # Another trust's director: refused RPG's report, whether asked for by code or by default.
    sign_in(client, UserFactory(role=Role.DIRECTOR, trust=rv5))
    assert client.get(f"{path}?scope=RPG").status_code == 403
    assert client.get(path).status_code == 200  # the director's own trust, RV5
    assert client.get(f"{path}?scope=ZZZ").status_code == 404
    client.post("/sign-out")
    # HR of the trust see its figures (VIEW_METRICS), and so its report; a nurse does not.
    sign_in(client, UserFactory(role=Role.HR, trust=rpg))
    assert client.get(f"{path}?scope=RPG&month=2024-12").status_code == 200
    assert client.get(f"{path}?scope=RV5").status_code == 403
    client.post("/sign-out")
    sign_in(client, UserFactory(role=Role.NURSE, trust=rpg))
    assert client.get(path).status_code == 403
    client.post("/sign-out")
    # A partnership admin (who has no trust) gets the first trust's, and any other asked for.
    sign_in(client, UserFactory(role=Role.ADMIN, trust=None))
    answer = client.get(path)
    assert answer.status_code == 200
    if path == PAGE:
        assert "Oxleas NHS Foundation Trust" in _words(answer.get_data(as_text=True))
    assert client.get(f"{path}?scope=RV5").status_code == 200
