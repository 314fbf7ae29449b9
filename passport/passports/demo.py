"""Demo passports for ``seed-demo``: signing keys for every demo trust and credentials for the nurses.

``nurse@rpg.example`` gets a full passport with credentials from all three trusts (her earlier job at
RV5, a secondment at RQY), one training credential expiring within weeks and one revoked credential.
Dates are relative to the day the demo is loaded, so the demo always looks the same.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from passport.credentials.keys import ensure_signing_key
from passport.credentials.models import IssuedCredential
from passport.credentials.operations import change_status, issue_credential
from passport.demo import DEMO_TRUSTS, DemoReport
from passport.trusts.models import StaffMember
from passport.trusts.operations import find_trust

ACTOR = "seed-demo"


def _ago(today: date, days: int) -> str:
    return (today - timedelta(days=days)).isoformat()


def _ahead(today: date, days: int) -> str:
    return (today + timedelta(days=days)).isoformat()


def _issue(
    session: Session, ods: str, member: StaffMember, kind: str, data: dict[str, Any]
) -> IssuedCredential:
    trust = find_trust(session, ods)
    assert trust is not None
    return issue_credential(
        session, issuer_trust=trust, subject=member, credential_type=kind, subject_data=data, actor=ACTOR
    )


def _full_passport(session: Session, member: StaffMember, today: date) -> int:
    """The main demo nurse: RPG now, RV5 before, a secondment at RQY."""
    issued = [
        _issue(
            session,
            "RPG",
            member,
            "staff-identity",
            {"identity_document": "passport", "checked_on": _ago(today, 400)},
        ),
        _issue(
            session,
            "RPG",
            member,
            "right-to-work",
            {
                "permission": "unrestricted",
                "check_method": "online_share_code",
                "checked_on": _ago(today, 400),
            },
        ),
        _issue(
            session,
            "RPG",
            member,
            "dbs-check",
            {
                "level": "enhanced_with_barred_lists",
                "workforce": "adult",
                "certificate_date": _ago(today, 410),
                "update_service": True,
            },
        ),
        _issue(
            session,
            "RPG",
            member,
            "occupational-health",
            {
                "fitness_outcome": "fit",
                "exposure_prone_procedures": "not_assessed",
                "immunisations": [
                    {"disease": "hepatitis_b", "status": "immune"},
                    {"disease": "mmr", "status": "immune"},
                    {"disease": "varicella", "status": "immune"},
                ],
                "assessed_on": _ago(today, 395),
            },
        ),
        _issue(
            session,
            "RPG",
            member,
            "employment",
            {
                "job_title": "Staff Nurse (Mental Health)",
                "afc_band": "5",
                "staff_group": "NMR",
                "start_date": _ago(today, 390),
            },
        ),
        _issue(
            session,
            "RV5",
            member,
            "employment",
            {
                "job_title": "Healthcare Support Worker",
                "afc_band": "3",
                "staff_group": "ACS",
                "start_date": _ago(today, 1500),
                "end_date": _ago(today, 391),
            },
        ),
        # Expires within a few weeks: the passport page warns about it.
        _issue(
            session,
            "RPG",
            member,
            "mandatory-training",
            {"subject_code": "CSTF-RESUS", "level": 2, "completed_on": _ago(today, 345)},
        ),
        _issue(
            session,
            "RPG",
            member,
            "mandatory-training",
            {"subject_code": "CSTF-IGDS", "level": 1, "completed_on": _ago(today, 60)},
        ),
        _issue(
            session,
            "RPG",
            member,
            "mandatory-training",
            {"subject_code": "CSTF-FIRE", "level": 1, "completed_on": _ago(today, 120)},
        ),
        _issue(
            session,
            "RV5",
            member,
            "mandatory-training",
            {"subject_code": "CSTF-SGA", "level": 2, "completed_on": _ago(today, 500)},
        ),
        _issue(
            session,
            "RV5",
            member,
            "mandatory-training",
            {"subject_code": "CSTF-SGC", "level": 2, "completed_on": _ago(today, 500)},
        ),
        _issue(
            session,
            "RQY",
            member,
            "mandatory-training",
            {"subject_code": "CSTF-IPC", "level": 2, "completed_on": _ago(today, 90)},
        ),
    ]
    if member.nmc_pin:
        issued.append(
            _issue(
                session,
                "RPG",
                member,
                "professional-registration",
                {"pin": member.nmc_pin, "register_part": "RNMH", "expires_on": _ahead(today, 300)},
            )
        )
    # Issued in error by RV5 (the course was never completed), then revoked.
    mistaken = _issue(
        session,
        "RV5",
        member,
        "mandatory-training",
        {"subject_code": "CSTF-MH", "level": 2, "completed_on": _ago(today, 450)},
    )
    change_status(
        session, mistaken, "revoke", actor=ACTOR, reason="Issued in error: the course was not completed."
    )
    return len(issued) + 1


def _starter_passport(session: Session, ods: str, member: StaffMember, today: date) -> int:
    issued = [
        _issue(
            session,
            ods,
            member,
            "staff-identity",
            {"identity_document": "driving_licence", "checked_on": _ago(today, 200)},
        ),
        _issue(
            session,
            ods,
            member,
            "mandatory-training",
            {"subject_code": "CSTF-FIRE", "level": 1, "completed_on": _ago(today, 30)},
        ),
    ]
    if member.nmc_pin:
        issued.append(
            _issue(
                session,
                ods,
                member,
                "professional-registration",
                {"pin": member.nmc_pin, "register_part": "RNA", "expires_on": _ahead(today, 200)},
            )
        )
    return len(issued)


def seed_passports(session: Session, report: DemoReport) -> None:
    for ods, _name in DEMO_TRUSTS:
        trust = find_trust(session, ods)
        if trust is not None:
            ensure_signing_key(session, trust, actor=ACTOR)
    today = date.today()
    added = 0
    for ods, _name in DEMO_TRUSTS:
        member = session.scalar(
            select(StaffMember).where(StaffMember.email == f"nurse@{ods.lower()}.example")
        )
        if member is None:
            continue
        has_any = session.scalar(
            select(func.count())
            .select_from(IssuedCredential)
            .where(IssuedCredential.staff_member_id == member.id)
        )
        if has_any:
            continue
        added += (
            _full_passport(session, member, today)
            if ods == "RPG"
            else _starter_passport(session, ods, member, today)
        )
    if added:
        report.notes.append(f"Passports: {added} signed credentials issued to the demo nurses.")
