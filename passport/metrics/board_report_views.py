"""The monthly workforce board report (issue 14): ``/metrics/board-report``, one A4 page per trust to print
for its board, and ``/metrics/board-report.pdf``, the same page as a PDF drawn with ReportLab.

Whoever sees a trust's figures (VIEW_METRICS: its nursing director and HR, the partnership's admins) may
have its report; it holds aggregates only, so it names nobody and records no view of anyone's data. The
figures are passport.metrics.board_report's; this module draws them.

Registered on the dashboard's ``metrics`` blueprint (passport.metrics.views imports this module last).
"""

from __future__ import annotations

import io
from collections.abc import Callable
from typing import Any

from flask import Response, render_template, request
from flask_login import current_user, login_required
from reportlab.graphics.shapes import Circle, Drawing, Polygon, PolyLine, String
from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.platypus import KeepInFrame, Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle
from reportlab.platypus.flowables import Flowable
from sqlalchemy.orm import Session

from passport.auth.models import Role
from passport.auth.policy import Action, allows, ensure
from passport.db import get_session
from passport.errors import DomainError, InvalidInput
from passport.formatting import uk_month
from passport.metrics.board_report import (
    LINE_STYLE,
    MONTH_FIELD,
    BoardReport,
    Marker,
    Plot,
    Run,
    SpcSummary,
    board_report,
    figure_text,
    footer_lines,
    percent_text,
    plot,
    report_month,
)
from passport.metrics.queries import month_label
from passport.metrics.views import PARTNERSHIP, blueprint, trust_asked
from passport.navigation import HomeLink, register
from passport.trusts.models import Trust
from passport.trusts.operations import list_trusts

SCOPE_FIELD = "scope"
TEMPLATE = "metrics/board_report.html"

register(
    HomeLink(
        Role.DIRECTOR,
        "Workforce board report",
        "metrics.board_report_page",
        "Your trust's month on one page for its board, to print or as a PDF.",
    ),
    HomeLink(
        Role.ADMIN,
        "Workforce board report",
        "metrics.board_report_page",
        "A trust's month on one page for its board, to print or as a PDF.",
    ),
)


def _report_asked(session: Session, user: Any) -> tuple[Trust, int]:
    """The trust (``scope``, an ODS code; else the user's own, or for an admin the first) and month
    (``month``, YYYY-MM; else the latest with records) asked for. 403 for a trust whose figures the user
    may not see, 404 for no such trust, InvalidInput (naming the field) for the rest."""
    ensure(user, Action.VIEW_METRICS)  # nurses and assessors learn nothing about which trusts exist
    asked = (request.args.get(SCOPE_FIELD) or "").strip()
    if asked.lower() == PARTNERSHIP:
        raise InvalidInput(
            "A board report is for one trust: choose a trust, not the partnership", field=SCOPE_FIELD
        )
    trust = trust_asked(session, user, Action.VIEW_METRICS, asked)
    return trust, report_month(session, trust, request.args.get(MONTH_FIELD))


@blueprint.get("/metrics/board-report")
@login_required
def board_report_page():  # type: ignore[no-untyped-def]
    user = current_user._get_current_object()
    session = get_session()
    ensure(user, Action.VIEW_METRICS)
    trusts = [t for t in list_trusts(session) if allows(user, Action.VIEW_METRICS, t.id)]
    asked = {name: (request.args.get(name) or "").strip() for name in (SCOPE_FIELD, MONTH_FIELD)}
    try:
        trust, month = _report_asked(session, user)
    except InvalidInput as error:
        page = render_template(TEMPLATE, report=None, trusts=trusts, asked=asked, errors=error.errors)
        return page, 422
    report = board_report(session, trust, month)
    asked = {SCOPE_FIELD: trust.ods_code, MONTH_FIELD: report.month}
    return render_template(
        TEMPLATE,
        report=report,
        plots={summary.name: plot(summary) for summary in report.charts},
        report_footer=footer_lines(report),
        figure_text=figure_text,
        percent_text=percent_text,
        trusts=trusts,
        asked=asked,
        errors={},
    )


@blueprint.get("/metrics/board-report.pdf")
@login_required
def board_report_pdf_download():  # type: ignore[no-untyped-def]
    session = get_session()
    try:
        trust, month = _report_asked(session, current_user._get_current_object())
    except InvalidInput as error:
        raise DomainError(error.message) from error  # a download answers 400, with the message
    pdf = board_report_pdf(board_report(session, trust, month))
    filename = f"board-report_{trust.ods_code}_{month_label(month)}.pdf"
    return Response(
        pdf,
        mimetype="application/pdf",
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )


