"""did:web identifiers of the trusts, their DID documents and the URLs we publish under them.

A trust's DID is derived from PASSPORT_PUBLIC_URL: with https://passport.example it is
``did:web:passport.example:trusts:RPG``, whose document did:web resolution finds at
https://passport.example/trusts/RPG/did.json (a port is percent-encoded: ``127.0.0.1%3A5000``).
"""

from __future__ import annotations

from typing import Any
from urllib.parse import quote, urlsplit

from flask import current_app, has_app_context

from passport.config import load_settings
from passport.trusts.models import Trust

DID_V1_CONTEXT = "https://www.w3.org/ns/did/v1"
MULTIKEY_V1_CONTEXT = "https://w3id.org/security/multikey/v1"


def public_url() -> str:
    """Where people (and verifiers) reach this service, without a trailing slash."""
    settings = current_app.config["PASSPORT_SETTINGS"] if has_app_context() else load_settings()
    return settings.public_url.rstrip("/")


def did_web_for_url(url: str) -> str:
    """The did:web DID whose document lives at ``url`` + '/did.json' (did:web method, section 3.2)."""
    parts = urlsplit(url)
    host = quote(parts.netloc, safe="")  # "127.0.0.1:5000" -> "127.0.0.1%3A5000"
    segments = [quote(segment, safe="") for segment in parts.path.strip("/").split("/") if segment]
    return ":".join(["did", "web", host, *segments])


def trust_base_url(ods_code: str, base: str | None = None) -> str:
    return f"{(base or public_url())}/trusts/{ods_code}"


def trust_did(trust: Trust | str, base: str | None = None) -> str:
    ods_code = trust if isinstance(trust, str) else trust.ods_code
    return did_web_for_url(trust_base_url(ods_code, base))


def status_list_url(ods_code: str, purpose: str, sequence: int, base: str | None = None) -> str:
    return f"{trust_base_url(ods_code, base)}/status/{purpose}/{sequence}"


def did_document(trust: Trust, keys: list[Any], base: str | None = None) -> dict[str, Any]:
    """The DID document of ``trust``: every key that is not compromised, as a Multikey.

    Retired keys stay listed (and in assertionMethod) so that what they signed still verifies anywhere.
    """
    did = trust_did(trust, base)
    methods = [
        {
            "id": f"{did}#{key.key_id}",
            "type": "Multikey",
            "controller": did,
            "publicKeyMultibase": key.public_key_multibase,
        }
        for key in keys
        if key.state.value != "compromised"
    ]
    return {
        "@context": [DID_V1_CONTEXT, MULTIKEY_V1_CONTEXT],
        "id": did,
        "verificationMethod": methods,
        "assertionMethod": [method["id"] for method in methods],
    }
