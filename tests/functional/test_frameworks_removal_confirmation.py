"""Removing an item from a draft and removing a crosswalk cannot be undone, so each asks first (issue 19).
The GET names exactly what will happen; a POST without the page's confirmed=yes changes nothing (read
back from the database) and goes to the page; with it, the removal happens."""

from __future__ import annotations

import html

import pytest
from sqlalchemy import func, select

from competencies.frameworks import operations
from competencies.frameworks.models import Crosswalk, FrameworkAssociation, FrameworkItem
from passport.audit.models import AuditEvent
from passport.auth.models import Role
from tests.conftest import sign_in
from tests.support.factories import UserFactory
from tests.support.framework_factories import BASE, imported_framework


def _text(response) -> str:  # type: ignore[no-untyped-def]
    return html.unescape(response.get_data(as_text=True))


def _confirmation_parts(page: str, cancel_href: str) -> None:
    assert '<input type="hidden" name="confirmed" value="yes">' in page
    assert "nhsuk-button nhsuk-button--warning" in page and "nhsuk-card--warning" in page
    assert f'href="{cancel_href}">Cancel</a>' in page


def _events(session, action: str) -> int:  # type: ignore[no-untyped-def]
    return session.scalar(select(func.count()).select_from(AuditEvent).where(AuditEvent.action == action))


def _item(session, version, code: str) -> FrameworkItem:  # type: ignore[no-untyped-def]
    return session.scalar(
        select(FrameworkItem).where(
            FrameworkItem.version_id == version.id, FrameworkItem.human_coding_scheme == code
        )
    )


def _associations_naming(session, identifier: str) -> int:  # type: ignore[no-untyped-def]
    return session.scalar(
        select(func.count())
        .select_from(FrameworkAssociation)
        .where(
            (FrameworkAssociation.origin_identifier == identifier)
            | (FrameworkAssociation.destination_identifier == identifier)
        )
    )


@pytest.fixture
def admin(client, session):  # type: ignore[no-untyped-def]
    user = UserFactory(role=Role.ADMIN, trust=None)
    sign_in(client, user)
    return user


@pytest.fixture
def draft(session):  # type: ignore[no-untyped-def]
    """Version 2 (a draft) of a shared framework whose version 1 is published: SAFE, SAFE.1 within it,
    CARE."""
    published = imported_framework(session, codes=("SAFE", "SAFE.1", "CARE"))
    return published, operations.start_new_version(
        session, published.framework, version_label="2", base_uri=BASE, actor="test"
    )


# --- An item of a draft -------------------------------------------------------------------------------


def test_removing_a_draft_item_asks_first_naming_it_and_what_goes_with_it(client, session, admin, draft):
    published, version = draft
    leaf, kept = _item(session, version, "SAFE.1"), _item(session, published, "SAFE.1")
    leaf_id, identifier, kept_id = leaf.id, leaf.identifier, kept.id
    base = f"/frameworks/versions/{version.identifier}"
    item_url, url = f"{base}/items/{leaf.identifier}", f"{base}/items/{leaf.identifier}/remove"
    assert f'href="{url}"' in _text(client.get(item_url))  # a link to the page, no longer a form

    answer = client.get(url)
    page = _text(answer)
    assert answer.status_code == 200
    assert "<h1>Remove SAFE.1 from the draft?</h1>" in page
    assert "Statement SAFE.1" in page and f"<code>{leaf.identifier}</code>" in page
    assert "version 2 of Test framework (the draft) no longer has it" in page
    assert "its CASE identifier is given up" in page
    # Its two associations in the draft: its place under SAFE, and the link from version 1's copy.
    assert "2 associations of the draft that name it go with it" in page
    safe = _item(session, version, "SAFE")
    within = f'<a href="{base}/items/{safe.identifier}">SAFE: Statement SAFE</a>'
    assert f"its place in the tree: within {within}" in page
    assert "the link from " in page and "SAFE.1: Statement SAFE.1</a> (version 1), which it replaces" in page
    assert "the published version keeps its copy, as published versions never change: version 1" in page
    assert "comparing this draft with version 1 will show it as removed" in page
    assert "Removing cannot be undone" in page
    _confirmation_parts(page, item_url)
    assert "Yes, remove SAFE.1 from the draft" in page

    # Without confirmed=yes nothing changes: back to the confirmation page.
    for data in ({}, {"confirmed": "no"}):
        posted = client.post(url, data=data)
        assert posted.status_code == 302 and posted.headers["Location"].endswith(url)
    session.expire_all()
    assert session.get(FrameworkItem, leaf_id) is not None
    assert _associations_naming(session, identifier) == 2
    assert _events(session, "framework.item_removed") == 0

    done = client.post(url, data={"confirmed": "yes"})
    assert done.status_code == 302 and done.headers["Location"].endswith(base)
    session.expire_all()
    assert session.get(FrameworkItem, leaf_id) is None
    assert _associations_naming(session, identifier) == 0
    assert session.get(FrameworkItem, kept_id) is not None  # version 1 keeps its own
    assert _events(session, "framework.item_removed") == 1
    assert "SAFE.1 is removed from this draft." in _text(client.get(base))
    assert client.get(url).status_code == 404  # nothing left to confirm


