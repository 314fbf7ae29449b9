"""Issuing credentials and changing their status: the rules, as plain functions that never commit.

Other features call ``issue_credential`` and ``revoke_credential`` (the competencies feature issues a
competency credential when an assessor signs one off). Access is the caller's job, through the policy:
only HR of the issuing trust may issue, revoke, suspend or reinstate (``Action.ISSUE_CREDENTIALS``,
``Action.CHANGE_CREDENTIAL_STATUS``).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from marshmallow import ValidationError
from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from passport.audit.operations import record_event
from passport.credentials.issuance import PendingCredential, set_status, sign_and_store
from passport.credentials.models import CredentialState, IssuedCredential
from passport.credentials.types import CREDENTIAL_TYPES, CredentialType, add_months, end_of_uk_day
from passport.db import utcnow
from passport.errors import Conflict, InvalidInput, NotFound
from passport.formatting import uk_date
from passport.trusts.models import StaffMember, Trust

MAX_REASON_LENGTH = 500


def credential_type_named(code: str | CredentialType) -> CredentialType:
    if isinstance(code, CredentialType):
        return code
    found = CREDENTIAL_TYPES.get(code)
    if found is None:
        raise InvalidInput(
            f"{code!r} is not a credential type; use one of {', '.join(CREDENTIAL_TYPES)}.",
            field="credential_type",
        )
    return found


def _prefixed(errors: Any, prefix: str) -> dict[str, Any]:
    if isinstance(errors, dict):
        return {f"{prefix}.{key}": value for key, value in errors.items()}
    return {prefix: errors}


# How long a trust's mandatory training stays valid: (session, trust id, CSTF subject, level) -> months.
# The frameworks feature, which holds each trust's refresher settings, registers itself here; the
# credentials feature cannot import it (frameworks build on credentials, not the other way).
RefresherPeriod = Callable[[str, int], int]
REFRESHER_PERIOD_PROVIDERS: list[Callable[[Session, int, str, int], int]] = []


def refresher_period_for(session: Session, trust: Trust) -> RefresherPeriod | None:
    if not REFRESHER_PERIOD_PROVIDERS:
        return None
    provider = REFRESHER_PERIOD_PROVIDERS[-1]
    known: dict[tuple[str, int], int] = {}  # a bulk upload asks the same few questions many times

    def months(subject_code: str, level: int) -> int:
        if (subject_code, level) not in known:
            known[subject_code, level] = provider(session, trust.id, subject_code, level)
        return known[subject_code, level]

    return months


def prepare_credential(
    *,
    subject: StaffMember,
    credential_type: str | CredentialType,
    subject_data: Mapping[str, Any],
    valid_from: datetime | None = None,
    valid_until: datetime | None = None,
    field_prefix: str = "subject",
    refresher_period: RefresherPeriod | None = None,
) -> PendingCredential:
    """Validate one credential's subject and window; InvalidInput naming the field when it is wrong."""
    kind = credential_type_named(credential_type)
    if not isinstance(subject_data, Mapping):
        raise InvalidInput("The subject must be a JSON object.", field=field_prefix)
    try:
        loaded = kind.load(dict(subject_data))
    except ValidationError as error:
        raise InvalidInput(
            "The credential subject has invalid fields.", errors=_prefixed(error.messages, field_prefix)
        ) from None
    if kind.code == "professional-registration" and subject.nmc_pin and loaded["pin"] != subject.nmc_pin:
        raise InvalidInput(
            f"The PIN does not match the NMC PIN on {subject.full_name}'s staff record.",
            field=f"{field_prefix}.pin",
        )
    if kind.code == "mandatory-training" and not loaded.get("expires_on") and refresher_period is not None:
        # Training lapses by the issuing trust's own refresher period, not only the CSTF default.
        loaded["expires_on"] = add_months(
            loaded["completed_on"], refresher_period(loaded["subject_code"], loaded["level"])
        )
    written = kind.write(loaded)
    start = valid_from or utcnow()
    end = valid_until or (end_of_uk_day(written.lapses_on) if written.lapses_on else None)
    for name, moment in (("valid_from", start), ("valid_until", end)):
        if moment is not None and moment.tzinfo is None:
            raise InvalidInput("Times need a time zone.", field=name)
    if end is not None and end <= start:
        raise InvalidInput("The credential would lapse before it starts.", field="valid_until")
    return PendingCredential(kind, subject, written.claim, written.title, start, end)


