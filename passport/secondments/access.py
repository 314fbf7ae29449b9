"""Who is who on a secondment, who may see it, and the temporary access HR of the host trust has to a
seconded nurse's records while the secondment is on (the provider the access policy asks)."""

from __future__ import annotations

from datetime import date

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from passport.auth.models import UserAccount
from passport.auth.policy import Action, allows
from passport.errors import AccessDenied, NotFound
from passport.secondments.models import Secondment
from passport.secondments.state import Party, Snapshot, Status

# --- Who is who ---------------------------------------------------------------------------------------


def parties_of(user: UserAccount | None, secondment: Secondment) -> set[Party]:
    """The parties ``user`` may act as on this secondment."""
    parties: set[Party] = set()
    if user is None or not getattr(user, "is_authenticated", False) or not user.active:
        return parties
    if (
        allows(user, Action.DECIDE_SECONDMENT, secondment.host_trust_id)
        and user.trust_id == secondment.host_trust_id
    ):
        parties.add(Party.HOST)
    if (
        allows(user, Action.DECIDE_SECONDMENT, secondment.home_trust_id)
        and user.trust_id == secondment.home_trust_id
    ):
        parties.add(Party.HOME)
    if allows(user, Action.CONSENT_TO_SECONDMENT) and user.staff_member_id == secondment.staff_member_id:
        parties.add(Party.NURSE)
    return parties


def can_view(user: UserAccount, secondment: Secondment) -> bool:
    return (
        allows(user, Action.VIEW_SECONDMENTS, secondment.home_trust_id)
        or allows(user, Action.VIEW_SECONDMENTS, secondment.host_trust_id)
        or Party.NURSE in parties_of(user, secondment)
    )


def get_secondment(session: Session, user: UserAccount, secondment_id: int) -> Secondment:
    secondment = session.get(Secondment, secondment_id)
    if secondment is None:
        raise NotFound(f"There is no secondment {secondment_id}.")
    if not can_view(user, secondment):
        raise AccessDenied("This secondment is between other trusts and is not yours to see.")
    return secondment


def snapshot_of(secondment: Secondment) -> Snapshot:
    return Snapshot(
        status=Status(secondment.status),
        start_date=secondment.start_date,
        end_date=secondment.end_date,
        home_approved=secondment.home_approved,
        nurse_consented=secondment.nurse_consented,
        pending_end_date=secondment.pending_end_date,
        extension_requested_by=Party(secondment.extension_requested_by)
        if secondment.extension_requested_by
        else None,
        ended_on=secondment.ended_on,
    )


def is_on(secondment: Secondment, today: date) -> bool:
    """She works for the host today: agreed or active (or ending early later) and inside her dates."""
    return (
        secondment.status in (Status.AGREED, Status.ACTIVE, Status.ENDED_EARLY)
        and secondment.start_date <= today <= secondment.last_day
    )


# --- Temporary access for HR of the host trust ----------------------------------------------------------


def host_access(
    session: Session, user: UserAccount, action: Action, staff_member_id: int, today: date | None = None
) -> bool:
    """The policy's temporary-access provider: HR of the host trust, while the secondment is on."""
    if user.trust_id is None or not allows(user, Action.DECIDE_SECONDMENT, user.trust_id):
        return False
    day = today or date.today()
    candidates = session.scalars(
        select(Secondment).where(
            Secondment.staff_member_id == staff_member_id,
            Secondment.host_trust_id == user.trust_id,
            Secondment.status.in_([Status.AGREED.value, Status.ACTIVE.value, Status.ENDED_EARLY.value]),
            Secondment.start_date <= day,
            or_(Secondment.ended_on.is_(None), Secondment.ended_on >= day),
            Secondment.end_date >= day,
        )
    )
    return any(is_on(s, day) for s in candidates)