def test_an_item_added_in_the_draft_has_no_published_copy(client, session, admin, draft):
    _, version = draft
    added = operations.add_draft_item(
        session, version, base_uri=BASE, actor="test", full_statement="A new one", human_coding_scheme="NEW"
    )
    page = _text(client.get(f"/frameworks/versions/{version.identifier}/items/{added.identifier}/remove"))
    assert "1 association of the draft that names it goes with it" in page
    assert "its place in the tree: at the top of the framework" in page
    assert "it was added in this draft, so no published version has it: nothing keeps it" in page


def test_an_item_that_cannot_go_says_why_and_offers_no_button(client, session, admin, draft, demo_trusts):
    published, version = draft
    parent = _item(session, version, "SAFE")
    url = f"/frameworks/versions/{version.identifier}/items/{parent.identifier}/remove"
    answer = client.get(url)
    page = _text(answer)
    assert answer.status_code == 409
    assert "<h1>SAFE cannot be removed from the draft yet</h1>" in page
    assert "1 item within it: remove it or move it elsewhere first" in page
    assert 'name="confirmed"' not in page and "Yes, remove" not in page
    # A crosswalk to it keeps it too.
    local = imported_framework(session, owner_trust_id=demo_trusts[0].id, codes=("RPG-7",))
    care = _item(session, version, "CARE")
    operations.create_crosswalk(
        session,
        local_item=_item(session, local, "RPG-7"),
        shared_item=care,
        association_type="isRelatedTo",
        actor="test",
    )
    page = _text(client.get(f"/frameworks/versions/{version.identifier}/items/{care.identifier}/remove"))
    assert "1 crosswalk mapping it: remove it first" in page and 'name="confirmed"' not in page


# --- A crosswalk -------------------------------------------------------------------------------------


@pytest.fixture
def crosswalk(session, demo_trusts):  # type: ignore[no-untyped-def]
    shared = imported_framework(session, codes=("SAFE", "SAFE.1"))
    local = imported_framework(session, owner_trust_id=demo_trusts[0].id, codes=("RPG-7",))
    return operations.create_crosswalk(
        session,
        local_item=_item(session, local, "RPG-7"),
        shared_item=_item(session, shared, "SAFE.1"),
        association_type="exactMatchOf",
        actor="test",
    )


def _url(item: FrameworkItem) -> str:
    return f"/frameworks/versions/{item.version.identifier}/items/{item.identifier}"


def test_removing_a_crosswalk_asks_first_naming_both_items_and_what_stops(
    client, session, demo_trusts, crosswalk
):
    sign_in(client, UserFactory(role=Role.HR, trust=demo_trusts[0]))
    local, shared = crosswalk.local_item, crosswalk.shared_item
    crosswalk_id, url = crosswalk.id, f"/frameworks/crosswalks/{crosswalk.identifier}/delete"
    assert f'href="{url}"' in _text(client.get(_url(local)))
    assert f'href="{url}?from=shared"' in _text(client.get(_url(shared)))

    answer = client.get(url)
    page = _text(answer)
    assert answer.status_code == 200
    assert "<h1>Remove the crosswalk between RPG-7 and SAFE.1?</h1>" in page
    assert f'<a href="{_url(local)}">RPG-7: Statement RPG-7</a>' in page
    assert f'<a href="{_url(shared)}">SAFE.1: Statement SAFE.1</a>' in page
    assert "Exact match: the same competency" in page
    assert (
        "the two items stop counting as the same competency: a nurse's competency credential for RPG-7 no "
        "longer meets a job description's requirement for SAFE.1, or the other way round"
    ) in page
    assert "credentials already issued stay as they are" in page
    _confirmation_parts(page, _url(local))
    from_shared = _text(client.get(f"{url}?from=shared"))
    _confirmation_parts(from_shared, _url(shared))
    assert '<input type="hidden" name="from" value="shared">' in from_shared

    # Without confirmed=yes nothing changes: back to the confirmation page (keeping where she came from).
    posted = client.post(url)
    assert posted.status_code == 302 and posted.headers["Location"].endswith(url)
    posted = client.post(url, data={"from": "shared"})
    assert posted.status_code == 302 and posted.headers["Location"].endswith(f"{url}?from=shared")
    session.expire_all()
    assert session.get(Crosswalk, crosswalk_id) is not None
    assert _events(session, "framework.crosswalk_removed") == 0

    done = client.post(url, data={"confirmed": "yes", "from": "shared"})
    assert done.status_code == 302 and done.headers["Location"].endswith(_url(shared))
    session.expire_all()
    assert session.get(Crosswalk, crosswalk_id) is None
    assert _events(session, "framework.crosswalk_removed") == 1
    assert "The crosswalk between RPG-7 and SAFE.1 is removed." in _text(client.get(_url(shared)))
    assert client.get(url).status_code == 404


def test_removing_a_related_crosswalk_says_no_fit_check_changes(client, session, demo_trusts, crosswalk):
    crosswalk.association_type = "isRelatedTo"
    session.flush()
    sign_in(client, UserFactory(role=Role.HR, trust=demo_trusts[0]))
    page = _text(client.get(f"/frameworks/crosswalks/{crosswalk.identifier}/delete"))
    assert "Related: a similar competency, not the same" in page
    assert "no fit check changes: a related crosswalk never meets a job description's requirement" in page
    assert "stop counting as the same competency" not in page
