"""The JSON-LD context we write for our credential terms, served at ``/contexts/staff-passport/v1``.

Credentials list it second in ``@context``, after the VC 2.0 context. Terms the VC context already
defines (``name``, ``description``) are not redefined; ours are ``@protected`` so that nobody can
re-map them later in the same document.
"""

from __future__ import annotations

from typing import Any

from passport.credentials.did import public_url
from passport.credentials.types import CREDENTIAL_TYPES

CONTEXT_PATH = "/contexts/staff-passport/v1"

_PLAIN_TERMS = [
    "givenName",
    "familyName",
    "identityCheck",
    "documentType",
    "rightToWork",
    "permission",
    "checkMethod",
    "dbsCheck",
    "level",
    "workforce",
    "updateService",
    "professionalRegistration",
    "regulator",
    "pin",
    "registerPart",
    "registerPartName",
    "employment",
    "employer",
    "odsCode",
    "jobTitle",
    "afcBand",
    "staffGroup",
    "staffGroupName",
    "mandatoryTraining",
    "cstfSubject",
    "subjectTitle",
    "occupationalHealthClearance",
    "fitnessOutcome",
    "exposureProneProcedures",
    "immunisations",
    "disease",
    "status",
    "competency",
    "framework",
    "itemIdentifier",
    "statement",
    "humanCodingScheme",
    "proficiency",
    "assessor",
]
_DATE_TERMS = [
    "checkedOn",
    "expiresOn",
    "certificateDate",
    "recheckDue",
    "startDate",
    "endDate",
    "completedOn",
    "assessedOn",
    "reviewDue",
]
_ID_TERMS = ["frameworkUri", "itemUri"]


def context_url(base: str | None = None) -> str:
    return f"{base or public_url()}{CONTEXT_PATH}"


def context_document(base: str | None = None) -> dict[str, Any]:
    vocab = f"{context_url(base)}#"
    terms: dict[str, Any] = {"@protected": True}
    terms["StaffMember"] = f"{vocab}StaffMember"
    for credential_type in CREDENTIAL_TYPES.values():
        terms[credential_type.vc_type] = f"{vocab}{credential_type.vc_type}"
    for term in _PLAIN_TERMS:
        terms[term] = f"{vocab}{term}"
    for term in _DATE_TERMS:
        terms[term] = {"@id": f"{vocab}{term}", "@type": "http://www.w3.org/2001/XMLSchema#date"}
    for term in _ID_TERMS:
        terms[term] = {"@id": f"{vocab}{term}", "@type": "@id"}
    terms["givenName"] = "https://schema.org/givenName"
    terms["familyName"] = "https://schema.org/familyName"
    terms["jobTitle"] = "https://schema.org/jobTitle"
    return {"@context": terms}
