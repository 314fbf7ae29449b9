"""Data Integrity proofs with the `eddsa-jcs-2022` cryptosuite (W3C vc-di-eddsa), pure functions.

hashData = SHA-256(JCS(proofConfig)) || SHA-256(JCS(unsecuredDocument)), signed with Ed25519, and the
64-byte signature carried as a multibase base58btc `proofValue`. Canonicalisation is RFC 8785 through
the `rfc8785` library. Verification never raises: every bad shape becomes a failure code.
"""

from __future__ import annotations

import functools
import hashlib
import re
import threading
from collections import OrderedDict
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Protocol

import orjson
import rfc8785
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from passport.credentials.multikey import (
    MultikeyError,
    multibase_base58btc_decode,
    multibase_base58btc_encode,
)

PROOF_TYPE = "DataIntegrityProof"
CRYPTOSUITE = "eddsa-jcs-2022"
ED25519_SIGNATURE_LENGTH = 64
_JCS_INTEGER_LIMIT = 2**53 - 1  # I-JSON: larger integers are not exactly representable
_PLAIN_JSON_NODE_BUDGET = 200_000

KeyResolver = Callable[[str], Ed25519PublicKey]


class Ed25519Signer(Protocol):
    """Anything that signs bytes with Ed25519: a private key, or a signer backed by a KMS or HSM."""

    def sign(self, data: bytes) -> bytes: ...


# XML Schema dateTimeStamp: a dateTime that must carry a time zone. fromisoformat alone is too lenient
# (it takes dates without a time, times without a zone, and ISO "basic" forms).
_XML_DATETIME_STAMP = re.compile(
    r"^(?P<main>\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2})(?:\.(?P<fraction>\d+))?(?P<zone>Z|[+-]\d{2}:\d{2})$"
)


class ProofCreationError(ValueError):
    """create_proof was called with something it cannot sign (a programming error, not user input)."""


@dataclass(frozen=True, slots=True)
class ProofResult:
    """The outcome of verifying the proof (or every proof of a proof set) on a document."""

    ok: bool
    code: str
    message: str
    verification_method: str | None = None
    created: datetime | None = None
    # For a proof set: one result per proof, in document order. Empty for a single proof object.
    proofs: tuple[ProofResult, ...] = field(default=())

    def each(self) -> tuple[ProofResult, ...]:
        """Every individual proof result (the result itself for a single proof)."""
        return self.proofs or (self,)


def format_xml_datetime(moment: datetime) -> str:
    """A timezone-aware datetime as an XML Schema dateTimeStamp in UTC with 'Z', to the second."""
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ProofCreationError("Proof times must be timezone-aware, so they can be written in UTC.")
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def parse_xml_datetime(value: object) -> datetime | None:
    """Parse an XML Schema dateTimeStamp ('2023-02-24T23:36:38Z', '...+01:00', fractions allowed).

    Returns an aware UTC datetime, or None when the value is not such a string (never raises).
    """
    if not isinstance(value, str):
        return None
    return _parse_xml_datetime_text(str(value))


@functools.lru_cache(maxsize=4096)  # the same few timestamps recur on every verification
def _parse_xml_datetime_text(value: str) -> datetime | None:
    match = _XML_DATETIME_STAMP.match(value)
    if match is None:
        return None
    fraction = (match["fraction"] or "")[:6].ljust(6, "0")
    zone = "+00:00" if match["zone"] == "Z" else match["zone"]
    try:
        parsed = datetime.fromisoformat(f"{match['main']}.{fraction}{zone}")
    except ValueError:
        return None
    return parsed.astimezone(UTC)


def canonicalize(value: object) -> bytes:
    """RFC 8785 (JCS) canonical UTF-8 bytes of a JSON value.

    The `rfc8785` library is the reference and handles everything. For the common shape of our
    documents (ASCII keys, strings, safe integers, booleans, null) orjson with sorted keys writes
    byte-identical output about ten times faster, which matters because canonicalisation would
    otherwise cost a large share of a verification; a differential test pins the two together.
    """
    if _is_plain_json(value):
        try:
            return orjson.dumps(value, option=orjson.OPT_SORT_KEYS)
        except orjson.JSONEncodeError:  # a lone surrogate, or nesting deeper than orjson allows
            pass
    return rfc8785.dumps(value)  # type: ignore[arg-type]


