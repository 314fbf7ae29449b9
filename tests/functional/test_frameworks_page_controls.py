"""Framework pages, issue 16: the item tree that opens and closes, the word-marked diff, the confirmation
pages before publishing and withdrawing, and the sign-off form's NHS.UK date input."""

from __future__ import annotations

from datetime import date, timedelta
from html.parser import HTMLParser

import pytest
from markupsafe import escape
from sqlalchemy import select

from competencies.frameworks import operations
from competencies.frameworks.case_import import import_case_package
from competencies.frameworks.models import FrameworkItem, SignOff
from passport.auth.models import Role
from passport.credentials.models import CredentialState, IssuedCredential
from tests.conftest import sign_in
from tests.support.factories import StaffMemberFactory, UserFactory
from tests.support.framework_factories import BASE, imported_framework, small_package

HOSTILE = '<script>alert("x")</script> & Recognises'


@pytest.fixture
def admin(client, session):  # type: ignore[no-untyped-def]
    user = UserFactory(role=Role.ADMIN, trust=None)
    sign_in(client, user)
    return user


class _TreeReader(HTMLParser):
    """For each item link of the tree: the codes of the items whose details hold it, outermost first."""

    def __init__(self) -> None:
        super().__init__()
        self.holders: list[str] = []
        self.last_code = ""
        self.in_link = self.in_code = False
        self.found: dict[str, tuple[str, ...]] = {}

    def handle_starttag(self, tag, attrs):  # type: ignore[no-untyped-def]
        if tag == "details":
            self.holders.append(self.last_code)  # the details right after an item's link hold its children
        elif tag == "a" and "/items/" in (dict(attrs).get("href") or ""):
            self.in_link = True
        elif tag == "strong" and self.in_link:
            self.in_code = True

    def handle_endtag(self, tag):  # type: ignore[no-untyped-def]
        if tag == "details":
            self.holders.pop()
        elif tag == "a":
            self.in_link = False
        elif tag == "strong":
            self.in_code = False

    def handle_data(self, data):  # type: ignore[no-untyped-def]
        if self.in_code:
            self.last_code = data
            self.found[data] = tuple(self.holders)


def test_the_tree_nests_children_in_details_under_their_parent_and_escapes_statements(
    client, admin, session
) -> None:
    package = small_package(codes=("A", "A.1", "A.1.1", "B"))
    package["CFItems"][1]["fullStatement"] = HOSTILE
    version = import_case_package(session, package, actor="test", publish=True)
    session.flush()
    html = client.get(f"/frameworks/versions/{version.identifier}").get_data(as_text=True)
    reader = _TreeReader()
    reader.feed(html)
    assert reader.holders == []  # every details closed
    assert reader.found == {"A": (), "A.1": ("A",), "A.1.1": ("A", "A.1"), "B": ()}
    assert html.count('<details class="nhsuk-details framework-tree__children">') == 2
    assert "<details open" not in html  # closed until opened: the links of the top level show first
    assert '<span class="nhsuk-details__summary-text">1 item within' in html
    assert (
        "<script>alert" not in html
        and "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt; &amp; Recognises" in html
    )


def test_the_diff_marks_words_removed_and_added_and_escapes_them(client, admin, session) -> None:
    package = small_package(codes=("A", "B"))
    package["CFItems"][0]["fullStatement"] = "Recognises a deteriorating adult using NEWS2 <em>promptly</em>"
    older = import_case_package(session, package, actor="test", publish=True)
    newer = operations.start_new_version(
        session, older.framework, version_label="2", base_uri=BASE, actor="test"
    )
    item = session.scalar(
        select(FrameworkItem).where(
            FrameworkItem.version_id == newer.id, FrameworkItem.human_coding_scheme == "A"
        )
    )
    operations.update_draft_item(
        session,
        item,
        actor="test",
        full_statement="Recognises and escalates a deteriorating patient using NEWS2 <em>promptly</em>",
    )
    session.flush()
    html = client.get(f"/frameworks/versions/{newer.identifier}/diff").get_data(as_text=True)
    assert "0 added, 0 removed, 1 reworded, 1 unchanged" in html
    removed = '<del><span class="nhsuk-u-visually-hidden">removed: </span>{}</del>'
    added = '<ins><span class="nhsuk-u-visually-hidden">added: </span>{}</ins>'
    assert "Recognises a deteriorating " + removed.format("adult ") + "using NEWS2" in html
    assert (
        "Recognises " + added.format("and escalates ") + "a deteriorating " + added.format("patient ") in html
    )
    assert html.count("<del>") == 1 and html.count("<ins>") == 2
    assert "<em>" not in html and "&lt;em&gt;promptly&lt;/em&gt;" in html


