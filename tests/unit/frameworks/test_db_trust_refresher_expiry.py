"""Training credentials lapse by the issuing trust's own refresher period, else the CSTF default."""

from __future__ import annotations

from competencies.frameworks.refresher import set_refresher_months
from tests.support.credential_factories import issue


def _expires_on(credential) -> str:  # type: ignore[no-untyped-def]
    return credential.document["credentialSubject"]["mandatoryTraining"]["expiresOn"]


def test_trust_setting_sets_the_expiry(session, demo_trusts):
    own, other = demo_trusts
    set_refresher_months(session, trust_id=own.id, subject_code="CSTF-FIRE", level=1, months=6, actor="test")
    data = {"subject_code": "CSTF-FIRE", "level": 1, "completed_on": "2026-10-31"}
    assert _expires_on(issue(own, data=data)) == "2027-04-30"
    # Another trust keeps the CSTF default for fire safety: two years.
    assert _expires_on(issue(other, data=data)) == "2028-10-31"


def test_an_explicit_expiry_wins(session, demo_trusts):
    own, _ = demo_trusts
    set_refresher_months(session, trust_id=own.id, subject_code="CSTF-FIRE", level=1, months=6, actor="test")
    data = {"subject_code": "CSTF-FIRE", "level": 1, "completed_on": "2026-10-31", "expires_on": "2027-03-01"}
    assert _expires_on(issue(own, data=data)) == "2027-03-01"