def issue_credential(
    session: Session,
    *,
    issuer_trust: Trust,
    subject: StaffMember,
    credential_type: str | CredentialType,
    subject_data: Mapping[str, Any],
    valid_from: datetime | None = None,
    valid_until: datetime | None = None,
    actor: Any,
) -> IssuedCredential:
    """Sign and store one credential of ``issuer_trust`` about ``subject``; audited."""
    pending = prepare_credential(
        subject=subject,
        credential_type=credential_type,
        subject_data=subject_data,
        valid_from=valid_from,
        valid_until=valid_until,
        refresher_period=refresher_period_for(session, issuer_trust),
    )
    (credential_id,) = sign_and_store(
        session, issuer_trust, [pending], issued_by_id=getattr(actor, "id", None)
    )
    credential = session.get_one(IssuedCredential, credential_id)
    record_event(
        session,
        actor=actor,
        action="credential.issued",
        record_type="issued_credential",
        record_id=credential.id,
        trust_id=issuer_trust.id,
        details={
            "type": pending.credential_type.code,
            "staff_member_id": subject.id,
            "id": credential.credential_uri,
        },
    )
    return credential


def issue_many(
    session: Session,
    *,
    issuer_trust: Trust,
    pending: list[PendingCredential],
    actor: Any,
    source: str,
    on_signed: Callable[[int, int], None] | None = None,
    bulk_upload_id: str | None = None,
    details: Mapping[str, Any] | None = None,
) -> list[int]:
    """Sign and store prepared credentials in one batch, with one audit event naming them all; their ids.
    ``bulk_upload_id``: they come from that upload, each from its ``source_line`` (see ``bulk.py``)."""
    ids = sign_and_store(
        session,
        issuer_trust,
        pending,
        issued_by_id=getattr(actor, "id", None),
        on_signed=on_signed,
        bulk_upload_id=bulk_upload_id,
    )
    record_event(
        session,
        actor=actor,
        action="credential.bulk_issued",
        record_type="issued_credential",
        trust_id=issuer_trust.id,
        details={
            "source": source,
            "count": len(ids),
            "ids": ids,
            "upload_id": bulk_upload_id,
            **(details or {}),
        },
    )
    return ids


# --- Status changes -----------------------------------------------------------------------------------

_TRANSITIONS = {
    # action: (states it may start from, state it ends in, list purpose, bit value)
    "revoke": (
        {CredentialState.ACTIVE, CredentialState.SUSPENDED},
        CredentialState.REVOKED,
        "revocation",
        True,
    ),
    "suspend": ({CredentialState.ACTIVE}, CredentialState.SUSPENDED, "suspension", True),
    "reinstate": ({CredentialState.SUSPENDED}, CredentialState.ACTIVE, "suspension", False),
}
_AUDIT_ACTIONS = {
    "revoke": "credential.revoked",
    "suspend": "credential.suspended",
    "reinstate": "credential.reinstated",
}
_WHY_NOT = {
    "revoke": "It is already revoked.",
    "suspend": "Only an active credential can be suspended.",
    "reinstate": "Only a suspended credential can be reinstated; a revoked one stays revoked.",
}


