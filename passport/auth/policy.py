"""The one access policy: who may do what to which trust's records.

Every view, API handler and CLI command asks here; nothing checks roles ad hoc. A rule names the roles
that may take an action and whether they may do so only for their own trust or across the partnership.
Feature modules add their actions to ``RULES``.
"""

from __future__ import annotations

import enum
import functools
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar

from sqlalchemy import Select, false, or_
from sqlalchemy.orm import InstrumentedAttribute, Session

from passport.auth.models import Role, UserAccount
from passport.errors import AccessDenied, NotFound

Record = TypeVar("Record")


class Scope(enum.Enum):
    OWN_TRUST = "own trust"
    PARTNERSHIP = "partnership"
    SELF = "own records"


class Action(enum.StrEnum):
    VIEW_AUDIT_LOG = "view the audit log"
    MANAGE_TRUSTS = "manage trusts"
    MANAGE_USERS = "manage user accounts"
    VIEW_USERS = "see user accounts"
    VIEW_STAFF = "see staff records"
    MANAGE_STAFF = "record staff"
    MANAGE_OWN_TOKENS = "manage your own API tokens"
    # Credentials and passports (issue 3). Only HR of the issuing trust issues and changes a credential's
    # status; a passport is its holder's alone; HR of the receiving trust records a share as verified.
    ISSUE_CREDENTIALS = "issue credentials for your trust"
    CHANGE_CREDENTIAL_STATUS = "revoke, suspend or reinstate your trust's credentials"
    VIEW_ISSUED_CREDENTIALS = "see the credentials your trust issued"
    HOLD_PASSPORT = "see and share your own passport"
    RECORD_SHARE_VERIFIED = "record that you verified a shared passport"
    # Workforce records (issue 6). Sickness reasons and the Bradford factor are health data: HR of the
    # person's trust only, never directors (they see aggregates through the metrics) nor admins.
    VIEW_WORKFORCE = "see workforce records"
    RECORD_WORKFORCE = "record absences and leavers"
    IMPORT_WORKFORCE = "import workforce extracts"
    VIEW_SICKNESS_DETAIL = "see sickness reasons and Bradford factors"
    # Joint job descriptions and the fit check (issue 5). Admins write them; HR approves a version for
    # its own trust and checks its own staff against them; everyone signed in reads adopted ones.
    VIEW_JOBS = "see job descriptions"
    WRITE_JOBS = "write joint job descriptions"
    APPROVE_JOBS = "approve job descriptions for your trust"
    RUN_FIT_CHECKS = "check your trust's staff against a job description"
    # Competency frameworks (issue 4). Admins manage shared frameworks; HR manages its own trust's local
    # frameworks, crosswalks and refresher periods; assessors of partner trusts sign nurses off.
    BROWSE_FRAMEWORKS = "browse competency frameworks"
    MANAGE_SHARED_FRAMEWORKS = "manage the partnership's shared frameworks"
    MANAGE_TRUST_FRAMEWORKS = "manage your trust's own frameworks"
    MANAGE_CROSSWALKS = "map your trust's competencies to shared ones"
    MANAGE_REFRESHER_SETTINGS = "set your trust's training refresher periods"
    SIGN_OFF_COMPETENCY = "sign off a nurse's competency"
    VIEW_SIGN_OFFS = "see competency sign-offs"
    WITHDRAW_SIGN_OFF = "withdraw a competency sign-off"
    # Retention and sickness metrics (issue 7): aggregates only. A trust's figures for its director and HR;
    # the partnership's (and the trusts side by side) for every director; admins see all and load the
    # published NHS benchmark. Per-person sickness (Bradford) stays VIEW_SICKNESS_DETAIL, HR only.
    VIEW_METRICS = "see retention and sickness figures"
    VIEW_PARTNERSHIP_METRICS = "see the partnership's retention and sickness figures"
    MANAGE_PUBLISHED_BENCHMARKS = "import published NHS sickness figures"
    # A trust's sickness absence target (issue 14): its board's, so its nursing director sets it, and admins
    # for any trust; HR see it on the dashboard but do not set it.
    SET_SICKNESS_TARGET = "set your trust's sickness absence target"
    # Secondments (issue 8). HR of the host trust proposes, HR of the home trust approves, the nurse
    # consents herself; either trust's HR extends, ends or cancels. Seeing a seconded nurse's passport
    # has no standing rule: only a temporary grant (below) gives it, while the secondment is on.
    VIEW_SECONDMENTS = "see your trust's secondments"
    PROPOSE_SECONDMENT = "propose a secondment into your trust"
    DECIDE_SECONDMENT = "approve, extend, end or cancel your trust's secondments"
    CONSENT_TO_SECONDMENT = "consent to or decline your own secondment"
    VIEW_SECONDED_STAFF = "see the passport of a nurse seconded to your trust"
    # Background jobs (issue 12): whoever started one follows it; so do HR of its trust and admins.
    FOLLOW_JOBS = "follow your trust's background jobs"
    # A person's data (issue 17): HR of her trust record and answer requests made by letter or email.
    HANDLE_SUBJECT_ACCESS = "record and answer subject access requests for your trust's staff"
    # Corrections (issue 17): anyone with a staff record asks about her own; HR of the record's trust decide.
    ASK_FOR_CORRECTION = "ask for your own records to be corrected"
    DECIDE_CORRECTIONS = "accept or decline corrections to your trust's staff records"
    # Retention (issue 17): HR hold their trust's staff records (an ongoing case); admins see the schedule.
    PLACE_LEGAL_HOLD = "place and release legal holds on your trust's staff records"
    VIEW_RETENTION = "see the record retention schedule and what it would let go of"


