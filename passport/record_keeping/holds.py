"""Legal holds: HR of a person's trust hold her records (an ongoing case) and release them; while a hold
is on, the retention job leaves everything of hers alone (``held_people``). Audited."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from passport.audit.operations import record_event
from passport.auth.policy import Action, ensure
from passport.db import utcnow
from passport.errors import Conflict, InvalidInput, NotFound
from passport.record_keeping.models import LegalHold
from passport.trusts.models import StaffMember

MAX_REASON = 500


def held_member(session: Session, user: Any, staff_id: int) -> StaffMember:
    """The person, if ``user`` is HR of the trust that holds her staff record (else 404 or 403)."""
    member = session.get(StaffMember, staff_id)
    if member is None:
        raise NotFound(f"There is no staff record {staff_id}.")
    ensure(user, Action.PLACE_LEGAL_HOLD, member.trust_id)
    return member


def held_people() -> Any:
    """The people under a hold not yet released (a subquery of staff member ids)."""
    return select(LegalHold.staff_member_id).where(LegalHold.released_at.is_(None))


def active_hold(session: Session, staff_id: int) -> LegalHold | None:
    return session.scalars(
        select(LegalHold).where(LegalHold.staff_member_id == staff_id, LegalHold.released_at.is_(None))
    ).first()


def place_hold(session: Session, user: Any, member: StaffMember, reason: str) -> LegalHold:
    ensure(user, Action.PLACE_LEGAL_HOLD, member.trust_id)
    reason = (reason or "").strip()
    if not reason:
        raise InvalidInput("Enter why the records are held", field="reason")
    if len(reason) > MAX_REASON:
        raise InvalidInput(f"The reason must be {MAX_REASON} characters or fewer", field="reason")
    if active_hold(session, member.id) is not None:
        raise Conflict(
            f"The records of {member.full_name} are already held. Release that hold first if the reason has "
            "changed.",
            field="reason",
        )
    hold = LegalHold(staff_member_id=member.id, trust_id=member.trust_id, reason=reason, placed_by_id=user.id)
    session.add(hold)
    session.flush()
    record_event(
        session, actor=user, action="legal_hold.placed", record_type="staff_member", record_id=member.id,
        trust_id=member.trust_id, details={"hold": hold.id, "reason": reason},
    )  # fmt: skip
    return hold


def release_hold(session: Session, user: Any, member: StaffMember) -> LegalHold:
    ensure(user, Action.PLACE_LEGAL_HOLD, member.trust_id)
    hold = active_hold(session, member.id)
    if hold is None:
        raise Conflict(f"The records of {member.full_name} are not held.")
    hold.released_at, hold.released_by_id = utcnow(), user.id
    session.flush()
    record_event(
        session, actor=user, action="legal_hold.released", record_type="staff_member", record_id=member.id,
        trust_id=member.trust_id, details={"hold": hold.id},
    )  # fmt: skip
    return hold