def _is_plain_json(value: object) -> bool:
    """True when JCS and orjson with sorted keys agree byte for byte on `value`.

    They agree on strings (same escapes: short forms for \\b \\t \\n \\f \\r, lowercase \\u00xx
    for other controls, nothing else), on true/false/null and on integers within +/-(2**53 - 1).
    Floats (number formatting differs), non-ASCII keys (JCS sorts by UTF-16 code units, orjson by
    code points) and anything that is not exactly a dict, list, str, int, bool or None (orjson would
    happily write datetimes, UUIDs and dataclasses, which JCS refuses) go to rfc8785.
    """
    pending = [value]
    budget = _PLAIN_JSON_NODE_BUDGET  # a cyclic or enormous object falls back instead of looping
    while pending:
        node = pending.pop()
        kind = type(node)
        if kind is dict:
            for key in node:  # type: ignore[attr-defined]
                if type(key) is not str or not key.isascii():
                    return False
            items: Iterable[object] = node.values()  # type: ignore[attr-defined]
        elif kind is list:
            items = node  # type: ignore[assignment]
        else:
            items = (node,)
        # Scalars are checked inline (the hot path); only containers go back on the stack.
        for item in items:
            budget -= 1
            item_kind = type(item)
            if item_kind is str or item_kind is bool or item is None:
                continue
            if item_kind is dict or item_kind is list:
                pending.append(item)
                continue
            if item_kind is int and -_JCS_INTEGER_LIMIT <= item <= _JCS_INTEGER_LIMIT:  # type: ignore[operator]
                continue
            return False
        if budget < 0:
            return False
    return True


def hash_data(proof_config: Mapping[str, Any], unsecured_document: Mapping[str, Any]) -> bytes:
    """The 64 bytes that are signed: SHA-256 of the canonical proof configuration, then of the document."""
    proof_config_hash = hashlib.sha256(canonicalize(proof_config)).digest()
    document_hash = hashlib.sha256(canonicalize(unsecured_document)).digest()
    return proof_config_hash + document_hash


class VerifiedSignatures:
    """The signatures this process has found valid lately, so that a credential presented again (the same
    passport checked by a second HR officer, a share page opened twice) is not checked by Ed25519 again.

    Whether a signature is valid depends only on the public key, the signature and the signed bytes, and
    an entry is exactly those three, so a kept verdict can never be wrong. Only valid signatures are kept
    (a stream of forged ones cannot push the valid ones out), at most ``size`` of them, least recently
    used first out; ``size`` 0 keeps none. Everything that can change (the key's state, revocation,
    suspension, the validity window) is checked afresh by the verifier each time, never kept here.
    """

    def __init__(self, size: int = 10_000) -> None:
        self._size = size
        self._kept: OrderedDict[tuple[bytes, bytes, bytes], None] = OrderedDict()
        self._lock = threading.Lock()

    def resize(self, size: int) -> None:
        with self._lock:
            self._size = max(0, size)
            while len(self._kept) > self._size:
                self._kept.popitem(last=False)

    def matches(self, public_key: Ed25519PublicKey, signature: bytes, data: bytes) -> bool:
        entry = (public_key.public_bytes_raw(), signature, data)
        with self._lock:
            if entry in self._kept:
                self._kept.move_to_end(entry)
                return True
        try:
            public_key.verify(signature, data)
        except InvalidSignature:
            return False
        with self._lock:
            if self._size:
                self._kept[entry] = None
                if len(self._kept) > self._size:
                    self._kept.popitem(last=False)
        return True


# One per process: web threads share it (PASSPORT_VERIFIED_SIGNATURES_KEPT sets its size, see create_app).
VERIFIED_SIGNATURES = VerifiedSignatures()


def _without_proof(document: Mapping[str, Any]) -> dict[str, Any]:
    # A shallow copy is enough: nothing below mutates nested values.
    return {key: value for key, value in document.items() if key != "proof"}


def create_proof(
    document: dict[str, Any],
    private_key: Ed25519PrivateKey | Ed25519Signer,
    verification_method: str,
    created: datetime,
    proof_purpose: str = "assertionMethod",
) -> dict[str, Any]:
    """Sign `document` with eddsa-jcs-2022 and return a copy carrying the new proof.

    A document that already has proofs becomes a proof set; like every proof of a set, the new proof
    covers the document without any of the proofs.
    """
    if not isinstance(document, dict):
        raise ProofCreationError("Only a JSON object can carry a Data Integrity proof.")
    if not isinstance(verification_method, str) or not verification_method:
        raise ProofCreationError("A proof needs a verification method id.")
    unsecured_document = _without_proof(document)
    proof_config: dict[str, Any] = {
        "type": PROOF_TYPE,
        "cryptosuite": CRYPTOSUITE,
        "created": format_xml_datetime(created),
        "verificationMethod": verification_method,
        "proofPurpose": proof_purpose,
    }
    if "@context" in unsecured_document:
        proof_config["@context"] = unsecured_document["@context"]
    try:
        signature = private_key.sign(hash_data(proof_config, unsecured_document))
    except rfc8785.CanonicalizationError as error:
        raise ProofCreationError(f"The document cannot be canonicalised as JSON: {error}") from error
    proof = {**proof_config, "proofValue": multibase_base58btc_encode(signature)}
    # Round-trip through JSON values so the caller's nested objects are never shared with the result.
    signed = _json_copy(unsecured_document)
    existing = document.get("proof")
    if existing is None:
        signed["proof"] = _json_copy(proof)
    else:
        earlier = existing if isinstance(existing, list) else [existing]
        signed["proof"] = [*_json_copy(earlier), _json_copy(proof)]
    return signed


