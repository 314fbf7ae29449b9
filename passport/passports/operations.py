"""A nurse's passport: her credentials grouped, presentations of them, and time-limited shares.

A share's token is 32 random bytes (base64url) given to the nurse once; only its SHA-256 is stored, so
the database alone cannot open a share. Every opening is recorded, for her to see, and audited.
"""

from __future__ import annotations

import hashlib
import secrets
import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.orm import Session, selectinload

from passport.audit.operations import record_event
from passport.credentials.models import CredentialState, IssuedCredential
from passport.credentials.operations import ExpiryState, credentials_of, current_credentials, status_of
from passport.credentials.status_list import VC_V2_CONTEXT
from passport.credentials.types import CREDENTIAL_TYPES, GROUPS
from passport.db import allow_access_trail, utcnow
from passport.errors import DomainError, InvalidInput, NotFound
from passport.formatting import uk_date_time
from passport.passports.models import OpeningKind, Share, ShareOpening, share_credential
from passport.record_keeping.holds import held_people
from passport.trusts.models import StaffMember, Trust

DEFAULT_SHARE_HOURS = 72
MAX_SHARE_HOURS = 30 * 24
TOKEN_BYTES = 32


class ShareGone(DomainError):
    """The link existed but has expired or was revoked by its owner."""

    status = 410
    title = "Gone"


def staff_member_of(user: Any) -> StaffMember:
    member = getattr(user, "staff_member", None)
    if member is None:
        raise NotFound("Your account is not linked to a staff record, so you have no passport here.")
    return member


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


# --- The passport page ----------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class PassportEntry:
    credential: IssuedCredential
    state: ExpiryState


@dataclass(frozen=True, slots=True)
class PassportGroup:
    key: str
    label: str
    entries: list[PassportEntry]


def passport_groups(
    session: Session, member: StaffMember, now: datetime | None = None
) -> list[PassportGroup]:
    """Her credentials in the page's groups, in a fixed order; empty groups are kept (the page says so)."""
    moment = now or utcnow()
    by_group: dict[str, list[PassportEntry]] = {key: [] for key in GROUPS}
    for credential in credentials_of(session, member):
        kind = CREDENTIAL_TYPES.get(credential.credential_type)
        group = kind.group if kind else "identity_checks"
        by_group[group].append(PassportEntry(credential, status_of(credential, moment)))
    return [PassportGroup(key, GROUPS[key], entries) for key, entries in by_group.items()]


def presentation(credentials: Iterable[IssuedCredential]) -> dict[str, Any]:
    """An unsigned Verifiable Presentation of the credentials, exactly as their issuers signed them.

    Holder binding is by the share link, not by a holder signature (nurses hold no keys).
    """
    return {
        "@context": [VC_V2_CONTEXT],
        "id": f"urn:uuid:{uuid.uuid4()}",
        "type": ["VerifiablePresentation"],
        "verifiableCredential": [credential.document for credential in credentials],
    }


def current_presentation(session: Session, member: StaffMember) -> dict[str, Any]:
    return presentation(current_credentials(session, member))


# --- Shares -------------------------------------------------------------------------------------------


def create_share(
    session: Session,
    *,
    member: StaffMember,
    credential_ids: Iterable[int],
    hours: int = DEFAULT_SHARE_HOURS,
    receiving_trust: Trust | None = None,
    actor: Any,
) -> tuple[Share, str]:
    """A new share of some of her credentials; returns it with the raw token (shown to her once)."""
    wanted = sorted(set(credential_ids))
    if not wanted:
        raise InvalidInput("Choose at least one credential to share.", field="credential_ids")
    if isinstance(hours, bool) or not isinstance(hours, int) or not 1 <= hours <= MAX_SHARE_HOURS:
        raise InvalidInput(
            f"A link lasts from 1 hour to {MAX_SHARE_HOURS // 24} days ({MAX_SHARE_HOURS} hours).",
            field="hours",
        )
    credentials = list(
        session.scalars(
            select(IssuedCredential).where(
                IssuedCredential.id.in_(wanted), IssuedCredential.staff_member_id == member.id
            )
        )
    )
    if len(credentials) != len(wanted):
        raise InvalidInput("You can only share your own credentials.", field="credential_ids")
    if any(c.state is CredentialState.REVOKED for c in credentials):
        raise InvalidInput("A revoked credential cannot be shared.", field="credential_ids")
    token = secrets.token_urlsafe(TOKEN_BYTES)
    now = utcnow()
    share = Share(
        staff_member_id=member.id,
        token_hash=token_hash(token),
        created_at=now,
        expires_at=now + timedelta(hours=hours),
        receiving_trust_id=receiving_trust.id if receiving_trust else None,
        created_by_id=getattr(actor, "id", None),
        credentials=credentials,
    )
    session.add(share)
    session.flush()
    record_event(
        session,
        actor=actor,
        action="passport.shared",
        record_type="passport_share",
        record_id=share.id,
        trust_id=member.trust_id,
        details={
            "credentials": wanted,
            "hours": hours,
            "receiving_trust": receiving_trust.ods_code if receiving_trust else None,
        },
    )
    return share, token