@dataclass(frozen=True)
class Rule:
    roles: frozenset[Role]
    scope: Scope


def _rule(scope: Scope, *roles: Role) -> Rule:
    return Rule(frozenset(roles), scope)


RULES: dict[Action, list[Rule]] = {
    Action.VIEW_AUDIT_LOG: [_rule(Scope.PARTNERSHIP, Role.ADMIN), _rule(Scope.OWN_TRUST, Role.HR)],
    Action.MANAGE_TRUSTS: [_rule(Scope.PARTNERSHIP, Role.ADMIN)],
    Action.MANAGE_USERS: [_rule(Scope.PARTNERSHIP, Role.ADMIN)],
    Action.VIEW_USERS: [_rule(Scope.PARTNERSHIP, Role.ADMIN)],
    Action.VIEW_STAFF: [_rule(Scope.PARTNERSHIP, Role.ADMIN), _rule(Scope.OWN_TRUST, Role.HR)],
    Action.MANAGE_STAFF: [_rule(Scope.OWN_TRUST, Role.HR), _rule(Scope.PARTNERSHIP, Role.ADMIN)],
    Action.MANAGE_OWN_TOKENS: [_rule(Scope.SELF, *Role)],
    Action.ISSUE_CREDENTIALS: [_rule(Scope.OWN_TRUST, Role.HR)],
    Action.CHANGE_CREDENTIAL_STATUS: [_rule(Scope.OWN_TRUST, Role.HR)],
    Action.VIEW_ISSUED_CREDENTIALS: [_rule(Scope.OWN_TRUST, Role.HR)],
    Action.HOLD_PASSPORT: [_rule(Scope.SELF, Role.NURSE, Role.ASSESSOR)],
    Action.RECORD_SHARE_VERIFIED: [_rule(Scope.OWN_TRUST, Role.HR)],
    Action.VIEW_WORKFORCE: [_rule(Scope.OWN_TRUST, Role.HR), _rule(Scope.PARTNERSHIP, Role.ADMIN)],
    Action.RECORD_WORKFORCE: [_rule(Scope.OWN_TRUST, Role.HR), _rule(Scope.PARTNERSHIP, Role.ADMIN)],
    Action.IMPORT_WORKFORCE: [_rule(Scope.OWN_TRUST, Role.HR), _rule(Scope.PARTNERSHIP, Role.ADMIN)],
    Action.VIEW_SICKNESS_DETAIL: [_rule(Scope.OWN_TRUST, Role.HR)],
    Action.VIEW_JOBS: [_rule(Scope.PARTNERSHIP, *Role)],
    Action.WRITE_JOBS: [_rule(Scope.PARTNERSHIP, Role.ADMIN)],
    Action.APPROVE_JOBS: [_rule(Scope.OWN_TRUST, Role.HR)],
    Action.RUN_FIT_CHECKS: [_rule(Scope.OWN_TRUST, Role.HR)],
    Action.BROWSE_FRAMEWORKS: [_rule(Scope.PARTNERSHIP, *Role)],
    Action.MANAGE_SHARED_FRAMEWORKS: [_rule(Scope.PARTNERSHIP, Role.ADMIN)],
    Action.MANAGE_TRUST_FRAMEWORKS: [_rule(Scope.OWN_TRUST, Role.HR), _rule(Scope.PARTNERSHIP, Role.ADMIN)],
    Action.MANAGE_CROSSWALKS: [_rule(Scope.OWN_TRUST, Role.HR), _rule(Scope.PARTNERSHIP, Role.ADMIN)],
    Action.MANAGE_REFRESHER_SETTINGS: [_rule(Scope.OWN_TRUST, Role.HR), _rule(Scope.PARTNERSHIP, Role.ADMIN)],
    # Partnership scope: an assessor signs off nurses of any partner trust (rotation, secondment).
    Action.SIGN_OFF_COMPETENCY: [_rule(Scope.PARTNERSHIP, Role.ASSESSOR)],
    Action.VIEW_SIGN_OFFS: [
        _rule(Scope.PARTNERSHIP, Role.ADMIN),
        _rule(Scope.OWN_TRUST, Role.HR, Role.ASSESSOR),
        _rule(Scope.SELF, Role.NURSE),
    ],
    Action.WITHDRAW_SIGN_OFF: [
        _rule(Scope.OWN_TRUST, Role.ASSESSOR, Role.HR),
        _rule(Scope.PARTNERSHIP, Role.ADMIN),
    ],
    Action.VIEW_SECONDMENTS: [_rule(Scope.PARTNERSHIP, Role.ADMIN), _rule(Scope.OWN_TRUST, Role.HR)],
    Action.PROPOSE_SECONDMENT: [_rule(Scope.OWN_TRUST, Role.HR)],
    Action.DECIDE_SECONDMENT: [_rule(Scope.OWN_TRUST, Role.HR)],
    Action.CONSENT_TO_SECONDMENT: [_rule(Scope.SELF, Role.NURSE, Role.ASSESSOR)],
    Action.VIEW_SECONDED_STAFF: [],  # temporary grants only
    Action.VIEW_METRICS: [
        _rule(Scope.OWN_TRUST, Role.DIRECTOR, Role.HR),
        _rule(Scope.PARTNERSHIP, Role.ADMIN),
    ],
    Action.VIEW_PARTNERSHIP_METRICS: [_rule(Scope.PARTNERSHIP, Role.DIRECTOR, Role.ADMIN)],
    Action.MANAGE_PUBLISHED_BENCHMARKS: [_rule(Scope.PARTNERSHIP, Role.ADMIN)],
    Action.SET_SICKNESS_TARGET: [_rule(Scope.OWN_TRUST, Role.DIRECTOR), _rule(Scope.PARTNERSHIP, Role.ADMIN)],
    Action.FOLLOW_JOBS: [_rule(Scope.OWN_TRUST, Role.HR), _rule(Scope.PARTNERSHIP, Role.ADMIN)],
    Action.HANDLE_SUBJECT_ACCESS: [_rule(Scope.OWN_TRUST, Role.HR)],
    Action.ASK_FOR_CORRECTION: [_rule(Scope.SELF, *Role)],
    Action.DECIDE_CORRECTIONS: [_rule(Scope.OWN_TRUST, Role.HR)],
    Action.PLACE_LEGAL_HOLD: [_rule(Scope.OWN_TRUST, Role.HR)],
    Action.VIEW_RETENTION: [_rule(Scope.PARTNERSHIP, Role.ADMIN)],
}


