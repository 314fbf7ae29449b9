"""What the home page offers each role. Features add their own entries when their blueprint loads, so
the home page lists exactly what a person can do, and nothing that is not built."""

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
