"""The header's service navigation: per role, exactly the parts of the service the role may use (the home
page's links, grouped), the current page marked, and nothing before sign-in."""

from __future__ import annotations

from html.parser import HTMLParser

import pytest
from flask import url_for

from passport.auth.models import Role
from passport.navigation import HOME_LINKS, NAV_SECTIONS, navigation_for, section_for
from tests.conftest import sign_in
from tests.support.factories import StaffMemberFactory, UserFactory


class _HeaderReader(HTMLParser):
    """The links of the header's navigation (text, href, aria-current) and its account area's texts."""

    def __init__(self) -> None:
        super().__init__()
        self.entries: list[dict[str, str | None]] = []
        self.account: list[str] = []
        self.nav_count = 0
        self._in: str | None = None
        self._link: dict[str, str | None] | None = None

    def handle_starttag(self, tag, attrs):  # type: ignore[no-untyped-def]
        found = dict(attrs)
        classes = (found.get("class") or "").split()
        if tag == "nav" and "nhsuk-header__navigation" in classes:
            self._in, self.nav_count = "navigation", self.nav_count + 1
        elif tag == "nav" and "nhsuk-header__account" in classes:
            self._in = "account"
        elif tag == "a" and self._in == "navigation":
            self._link = {"href": found.get("href"), "current": found.get("aria-current"), "text": ""}

    def handle_endtag(self, tag):  # type: ignore[no-untyped-def]
        if tag == "nav":
            self._in = None
        elif tag == "a" and self._link is not None:
            self._link["text"] = " ".join((self._link["text"] or "").split())
            self.entries.append(self._link)
            self._link = None

    def handle_data(self, data):  # type: ignore[no-untyped-def]
        if self._link is not None:
            self._link["text"] = (self._link["text"] or "") + data
        elif self._in == "account" and data.strip():
            self.account.append(data.strip())


def _header(response) -> _HeaderReader:  # type: ignore[no-untyped-def]
    assert response.status_code == 200, response.request.path
    reader = _HeaderReader()
    reader.feed(response.get_data(as_text=True))
    return reader


def _user(role: Role, demo_trusts):  # type: ignore[no-untyped-def]
    """A user of ``role`` (of RPG, but an admin); a passport holder has her staff record too."""
    trust = None if role is Role.ADMIN else demo_trusts[0]
    member = StaffMemberFactory(trust=trust) if role in (Role.NURSE, Role.ASSESSOR) else None
    return UserFactory(role=role, trust=trust, staff_member=member)


def _expected_titles(role: Role) -> list[str]:
    """From the registry alone: each section holding one of the role's home page links, in the
    sections' order, then any link of the role's in no section under its own title."""
    endpoints = [link.endpoint for link in HOME_LINKS if link.role is role]
    titles = [section.title for section in NAV_SECTIONS if any(section_for(e) is section for e in endpoints)]
    return titles + [
        link.title for link in HOME_LINKS if link.role is role and section_for(link.endpoint) is None
    ]


@pytest.mark.parametrize("role", list(Role))
def test_each_role_sees_exactly_the_parts_its_policy_allows(client, session, demo_trusts, role):
    sign_in(client, _user(role, demo_trusts))
    header = _header(client.get("/"))
    assert header.nav_count == 1
    assert [entry["text"] for entry in header.entries] == _expected_titles(role)
    with client.application.test_request_context():
        registered = {url_for(link.endpoint) for link in HOME_LINKS if link.role is role}
        every_page = {url_for(link.endpoint) for link in HOME_LINKS}
    # The policy agrees with the registry: every page the role's links name opens for it...
    for path in sorted(registered):
        assert client.get(path).status_code == 200, f"{role}: {path}"
    # ...and every entry leads to one of them, so a page the policy refuses the role is never offered.
    offered = {entry["href"] for entry in header.entries}
    assert offered <= registered
    refused = {path for path in every_page - registered if client.get(path).status_code == 403}
    assert refused and not offered & refused  # every role is refused some page that others are offered
    # Kept in reach, not in the way: one entry per part of the service.
    assert len(header.entries) <= 8
    assert header.account[-3:] == ["Account security", "Your data", "Sign out"]