# --- The PDF ---------------------------------------------------------------------------------------------
# The icons as templates/metrics/_spc_icons.html draws them: a coloured disc with a letter (common cause has
# a squiggle there, a tilde here).
ICON_STYLE = {
    "common_cause": ("#4c6272", "~"),
    "improvement_high": ("#005eb8", "H"),
    "improvement_low": ("#005eb8", "L"),
    "concern_high": ("#b35900", "H"),
    "concern_low": ("#b35900", "L"),
    "neutral_high": ("#330072", "H"),
    "neutral_low": ("#330072", "L"),
    "consistent_pass": ("#005eb8", "P"),
    "consistent_fail": ("#b35900", "F"),
    "inconsistent": ("#4c6272", "?"),
}
MARGIN = 34.0
PADDING = 6.0  # the page frame's, inside the margins
ALL = (0, 0), (-1, -1)  # every cell of a table
BARE = ("LEFTPADDING", *ALL, 0), ("RIGHTPADDING", *ALL, 0)  # a table that only lays out others
NHS_BLUE, TEXT, GREY_LINE = colors.HexColor("#005eb8"), colors.HexColor("#212b32"), colors.HexColor("#d8dde0")


def _style(
    name: str, size: float, bold: bool = False, colour: Any = TEXT, after: float = 0
) -> ParagraphStyle:
    font = "Helvetica-Bold" if bold else "Helvetica"
    return ParagraphStyle(name, fontName=font, fontSize=size, leading=size * 1.25, textColor=colour,
                          spaceAfter=after)  # fmt: skip


STYLES = {
    "trust": _style("trust", 15, True, NHS_BLUE, 2),
    "title": _style("title", 12, True, TEXT, 2),
    "lead": _style("lead", 8, after=6),
    "heading": _style("heading", 9.5, True, TEXT, 3),
    "cell": _style("cell", 7.5),
    "cell_bold": _style("cell_bold", 7.5, True),
    "sentence": _style("sentence", 7.5, after=4),
    "footer": _style("footer", 6.3, colour=colors.HexColor("#4c6272")),
}


