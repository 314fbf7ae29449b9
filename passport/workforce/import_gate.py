"""Who may import which rows: an org code is a partnership trust, and HR imports only her own."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from passport.auth.models import UserAccount
from passport.auth.policy import Action, allows
from passport.trusts.models import Trust
from passport.workforce.tables import RowError

Actor = UserAccount | str  # a signed-in user, or an operator's command line ("cli")


class TrustGate:
    """Org code -> trust id for rows the actor may import: partnership trusts, HR only her own."""

    def __init__(self, session: Session, actor: Actor, only_trust_id: int | None) -> None:
        self.by_code = {
            code: trust_id for trust_id, code in session.execute(select(Trust.id, Trust.ods_code))
        }
        self.code_of = {trust_id: code for code, trust_id in self.by_code.items()}
        self.actor = actor
        self.only_trust_id = only_trust_id
        self._allowed: dict[int, bool] = {}
        self.allowed_ids = {trust_id for trust_id in self.code_of if self.allowed(trust_id)}

    def allowed(self, trust_id: int) -> bool:
        known = self._allowed.get(trust_id)
        if known is None:
            known = (self.only_trust_id is None or trust_id == self.only_trust_id) and (
                isinstance(self.actor, str) or allows(self.actor, Action.IMPORT_WORKFORCE, trust_id)
            )
            self._allowed[trust_id] = known
        return known

    def refusal(self, trust_id: int) -> str:
        mine = self.code_of.get(self.only_trust_id or getattr(self.actor, "trust_id", None) or -1)
        only = f"only rows of {mine}" if mine else "no rows of it"
        return f"{self.code_of[trust_id]} is not your trust: you may import {only}"

    def check(self, row_number: int, column: str, org_code: str) -> tuple[int | None, RowError | None]:
        trust_id = self.by_code.get(org_code)
        if trust_id is None:
            return None, RowError(row_number, column, f"{org_code} is not a trust of the partnership")
        if trust_id not in self.allowed_ids:
            return None, RowError(row_number, column, self.refusal(trust_id))
        return trust_id, None