def _rules_for(user: UserAccount | None, action: Action) -> list[Rule]:
    if user is None or not getattr(user, "is_authenticated", False) or not user.active:
        return []
    return [rule for rule in RULES[action] if rule.roles & user.roles]


def allows(user: UserAccount | None, action: Action, trust_id: int | None = None) -> bool:
    """May ``user`` take ``action`` on a record owned by ``trust_id`` (None: no particular trust)?"""
    for rule in _rules_for(user, action):
        if rule.scope in (Scope.PARTNERSHIP, Scope.SELF):
            return True
        if (
            rule.scope is Scope.OWN_TRUST
            and user is not None
            and user.trust_id is not None
            and (trust_id is None or trust_id == user.trust_id)
        ):
            return True
    return False


def ensure(user: UserAccount | None, action: Action, trust_id: int | None = None) -> None:
    if not allows(user, action, trust_id):
        raise AccessDenied(f"You do not have permission to {action.value} here.")


def allows_job(user: UserAccount | None, trust_id: int | None, started_by_id: int | None) -> bool:
    """May ``user`` follow a background job of ``trust_id`` (None: partnership-wide) that
    ``started_by_id`` started? Its starter may; HR of its trust and admins may."""
    if not _signed_in_and_active(user):
        return False
    assert user is not None
    if started_by_id is not None and started_by_id == user.id:
        return True
    rules = _rules_for(user, Action.FOLLOW_JOBS)
    if any(rule.scope is Scope.PARTNERSHIP for rule in rules):
        return True
    return trust_id is not None and allows(user, Action.FOLLOW_JOBS, trust_id)


