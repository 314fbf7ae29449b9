"""The JSON-LD context we write for our credential terms, served at ``/contexts/staff-passport/v1``.

Credentials list it second in ``@context``, after the VC 2.0 context. It is a file in the repository,
``contexts/staff-passport-v1.jsonld``, served byte for byte: credentials already issued name this URL,
so its bytes never change (a test pins their SHA-256). New or changed terms go into a new file served at
``/contexts/staff-passport/v2``, named by credentials issued from then on.

Its terms' IRIs are fixed, under ``VOCABULARY`` (never the deployment's address), so the same credential
means the same thing wherever it was issued. Terms the VC context already defines (``name``,
``description``) are not redefined; ours are ``@protected`` so that nobody can re-map them later in the
same document.
"""

from __future__ import annotations

import functools
import json
from pathlib import Path
from typing import Any

from passport.credentials.did import public_url

CONTEXT_PATH = "/contexts/staff-passport/v1"
CONTEXT_FILE = Path(__file__).with_name("contexts") / "staff-passport-v1.jsonld"
CONTEXT_MEDIA_TYPE = "application/ld+json"
VOCABULARY = "https://w3id.org/nhs-staff-passport/v1#"


def context_url(base: str | None = None) -> str:
    return f"{base or public_url()}{CONTEXT_PATH}"


@functools.cache
def context_bytes() -> bytes:
    """The context exactly as it is served."""
    return CONTEXT_FILE.read_bytes()


def context_document() -> dict[str, Any]:
    return json.loads(context_bytes())