def create_proofs(
    documents: list[dict[str, Any]],
    private_key: Ed25519PrivateKey | Ed25519Signer,
    verification_method: str,
    created: datetime,
    proof_purpose: str = "assertionMethod",
) -> list[dict[str, Any]]:
    """Sign many fresh documents with one key and one creation time (bulk issuance).

    The result is exactly what ``create_proof`` gives for each, but the proof configuration is
    canonicalised and hashed once per distinct @context, and the documents are taken over rather
    than copied: each gains its ``proof`` in place and is returned. Documents must not be signed yet.
    """
    if not isinstance(verification_method, str) or not verification_method:
        raise ProofCreationError("A proof needs a verification method id.")
    base_config: dict[str, Any] = {
        "type": PROOF_TYPE,
        "cryptosuite": CRYPTOSUITE,
        "created": format_xml_datetime(created),
        "verificationMethod": verification_method,
        "proofPurpose": proof_purpose,
    }
    config_hashes: dict[str, tuple[dict[str, Any], bytes]] = {}
    for document in documents:
        if not isinstance(document, dict) or "proof" in document:
            raise ProofCreationError("create_proofs signs unsigned JSON objects only.")
        context = document.get("@context")
        key = canonicalize(context).decode("utf-8") if "@context" in document else ""
        if key not in config_hashes:
            config = dict(base_config) if not key else {**base_config, "@context": _json_copy(context)}
            config_hashes[key] = (config, hashlib.sha256(canonicalize(config)).digest())
        config, config_hash = config_hashes[key]
        try:
            document_hash = hashlib.sha256(canonicalize(document)).digest()
        except rfc8785.CanonicalizationError as error:
            raise ProofCreationError(f"The document cannot be canonicalised as JSON: {error}") from error
        signature = private_key.sign(config_hash + document_hash)
        document["proof"] = {**_json_copy(config), "proofValue": multibase_base58btc_encode(signature)}
    return documents


