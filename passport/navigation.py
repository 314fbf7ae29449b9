"""What the home page and the header navigation offer each role. Features add their own entries when
their blueprint loads, so both list exactly what a person can do, and nothing that is not built.

The header navigation is made from the same entries: they are grouped into sections (one entry each in
the header; the home page keeps every link and its description), so a page a role may not use appears in
neither place."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from passport.auth.models import Role


@dataclass(frozen=True)
class HomeLink:
    role: Role
    title: str
    endpoint: str
    description: str


HOME_LINKS: list[HomeLink] = [
    HomeLink(Role.ADMIN, "Trusts", "trusts.trusts", "The partnership's member trusts; add a trust."),
    HomeLink(Role.ADMIN, "User accounts", "trusts.users", "Everyone who can sign in, and their roles."),
    HomeLink(Role.ADMIN, "Audit log", "audit.audit_log", "Who did what, across the partnership."),
    HomeLink(Role.HR, "Audit log", "audit.audit_log", "Who did what to your trust's records."),
]

ROLE_ORDER = [Role.NURSE, Role.HR, Role.ASSESSOR, Role.DIRECTOR, Role.ADMIN]


def register(*links: HomeLink) -> None:
    for link in links:
        if link not in HOME_LINKS:
            HOME_LINKS.append(link)


# The home page's "Waiting for you" list: features register a function giving a user's to-do items (each a
# sentence and a link); it runs on every home page view, so it must be a cheap query.
@dataclass(frozen=True)
class TodoItem:
    text: str
    href: str


TodoProvider = Callable[[Any], list[TodoItem]]
TODO_PROVIDERS: list[TodoProvider] = []


def register_todo(provider: TodoProvider) -> None:
    if provider not in TODO_PROVIDERS:
        TODO_PROVIDERS.append(provider)


def todos_for(user: Any) -> list[TodoItem]:
    return [item for provider in TODO_PROVIDERS for item in provider(user)]


def links_for(roles: frozenset[Role]) -> list[tuple[Role, list[HomeLink]]]:
    return [
        (role, [link for link in HOME_LINKS if link.role is role]) for role in ROLE_ORDER if role in roles
    ]


# --- The header navigation ----------------------------------------------------------------------------
# A section gathers the home page links, and the pages under them, of one part of the service. It
# ``covers`` endpoints ("trusts.users") or a blueprint's every endpoint ("workforce."); an exact
# endpoint wins over a blueprint. A role gets a section's entry only if one of its own home page links
# falls in it; the entry leads to the first of ``leads_to`` that role has, or else its first such link.
# A home page link in no section becomes an entry of its own, under its own title.
@dataclass(frozen=True)
class NavSection:
    title: str
    covers: tuple[str, ...]
    leads_to: tuple[str, ...] = ()


NAV_SECTIONS: list[NavSection] = [
    NavSection("Your passport", ("passports.",), ("passports.passport",)),
    NavSection("Trusts", ("trusts.trusts",)),
    NavSection("User accounts", ("trusts.users",)),
    NavSection(
        "Staff records",
        ("workforce.", "subject_access_requests.", "corrections.request_list", "corrections.request_page"),
        ("workforce.staff_list",),
    ),
    NavSection("Credentials", ("credentials.",), ("credentials.issued",)),
    NavSection("Secondments", ("secondments.",), ("secondments.secondment_list",)),
    NavSection("Retention and sickness", ("metrics.",), ("metrics.dashboard",)),
    NavSection("Job descriptions", ("jobs.",), ("jobs.job_list",)),
    NavSection("Competency frameworks", ("frameworks.", "framework_scale."), ("frameworks.index",)),
    NavSection("Notifications", ("secondments.notification_list",)),
    # The record retention page (an admin's) sits with the log of what was done to records.
    NavSection("Audit log", ("audit.", "record_keeping.retention_page"), ("audit.audit_log",)),
]


@dataclass(frozen=True)
class NavEntry:
    title: str
    endpoint: str  # where the entry leads
    key: str  # its section's title, or the endpoint of a link in no section


def section_for(endpoint: str | None) -> NavSection | None:
    """The section a page belongs to: the one naming its endpoint, else the one naming its blueprint."""
    if not endpoint:
        return None
    exact = next((section for section in NAV_SECTIONS if endpoint in section.covers), None)
    if exact is not None:
        return exact
    blueprint = endpoint.split(".", 1)[0] + "."
    return next((section for section in NAV_SECTIONS if blueprint in section.covers), None)


def navigation_for(roles: frozenset[Role]) -> list[NavEntry]:
    """The header's entries for someone with ``roles``, in ``NAV_SECTIONS`` order, then lone links."""
    links = [link for role, role_links in links_for(roles) for link in role_links]
    endpoints = [link.endpoint for link in links]
    entries: list[NavEntry] = []
    for section in NAV_SECTIONS:
        inside = [endpoint for endpoint in endpoints if section_for(endpoint) is section]
        if inside:
            lead = next((endpoint for endpoint in section.leads_to if endpoint in inside), inside[0])
            entries.append(NavEntry(section.title, lead, section.title))
    for link in links:
        if section_for(link.endpoint) is None and all(entry.key != link.endpoint for entry in entries):
            entries.append(NavEntry(link.title, link.endpoint, link.endpoint))
    return entries


def current_entry_state(entry: NavEntry, endpoint: str | None) -> str | None:
    """How the header marks ``entry`` on the page ``endpoint``: "page" (aria-current="page") on the
    entry's own page, "section" (aria-current="true") on another page under it, else None."""
    if not endpoint:
        return None
    if endpoint == entry.endpoint:
        return "page"
    section = section_for(endpoint)
    return "section" if section is not None and section.title == entry.key else None
