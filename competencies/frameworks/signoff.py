"""Assessor sign-off: an assessor's judgement of a nurse against one item of a published framework
version. A competent outcome becomes a competency credential signed by the assessor's trust, valid until
the review date; withdrawing the sign-off revokes that credential."""

from __future__ import annotations

import uuid
from datetime import date
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import false, or_, select
from sqlalchemy.orm import Session

from competencies.frameworks.models import (
    FrameworkItem,
    FrameworkVersion,
    ProficiencyLevel,
    ProficiencyScale,
    SignOff,
    SignOffMethod,
    SignOffOutcome,
)
from passport.audit.operations import record_event
from passport.auth.models import Role, UserAccount
from passport.auth.policy import Action, ensure
from passport.db import new_uuid, utcnow
from passport.errors import AccessDenied, Conflict, InvalidInput, NotFound
from passport.trusts.models import StaffMember, Trust
from passport.trusts.operations import normalise_nmc_pin

UK = ZoneInfo("Europe/London")
MAX_EVIDENCE = 2000
MAX_REVIEW_YEARS = 5


def find_nurse(session: Session, key: str, *, partnership_id: int) -> StaffMember:
    """A staff member of the partnership by NMC PIN or email; anyone else is refused by name."""
    text = (key or "").strip()
    if not text:
        raise InvalidInput("Enter the nurse's NMC PIN or email address.", field="nurse")
    member = None
    if "@" in text:
        member = session.scalar(select(StaffMember).where(StaffMember.email == text.lower()))
    else:
        try:
            pin = normalise_nmc_pin(text)
        except InvalidInput:
            pin = None  # not a PIN either: reported below as nobody found, naming what was typed
        if pin is not None:
            member = session.scalar(select(StaffMember).where(StaffMember.nmc_pin == pin))
    if member is None or member.trust.partnership_id != partnership_id:
        raise NotFound(
            f"No nurse with {text!r} works for a trust of the partnership; only staff of partner trusts "
            "can be signed off.",
            field="nurse",
        )
    return member


def _today_uk() -> date:
    return utcnow().astimezone(UK).date()


def _levels_held(session: Session, scale: ProficiencyScale | None) -> list[ProficiencyLevel]:
    """The scale's levels, lowest first, read under a share lock on the scale's row (PostgreSQL): a level
    being recoded, relabelled or removed at this moment (``proficiency`` locks the row to change it) is
    either changed before they are read or waits until this sign-off is recorded."""
    if scale is None:
        return []
    session.execute(
        select(ProficiencyScale.id).where(ProficiencyScale.id == scale.id).with_for_update(read=True)
    )
    return list(
        session.scalars(
            select(ProficiencyLevel)
            .where(ProficiencyLevel.scale_id == scale.id)
            .order_by(ProficiencyLevel.position)
            .execution_options(populate_existing=True)
        )
    )