def _para(text: str, style: str = "cell") -> Paragraph:
    """Text as a reportlab Paragraph (which reads a little markup, so &, < and > are escaped)."""
    return Paragraph(text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;"), STYLES[style])


def _table(rows: list[list[Any]], widths: list[float], *extra: tuple[Any, ...], ruled: bool = True) -> Table:
    table = Table(rows, colWidths=widths, hAlign="LEFT")
    commands: list[tuple[Any, ...]] = [
        ("VALIGN", *ALL, "MIDDLE"),
        *[(side, *ALL, 1.5) for side in ("TOPPADDING", "BOTTOMPADDING")],
        *[(side, *ALL, 3) for side in ("LEFTPADDING", "RIGHTPADDING")],
    ]
    if ruled:
        commands += [("LINEBELOW", *ALL, 0.4, GREY_LINE), ("LINEBELOW", (0, 0), (-1, 0), 0.8, TEXT)]
    table.setStyle(TableStyle([*commands, *extra]))
    return table


def _pairs(heading: str, rows: list[tuple[str, str]], width: float) -> Table:
    return _table(
        [[_para(heading, "cell_bold"), ""], *[[_para(a), _para(b)] for a, b in rows]], [width - 48, 48]
    )


def _benchmarks(report: BoardReport, width: float) -> Table:
    target = "None set" if report.target_percent is None else percent_text(report.target_percent)
    rows = [("The trust's sickness absence target", target)]
    published = report.published
    if published.month is None:
        rows.append(("NHS England has published no rates for these months.", ""))
    else:
        when = uk_month(published.month)
        rows.append((f"Published sickness rate, this trust, {when}", percent_text(published.trust_rate)))
        rows.append((f"Published sickness rate, England, {when}", percent_text(published.england_rate)))
    return _pairs("Benchmarks", rows, width)


def _reasons(report: BoardReport, width: float) -> Table:
    rows = [(f"{r.code} {r.label}", percent_text(r.share_percent)) for r in report.reasons]
    return _pairs(
        f"Top reasons for sickness, {report.reasons_period}",
        rows or [("None shown: too few people were absent.", "")],
        width,
    )


def _text(x: float, y: float, text: str, size: float, anchor: str = "start", **style: Any) -> String:
    style = {"fontName": "Helvetica", "fillColor": TEXT, **style}
    return String(x, y, text, fontSize=size, textAnchor=anchor, **style)


def _stroke(points: list[float], colour: Any, width: float = 1.2, dash: Any = None) -> PolyLine:
    return PolyLine(
        points, strokeColor=colour, strokeWidth=width, strokeDashArray=list(dash) if dash else None
    )


def _icon(kind: str) -> Drawing:
    colour, letter = ICON_STYLE[kind]
    drawing = Drawing(13, 13)
    drawing.add(Circle(6.5, 6.5, 6.3, fillColor=colors.HexColor(colour), strokeColor=None))
    drawing.add(_text(6.5, 3.6, letter, 8, "middle", fontName="Helvetica-Bold", fillColor=colors.white))
    return drawing


def _reading(summary: SpcSummary) -> Flowable:
    reading, cells = summary.spc, []
    for kind, words in (
        (reading.variation, reading.variation_words),
        (reading.assurance, reading.assurance_words),
    ):
        if kind:
            cells += [_icon(kind), _para(words or "")]
    if not cells:
        return Spacer(1, 2)
    return _table([cells], [16, 170] * (len(cells) // 2), ("LEFTPADDING", *ALL, 0), ruled=False)


def plot_drawing(layout: Plot) -> Drawing:
    """A laid-out chart drawn with reportlab.graphics (its y upwards)."""
    height, size = layout.height, layout.font_size
    drawing = Drawing(layout.width, height)
    left, top, right, bottom = layout.area

    def flat(run: Run) -> list[float]:
        return [value for x, y in run for value in (x, height - y)]

    for y, label in layout.y_ticks:
        drawing.add(_stroke([left, height - y, right, height - y], GREY_LINE, 0.4))
        drawing.add(_text(left - 3, height - y - size * 0.35, label, size, "end"))
    drawing.add(_stroke([left, height - bottom, right, height - bottom], TEXT, 0.6))
    for x, label in layout.x_ticks:
        drawing.add(_stroke([x, height - bottom, x, height - bottom - 3], TEXT, 0.6))
        drawing.add(_text(x, height - bottom - size * 1.4, label, size, "middle"))
    for line in layout.lines:
        for run in line.runs:
            drawing.add(_stroke(flat(run), colors.HexColor(line.colour), dash=line.dash))
    for marker in layout.markers:
        drawing.add(_marker_shape(marker, height))
    if layout.empty:
        middle = height - (top + bottom) / 2
        drawing.add(_text((left + right) / 2, middle, "No figures for these months", size, "middle"))
    for item in layout.legend:
        if item.line is not None:
            colour, dash = LINE_STYLE[item.line]
            y = height - item.y + size * 0.35
            drawing.add(_stroke([item.x, y, item.x + size * 2, y], colors.HexColor(colour), dash=dash))
        elif item.marker is not None:
            drawing.add(_marker_shape(item.marker, height))
        drawing.add(_text(item.x + size * 2.5, height - item.y, item.label, size))
    return drawing


def _marker_shape(marker: Marker, height: float) -> Any:
    fill = colors.HexColor(marker.colour)
    if marker.shape == "circle":
        return Circle(marker.x, height - marker.y, marker.size / 2, fillColor=fill, strokeColor=None)
    return Polygon([v for x, y in marker.polygon for v in (x, height - y)], fillColor=fill, strokeColor=None)


def _footer(paragraphs: list[Paragraph], width: float) -> Callable[[Any, Any], None]:
    def draw(canvas: Any, _doc: Any) -> None:
        y = MARGIN
        for paragraph in reversed(paragraphs):
            y += paragraph.wrap(width, 200)[1] + 1.5
            paragraph.drawOn(canvas, MARGIN + PADDING, y - paragraph.height - 1.5)
        canvas.setStrokeColor(GREY_LINE)
        canvas.line(MARGIN + PADDING, y + 1, MARGIN + PADDING + width, y + 1)

    return draw


def board_report_pdf(report: BoardReport) -> bytes:
    """The report as one A4 page (everything shrinks to fit, should the words run long)."""
    width = A4[0] - 2 * (MARGIN + PADDING)
    footer = [_para(line, "footer") for line in footer_lines(report)]
    footer_height = sum(p.wrap(width, 200)[1] + 1.5 for p in footer) + 8
    buffer = io.BytesIO()
    doc = SimpleDocTemplate(
        buffer,
        pagesize=A4,
        leftMargin=MARGIN,
        rightMargin=MARGIN,
        topMargin=MARGIN,
        bottomMargin=MARGIN + footer_height,
        title=report.title,
        author=f"{report.trust_name} (Staff Passport)",
        subject=f"Workforce board report, {report.month_words}",
        creator="Staff Passport",
    )
    months = [_para(uk_month(m), "cell_bold") for m in report.column_months]
    headline = [[_para("Measure", "cell_bold"), *months]]
    headline += [[_para(f.label), *[_para(c) for c in f.cells]] for f in report.figures]
    half = (width - 12) / 2
    boxes = [[_benchmarks(report, half), _reasons(report, half)]]
    story: list[Flowable] = [
        _para(report.trust_name, "trust"),
        _para(f"Workforce board report: {report.month_words}", "title"),
        _para(
            f"Figures for {report.month_words} beside the month before and the same month a year before. "
            "The charts show each month's rate over the 24 months to the report's month.",
            "lead",
        ),
        _table(headline, [230, *[(width - 230) / 3] * 3]),
        Spacer(1, 6),
        _table(boxes, [half + 12, half], *BARE, ("VALIGN", *ALL, "TOP"), ruled=False),
        Spacer(1, 6),
    ]
    for summary in report.charts:
        layout = plot(summary, width, 175, 7)
        story += [_para(summary.title, "heading"), _reading(summary), plot_drawing(layout)]
        story.append(_para(summary.spc.sentence, "sentence"))
    draw_footer = _footer(footer, width)
    frame = KeepInFrame(width, doc.height - 2 * PADDING, story, mode="shrink")
    doc.build([frame], onFirstPage=draw_footer, onLaterPages=draw_footer)
    return buffer.getvalue()