def change_status(
    session: Session, credential: IssuedCredential, action: str, *, actor: Any, reason: str | None = None
) -> IssuedCredential:
    """Revoke, suspend or reinstate: flips the credential's place in its status list, re-signs the list."""
    if action not in _TRANSITIONS:
        raise InvalidInput(f"{action!r} is not revoke, suspend or reinstate.", field="action")
    allowed_from, new_state, purpose, value = _TRANSITIONS[action]
    if credential.state not in allowed_from:
        raise Conflict(f"This credential is {credential.state.value}. {_WHY_NOT[action]}", field="action")
    reason = (reason or "").strip() or None
    if reason and len(reason) > MAX_REASON_LENGTH:
        raise InvalidInput(f"The reason must be at most {MAX_REASON_LENGTH} characters.", field="reason")
    if purpose == "revocation":
        set_status(session, credential.revocation_list, credential.revocation_index, value)
    else:
        set_status(session, credential.suspension_list, credential.suspension_index, value)
    previous = credential.state
    credential.state = new_state
    credential.status_changed_at = utcnow()
    credential.status_changed_by_id = getattr(actor, "id", None)
    credential.status_reason = reason
    session.flush()
    record_event(
        session,
        actor=actor,
        action=_AUDIT_ACTIONS[action],
        record_type="issued_credential",
        record_id=credential.id,
        trust_id=credential.trust_id,
        details={
            "from": previous.value,
            "to": new_state.value,
            "reason": reason,
            "id": credential.credential_uri,
        },
    )
    return credential


def revoke_credential(
    session: Session, credential: IssuedCredential, *, actor: Any, reason: str | None = None
) -> IssuedCredential:
    return change_status(session, credential, "revoke", actor=actor, reason=reason)


# --- Queries ---------------------------------------------------------------------------------------------


def get_credential(session: Session, credential_id: int) -> IssuedCredential:
    credential = session.get(IssuedCredential, credential_id)
    if credential is None:
        raise NotFound(f"There is no credential {credential_id}.")
    return credential


def credentials_of(
    session: Session, member: StaffMember, *, include_revoked: bool = True
) -> list[IssuedCredential]:
    stmt = (
        select(IssuedCredential)
        .where(IssuedCredential.staff_member_id == member.id)
        .options(selectinload(IssuedCredential.trust))
        .order_by(IssuedCredential.issued_at.desc(), IssuedCredential.id.desc())
    )
    if not include_revoked:
        stmt = stmt.where(IssuedCredential.state != CredentialState.REVOKED)
    return list(session.scalars(stmt))


def current_credentials(
    session: Session, member: StaffMember, now: datetime | None = None
) -> list[IssuedCredential]:
    """Her credentials that are neither revoked, suspended nor lapsed: what a passport presents."""
    moment = now or utcnow()
    return [
        c
        for c in credentials_of(session, member, include_revoked=False)
        if c.state is CredentialState.ACTIVE
        and (c.valid_until is None or c.valid_until > moment)
        and c.valid_from <= moment
    ]


def credentials_issued_by(session: Session, trust: Trust, limit: int = 200) -> list[IssuedCredential]:
    return list(
        session.scalars(
            select(IssuedCredential)
            .where(IssuedCredential.trust_id == trust.id)
            .options(selectinload(IssuedCredential.staff_member))
            .order_by(IssuedCredential.issued_at.desc(), IssuedCredential.id.desc())
            .limit(limit)
        )
    )


def find_staff_by_email(session: Session, email: str) -> StaffMember:
    member = session.scalar(select(StaffMember).where(StaffMember.email == email.strip().lower()))
    if member is None:
        raise NotFound(f"There is no staff record for {email.strip()}.", field="email")
    return member


@dataclass(frozen=True, slots=True)
class ExpiryState:
    label: str
    tag: str  # NHS.UK tag colour


def status_of(credential: IssuedCredential, now: datetime | None = None, warn_days: int = 42) -> ExpiryState:
    """How a credential stands for people: revoked, suspended, expired, expiring soon, valid..."""
    moment = now or utcnow()
    if credential.state is CredentialState.REVOKED:
        return ExpiryState("Revoked", "red")
    if credential.state is CredentialState.SUSPENDED:
        return ExpiryState("Suspended", "orange")
    if credential.valid_until is not None and credential.valid_until <= moment:
        return ExpiryState("Expired", "red")
    if credential.valid_from > moment:
        return ExpiryState("Not yet valid", "grey")
    if credential.valid_until is not None and (credential.valid_until - moment).days < warn_days:
        return ExpiryState(f"Expires {uk_date(credential.valid_until)}", "yellow")
    return ExpiryState("Valid", "green")
