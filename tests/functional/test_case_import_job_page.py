"""A CASE import run as a background job (#16): its page says how many fields were changed to meet CASE
1.1 and lists the first 1,000 by JSON path, with how many more, and links to the version the job made.
The generic job page shows it through the partial the job kind names; the publisher's text is escaped."""

from __future__ import annotations

import io
import json
from html.parser import HTMLParser

import pytest
from sqlalchemy import select

from competencies.frameworks.case_jobs import CASE_IMPORT, RESULT_WARNINGS
from competencies.frameworks.case_upgrade import case_1_1_warnings
from competencies.frameworks.models import FrameworkVersion
from passport.auth.models import Role
from passport.background.models import SUCCEEDED, Job
from passport.db import utcnow
from tests.conftest import sign_in
from tests.support.factories import UserFactory
from tests.support.framework_factories import large_case_package

HOSTILE = '<script>alert("x")</script> & <b>bold</b>'


@pytest.fixture
def admin(client, session):  # type: ignore[no-untyped-def]
    user = UserFactory(role=Role.ADMIN, trust=None)
    sign_in(client, user)
    return user


class _WarningsTable(HTMLParser):
    """The rows of the warnings table, as text: (JSON path, what was changed)."""

    def __init__(self) -> None:
        super().__init__()
        self.in_table = self.in_heading = False
        self.rows: list[list[str]] = []
        self.cell: list[str] | None = None

    def handle_starttag(self, tag, attrs):  # type: ignore[no-untyped-def]
        if tag == "table" and dict(attrs).get("id") == "case-import-warnings-table":
            self.in_table = True
        elif self.in_table and tag == "tr":
            self.rows.append([])
        elif self.in_table and tag == "td":
            self.cell = []
        elif self.cell is not None and tag == "span":
            self.in_heading = True  # the responsive table's label, shown on small screens only

    def handle_endtag(self, tag):  # type: ignore[no-untyped-def]
        if tag == "table":
            self.in_table = False
        elif tag == "span":
            self.in_heading = False
        elif tag == "td" and self.cell is not None:
            self.rows[-1].append("".join(self.cell).strip())
            self.cell = None

    def handle_data(self, data):  # type: ignore[no-untyped-def]
        if self.cell is not None and not self.in_heading:
            self.cell.append(data)


def warning_rows(html: str) -> list[tuple[str, ...]]:
    reader = _WarningsTable()
    reader.feed(html)
    return [tuple(row) for row in reader.rows if row]  # the head's row has no td


def test_the_job_page_shows_the_fields_changed_and_links_to_the_version(client, session, admin) -> None:
    content = large_case_package()
    expected = case_1_1_warnings(json.loads(content))
    assert len(expected) > RESULT_WARNINGS
    data = {"package": (io.BytesIO(content), "big-framework.json"), "owner": ""}
    response = client.post("/frameworks/import", data=data, content_type="multipart/form-data")
    assert response.status_code == 303
    page = client.get(response.headers["Location"])
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    job = session.scalar(select(Job).where(Job.kind == CASE_IMPORT))
    assert job.status == SUCCEEDED and response.headers["Location"].endswith(f"/background-jobs/{job.id}")
    assert f"{len(expected):,} fields were changed to meet CASE 1.1" in html
    assert warning_rows(html) == [(w.path, w.reason) for w in expected[:RESULT_WARNINGS]]
    assert "$.CFDocument.lastChangeDateTime" in {w.path for w in expected[:RESULT_WARNINGS]}
    assert f"<code>{expected[0].path}</code>" in html
    assert f"the first 1,000, and {len(expected) - RESULT_WARNINGS:,} more were changed" in html
    version = session.scalar(
        select(FrameworkVersion).where(FrameworkVersion.identifier == job.result["version"])
    )
    link = f'id="case-import-version-link" href="/frameworks/versions/{version.identifier}"'
    assert link in html and f"{version.title}, version {version.version_label}</a>" in html
    assert client.get(f"/frameworks/versions/{version.identifier}").status_code == 200


def test_publishers_text_is_escaped_and_a_short_list_has_no_more(client, session, admin) -> None:
    """A result written by hand (as an import of a hostile package would keep it): one warning, so the
    singular, and nothing 'more'; every piece of the publisher's text printed as text."""
    job = Job(
        kind=CASE_IMPORT,
        title="Import of the CASE package hostile.json",
        created_by_id=admin.id,
        status=SUCCEEDED,
        stage="Finished",
        finished_at=utcnow(),
        params={},
        result={
            "framework": "f-1",
            "version": "v-1",
            "title": HOSTILE,
            "version_label": "1.0",
            "status": "draft",
            "items": 3,
            "warning_count": 1,
            "warnings": [{"path": f"$.CFItems[0].{HOSTILE}", "reason": f"moved under extensions: {HOSTILE}"}],
        },
    )
    session.add(job)
    session.flush()
    html = client.get(f"/background-jobs/{job.id}").get_data(as_text=True)
    assert "<script>" not in html and "<b>bold</b>" not in html
    assert "1 field was changed to meet CASE 1.1" in html and "more were changed" not in html
    assert warning_rows(html) == [(f"$.CFItems[0].{HOSTILE}", f"moved under extensions: {HOSTILE}")]
    assert (
        "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt; &amp; &lt;b&gt;bold&lt;/b&gt;, version 1.0</a>"
        in html
    )


def test_a_result_without_changes_says_so_and_another_kind_shows_no_import(client, session, admin) -> None:
    clean = Job(
        kind=CASE_IMPORT,
        title="Import of the CASE package clean.json",
        created_by_id=admin.id,
        status=SUCCEEDED,
        finished_at=utcnow(),
        params={},
        result={"version": "v-2", "title": "Clean", "status": "published", "items": 2, "warning_count": 0},
    )
    other = Job(
        kind="metrics_refresh_for_test",
        title="Something else",
        created_by_id=admin.id,
        status=SUCCEEDED,
        finished_at=utcnow(),
        params={},
        result={"warning_count": 3},
    )
    session.add_all([clean, other])
    session.flush()
    html = client.get(f"/background-jobs/{clean.id}").get_data(as_text=True)
    assert "No field needed changing" in html and "changed to meet CASE 1.1</h2>" not in html
    assert 'href="/frameworks/versions/v-2"' in html
    other_html = client.get(f"/background-jobs/{other.id}").get_data(as_text=True)
    assert "What was imported" not in other_html and "CASE 1.1" not in other_html
