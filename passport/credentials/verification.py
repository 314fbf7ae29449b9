"""The verifier engine: checks a credential or presentation and explains the result, never raising.

Storage-free: the app supplies an IssuerDirectory (trusted issuers and their keys) and a
StatusListSource (status list credentials by URL). did:key verification methods are resolved locally,
but a did:key issuer is only trusted when the directory says so.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Literal, NamedTuple, Protocol

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

from passport.credentials.multikey import (
    MultikeyError,
    controller_of_verification_method,
    is_did_key,
    resolve_did_key_verification_method,
)
from passport.credentials.proofs import ProofResult, parse_xml_datetime, verify_proof
from passport.credentials.status_list import (
    CheckedStatusList,
    StatusListCache,
    StatusListError,
    decode_bitstring,
    get_bit,
    has_scalars_beyond_strings,
    json_snapshot,
)
from passport.formatting import uk_date_time

VC_V2_CONTEXT = "https://www.w3.org/ns/credentials/v2"
KeyState = Literal["active", "retired", "compromised"]
CHECK_ORDER = ("shape", "proof", "issuer_trusted", "key_state", "validity_window", "revocation", "suspension")


@dataclass(frozen=True, slots=True)
class KeyRecord:
    """What the directory knows about one verification method."""

    public_key: Ed25519PublicKey
    controller: str
    state: KeyState = "active"
    compromised_at: datetime | None = None


class IssuerDirectory(Protocol):
    """The partnership's issuers and their keys (implemented over the database by the app)."""

    def is_trusted_issuer(self, issuer_did: str) -> bool: ...

    def resolve_verification_method(self, verification_method_id: str) -> KeyRecord | None: ...


class StatusListSource(Protocol):
    """Status list credentials by URL (implemented over the database, or HTTP, by the app)."""

    def fetch_status_list(self, url: str) -> dict[str, Any] | None: ...


class Check(NamedTuple):
    """One line of a report. A NamedTuple: immutable, and cheap to build on the hot path."""

    check: str
    passed: bool
    code: str
    message: str

    def to_dict(self) -> dict[str, Any]:
        return {"check": self.check, "passed": self.passed, "code": self.code, "message": self.message}


@dataclass(slots=True)
class CredentialReport:
    credential_id: str | None
    issuer: str | None
    checks: list[Check] = field(default_factory=list)

    @property
    def verified(self) -> bool:
        return bool(self.checks) and all(check.passed for check in self.checks)

    def to_dict(self) -> dict[str, Any]:
        return {
            "credential_id": self.credential_id,
            "issuer": self.issuer,
            "verified": self.verified,
            "checks": [check.to_dict() for check in self.checks],
        }


@dataclass(slots=True)
class VerificationReport:
    kind: Literal["presentation", "credential", "unknown"]
    credentials: list[CredentialReport] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)

    @property
    def verified(self) -> bool:
        return not self.problems and bool(self.credentials) and all(c.verified for c in self.credentials)

    def to_dict(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "verified": self.verified,
            "problems": list(self.problems),
            "credentials": [report.to_dict() for report in self.credentials],
        }


# ---------------------------------------------------------------------------------------------------
# Key lookup shared by the credential's proof and its status lists' proofs.


def _as_key_record(candidate: object) -> KeyRecord | None:
    """Accept the app's record object if it has the right attributes (duck-typed), else None."""
    if candidate is None:
        return None
    if type(candidate) is KeyRecord and (candidate.compromised_at is None or candidate.compromised_at.tzinfo):
        return candidate
    public_key = getattr(candidate, "public_key", None)
    controller = getattr(candidate, "controller", None)
    state = getattr(candidate, "state", None)
    compromised_at = getattr(candidate, "compromised_at", None)
    if not isinstance(public_key, Ed25519PublicKey) or not isinstance(controller, str):
        return None
    if state not in ("active", "retired", "compromised"):
        return None
    if compromised_at is not None and not isinstance(compromised_at, datetime):
        return None
    return KeyRecord(public_key, controller, state, _as_utc(compromised_at) if compromised_at else None)


