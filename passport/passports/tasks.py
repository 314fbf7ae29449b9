"""Passports jobs: the kinds of background work this feature registers (passport.background.registry)."""

from __future__ import annotations

from sqlalchemy.orm import Session

from passport.background.registry import periodic
from passport.passports.operations import KEEP_EXPIRED_SHARES, remove_expired_shares


# Hourly: an expired link already stops working by the clock (see ``remove_expired_shares``); this
# only clears away what is kept after, so an hour either way is of no consequence.
@periodic("expire-shares", every_minutes=60)
def expire_shares(session: Session) -> str | None:
    removed = remove_expired_shares(session)
    if removed:
        return f"{removed} shares expired over {KEEP_EXPIRED_SHARES.days} days ago removed"
    return None