def record_sign_off(
    session: Session,
    *,
    assessor: UserAccount,
    nurse: StaffMember,
    item: FrameworkItem,
    proficiency_level: str,
    method: str,
    outcome: str,
    evidence: str | None,
    assessed_on: date,
    review_on: date,
    public_url: str | None = None,
) -> SignOff:
    """Record a sign-off; a competent outcome issues the competency credential at once."""
    ensure(assessor, Action.SIGN_OFF_COMPETENCY)
    if Role.ASSESSOR not in assessor.roles or assessor.trust is None:
        raise AccessDenied("Only assessors of a partner trust can sign off competencies.")
    assessor_trust: Trust = assessor.trust
    if nurse.trust.partnership_id != assessor_trust.partnership_id:
        raise NotFound(
            f"{nurse.full_name} does not work for a trust of your partnership; only staff of partner trusts "
            "can be signed off.",
            field="nurse",
        )
    if assessor.staff_member_id == nurse.id or assessor.email.lower() == nurse.email.lower():
        raise Conflict("Assessors cannot sign themselves off; ask another assessor.", field="nurse")
    version: FrameworkVersion = item.version
    if not version.is_published:
        raise Conflict(
            "Sign-offs are made against published versions only; this item is in a draft.", field="item"
        )
    levels = {level.code: level for level in _levels_held(session, version.framework.scale)}
    if proficiency_level not in levels:
        raise InvalidInput(
            f"Choose a proficiency level of this framework: {', '.join(levels)}.", field="proficiency_level"
        )
    if method not in {m.value for m in SignOffMethod}:
        raise InvalidInput("Choose observation, simulation, questioning or testimony.", field="method")
    if outcome not in {o.value for o in SignOffOutcome}:
        raise InvalidInput("Choose competent, working towards or not yet competent.", field="outcome")
    if assessed_on > _today_uk():
        raise InvalidInput("The assessment date cannot be in the future.", field="assessed_on")
    if review_on <= assessed_on:
        raise InvalidInput("The review date must be after the assessment date.", field="review_on")
    if review_on.year - assessed_on.year > MAX_REVIEW_YEARS:
        raise InvalidInput(f"The review date must be within {MAX_REVIEW_YEARS} years.", field="review_on")
    evidence_text = (evidence or "").strip() or None
    if evidence_text and len(evidence_text) > MAX_EVIDENCE:
        raise InvalidInput(f"Evidence must be {MAX_EVIDENCE} characters or fewer.", field="evidence")
    sign_off = SignOff(
        identifier=new_uuid(),
        assessor_id=assessor.id,
        assessor_trust_id=assessor_trust.id,
        staff_member_id=nurse.id,
        item_id=item.id,
        version_id=version.id,
        proficiency_level=proficiency_level,
        method=method,
        outcome=outcome,
        evidence=evidence_text,
        assessed_on=assessed_on,
        review_on=review_on,
    )
    session.add(sign_off)
    session.flush()
    if outcome == SignOffOutcome.COMPETENT.value:
        credential = _issue_competency_credential(
            session, sign_off, levels[proficiency_level].label, assessor, public_url
        )
        sign_off.credential_uri = credential.credential_uri
    record_event(
        session,
        actor=assessor,
        action="framework.signed_off",
        record_type="competency_sign_off",
        record_id=sign_off.id,
        trust_id=assessor_trust.id,
        details={
            "nurse": nurse.id,
            "item": item.identifier,
            "version": version.document_identifier,
            "outcome": outcome,
            "credential": sign_off.credential_uri,
        },
    )
    return sign_off


def _http_uri(value: str | None) -> str | None:
    return value if value and value.startswith(("http://", "https://")) else None


def competency_subject(sign_off: SignOff, level_label: str, public_url: str | None) -> dict[str, Any]:
    """The competency credential's subject: aligned to the item's CASE URI and the framework version."""
    from competencies.frameworks.case_export import case_base_uri

    item, version = sign_off.item, sign_off.version
    try:
        uuid.UUID(item.identifier)
    except ValueError:
        raise Conflict(
            f"Item {item.identifier!r} has no UUID identifier, so no credential can name it.", field="item"
        ) from None
    base = case_base_uri(public_url or "http://localhost")
    return {
        "framework_title": f"{version.title} (version {version.version_label})"[:300],
        "framework_uri": _http_uri(version.document_uri)
        or f"{base}/CFDocuments/{version.document_identifier}",
        "item_identifier": item.identifier,
        "item_uri": _http_uri(item.uri) or f"{base}/CFItems/{item.identifier}",
        "statement": item.full_statement[:2000],
        "human_coding_scheme": (item.human_coding_scheme or None) and item.human_coding_scheme[:100],
        "proficiency": level_label,
        "assessed_on": sign_off.assessed_on.isoformat(),
        "assessor_name": sign_off.assessor.display_name[:200],
        "review_due": sign_off.review_on.isoformat(),
    }