def test_some_entries_by_hand(client, session, demo_trusts):
    def titles(role: Role) -> list[str]:
        client.post("/sign-out")
        sign_in(client, _user(role, demo_trusts))
        return [entry["text"] for entry in _header(client.get("/")).entries]

    nurse = titles(Role.NURSE)
    assert "Your passport" in nurse and "Job descriptions" in nurse
    assert not {"User accounts", "API tokens", "Trusts", "Staff records", "Audit log"} & set(nurse)
    hr = titles(Role.HR)
    assert {"Staff records", "Credentials", "Secondments", "Audit log"} <= set(hr)
    assert not {"Your passport", "Trusts", "User accounts", "API tokens"} & set(hr)
    director = titles(Role.DIRECTOR)
    assert director == ["Retention and sickness", "Job descriptions", "Competency frameworks"]
    admin = titles(Role.ADMIN)
    assert admin[:2] == ["Trusts", "User accounts"] and "Audit log" in admin and "Your passport" not in admin


def test_someone_with_two_roles_gets_each_part_once(client, session, demo_trusts):
    from passport.auth.models import UserRole

    user = _user(Role.HR, demo_trusts)
    user.role_rows.append(UserRole(role=Role.ASSESSOR))
    session.flush()
    sign_in(client, user)
    titles = [entry["text"] for entry in _header(client.get("/")).entries]
    assert titles == [entry.title for entry in navigation_for(frozenset({Role.HR, Role.ASSESSOR}))]
    assert len(titles) == len(set(titles)) and {"Your passport", "Credentials"} <= set(titles)


@pytest.mark.parametrize(
    ("role", "path", "marked", "how"),
    [
        (Role.NURSE, "/passport", "Your passport", "page"),
        (Role.NURSE, "/passport/shares", "Your passport", "true"),
        (Role.ADMIN, "/admin/trusts", "Trusts", "page"),
        (Role.ADMIN, "/admin/users", "User accounts", "page"),
        (Role.HR, "/credentials/issue", "Credentials", "true"),
        (Role.HR, "/frameworks/sign-offs", "Competency frameworks", "true"),
        (Role.HR, "/notifications", "Notifications", "page"),
        (Role.HR, "/secondments", "Secondments", "page"),
        (Role.DIRECTOR, "/metrics", "Retention and sickness", "page"),
    ],
)
def test_the_current_page_or_its_section_is_marked(client, session, demo_trusts, role, path, marked, how):
    sign_in(client, _user(role, demo_trusts))
    header = _header(client.get(path))
    assert [(entry["text"], entry["current"]) for entry in header.entries if entry["current"]] == [
        (marked, how)
    ]
    assert not [entry for entry in _header(client.get("/")).entries if entry["current"]]


@pytest.mark.parametrize("path", ["/sign-in", "/api/v1/reference", "/no/such/page"])
def test_no_navigation_before_sign_in(client, session, path):
    response = client.get(path)
    assert b"nhsuk-header" in response.data
    reader = _HeaderReader()
    reader.feed(response.get_data(as_text=True))
    assert reader.nav_count == 0 and reader.entries == []
    assert "Sign in" in reader.account


def test_api_tokens_are_offered_only_where_the_policy_allows(client, session, demo_trusts, monkeypatch):
    from passport.auth import policy

    nurse = _user(Role.NURSE, demo_trusts)
    sign_in(client, nurse)
    assert "API tokens" not in [entry["text"] for entry in _header(client.get("/")).entries]
    assert b"Your API tokens" in client.get("/").data  # the policy lets every role keep tokens today
    monkeypatch.setitem(
        policy.RULES, policy.Action.MANAGE_OWN_TOKENS, [policy._rule(policy.Scope.SELF, Role.HR, Role.ADMIN)]
    )
    assert b"Your API tokens" not in client.get("/").data
    assert b"API tokens" not in client.get("/account/sessions").data
