"""The import page links to the import formats guide, which the service serves (issue 19)."""

from __future__ import annotations

import html
import re

from passport.auth.models import Role
from passport.reference.workforce import ABSENCE_CATEGORIES, LEAVING_REASONS, SICKNESS_REASONS, STAFF_GROUPS
from passport.workforce.esr_files import ABSENCE_COLUMNS, ASSIGNMENT_COLUMNS
from tests.conftest import sign_in
from tests.support.factories import UserFactory


def _table_rows(page: str, caption: str) -> dict[str, list[str]]:
    """Column name -> the words of its other cells, for the table with ``caption``."""
    start = page.index(f'<caption class="nhsuk-table__caption">{caption}</caption>')
    table = page[start : page.index("</table>", start)]
    rows = {}
    for row in re.findall(r'<tr class="nhsuk-table__row">(.*?)</tr>', table, flags=re.DOTALL):
        cells = [
            html.unescape(
                " ".join(
                    re.sub(
                        r"<span class=\"nhsuk-table-responsive__heading\">.*?</span>|<[^>]+>", " ", cell
                    ).split()
                )
            )
            for cell in re.findall(r"<t[hd][^>]*>(.*?)</t[hd]>", row, flags=re.DOTALL)
        ]
        rows[cells[0]] = cells[1:]
    return rows


def test_the_import_page_links_to_the_guide_and_the_guide_is_served(client, demo_trusts):
    sign_in(client, UserFactory(role=Role.HR, trust=demo_trusts[0]))
    imports = client.get("/workforce/imports").get_data(as_text=True)
    link = re.search(r'<a href="([^"]+)">ESR import file formats guide</a>', imports)
    assert link and link.group(1) == "/help/import-formats"
    assert "docs/import-formats.md" not in imports
    guide = client.get(link.group(1))
    assert guide.status_code == 200
    page = guide.get_data(as_text=True)
    assert "<h1>ESR import file formats</h1>" in page
    assert '<a href="/workforce/imports">Import ESR extracts</a>' in page  # and back again


def test_the_guide_describes_every_column_and_value_the_import_accepts(client, demo_trusts):
    sign_in(client, UserFactory(role=Role.HR, trust=demo_trusts[0]))
    page = client.get("/help/import-formats").get_data(as_text=True)
    for caption, columns in (
        ("Columns of the assignments file", ASSIGNMENT_COLUMNS),
        ("Columns of the absences file", ABSENCE_COLUMNS),
    ):
        rows = _table_rows(page, caption)
        assert list(rows) == [column.header for column in columns]
        undescribed = [header for header, (needs, accepted) in rows.items() if not needs or not accepted]
        assert undescribed == [], (
            f"describe these columns in templates/workforce/import_formats.html: {undescribed}"
        )
    text = html.unescape(page)
    assert "RPG, RV5" in text  # the partnership's trusts, as the database holds them
    for group in STAFF_GROUPS:
        assert f"{group.label} ({group.code})" in text
    for reason in LEAVING_REASONS:
        assert f"<li>{reason.label}</li>" in text
    for sickness in SICKNESS_REASONS:
        assert f"<li>{sickness.code} {sickness.label}</li>" in text
    for category in ABSENCE_CATEGORIES:
        assert category.label in text


def test_anyone_signed_in_may_read_the_guide(client, demo_trusts):
    sign_in(client, UserFactory(role=Role.NURSE, trust=demo_trusts[0]))
    page = client.get("/help/import-formats").get_data(as_text=True)
    assert "the Import ESR extracts page (HR and partnership admins)" in page  # no link to a page refused
    assert 'href="/workforce/imports"' not in page