def _issue_competency_credential(
    session: Session, sign_off: SignOff, level_label: str, assessor: UserAccount, public_url: str | None
) -> Any:
    from passport.credentials.operations import issue_credential
    from passport.credentials.types import end_of_uk_day

    return issue_credential(
        session,
        issuer_trust=sign_off.assessor_trust,
        subject=sign_off.staff_member,
        credential_type="competency",
        subject_data=competency_subject(sign_off, level_label, public_url),
        valid_until=end_of_uk_day(sign_off.review_on),
        actor=assessor,
    )


def get_sign_off(session: Session, identifier: str) -> SignOff:
    sign_off = session.scalar(select(SignOff).where(SignOff.identifier == identifier))
    if sign_off is None:
        raise NotFound(f"There is no sign-off {identifier!r}.")
    return sign_off


def withdraw_sign_off(
    session: Session, sign_off: SignOff, *, actor: UserAccount, reason: str | None
) -> SignOff:
    """Withdraw a sign-off (assessors and HR of the assessor's trust, admins); revokes its credential."""
    ensure(actor, Action.WITHDRAW_SIGN_OFF, sign_off.assessor_trust_id)
    if sign_off.withdrawn_at is not None:
        raise Conflict("This sign-off is already withdrawn.", field="sign_off")
    text = (reason or "").strip() or None
    if text and len(text) > 500:
        raise InvalidInput("The reason must be 500 characters or fewer.", field="reason")
    sign_off.withdrawn_at = utcnow()
    sign_off.withdrawn_by_id = actor.id
    sign_off.withdrawal_reason = text
    if sign_off.credential_uri:
        from passport.credentials.models import CredentialState, IssuedCredential
        from passport.credentials.operations import revoke_credential

        credential = session.scalar(
            select(IssuedCredential).where(IssuedCredential.credential_uri == sign_off.credential_uri)
        )
        if credential is not None and credential.state is not CredentialState.REVOKED:
            revoke_credential(
                session, credential, actor=actor, reason=text or "Competency sign-off withdrawn"
            )
    session.flush()
    record_event(
        session,
        actor=actor,
        action="framework.sign_off_withdrawn",
        record_type="competency_sign_off",
        record_id=sign_off.id,
        trust_id=sign_off.assessor_trust_id,
        details={"credential": sign_off.credential_uri, "reason": text},
    )
    return sign_off


def _visibility(user: UserAccount) -> Any:
    """Which sign-offs ``user`` may see, as a SQL condition, following ``Action.VIEW_SIGN_OFFS``:
    admins all; HR and assessors those of their trust's nurses or assessors; a nurse her own."""
    roles = user.roles
    if Role.ADMIN in roles:
        return None
    conditions = []
    if user.trust_id is not None and roles & {Role.HR, Role.ASSESSOR}:
        conditions.append(SignOff.assessor_trust_id == user.trust_id)
        conditions.append(
            SignOff.staff_member_id.in_(select(StaffMember.id).where(StaffMember.trust_id == user.trust_id))
        )
    if user.staff_member_id is not None and Role.NURSE in roles:
        conditions.append(SignOff.staff_member_id == user.staff_member_id)
    return or_(*conditions) if conditions else false()


def sign_offs_visible_to(session: Session, user: UserAccount, limit: int = 500) -> list[SignOff]:
    ensure(user, Action.VIEW_SIGN_OFFS)
    stmt = select(SignOff).order_by(SignOff.created_at.desc(), SignOff.id.desc()).limit(limit)
    condition = _visibility(user)
    if condition is not None:
        stmt = stmt.where(condition)
    return list(session.scalars(stmt))


def can_see(session: Session, user: UserAccount, sign_off: SignOff) -> bool:
    condition = _visibility(user)
    if condition is None:
        return True
    return session.scalar(select(SignOff.id).where(SignOff.id == sign_off.id, condition)) is not None
