"""Everything the service holds about one person, for her subject access request (UK GDPR article 15).

The export is complete by construction: ``PARTS`` names, for every table whose rows can be about a person,
how her rows are found, and ``NOT_EXPORTED`` names every other table that holds a column leading to a
person, with the reason it is left out. ``tests/unit/subject_access/test_completeness.py`` reflects the
schema and fails when a table that leads to a person is in neither (a new table needs a decision).

A person is her staff record(s) (matched by email) and her user account(s) (the account of that email, or
one pointing at her staff record). Her rows are: her staff record and accounts, the rows that name them,
and the rows that hang off those (her absences through her assignments, the openings of her share links,
the steps of her secondments). Secrets that would let someone act as her are left out of the rows
(``SECRET_COLUMNS``): a password hash, an API token's or a share link's hash, a session's identifier.
"""

from __future__ import annotations

import base64
import hashlib
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal
from enum import Enum
from typing import Any

from sqlalchemy import Table, and_, or_, select
from sqlalchemy.orm import Session

from passport.auth.operations import normalise_email
from passport.db import Base, utcnow
from passport.errors import NotFound
from passport.formatting import iso

FORMAT = "staff-passport-subject-data/1"
EXPORT_JOB_KIND = "subject-data-export"
# A copy made on the "Your data" page can be downloaded for this long; then its file is deleted.
KEEP_EXPORT = timedelta(days=7)


@dataclass(frozen=True, slots=True)
class Subject:
    email: str
    staff_ids: tuple[int, ...]
    user_ids: tuple[int, ...]


def _table(name: str) -> Table:
    return Base.metadata.tables[name]


def _ids(session: Session, table: str, condition: Callable[[Table], Any]) -> list[Any]:
    t = _table(table)
    return list(session.scalars(select(t.c.id).where(condition(t))))


def find_subject(session: Session, email: str) -> Subject:
    """The person of ``email``: her staff records and accounts (an account may point at her record)."""
    address = (email or "").strip().lower()
    staff = _table("staff_member")
    users = _table("user_account")
    staff_ids = tuple(session.scalars(select(staff.c.id).where(staff.c.email == address)))
    user_ids = tuple(
        session.scalars(
            select(users.c.id).where(
                or_(users.c.email == address, users.c.staff_member_id.in_(staff_ids) if staff_ids else False)
            )
        )
    )
    # An account may point at a staff record held under another address.
    linked = session.scalars(
        select(users.c.staff_member_id).where(users.c.id.in_(user_ids), users.c.staff_member_id.is_not(None))
    )
    staff_ids = tuple(sorted({*staff_ids, *linked}))
    if not staff_ids and not user_ids:
        raise NotFound(
            f"No staff record or account has the email address {address or '(none)'}.", field="email"
        )
    return Subject(address, staff_ids, user_ids)


# How her rows of each table are found: a condition on the table, given her and what was found before.
Finder = Callable[[Table, Subject, dict[str, list[Any]]], Any]


@dataclass(frozen=True, slots=True)
class Part:
    table: str
    what: str  # for the reader of the export
    find: Finder


def _staff(column: str) -> Finder:
    return lambda t, s, _found: t.c[column].in_(s.staff_ids)


def _users(column: str) -> Finder:
    return lambda t, s, _found: t.c[column].in_(s.user_ids)


def _under(column: str, parent: str) -> Finder:
    return lambda t, _s, found: t.c[column].in_(found.get(parent, []))


def _audit_events(t: Table, s: Subject, found: dict[str, list[Any]]) -> Any:
    """Events by her, and events about her records (by record kind and identifier)."""
    about = [
        ("staff_member", s.staff_ids),
        ("user_account", s.user_ids),
        ("issued_credential", found.get("issued_credential", [])),
        ("passport_share", found.get("passport_share", [])),
        ("secondment", found.get("secondment", [])),
        ("absence", found.get("absence", [])),
        ("assignment", found.get("assignment", [])),
        ("competency_sign_off", found.get("competency_sign_off", [])),
        ("api_token", found.get("api_token", [])),
        ("correction_request", found.get("correction_request", [])),
        ("legal_hold", found.get("legal_hold", [])),
    ]
    conditions = [t.c.actor_user_id.in_(s.user_ids)]
    conditions += [
        and_(t.c.record_type == kind, t.c.record_id.in_([str(i) for i in ids])) for kind, ids in about if ids
    ]
    return or_(*conditions)


