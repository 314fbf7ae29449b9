"""Access-matrix rows for the monthly workforce board report (issue 14): see tests/functional/access_matrix.py

Whoever sees a trust's figures has its report, as a page and as a PDF: its nursing director and HR, and
admins for any trust; nurses and assessors have none. The partnership has no board report: asked for, it
is a field in error (422 on the page, 400 for the PDF) to those who see figures. An unknown trust is not
found, once the caller may see figures at all."""

from __future__ import annotations

from tests.functional.access_matrix import ROWS, Row, statuses

PAGE = "/metrics/board-report"
PDF = "/metrics/board-report.pdf"
READERS = statuses(403, anonymous=302, hr=200, director=200, admin=200)
OTHER_TRUST = statuses(403, anonymous=302, admin=200)


def _readers_get(status: int) -> dict[str, int]:
    """What those who see a trust's figures get (the rest are refused before anything is looked at)."""
    return statuses(403, anonymous=302, hr=status, director=status, admin=status)


ROWS.extend(
    [
        Row("GET", PAGE, PAGE, READERS, other_url=f"{PAGE}?scope=RV5", other_expected=OTHER_TRUST),
        Row("GET", PDF, PDF, READERS, other_url=f"{PDF}?scope=RV5", other_expected=OTHER_TRUST),
        Row("GET", PAGE, f"{PAGE}?scope=partnership", _readers_get(422)),
        Row("GET", PDF, f"{PDF}?scope=partnership", _readers_get(400)),
        Row("GET", PAGE, f"{PAGE}?scope=ZZZ", _readers_get(404)),
        Row("GET", PDF, f"{PDF}?scope=ZZZ&month=2025-03", _readers_get(404)),
        Row("GET", PAGE, f"{PAGE}?month=2025-13", _readers_get(422)),
        Row("GET", PDF, f"{PDF}?month=2025-13", _readers_get(400)),
    ]
)  # fmt: skip