class _KeyLookup:
    """Resolves verification method ids once per verification, remembering the records it found."""

    def __init__(self, issuers: IssuerDirectory) -> None:
        self._issuers = issuers
        self._records: dict[str, KeyRecord | None] = {}

    def record_for(self, verification_method_id: str) -> KeyRecord | None:
        if verification_method_id not in self._records:
            self._records[verification_method_id] = self._lookup(verification_method_id)
        return self._records[verification_method_id]

    def _lookup(self, verification_method_id: str) -> KeyRecord | None:
        try:
            listed = _as_key_record(self._issuers.resolve_verification_method(verification_method_id))
        except Exception:  # a failing directory means "no record", reported as such
            listed = None
        if not is_did_key(verification_method_id):
            return listed
        # did:key: the key comes from the identifier itself, whatever the directory holds; the
        # directory may still say the key was retired or compromised.
        try:
            public_key = resolve_did_key_verification_method(verification_method_id)
        except MultikeyError:
            return None
        return KeyRecord(
            public_key=public_key,
            controller=controller_of_verification_method(verification_method_id),
            state=listed.state if listed else "active",
            compromised_at=listed.compromised_at if listed else None,
        )

    def __call__(self, verification_method_id: str) -> Ed25519PublicKey:
        record = self.record_for(verification_method_id)
        if record is None:
            raise LookupError(verification_method_id)
        return record.public_key


# Status lists are cached across calls (see status_list.StatusListCache); pass your own to isolate.
DEFAULT_STATUS_LIST_CACHE = StatusListCache()


def _raw_key(public_key: Ed25519PublicKey) -> bytes:
    return public_key.public_bytes(Encoding.Raw, PublicFormat.Raw)


# ---------------------------------------------------------------------------------------------------
# Small helpers


def _as_utc(moment: datetime) -> datetime:
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def _human_time(moment: datetime) -> str:
    return uk_date_time(moment)


def _issuer_id(credential: dict[str, Any]) -> str | None:
    issuer = credential.get("issuer")
    if isinstance(issuer, dict):
        issuer = issuer.get("id")
    return issuer if isinstance(issuer, str) and issuer else None


def _types(value: object) -> list[str] | None:
    if isinstance(value, str):
        return [value]
    if isinstance(value, list) and value and all(isinstance(item, str) for item in value):
        return value
    return None


def _status_entries(credential: dict[str, Any]) -> list[object]:
    status = credential.get("credentialStatus")
    if status is None:
        return []
    return status if isinstance(status, list) else [status]


def _safe(check: str, run: Callable[[], Check]) -> Check:
    try:
        return run()
    except Exception:  # a bug or an odd input in one check must not hide the others
        return Check(check, False, "check_error", "This check could not be completed.")


# ---------------------------------------------------------------------------------------------------
# The checks


def _check_shape(credential: object) -> Check:
    def fail(code: str, message: str) -> Check:
        return Check("shape", False, code, message)

    if not isinstance(credential, dict):
        return fail("not_an_object", "This is not a credential: it is not a JSON object.")
    context = credential.get("@context")
    if not isinstance(context, list) or not context or context[0] != VC_V2_CONTEXT:
        return fail("context_invalid", f"The credential's @context must start with {VC_V2_CONTEXT}.")
    types = _types(credential.get("type"))
    if types is None or "VerifiableCredential" not in types:
        return fail("type_invalid", "The credential does not declare the type VerifiableCredential.")
    if "id" in credential and not isinstance(credential["id"], str):
        return fail("id_invalid", "The credential's id is not a string.")
    if _issuer_id(credential) is None:
        return fail("issuer_missing", "The credential does not say who issued it.")
    subject = credential.get("credentialSubject")
    subjects = subject if isinstance(subject, list) else [subject]
    if not subjects or not all(isinstance(item, dict) and item for item in subjects):
        return fail("subject_missing", "The credential does not say what or whom it is about.")
    for name in ("validFrom", "validUntil"):
        if name in credential and parse_xml_datetime(credential[name]) is None:
            return fail("date_invalid", f"The credential's {name} is not a valid date and time.")
    for entry in _status_entries(credential):
        if not isinstance(entry, dict) or not isinstance(entry.get("statusPurpose"), str):
            return fail("status_invalid", "The credential's status information is malformed.")
    return Check("shape", True, "well_formed", "The credential is well formed.")


def _check_proof(credential: dict[str, Any], keys: _KeyLookup) -> tuple[Check, ProofResult]:
    result = verify_proof(credential, keys, exact_context=True)
    messages = {
        "proof_valid": "The issuer's signature is valid.",
        "proof_missing": "The credential is not signed.",
        "signature_invalid": "The signature does not match: the credential was changed after it was signed, "
        "or signed with a different key.",
        "key_unresolvable": "The key that signed this credential is not known.",
        "context_mismatch": "The credential's @context is not the one that was signed.",
    }
    return Check("proof", result.ok, result.code, messages.get(result.code, result.message)), result