def _json_copy(value: Any) -> Any:
    if isinstance(value, dict):
        return {key: _json_copy(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [_json_copy(item) for item in value]
    return value


def _failure(code: str, message: str, proof: object = None) -> ProofResult:
    method = proof.get("verificationMethod") if isinstance(proof, dict) else None
    created = parse_xml_datetime(proof.get("created")) if isinstance(proof, dict) else None
    return ProofResult(
        ok=False,
        code=code,
        message=message,
        verification_method=method if isinstance(method, str) else None,
        created=created,
    )


def _as_context_list(context: object) -> list[Any] | None:
    if isinstance(context, list):
        return context
    if isinstance(context, str | dict):
        return [context]
    return None


def _context_check(document_context: object, proof_context: object, exact_context: bool) -> str | None:
    """Spec step: the document's @context must start with the proof's @context, in order.

    With exact_context the two must be equal, which stops contexts being appended after signing.
    Returns a failure sentence, or None when the contexts fit.
    """
    proof_list = _as_context_list(proof_context)
    document_list = _as_context_list(document_context)
    if proof_list is None or document_list is None:
        return "The proof's @context or the document's @context is not a valid context value."
    if exact_context:
        if proof_list != document_list:
            return "The document's @context is not the one the proof was made for."
    elif document_list[: len(proof_list)] != proof_list:
        return "The document's @context does not start with the @context the proof was made for."
    return None


def _verify_single_proof(
    unsecured_document: dict[str, Any],
    proof: object,
    resolve_key: KeyResolver,
    expected_proof_purpose: str,
    exact_context: bool,
) -> ProofResult:
    if not isinstance(proof, dict):
        return _failure("proof_malformed", "The proof is not a JSON object.")
    if proof.get("type") != PROOF_TYPE:
        return _failure("proof_type_unsupported", f"The proof is not a {PROOF_TYPE}.", proof)
    if proof.get("cryptosuite") != CRYPTOSUITE:
        return _failure("cryptosuite_unsupported", f"The proof does not use the {CRYPTOSUITE} suite.", proof)
    verification_method = proof.get("verificationMethod")
    if not isinstance(verification_method, str) or not verification_method:
        return _failure("verification_method_missing", "The proof does not name the key that made it.", proof)
    if proof.get("proofPurpose") != expected_proof_purpose:
        return _failure(
            "proof_purpose_mismatch",
            f"The proof was made for a purpose other than {expected_proof_purpose}.",
            proof,
        )
    created = None
    if "created" in proof:
        created = parse_xml_datetime(proof["created"])
        if created is None:
            return _failure("proof_created_invalid", "The proof's creation time is not a valid date.", proof)
    proof_value = proof.get("proofValue")
    try:
        signature = multibase_base58btc_decode(proof_value)  # type: ignore[arg-type]
    except MultikeyError:
        signature = b""
    if len(signature) != ED25519_SIGNATURE_LENGTH:
        return _failure(
            "proof_value_malformed", "The proof's signature value is not a valid signature.", proof
        )

    proof_options = {key: value for key, value in proof.items() if key != "proofValue"}
    document_for_hash = unsecured_document
    if exact_context and "@context" in unsecured_document and "@context" not in proof_options:
        # The spec would fill the proof's context in from the document; strict mode wants it bound.
        return _failure("context_mismatch", "The proof does not state the @context it was made for.", proof)
    if "@context" in proof_options:
        problem = _context_check(unsecured_document.get("@context"), proof_options["@context"], exact_context)
        if problem is not None:
            return _failure("context_mismatch", problem, proof)
        document_for_hash = {**unsecured_document, "@context": proof_options["@context"]}
    proof_config = dict(proof_options)
    if "@context" in document_for_hash:
        proof_config["@context"] = document_for_hash["@context"]
    try:
        data = hash_data(proof_config, document_for_hash)
    except (rfc8785.CanonicalizationError, RecursionError, TypeError, ValueError):
        return _failure(
            "document_not_canonicalizable", "The document holds values that JSON cannot represent.", proof
        )

    try:
        public_key = resolve_key(verification_method)
    except Exception:  # whatever a resolver raises, the answer is the same: no usable key
        public_key = None
    if not isinstance(public_key, Ed25519PublicKey):
        return _failure("key_unresolvable", "The key named by the proof could not be found.", proof)
    if not VERIFIED_SIGNATURES.matches(public_key, signature, data):
        return _failure(
            "signature_invalid",
            "The signature does not match: the document was changed or mis-signed.",
            proof,
        )
    return ProofResult(
        ok=True,
        code="proof_valid",
        message="The signature is valid.",
        verification_method=verification_method,
        created=created,
    )


def verify_proof(
    secured_document: object,
    resolve_key: KeyResolver,
    *,
    expected_proof_purpose: str = "assertionMethod",
    exact_context: bool = False,
) -> ProofResult:
    """Verify the eddsa-jcs-2022 proof(s) on a document; never raises.

    A proof set (a list of proofs) passes only when every proof passes; each is checked against the
    document without any proof. `resolve_key` maps a verification method id to a public key and may
    raise when it cannot. `exact_context` additionally requires the proof to carry an @context
    equal to the document's (stricter than the spec, which accepts a prefix or no @context at all).
    """
    try:
        if not isinstance(secured_document, dict):
            return _failure("document_malformed", "The document is not a JSON object.")
        if "proof" not in secured_document or secured_document["proof"] in (None, [], {}):
            return _failure("proof_missing", "The document has no proof.")
        proof = secured_document["proof"]
        unsecured_document = _without_proof(secured_document)
        if not isinstance(proof, list):
            return _verify_single_proof(
                unsecured_document, proof, resolve_key, expected_proof_purpose, exact_context
            )
        results = tuple(
            _verify_single_proof(unsecured_document, item, resolve_key, expected_proof_purpose, exact_context)
            for item in proof
        )
        first_failure = next((result for result in results if not result.ok), None)
        if first_failure is not None:
            return ProofResult(
                ok=False,
                code=first_failure.code,
                message=first_failure.message,
                verification_method=first_failure.verification_method,
                created=first_failure.created,
                proofs=results,
            )
        return ProofResult(
            ok=True,
            code="proof_valid",
            message=f"All {len(results)} signatures are valid.",
            verification_method=results[0].verification_method,
            created=results[0].created,
            proofs=results,
        )
    except Exception:  # last line of defence: malformed input must never escape as an exception
        return _failure("proof_error", "The proof could not be checked.")
