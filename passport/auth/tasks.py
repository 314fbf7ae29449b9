"""Accounts jobs: the kinds of background work this feature registers (passport.background.registry)."""

from __future__ import annotations

from sqlalchemy.orm import Session

from passport.auth.operations import FAILURES_FORGOTTEN_AFTER, forget_old_sign_in_failures
from passport.background.registry import periodic


# Hourly: failures older than a day no longer count (authenticate ignores them); this clears away the
# rows left by addresses that never came back, so guessing from many addresses cannot grow the table.
@periodic("forget-sign-in-failures", every_minutes=60)
def forget_sign_in_failures(session: Session) -> str | None:
    removed = forget_old_sign_in_failures(session)
    if removed:
        return f"{removed} sign-in failure counts older than {FAILURES_FORGOTTEN_AFTER.days} day removed"
    return None