def _key_problem(
    verification_method: str | None, created: datetime | None, issuer: str, keys: _KeyLookup, what: str
) -> tuple[str, str] | None:
    """Why the key behind one proof is not acceptable for `issuer` (code, sentence), or None if it is."""
    record = keys.record_for(verification_method) if verification_method else None
    if record is None:
        return "key_unknown", f"The key that signed the {what} is not known."
    if record.controller != issuer or controller_of_verification_method(verification_method or "") != issuer:
        return "key_not_issuers", f"The key that signed the {what} does not belong to its issuer."
    # A proof dated before the reported compromise stays acceptable; with no compromise time or no
    # proof time we cannot tell, so the key is refused.
    after = record.compromised_at is None or created is None or created >= record.compromised_at
    if record.state == "compromised" and after:
        return "key_compromised", f"The {what} was signed with a key its issuer reports as compromised."
    return None


_KEY_STATE_PASSES = {
    "compromised": (
        "key_compromised_later",
        "The signing key was reported compromised only after this was signed, so the signature stands.",
    ),
    "retired": ("key_retired", "The signing key has since been retired; signatures it made stay valid."),
    "active": ("key_active", "The signing key is current and belongs to the issuer."),
}
_STATUS_WORDS = {  # purpose: (failure code, failure sentence, pass sentence)
    "revocation": ("revoked", "This credential was revoked by its issuer.", "It has not been revoked."),
    "suspension": ("suspended", "This credential is suspended by its issuer.", "It is not suspended."),
}


Window = tuple[datetime | None, datetime | None]


def _read_window(document: dict[str, Any]) -> Window | None:
    """(validFrom, validUntil) of a credential, each None when absent; None when either is unreadable."""
    valid_from = valid_until = None
    if "validFrom" in document:
        valid_from = parse_xml_datetime(document["validFrom"])
        if valid_from is None:
            return None
    if "validUntil" in document:
        valid_until = parse_xml_datetime(document["validUntil"])
        if valid_until is None:
            return None
    return valid_from, valid_until


def _window_check(window: Window | None, now: datetime) -> Check:
    if window is None:
        return Check("validity_window", False, "dates_invalid", "The validity dates cannot be read.")
    valid_from, valid_until = window
    if valid_from is not None and now < valid_from:
        message = f"This credential is not valid until {_human_time(valid_from)}."
        return Check("validity_window", False, "not_yet_valid", message)
    if valid_until is not None and now > valid_until:
        message = f"This credential expired on {_human_time(valid_until)}."
        return Check("validity_window", False, "expired", message)
    return _WITHIN_VALIDITY


_WITHIN_VALIDITY = Check(
    "validity_window", True, "within_validity", "The credential is within its validity period."
)


_STATUS_PASSES = {  # built once: most credentials pass, and this is the hot path
    purpose: Check(purpose, True, f"not_{failure_code}", pass_sentence)
    for purpose, (failure_code, _, pass_sentence) in _STATUS_WORDS.items()
}


def _check_validity_window(credential: dict[str, Any], now: datetime) -> Check:
    return _window_check(_read_window(credential), now)


class _ListFacts(NamedTuple):
    """What a status list credential says about itself, read once when its proof is checked."""

    issuer: str | None
    list_id: object
    is_bitstring_status_list: bool  # typed BitstringStatusListCredential, with a subject object
    subject_type: object
    purpose: object
    status_size: object
    window: Window | None


def _list_facts(document: dict[str, Any]) -> _ListFacts:
    subject = document.get("credentialSubject")
    subject = subject if isinstance(subject, dict) else None
    typed = "BitstringStatusListCredential" in (_types(document.get("type")) or [])
    return _ListFacts(
        issuer=_issuer_id(document),
        list_id=document.get("id"),
        is_bitstring_status_list=typed and subject is not None,
        subject_type=subject.get("type") if subject else None,
        purpose=subject.get("statusPurpose") if subject else None,
        status_size=subject.get("statusSize", 1) if subject else None,
        window=_read_window(document),
    )


