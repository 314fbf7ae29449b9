"""What a verifier reads off a shared credential: its facts in words, and what went wrong if it failed.

Pure: a credential's JSON as its issuer signed it, and its verification report, in; labelled values and
sentences out. Only the fields named here are shown, each in words (dates as "2 December 2026"); any
other field of a credential stays in its JSON download, never shown raw.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from passport.credentials.types import CREDENTIAL_TYPES, GROUPS, NMC_REGISTER_PARTS
from passport.credentials.verification import CredentialReport
from passport.formatting import uk_date

Fact = tuple[str, str]

IDENTITY_DOCUMENTS = {
    "passport": "Passport",
    "driving_licence": "Driving licence",
    "biometric_residence_permit": "Biometric residence permit",
    "national_identity_card": "National identity card",
}
RIGHT_TO_WORK_PERMISSIONS = {"unrestricted": "Unrestricted", "time_limited": "Time-limited"}
RIGHT_TO_WORK_METHODS = {
    "online_share_code": "Home Office online check (share code)",
    "digital_identity_idsp": "Certified digital identity provider",
    "manual_document": "Original documents seen",
}
DBS_LEVELS = {
    "basic": "Basic",
    "standard": "Standard",
    "enhanced": "Enhanced",
    "enhanced_with_barred_lists": "Enhanced with barred lists",
}
DBS_WORKFORCES = {"adult": "Adult", "child": "Child", "adult_and_child": "Adult and child"}
FITNESS_OUTCOMES = {
    "fit": "Fit",
    "fit_with_adjustments": "Fit with adjustments",
    "not_fit_at_present": "Not fit at present",
}
EXPOSURE_PRONE = {"cleared": "Cleared", "not_cleared": "Not cleared", "not_assessed": "Not assessed"}
DISEASES = {
    "hepatitis_b": "Hepatitis B",
    "mmr": "MMR",
    "varicella": "Varicella",
    "tuberculosis": "Tuberculosis",
    "influenza": "Influenza",
    "covid_19": "COVID-19",
}
IMMUNITY = {
    "immune": "immune",
    "vaccinated": "vaccinated",
    "not_immune": "not immune",
    "not_recorded": "not recorded",
}


# --- Reading values -----------------------------------------------------------------------------------


def _text(value: object) -> str | None:
    return (value.strip() or None) if isinstance(value, str) else None


def _day(value: object) -> str | None:
    """An ISO date (or date-time) of the credential as written for people; None if it is not one."""
    if not isinstance(value, str):
        return None
    try:
        return uk_date(date.fromisoformat(value))
    except ValueError:
        pass
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        return None
    return uk_date(moment) if moment.tzinfo else uk_date(moment.date())


def _word(value: object, words: Mapping[str, str]) -> str | None:
    """A coded value in words; a code we do not know is left out rather than shown raw."""
    return words.get(value) if isinstance(value, str) else None


# --- Facts per kind of claim ----------------------------------------------------------------------------


def _registration(claim: dict[str, Any]) -> list[tuple[str, str | None]]:
    regulator = _text(claim.get("regulator"))
    return [
        (f"{regulator} PIN" if regulator == "NMC" else "PIN", _text(claim.get("pin"))),
        ("Register part", _word(claim.get("registerPart"), NMC_REGISTER_PARTS)),
        ("Registration expires", _day(claim.get("expiresOn"))),
    ]


def _dbs(claim: dict[str, Any]) -> list[tuple[str, str | None]]:
    update_service = claim.get("updateService")
    return [
        ("Level", _word(claim.get("level"), DBS_LEVELS)),
        ("Workforce", _word(claim.get("workforce"), DBS_WORKFORCES)),
        ("Certificate date", _day(claim.get("certificateDate"))),
        (
            "Update service",
            ("Subscribed" if update_service else "Not subscribed")
            if isinstance(update_service, bool)
            else None,
        ),
        ("Recheck due", _day(claim.get("recheckDue"))),
    ]


def _right_to_work(claim: dict[str, Any]) -> list[tuple[str, str | None]]:
    permission = claim.get("permission")
    expires = _day(claim.get("expiresOn")) or ("No end date" if permission == "unrestricted" else None)
    return [
        ("Permission", _word(permission, RIGHT_TO_WORK_PERMISSIONS)),
        ("Expires", expires),
        ("Checked by", _word(claim.get("checkMethod"), RIGHT_TO_WORK_METHODS)),
        ("Checked on", _day(claim.get("checkedOn"))),
    ]


def _identity(claim: dict[str, Any]) -> list[tuple[str, str | None]]:
    return [
        ("Document seen", _word(claim.get("documentType"), IDENTITY_DOCUMENTS)),
        ("Checked on", _day(claim.get("checkedOn"))),
    ]


def _immunisations(value: object) -> str | None:
    if not isinstance(value, list):
        return None
    shown = []
    for item in value:
        if not isinstance(item, dict):
            continue
        disease, status = _word(item.get("disease"), DISEASES), _word(item.get("status"), IMMUNITY)
        if disease and status:
            shown.append(f"{disease}: {status}")
    return "; ".join(shown) or None


def _occupational_health(claim: dict[str, Any]) -> list[tuple[str, str | None]]:
    return [
        ("Outcome", _word(claim.get("fitnessOutcome"), FITNESS_OUTCOMES)),
        ("Exposure-prone procedures", _word(claim.get("exposureProneProcedures"), EXPOSURE_PRONE)),
        ("Immunisations", _immunisations(claim.get("immunisations"))),
        ("Assessed on", _day(claim.get("assessedOn"))),
        ("Review due", _day(claim.get("reviewDue"))),
    ]


def _training(claim: dict[str, Any]) -> list[tuple[str, str | None]]:
    return [("Completed", _day(claim.get("completedOn"))), ("Expires", _day(claim.get("expiresOn")))]


def _competency(claim: dict[str, Any]) -> list[tuple[str, str | None]]:
    assessed, assessor = _day(claim.get("assessedOn")), _text(claim.get("assessor"))
    return [
        ("Statement", _text(claim.get("statement"))),
        ("Code", _text(claim.get("humanCodingScheme"))),
        ("Framework", _text(claim.get("framework"))),
        ("Proficiency", _text(claim.get("proficiency"))),
        ("Assessed", f"{assessed} by {assessor}" if assessed and assessor else assessed),
        ("Review due", _day(claim.get("reviewDue"))),
    ]


def _employment(claim: dict[str, Any]) -> list[tuple[str, str | None]]:
    job, band = _text(claim.get("jobTitle")), _text(claim.get("afcBand"))
    return [
        ("Job", f"{job}, band {band}" if job and band else job),
        ("Staff group", _text(claim.get("staffGroupName"))),
        ("Started", _day(claim.get("startDate"))),
        ("Ended", _day(claim.get("endDate"))),
    ]


# The claim each credential type writes into credentialSubject (see passport/credentials/types.py).
CLAIMS: dict[str, Callable[[dict[str, Any]], list[tuple[str, str | None]]]] = {
    "professionalRegistration": _registration,
    "dbsCheck": _dbs,
    "rightToWork": _right_to_work,
    "identityCheck": _identity,
    "occupationalHealthClearance": _occupational_health,
    "mandatoryTraining": _training,
    "competency": _competency,
    "employment": _employment,
}


def facts_of(document: object) -> list[Fact]:
    """The facts a verifier acts on, from a credential's JSON: [(label, value in words)]."""
    subject = document.get("credentialSubject") if isinstance(document, dict) else None
    if isinstance(subject, list):
        subject = subject[0] if subject else None
    if not isinstance(subject, dict):
        return []
    for key, describe in CLAIMS.items():
        claim = subject.get(key)
        if isinstance(claim, dict):
            return [(label, value) for label, value in describe(claim) if value]
    return []


