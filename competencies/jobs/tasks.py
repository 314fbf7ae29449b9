"""Job descriptions' background work (passport.background.registry): keeping credentials' claims.

The "who is ready" list is a page view and writes nothing; it reads claims kept in
``job_credential_fact`` and, for a credential issued since, the signed JSON. This periodic work keeps
the new claims, so the list seldom needs to read a document.
"""

from __future__ import annotations

from sqlalchemy.orm import Session

from competencies.jobs.facts import record_new_facts
from passport.background.registry import periodic


@periodic("keep-credential-claims", every_minutes=10)
def keep_credential_claims(session: Session) -> str | None:
    kept = record_new_facts(session)
    return f"kept the claims of {kept} new credentials" if kept else None