class _Checks:
    """The checks that need the issuer and the collaborators, for one credential."""

    def __init__(
        self,
        issuer: str,
        issuers: IssuerDirectory,
        status_lists: StatusListSource,
        keys: _KeyLookup,
        now: datetime,
        cache: StatusListCache,
    ) -> None:
        self.issuer, self.issuers, self.status_lists = issuer, issuers, status_lists
        self.keys, self.now, self.cache = keys, now, cache

    def issuer_trusted(self) -> Check:
        try:
            trusted = self.issuers.is_trusted_issuer(self.issuer) is True
        except Exception:  # an unreachable directory trusts nobody
            trusted = False
        verdict = "is" if trusted else "is not"
        message = f"The issuer {self.issuer} {verdict} a trusted partnership issuer."
        return Check("issuer_trusted", trusted, "issuer_trusted" if trusted else "issuer_unknown", message)

    def key_state(self, proof: ProofResult) -> Check:
        states: set[str] = set()
        for single in proof.each():
            problem = _key_problem(
                single.verification_method, single.created, self.issuer, self.keys, "credential"
            )
            if problem is not None:
                return Check("key_state", False, *problem)
            record = self.keys.record_for(single.verification_method or "")
            states.add(record.state if record else "active")
        worst = "compromised" if "compromised" in states else "retired" if "retired" in states else "active"
        return Check("key_state", True, *_KEY_STATE_PASSES[worst])

    def status(self, purpose: Literal["revocation", "suspension"], credential: dict[str, Any]) -> Check:
        entries = [
            entry
            for entry in _status_entries(credential)
            if isinstance(entry, dict) and entry.get("statusPurpose") == purpose
        ]
        if not entries:
            return Check(
                purpose, True, "no_status_entry", f"The issuer publishes no {purpose} status for it."
            )
        for entry in entries:
            problem = self._entry_problem(entry, purpose)
            if problem is not None:
                return Check(purpose, False, *problem)
        return _STATUS_PASSES[purpose]

    def _checked_list(self, url: str, status_credential: dict[str, Any]) -> CheckedStatusList:
        cached = self.cache.get(url, status_credential)
        if cached is not None:
            method = cached.proof.verification_method
            record = self.keys.record_for(method) if method else None
            # Reuse only while the directory still gives the same key for the list's method.
            if record is not None and _raw_key(record.public_key) == cached.public_key_bytes:
                return cached
        snapshot = json_snapshot(status_credential)  # later changes by the source cannot reach the cache
        proof = verify_proof(snapshot, self.keys, exact_context=True)
        record = (
            self.keys.record_for(proof.verification_method)
            if proof.ok and proof.verification_method
            else None
        )
        bits, decode_error = None, None
        subject = snapshot.get("credentialSubject")
        try:
            bits = decode_bitstring(subject.get("encodedList") if isinstance(subject, dict) else None)
        except StatusListError as error:
            decode_error = str(error)
        key_bytes = _raw_key(record.public_key) if record else None
        scalars = has_scalars_beyond_strings(snapshot)
        facts = _list_facts(snapshot)
        checked = CheckedStatusList(snapshot, scalars, proof, key_bytes, bits, decode_error, facts)
        if proof.ok:
            self.cache.put(url, checked)
        return checked

    def _entry_problem(self, entry: dict[str, Any], purpose: str) -> tuple[str, str] | None:
        """Check one status entry: (code, sentence) for a failure, None when its bit is clear."""
        name = f"{purpose} list"
        if entry.get("type") != "BitstringStatusListEntry":
            return "status_type_unsupported", f"The credential uses a {name} this service cannot read."
        raw_index, url = entry.get("statusListIndex"), entry.get("statusListCredential")
        if isinstance(raw_index, str) and raw_index.isascii() and raw_index.isdigit():
            index = int(raw_index)
        elif isinstance(raw_index, int) and not isinstance(raw_index, bool) and raw_index >= 0:
            index = raw_index
        else:
            return "status_entry_invalid", f"The credential's place in the {name} is malformed."
        if not isinstance(url, str) or not url:
            return "status_entry_invalid", f"The credential does not say where its {name} is."
        try:
            listed = self.status_lists.fetch_status_list(url)
        except Exception:  # unreachable source: reported as unavailable
            listed = None
        if not isinstance(listed, dict):
            return (
                "status_list_unavailable",
                f"The issuer's {name} could not be fetched, so it was not checked.",
            )
        checked = self._checked_list(url, listed)
        if not checked.proof.ok:
            return (
                "status_list_invalid",
                f"The issuer's {name} is not validly signed; it may have been altered.",
            )
        facts: _ListFacts = checked.facts
        if facts.issuer != self.issuer:
            return "status_list_issuer_mismatch", f"The {name} was not published by the credential's issuer."
        for single in checked.proof.each():
            problem = _key_problem(single.verification_method, single.created, self.issuer, self.keys, name)
            if problem is not None:
                return "status_list_key_invalid", problem[1]
        if facts.list_id != url:
            return "status_list_mismatch", f"The {name} fetched is not the one the credential points to."
        if not facts.is_bitstring_status_list:
            return "status_list_malformed", f"The issuer's {name} is not a Bitstring Status List."
        if facts.subject_type != "BitstringStatusList" or facts.purpose != purpose:
            return "status_purpose_mismatch", f"The list the credential points to is not a {name}."
        if facts.status_size != 1 or entry.get("statusSize", 1) != 1:
            return (
                "status_size_unsupported",
                f"The {name} has multi-bit entries, which this service cannot read.",
            )
        if not _window_check(facts.window, self.now).passed:
            return "status_list_out_of_date", f"The issuer's {name} is out of date or not yet valid."
        if checked.bits is None:
            return "status_list_malformed", f"The issuer's {name} cannot be decoded: {checked.decode_error}"
        if index >= len(checked.bits) * 8:
            return "status_index_out_of_range", f"The credential's place is outside the issuer's {name}."
        if get_bit(checked.bits, index):
            failure_code, sentence, _ = _STATUS_WORDS[purpose]
            return failure_code, sentence
        return None