# In order: a part may use the identifiers found by the parts before it.
PARTS: tuple[Part, ...] = (
    Part("staff_member", "Your staff records", lambda t, s, _f: t.c.id.in_(s.staff_ids)),
    Part("user_account", "Your accounts", lambda t, s, _f: t.c.id.in_(s.user_ids)),
    Part("user_role", "The roles of your accounts", _users("user_id")),
    Part("signed_in_session", "Where and when you were signed in", _users("user_id")),
    Part("api_token", "Your API tokens (names and dates; never the token itself)", _users("user_id")),
    Part(
        "assignment",
        "Your assignments (posts) as the trusts' ESR records hold them",
        _staff("staff_member_id"),
    ),
    Part("absence", "Your absences, with their reasons", _under("assignment_id", "assignment")),
    Part("issued_credential", "Your credentials, each with its signed document", _staff("staff_member_id")),
    Part(
        "job_credential_fact",
        "What each credential says, as fit checks read it",
        _under("credential_id", "issued_credential"),
    ),
    Part("passport_share", "The links you made to share your passport", _staff("staff_member_id")),
    Part("share_credential", "Which credentials each link shared", _under("share_id", "passport_share")),
    Part(
        "share_opening",
        "Who opened your links, and the shared passports you opened",
        lambda t, s, found: or_(
            t.c.share_id.in_(found.get("passport_share", [])), t.c.user_id.in_(s.user_ids)
        ),
    ),
    Part("secondment", "Your secondments", _staff("staff_member_id")),
    Part(
        "secondment_step",
        "Each step of your secondments, and the steps you took",
        lambda t, s, found: or_(
            t.c.secondment_id.in_(found.get("secondment", [])), t.c.actor_user_id.in_(s.user_ids)
        ),
    ),
    Part("notification", "Notifications sent to you", _users("user_id")),
    Part("email_outbox", "Emails sent to you", lambda t, s, _f: t.c.to_address == s.email),
    Part("competency_sign_off", "Sign-offs of your competencies", _staff("staff_member_id")),
    Part(
        "sign_in_throttle",
        "Failed sign-ins with your email address, by network address (kept under a hash of the address)",
        lambda t, s, _f: t.c.email_hash == hashlib.sha256(normalise_email(s.email).encode()).hexdigest(),
    ),
    Part("record_view", "Who opened your records: role, trust and when", _staff("staff_member_id")),
    Part(
        "subject_access_request",
        "Your requests for your data, as HR recorded them",
        _staff("staff_member_id"),
    ),
    Part(
        "correction_request",
        "Your requests to correct your records, and what HR decided",
        _staff("staff_member_id"),
    ),
    Part("legal_hold", "Holds HR placed on your records (an ongoing case)", _staff("staff_member_id")),
    Part("audit_event", "The audit log's events by you and about your records", _audit_events),
)

# Tables with a column leading to a person that the export leaves out, and why.
NOT_EXPORTED: dict[str, str] = {
    "background_job": "work an account started for its trust (imports, bulk issuance): about other "
    "people's records; the audit log's events by the person are exported",
    "background_job_file": "the files of those jobs (ESR extracts about the trust's staff)",
    "import_run": "ESR imports an HR account ran: about the trust's staff; the person's own rows they "
    "wrote are exported",
    "framework_crosswalk": "a trust's competency mapping, naming the account that made it",
    "job_adoption": "a trust's approval of a job description, naming the approving account",
    "job_description": "a joint job description, naming the account that wrote it",
    "job_version": "a version of a job description, naming the account that wrote it",
    "job_requirement": "what a version of a job description asks for: its content, about no one",
    "trust_refresher_setting": "a trust's training refresher period, naming the account that set it",
}

# Columns never written out: each would let the reader act as her, or names another person.
SECRET_COLUMNS: dict[str, set[str]] = {
    "user_account": {"password_hash", "session_version"},
    "api_token": {"token_hash"},
    "passport_share": {"token_hash"},
    "signed_in_session": {"id"},
    # Another person's: who opened her record is shown by role and trust, as on her page.
    "record_view": {"viewer_user_id"},
    "subject_access_request": {"recorded_by_id"},
    "correction_request": {"decided_by_id"},
    "legal_hold": {"placed_by_id", "released_by_id"},
}


def _plain(value: Any) -> Any:
    if isinstance(value, datetime):
        return iso(value)
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, bytes):
        return base64.b64encode(value).decode("ascii")
    return value


def subject_data(
    session: Session,
    subject: Subject,
    now: datetime | None = None,
    on_part: Callable[[int, Part], None] | None = None,
) -> dict[str, Any]:
    """The export: for each part, what it is and her rows (every column but ``SECRET_COLUMNS``);
    ``on_part`` hears of each part as it is begun (a job's progress)."""
    found: dict[str, list[Any]] = {}
    sections = []
    for number, part in enumerate(PARTS):
        if on_part is not None:
            on_part(number, part)
        table = _table(part.table)
        hidden = SECRET_COLUMNS.get(part.table, set())
        columns = [c for c in table.columns if c.name not in hidden]
        order = [table.c.id] if "id" in table.c else list(table.primary_key.columns)
        rows = session.execute(
            select(*columns).where(part.find(table, subject, found)).order_by(*order)
        ).all()
        if "id" in table.c and "id" not in hidden:
            found[part.table] = [row.id for row in rows]
        sections.append(
            {
                "table": part.table,
                "what": part.what,
                "rows": [
                    {c.name: _plain(value) for c, value in zip(columns, row, strict=True)} for row in rows
                ],
            }
        )
    return {
        "format": FORMAT,
        "email": subject.email,
        "generated_at": iso(now or utcnow()),
        "left_out": {
            "columns": {table: sorted(names) for table, names in SECRET_COLUMNS.items()},
            "tables": NOT_EXPORTED,
        },
        "sections": sections,
    }
