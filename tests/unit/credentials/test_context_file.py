"""Our JSON-LD context: a file in the repository whose bytes never change once credentials name it."""

from __future__ import annotations

import hashlib

from passport.credentials.contexts import CONTEXT_FILE, VOCABULARY, context_bytes, context_document
from passport.credentials.types import CREDENTIAL_TYPES

# The SHA-256 of passport/credentials/contexts/staff-passport-v1.jsonld as published.
PUBLISHED_V1_SHA256 = "8af9c578f382a5109b8961e5e168d1906de921cf34f40781a4ebf6902e80c496"


def test_the_published_v1_context_never_changes():
    digest = hashlib.sha256(CONTEXT_FILE.read_bytes()).hexdigest()
    assert digest == PUBLISHED_V1_SHA256, (
        f"{CONTEXT_FILE.name} changed (SHA-256 {digest}). Credentials already issued name "
        "/contexts/staff-passport/v1, so its bytes must stay as published: put the old file back, and "
        "publish the new terms as staff-passport-v2.jsonld at /contexts/staff-passport/v2 instead, named "
        "by credentials issued from then on (docs/credentials.md, 'Our JSON-LD context')."
    )
    assert context_bytes() == CONTEXT_FILE.read_bytes()


def test_term_iris_do_not_depend_on_the_deployment():
    text = CONTEXT_FILE.read_text(encoding="utf-8")
    for address in ("127.0.0.1", "localhost", "passport.example", "/contexts/staff-passport"):
        assert address not in text
    terms = context_document()["@context"]
    assert terms["@protected"] is True
    for name, definition in terms.items():
        if name.startswith("@"):
            continue
        iri = definition if isinstance(definition, str) else definition["@id"]
        assert iri.startswith((VOCABULARY, "https://schema.org/")), name


def test_every_credential_type_and_date_term_is_defined():
    terms = context_document()["@context"]
    assert terms["StaffMember"] == f"{VOCABULARY}StaffMember"
    for credential_type in CREDENTIAL_TYPES.values():
        assert terms[credential_type.vc_type] == f"{VOCABULARY}{credential_type.vc_type}"
    assert terms["completedOn"] == {
        "@id": f"{VOCABULARY}completedOn",
        "@type": "http://www.w3.org/2001/XMLSchema#date",
    }
    assert terms["frameworkUri"] == {"@id": f"{VOCABULARY}frameworkUri", "@type": "@id"}
    # The VC 2.0 context's own terms are not redefined (ours are protected, and so are its).
    assert "name" not in terms and "description" not in terms and "@vocab" not in terms


# Every input field of every type, optional ones too, so that every term a writer can emit is written.
FULL_SUBJECTS = {
    "staff-identity": {"identity_document": "passport", "checked_on": "2026-01-05"},
    "right-to-work": {
        "permission": "time_limited",
        "check_method": "online_share_code",
        "checked_on": "2026-01-05",
        "expires_on": "2027-01-05",
    },
    "dbs-check": {
        "level": "enhanced",
        "workforce": "adult",
        "certificate_date": "2026-01-05",
        "update_service": True,
        "recheck_due": "2029-01-05",
    },
    "occupational-health": {
        "fitness_outcome": "fit",
        "exposure_prone_procedures": "cleared",
        "immunisations": [{"disease": "mmr", "status": "immune"}],
        "assessed_on": "2026-01-05",
        "review_due": "2027-01-05",
    },
    "professional-registration": {
        "regulator": "NMC",
        "pin": "12A3456E",
        "register_part": "RNA",
        "expires_on": "2027-01-05",
    },
    "employment": {
        "job_title": "Staff Nurse",
        "afc_band": "5",
        "staff_group": "NMR",
        "start_date": "2024-01-05",
        "end_date": "2026-01-05",
    },
    "mandatory-training": {
        "subject_code": "CSTF-FIRE",
        "level": 1,
        "completed_on": "2026-01-05",
        "expires_on": "2027-01-05",
    },
    "competency": {
        "framework_title": "Mental health nursing competencies",
        "framework_uri": "https://passport.example/ims/case/v1p1/CFDocuments/9b0c6a54-1f4c-4f43-9d4c-2e3b9a0f5e11",
        "item_identifier": "2f1b5a8e-3c4d-4e5f-8a9b-0c1d2e3f4a5b",
        "item_uri": "https://passport.example/ims/case/v1p1/CFItems/2f1b5a8e-3c4d-4e5f-8a9b-0c1d2e3f4a5b",
        "statement": "Carries out a risk assessment with a person in crisis.",
        "human_coding_scheme": "MHN-2.3",
        "proficiency": "competent",
        "assessed_on": "2026-01-05",
        "assessor_name": "Sam Assessor",
        "review_due": "2027-01-05",
    },
}


def _keys(value: object) -> set[str]:
    if isinstance(value, dict):
        return set(value) | {key for item in value.values() for key in _keys(item)}
    if isinstance(value, list):
        return {key for item in value for key in _keys(item)}
    return set()


def test_every_term_a_credential_can_hold_is_defined():
    """A term the context does not define would be dropped by JSON-LD processors: add it in a v2."""
    terms = context_document()["@context"]
    assert set(FULL_SUBJECTS) == set(CREDENTIAL_TYPES)
    for code, sample in FULL_SUBJECTS.items():
        credential_type = CREDENTIAL_TYPES[code]
        claim = credential_type.write(credential_type.load(sample)).claim
        subject = {"type": "StaffMember", "givenName": "A", "familyName": "B", **claim}
        missing = _keys(subject) - set(terms) - {"type"}
        assert not missing, f"{code}: {sorted(missing)} not in the context"
