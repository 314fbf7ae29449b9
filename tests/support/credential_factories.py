"""Signed credentials and shares for tests: really signed, by the real issuance code, in the test's
transaction (a factory_boy row could not carry a valid proof)."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from passport.auth.models import Role, UserAccount
from passport.credentials.models import IssuedCredential
from passport.credentials.operations import issue_credential
from passport.passports.models import Share
from passport.passports.operations import create_share
from passport.trusts.models import StaffMember, Trust
from tests.support.factories import StaffMemberFactory, UserFactory

TODAY = date.today()

SAMPLE_SUBJECTS: dict[str, dict[str, Any]] = {
    "staff-identity": {"identity_document": "passport", "checked_on": "2026-01-05"},
    "right-to-work": {
        "permission": "time_limited",
        "check_method": "online_share_code",
        "checked_on": "2026-01-05",
        "expires_on": (TODAY + timedelta(days=400)).isoformat(),
    },
    "dbs-check": {
        "level": "enhanced_with_barred_lists",
        "workforce": "adult_and_child",
        "certificate_date": "2025-12-01",
        "update_service": True,
    },
    "occupational-health": {
        "fitness_outcome": "fit_with_adjustments",
        "exposure_prone_procedures": "cleared",
        "immunisations": [{"disease": "hepatitis_b", "status": "immune"}],
        "assessed_on": "2026-01-10",
    },
    "professional-registration": {
        "pin": "12A3456E",
        "register_part": "RNMH",
        "expires_on": (TODAY + timedelta(days=300)).isoformat(),
    },
    "employment": {
        "job_title": "Staff Nurse",
        "afc_band": "5",
        "staff_group": "NMR",
        "start_date": "2024-04-01",
    },
    "mandatory-training": {
        "subject_code": "CSTF-FIRE",
        "level": 1,
        "completed_on": (TODAY - timedelta(days=30)).isoformat(),
    },
    "competency": {
        "framework_title": "Mental health nursing competencies",
        "framework_uri": "https://passport.example/ims/case/v1p1/CFDocuments/9b0c6a54-1f4c-4f43-9d4c-2e3b9a0f5e11",
        "item_identifier": "2f1b5a8e-3c4d-4e5f-8a9b-0c1d2e3f4a5b",
        "statement": "Carries out a risk assessment with a person in crisis.",
        "human_coding_scheme": "MHN-2.3",
        "assessed_on": "2026-02-01",
        "assessor_name": "Sam Assessor",
    },
}


def staff(trust: Trust, **kwargs: Any) -> StaffMember:
    kwargs.setdefault("nmc_pin", None)
    return StaffMemberFactory(trust=trust, **kwargs)


def issue(
    trust: Trust,
    member: StaffMember | None = None,
    kind: str = "mandatory-training",
    data: dict[str, Any] | None = None,
    **kwargs: Any,
) -> IssuedCredential:
    """A credential signed by ``trust`` (its key is made on first use), in the test's transaction."""
    session = StaffMemberFactory._meta.sqlalchemy_session
    credential = issue_credential(
        session,
        issuer_trust=trust,
        subject=member or staff(trust),
        credential_type=kind,
        subject_data=data if data is not None else SAMPLE_SUBJECTS[kind],
        actor=kwargs.pop("actor", "test"),
        **kwargs,
    )
    session.flush()  # its audit event too, before any request of the test writes its own
    return credential


def nurse_with_passport(trust: Trust, **kwargs: Any) -> tuple[UserAccount, StaffMember]:
    """A nurse account linked to her staff record (what the passport pages need)."""
    member = staff(trust)
    user = UserFactory(role=Role.NURSE, trust=trust, staff_member=member, **kwargs)
    return user, member


def share_of(
    member: StaffMember, credentials: list[IssuedCredential], receiving: Trust | None = None, hours: int = 72
) -> tuple[Share, str]:
    session = StaffMemberFactory._meta.sqlalchemy_session
    return create_share(
        session,
        member=member,
        credential_ids=[c.id for c in credentials],
        hours=hours,
        receiving_trust=receiving,
        actor="test",
    )