def _not_checked(names: Iterable[str], reason: str) -> list[Check]:
    return [Check(name, False, "not_checked", reason) for name in names]


def verify_credential(
    credential: object,
    *,
    issuers: IssuerDirectory,
    status_lists: StatusListSource,
    now: datetime,
    proof_only: bool = False,
    cache: StatusListCache | None = None,
) -> CredentialReport:
    """Run every check on one credential, in order, and report each; never raises."""
    cache = DEFAULT_STATUS_LIST_CACHE if cache is None else cache
    wanted = CHECK_ORDER[:2] if proof_only else CHECK_ORDER
    try:
        now_utc = _as_utc(now)
        credential_id = credential.get("id") if isinstance(credential, dict) else None
        issuer = _issuer_id(credential) if isinstance(credential, dict) else None
        report = CredentialReport(credential_id if isinstance(credential_id, str) else None, issuer)
        shape = _safe("shape", lambda: _check_shape(credential))
        report.checks.append(shape)
        if not isinstance(credential, dict):
            report.checks.extend(_not_checked(wanted[1:], "Not checked, because this is not a credential."))
            return report
        keys = _KeyLookup(issuers)
        proof_check, proof = _check_proof(credential, keys)
        report.checks.append(proof_check)
        if proof_only:
            return report
        if issuer is None:
            report.checks.extend(_not_checked(wanted[2:], "Not checked, because the issuer is not named."))
            return report
        checks = _Checks(issuer, issuers, status_lists, keys, now_utc, cache)
        report.checks.append(_safe("issuer_trusted", checks.issuer_trusted))
        report.checks.append(_safe("key_state", lambda: checks.key_state(proof)))
        report.checks.append(_safe("validity_window", lambda: _check_validity_window(credential, now_utc)))
        report.checks.append(_safe("revocation", lambda: checks.status("revocation", credential)))
        report.checks.append(_safe("suspension", lambda: checks.status("suspension", credential)))
        return report
    except Exception:  # the engine's promise: a report, whatever the input
        report = CredentialReport(None, None)
        report.checks.extend(_not_checked(wanted, "The credential could not be checked."))
        return report


def verify_presentation(
    presentation_or_credential: object,
    *,
    issuers: IssuerDirectory,
    status_lists: StatusListSource,
    now: datetime,
    proof_only: bool = False,
    cache: StatusListCache | None = None,
) -> VerificationReport:
    """Verify a VerifiablePresentation's credentials, or a single credential; never raises.

    The presentation's own proof (holder binding) is not checked here: sharing is by link, not by
    a holder signature.
    """
    options: dict[str, Any] = {
        "issuers": issuers,
        "status_lists": status_lists,
        "now": now,
        "proof_only": proof_only,
        "cache": cache,
    }
    try:
        document = presentation_or_credential
        if not isinstance(document, dict):
            return VerificationReport("unknown", problems=["This is not a credential or a presentation."])
        types = _types(document.get("type")) or []
        if "VerifiablePresentation" not in types:
            return VerificationReport("credential", [verify_credential(document, **options)])
        held = document.get("verifiableCredential")
        items = held if isinstance(held, list) else ([] if held is None else [held])
        report = VerificationReport("presentation")
        if not items:
            report.problems.append("The presentation holds no credentials.")
        report.credentials.extend(verify_credential(item, **options) for item in items)
        return report
    except Exception:
        return VerificationReport("unknown", problems=["The presentation could not be checked."])