def shares_of(session: Session, member: StaffMember) -> list[Share]:
    return list(
        session.scalars(
            select(Share)
            .where(Share.staff_member_id == member.id)
            .options(
                selectinload(Share.openings),
                selectinload(Share.credentials),
                selectinload(Share.receiving_trust),
            )
            .order_by(Share.created_at.desc(), Share.id.desc())
        )
    )


def own_share(session: Session, member: StaffMember, share_id: int) -> Share:
    share = session.get(Share, share_id)
    if share is None or share.staff_member_id != member.id:
        raise NotFound(f"You have no share {share_id}.")
    return share


def revoke_share(session: Session, member: StaffMember, share_id: int, *, actor: Any) -> Share:
    share = own_share(session, member, share_id)
    if share.revoked_at is None:
        share.revoked_at = utcnow()
        record_event(
            session,
            actor=actor,
            action="passport.share_revoked",
            record_type="passport_share",
            record_id=share.id,
            trust_id=member.trust_id,
        )
    return share


def live_share(session: Session, token: str, now: datetime | None = None) -> Share:
    """The share a link's token opens: NotFound if it never existed, ShareGone if expired or revoked."""
    if not isinstance(token, str) or not 20 <= len(token) <= 100:
        raise NotFound("This link does not exist. Check it was copied in full.")
    share = session.scalar(select(Share).where(Share.token_hash == token_hash(token)))
    if share is None:
        raise NotFound("This link does not exist. Check it was copied in full.")
    if share.revoked_at is not None:
        raise ShareGone("This link was withdrawn by the person who shared it. Ask them for a new one.")
    if (now or utcnow()) >= share.expires_at:
        raise ShareGone(f"This link expired on {uk_date_time(share.expires_at)}. Ask for a new one.")
    return share


def _who(user: Any) -> str:
    if user is None or not getattr(user, "is_authenticated", False):
        return "Someone not signed in"
    trust = getattr(user, "trust", None)
    return f"{user.display_name} ({user.email}{', ' + trust.ods_code if trust else ''})"


def record_opening(
    session: Session, share: Share, kind: OpeningKind, user: Any, *, verified_result: bool | None = None
) -> ShareOpening:
    """Note an opening, download or verification of a share, for its owner and the audit log. The
    access trail: kept even when the request is a GET (opening a link changes no record)."""
    allow_access_trail(session)
    signed_in = user is not None and getattr(user, "is_authenticated", False)
    opening = ShareOpening(
        share_id=share.id,
        kind=kind,
        occurred_at=utcnow(),
        user_id=user.id if signed_in else None,
        who=_who(user)[:300],
        verified_result=verified_result,
    )
    session.add(opening)
    record_event(
        session,
        actor=user if signed_in else "anonymous",
        action=f"passport.share_{kind.value}",
        record_type="passport_share",
        record_id=share.id,
        trust_id=share.staff_member.trust_id,
        details={"verified": verified_result} if verified_result is not None else {},
    )
    return opening


# --- After expiry -------------------------------------------------------------------------------------

# How long a share stays after its link expired: her "who opened it" list for that long, then nothing.
# The link itself needs nothing at expiry: every page that opens it compares ``expires_at`` with the
# clock (``live_share``), so it stops working to the second whether or not any job has run, and a mark
# written later by a job would only be a late copy of that. What is left afterwards is personal data
# with no purpose once she has had time to see it: which of her credentials she showed, to which trust,
# and who looked (UK GDPR storage limitation). The audit log keeps the accountable record of the share,
# each opening and its withdrawal, and never changes; a withdrawn link goes with its expiry too.
KEEP_EXPIRED_SHARES = timedelta(days=90)
# Removed per run at most, so one run stays short; the next run takes the rest.
EXPIRED_SHARES_PER_RUN = 500


def remove_expired_shares(session: Session, now: datetime | None = None) -> int:
    """Remove shares whose link expired more than ``KEEP_EXPIRED_SHARES`` ago, with their openings and
    credential links, each with an audit event; answers how many. Safe to run again at any time. The shares
    of a person under a legal hold are kept until it is released."""
    cutoff = (now or utcnow()) - KEEP_EXPIRED_SHARES
    shares = list(
        session.scalars(
            select(Share)
            .where(Share.expires_at < cutoff)
            # A person under a legal hold keeps her links and who opened them (passport.record_keeping).
            .where(Share.staff_member_id.not_in(held_people()))
            .options(selectinload(Share.openings), selectinload(Share.staff_member))
            .order_by(Share.expires_at, Share.id)
            .limit(EXPIRED_SHARES_PER_RUN)
        )
    )
    for share in shares:
        record_event(
            session,
            actor="system",
            action="passport.share_removed",
            record_type="passport_share",
            record_id=share.id,
            trust_id=share.staff_member.trust_id,
            details={
                "expired_at": share.expires_at.isoformat(),
                "openings": len(share.openings),
                "kept_days": KEEP_EXPIRED_SHARES.days,
            },
        )
    if shares:
        ids = [share.id for share in shares]
        session.execute(delete(ShareOpening).where(ShareOpening.share_id.in_(ids)))
        session.execute(delete(share_credential).where(share_credential.c.share_id.in_(ids)))
        session.execute(delete(Share).where(Share.id.in_(ids)))
    return len(shares)
