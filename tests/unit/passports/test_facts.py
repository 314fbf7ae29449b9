"""The facts a shared passport's page shows for each credential, and how a failure is named: pure, from
the credential's JSON and its verification report."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from passport.credentials.verification import CHECK_ORDER, Check, CredentialReport
from passport.passports.facts import facts_of, problem_of


def _document(claim_name: str, claim: dict, **extra) -> dict:  # type: ignore[no-untyped-def,type-arg]
    return {"credentialSubject": {"type": "StaffMember", "name": "Aaron Singh", claim_name: claim}, **extra}


@pytest.mark.parametrize(
    ("claim_name", "claim", "expected"),
    [
        (
            "professionalRegistration",
            {"regulator": "NMC", "pin": "12A3456E", "registerPart": "RNMH", "expiresOn": "2026-12-02"},
            [
                ("NMC PIN", "12A3456E"),
                ("Register part", "Registered nurse (mental health)"),
                ("Registration expires", "2 December 2026"),
            ],
        ),
        (
            "dbsCheck",
            {
                "level": "enhanced",
                "workforce": "adult",
                "certificateDate": "2025-03-09",
                "updateService": False,
            },
            [
                ("Level", "Enhanced"),
                ("Workforce", "Adult"),
                ("Certificate date", "9 March 2025"),
                ("Update service", "Not subscribed"),
            ],
        ),
        (
            "rightToWork",
            {"permission": "unrestricted", "checkMethod": "manual_document", "checkedOn": "2025-01-05"},
            [
                ("Permission", "Unrestricted"),
                ("Expires", "No end date"),
                ("Checked by", "Original documents seen"),
                ("Checked on", "5 January 2025"),
            ],
        ),
        (
            "mandatoryTraining",
            {
                "cstfSubject": "CSTF-FIRE",
                "subjectTitle": "Fire Safety",
                "level": 1,
                "completedOn": "2026-06-01",
                "expiresOn": "2028-06-01",
            },
            [("Completed", "1 June 2026"), ("Expires", "1 June 2028")],
        ),  # fmt: skip
        (
            "competency",
            {
                "framework": "Mental health nursing",
                "statement": "Carries out a risk assessment.",
                "humanCodingScheme": "MHN-2.3",
                "assessedOn": "2026-02-01",
                "assessor": "Sam Assessor",
                "itemIdentifier": "2f1b5a8e-3c4d-4e5f-8a9b-0c1d2e3f4a5b",
            },
            [
                ("Statement", "Carries out a risk assessment."),
                ("Code", "MHN-2.3"),
                ("Framework", "Mental health nursing"),
                ("Assessed", "1 February 2026 by Sam Assessor"),
            ],
        ),  # fmt: skip
        (
            "occupationalHealthClearance",
            {
                "fitnessOutcome": "fit",
                "immunisations": [{"disease": "mmr", "status": "not_immune"}],
                "assessedOn": "2025-10-24",
            },
            [("Outcome", "Fit"), ("Immunisations", "MMR: not immune"), ("Assessed on", "24 October 2025")],
        ),  # fmt: skip
        (
            "employment",
            {
                "jobTitle": "Staff Nurse",
                "afcBand": "5",
                "staffGroupName": "Nursing and Midwifery Registered",
                "startDate": "2024-04-01",
            },
            [
                ("Job", "Staff Nurse, band 5"),
                ("Staff group", "Nursing and Midwifery Registered"),
                ("Started", "1 April 2024"),
            ],
        ),  # fmt: skip
        (
            "identityCheck",
            {"documentType": "driving_licence", "checkedOn": "2025-05-20"},
            [("Document seen", "Driving licence"), ("Checked on", "20 May 2025")],
        ),
    ],
)
def test_each_kind_of_credential_in_words(claim_name, claim, expected):  # type: ignore[no-untyped-def]
    assert facts_of(_document(claim_name, claim)) == expected


def test_unknown_fields_codes_and_dates_are_left_out_not_shown_raw():
    claim = {
        "level": "platinum",  # a code we do not know
        "certificateDate": "last Tuesday",  # not a date
        "updateService": "yes",  # not a boolean
        "workforce": "child",
        "secretNote": "never shown",
    }
    assert facts_of(_document("dbsCheck", claim)) == [("Workforce", "Child")]
    assert facts_of(_document("somethingElse", {"a": "b"})) == []
    assert facts_of({"credentialSubject": "not an object"}) == [] and facts_of(None) == []


def _report(**failures: tuple[str, str]) -> CredentialReport:
    """A report whose named checks failed with (code, message); the others passed."""
    checks = [
        Check(name, False, *failures[name]) if name in failures else Check(name, True, "ok", "Fine.")
        for name in CHECK_ORDER
    ]
    return CredentialReport("urn:uuid:1", "did:web:example:trusts:RPG", checks)


SUSPENDED = ("suspended", "This credential is suspended by its issuer.")
REVOKED = ("revoked", "This credential was revoked by its issuer.")
OXLEAS = "Oxleas NHS Foundation Trust"


def test_a_status_failure_names_its_issuer_and_the_day_recorded():
    changed = datetime(2026, 12, 2, 23, 30, tzinfo=UTC)  # 2 December in UTC, 2 December in the UK
    assert problem_of(_report(), issuer_name=OXLEAS) is None
    assert (
        problem_of(_report(suspension=SUSPENDED), issuer_name=OXLEAS, state="suspended", changed_at=changed)
        == "suspended by Oxleas NHS Foundation Trust on 2 December 2026"
    )
    # No change recorded, or a record that does not match what the status list says: no date.
    assert problem_of(_report(suspension=SUSPENDED), issuer_name=OXLEAS) == f"suspended by {OXLEAS}"
    assert (
        problem_of(_report(suspension=SUSPENDED), issuer_name=OXLEAS, state="active", changed_at=changed)
        == f"suspended by {OXLEAS}"
    )
    # Revoked while suspended: the revocation is what counts.
    both = _report(revocation=REVOKED, suspension=SUSPENDED)
    assert problem_of(both, issuer_name=OXLEAS, state="revoked", changed_at=changed) == (
        f"revoked by {OXLEAS} on 2 December 2026"
    )


def test_other_failures_in_words():
    expired = _report(validity_window=("expired", "This credential expired on 1 June 2026 at 22:59:59 UTC."))
    assert problem_of(expired, issuer_name=OXLEAS, document={"validUntil": "2026-06-01T22:59:59Z"}) == (
        "expired on 1 June 2026"
    )
    forged = _report(
        proof=("signature_invalid", "The signature does not match: the credential was changed."),
        validity_window=("expired", "Expired."),
    )
    assert (
        problem_of(forged, issuer_name=OXLEAS) == "the signature does not match: the credential was changed"
    )
    assert problem_of(CredentialReport(None, None), issuer_name=OXLEAS) == "it could not be checked"