# --- What went wrong ----------------------------------------------------------------------------------

# Which failure names the problem when several checks failed: a credential that cannot be trusted at
# all first, then its issuer's word on it, then its dates.
_FAILURE_ORDER = (
    "shape",
    "proof",
    "issuer_trusted",
    "key_state",
    "revocation",
    "suspension",
    "validity_window",
)


def _as_clause(message: str) -> str:
    """A check's sentence as a clause after a colon: "the signature does not match"."""
    message = message.strip().rstrip(".")
    if len(message) > 1 and message[0].isupper() and message[1].islower():
        message = message[0].lower() + message[1:]
    return message


def problem_of(
    report: CredentialReport,
    *,
    issuer_name: str,
    document: object = None,
    state: str | None = None,
    changed_at: datetime | None = None,
) -> str | None:
    """Why a credential failed, in a few words (None when it verified): "suspended by Oxleas NHS
    Foundation Trust on 2 December 2026". ``state`` and ``changed_at`` are the issuer's record of its
    last status change, when the database has one; without it the sentence names no date."""
    if report.verified:
        return None
    failed = {check.check: check for check in report.checks if not check.passed}
    if not failed:
        return "it could not be checked"
    name = next((name for name in _FAILURE_ORDER if name in failed), next(iter(failed)))
    check = failed[name]
    if name in ("revocation", "suspension") and check.code in ("revoked", "suspended"):
        when = f" on {uk_date(changed_at)}" if changed_at is not None and state == check.code else ""
        return f"{check.code} by {issuer_name}{when}"
    if name == "validity_window" and check.code in ("expired", "not_yet_valid"):
        field = "validUntil" if check.code == "expired" else "validFrom"
        day = _day(document.get(field)) if isinstance(document, dict) else None
        if day:
            return f"expired on {day}" if check.code == "expired" else f"not valid until {day}"
    return _as_clause(check.message)


# --- One row of a shared passport -----------------------------------------------------------------------

# Registration first: the check HR makes before any other.
_GROUP_ORDER = {
    key: position
    for position, key in enumerate(["registration", *(key for key in GROUPS if key != "registration")])
}


@dataclass(frozen=True, slots=True)
class SharedRow:
    """One shared credential as the verification page shows it."""

    title: str
    issuer_name: str
    issuer_code: str
    facts: list[Fact]
    report: CredentialReport
    problem: str | None

    @property
    def verified(self) -> bool:
        return self.report.verified

    @property
    def problem_sentence(self) -> str | None:
        """The problem as a sentence of its own: "Suspended by ... on 2 December 2026."."""
        return f"{self.problem[:1].upper()}{self.problem[1:]}." if self.problem else None


def _group_position(credential: Any) -> int:
    kind = CREDENTIAL_TYPES.get(credential.credential_type)
    return _GROUP_ORDER.get(kind.group, len(_GROUP_ORDER)) if kind else len(_GROUP_ORDER)


def shared_rows(entries: Iterable[tuple[Any, CredentialReport]]) -> list[SharedRow]:
    """One row per shared credential (an IssuedCredential and its report), registration first, then
    identity and checks, training, competencies and employment, each group in the order shared."""
    ordered = sorted(entries, key=lambda entry: _group_position(entry[0]))
    return [
        SharedRow(
            title=credential.title,
            issuer_name=credential.trust.name,
            issuer_code=credential.trust.ods_code,
            facts=facts_of(credential.document),
            report=report,
            problem=problem_of(
                report,
                issuer_name=credential.trust.name,
                document=credential.document,
                state=getattr(credential.state, "value", credential.state),
                changed_at=credential.status_changed_at,
            ),
        )
        for credential, report in ordered
    ]