def filter_jobs(user: UserAccount | None, stmt: Select, trust_column, started_by_column) -> Select:  # type: ignore[no-untyped-def]
    """Narrow a query of jobs to those ``user`` may follow (the same rule as ``allows_job``)."""
    if not _signed_in_and_active(user):
        return stmt.where(false())
    assert user is not None
    rules = _rules_for(user, Action.FOLLOW_JOBS)
    if any(rule.scope is Scope.PARTNERSHIP for rule in rules):
        return stmt
    if user.trust_id is not None and any(rule.scope is Scope.OWN_TRUST for rule in rules):
        return stmt.where(or_(started_by_column == user.id, trust_column == user.trust_id))
    return stmt.where(started_by_column == user.id)


def filter_by_scope(
    user: UserAccount | None, action: Action, stmt: Select, trust_column: InstrumentedAttribute
) -> Select:
    """Narrow a query to the records ``user`` may reach for ``action``: all, her trust's, or none."""
    rules = _rules_for(user, action)
    if any(rule.scope is Scope.PARTNERSHIP for rule in rules):
        return stmt
    if (
        user is not None
        and user.trust_id is not None
        and any(rule.scope is Scope.OWN_TRUST for rule in rules)
    ):
        return stmt.where(trust_column == user.trust_id)
    return stmt.where(false())


# --- Temporary access --------------------------------------------------------------------------------
# A feature may grant a user an action on ONE person's records for a while (HR of the host trust while
# the nurse is seconded there). A feature registers a provider; the policy asks providers only about the
# actions in TEMPORARILY_GRANTABLE, so no provider can open anything else (never sickness reasons).
TemporaryAccessProvider = Callable[[Session, UserAccount, Action, int], bool]
TEMPORARY_ACCESS_PROVIDERS: list[TemporaryAccessProvider] = []
TEMPORARILY_GRANTABLE = frozenset({Action.VIEW_SECONDED_STAFF, Action.ISSUE_CREDENTIALS})


def register_temporary_access(provider: TemporaryAccessProvider) -> None:
    if provider not in TEMPORARY_ACCESS_PROVIDERS:
        TEMPORARY_ACCESS_PROVIDERS.append(provider)


def allows_for_person(
    session: Session, user: UserAccount | None, action: Action, staff_member_id: int, trust_id: int
) -> bool:
    """May ``user`` take ``action`` on the records of the person ``staff_member_id`` (held by
    ``trust_id``)? The standing rules first, then any temporary grant for that one person."""
    if allows(user, action, trust_id):
        return True
    if action not in TEMPORARILY_GRANTABLE or not _signed_in_and_active(user):
        return False
    return any(provider(session, user, action, staff_member_id) for provider in TEMPORARY_ACCESS_PROVIDERS)


def _signed_in_and_active(user: UserAccount | None) -> bool:
    return user is not None and getattr(user, "is_authenticated", False) and bool(user.active)


def own_trust_record(
    session: Session, user: UserAccount, model: type[Record], record_id: Any, action: Action, missing: str
) -> Record:
    """A record of ``user``'s own trust that ``action`` concerns; another trust's, or none, answers 404 with
    ``missing`` (as if there were none: a number tells nothing of another trust)."""
    ensure(user, action, user.trust_id)
    found = session.get(model, record_id)
    if found is None or getattr(found, "trust_id", None) != user.trust_id:
        raise NotFound(missing)
    return found


def ensure_for_person(
    session: Session, user: UserAccount | None, action: Action, staff_member_id: int, trust_id: int
) -> None:
    if not allows_for_person(session, user, action, staff_member_id, trust_id):
        raise AccessDenied(f"You do not have permission to {action.value} here.")


def requires(action: Action):  # type: ignore[no-untyped-def]
    """Decorator: refuse at once anyone who may take ``action`` for no trust at all (``allows`` with no
    particular trust, so a view needs no ``ensure`` of its own for that).

    It runs before the request body is parsed, so a forbidden caller learns nothing from validation.
    Views still call ``ensure`` with the record's trust where the trust matters.
    """

    def decorate(view):  # type: ignore[no-untyped-def]
        @functools.wraps(view)
        def wrapper(*args, **kwargs):  # type: ignore[no-untyped-def]
            from flask_login import current_user

            user = current_user._get_current_object() if current_user.is_authenticated else None
            if not allows(user, action):
                raise AccessDenied(f"You do not have permission to {action.value}.")
            return view(*args, **kwargs)

        return wrapper

    return decorate