def test_publishing_asks_first_and_does_nothing_without_the_confirmation(client, admin, session) -> None:
    version = imported_framework(session, publish=False)
    base = f"/frameworks/versions/{version.identifier}"
    page = client.get(base).get_data(as_text=True)
    assert f'href="{base}/publish"' in page and "Publish version 1" in page
    confirm = client.get(f"{base}/publish")
    html = confirm.get_data(as_text=True)
    assert confirm.status_code == 200
    assert "Publish Test framework version 1?" in html and "never changes again" in html
    assert "assessors of every partner trust can sign nurses off" in html
    assert 'name="confirmed" value="yes"' in html and f'href="{base}">Cancel</a>' in html
    unconfirmed = client.post(f"{base}/publish")
    assert unconfirmed.status_code == 302 and unconfirmed.headers["Location"].endswith(f"{base}/publish")
    session.refresh(version)
    assert not version.is_published
    done = client.post(f"{base}/publish", data={"confirmed": "yes"})
    assert done.status_code == 302 and done.headers["Location"].endswith(base)
    session.refresh(version)
    assert version.is_published
    assert client.get(f"{base}/publish").status_code == 409  # a published version is not published twice


def _date_boxes(name: str, day: date) -> dict[str, str]:
    return {f"{name}-day": str(day.day), f"{name}-month": str(day.month), f"{name}-year": str(day.year)}


def test_sign_off_uses_the_nhs_date_input_then_withdrawal_asks_first(client, session, demo_trusts) -> None:
    own, other = demo_trusts
    version = imported_framework(session)
    item = session.scalars(select(FrameworkItem).where(FrameworkItem.version_id == version.id)).first()
    sign_in(client, UserFactory(role=Role.ASSESSOR, trust=own))
    nurse = StaffMemberFactory(trust=other)
    form_page = client.get(f"/frameworks/sign-offs/new?version={version.identifier}").get_data(as_text=True)
    assert 'type="date"' not in form_page
    assert 'name="assessed_on-day"' in form_page and 'name="review_on-year"' in form_page
    form = {
        "version": version.identifier, "nurse": nurse.email, "item": item.identifier,
        "proficiency_level": "competent", "method": "observation", "outcome": "competent", "evidence": "",
        **_date_boxes("assessed_on", date.today() - timedelta(days=1)),
        **_date_boxes("review_on", date.today() + timedelta(days=365)),
    }  # fmt: skip
    missing_month = client.post("/frameworks/sign-offs/new", data={**form, "assessed_on-month": ""})
    html = missing_month.get_data(as_text=True)
    assert missing_month.status_code == 422
    assert "Date of assessment must include a month" in html and 'href="#assessed_on-day"' in html
    assert client.post("/frameworks/sign-offs/new", data=form).status_code == 302
    record = session.scalar(select(SignOff).where(SignOff.staff_member_id == nurse.id))
    assert record.assessed_on == date.today() - timedelta(days=1)
    credential = session.scalar(
        select(IssuedCredential).where(IssuedCredential.credential_uri == record.credential_uri)
    )
    url = f"/frameworks/sign-offs/{record.identifier}/withdraw"
    assert f'href="{url}"' in client.get("/frameworks/sign-offs").get_data(as_text=True)
    confirm = client.get(url).get_data(as_text=True)
    assert (
        f"Withdraw the sign-off of {escape(nurse.full_name)}?" in confirm
        and "cannot be reinstated" in confirm
    )
    assert 'name="confirmed" value="yes"' in confirm and 'href="/frameworks/sign-offs">Cancel</a>' in confirm
    # Without the confirmation nothing happens: back to the confirmation page.
    unconfirmed = client.post(url, data={"reason": "Assessed against the wrong item"})
    assert unconfirmed.status_code == 302 and unconfirmed.headers["Location"].endswith(url)
    session.refresh(record)
    session.refresh(credential)
    assert record.withdrawn_at is None and credential.state != CredentialState.REVOKED
    too_long = client.post(url, data={"confirmed": "yes", "reason": "x" * 501})
    assert too_long.status_code == 422 and "500 characters or fewer" in too_long.get_data(as_text=True)
    done = client.post(url, data={"confirmed": "yes", "reason": "Assessed against the wrong item"})
    assert done.status_code == 302 and done.headers["Location"].endswith("/frameworks/sign-offs")
    session.refresh(record)
    session.refresh(credential)
    assert record.withdrawn_at is not None and record.withdrawal_reason == "Assessed against the wrong item"
    assert credential.state == CredentialState.REVOKED
    assert client.get(url).status_code == 409
