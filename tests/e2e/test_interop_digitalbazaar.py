"""Our credentials in a verifier we did not write: Digital Bazaar's JavaScript libraries from npm.

``tests/interop/verify.mjs`` (``@digitalbazaar/vc`` with the eddsa-jcs-2022 Data Integrity suite and
the Bitstring Status List check) resolves the live server's did:web DIDs and status lists over HTTP and
reads JSON-LD contexts offline, ours from the repository file. No browser is needed. Without node or
the npm packages (``make interop-deps``) this test fails: it never skips.
"""

from __future__ import annotations

import json
import shutil
import subprocess
from datetime import date, timedelta
from typing import Any

import pytest
import requests

from passport.credentials.contexts import CONTEXT_FILE
from tests.e2e.conftest import ROOT, LiveService, change_status, issue_training

INTEROP = ROOT / "tests" / "interop"
NODE = shutil.which("node")


@pytest.fixture(scope="module")
def verifier(live_service: LiveService):  # type: ignore[no-untyped-def]
    if NODE is None:
        pytest.fail("node is not installed: the interoperability check needs Node.js 20 or later")
    if not (INTEROP / "node_modules" / "@digitalbazaar" / "vc").is_dir():
        pytest.fail("the interop npm packages are missing: run `make interop-deps`")

    def verify(document: Any) -> dict[str, Any]:
        done = subprocess.run(
            [NODE, str(INTEROP / "verify.mjs"), "--origin", live_service.url],
            input=json.dumps(document),
            capture_output=True,
            text=True,
            timeout=120,
            cwd=ROOT,
        )
        assert done.returncode in (0, 1), f"verify.mjs failed ({done.returncode}): {done.stderr}"
        result = json.loads(done.stdout)
        everything_fine = result["credentials"] and all(
            c["verified"] and not c["revoked"] and not c["suspended"] and c["jsonld"]["expanded"]
            for c in result["credentials"]
        )
        assert (done.returncode == 0) == bool(everything_fine), done.stdout
        return result

    return verify


def _by_id(result: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {report["id"]: report for report in result["credentials"]}


def test_our_context_is_served_byte_for_byte(live_service: LiveService):
    response = requests.get(f"{live_service.url}/contexts/staff-passport/v1", timeout=10)
    assert response.status_code == 200
    assert response.headers["Content-Type"].startswith("application/ld+json")
    assert response.content == CONTEXT_FILE.read_bytes()


def test_the_demo_passport_verifies_in_digital_bazaars_verifier(api, verifier, live_service: LiveService):
    presentation = api("nurse@rpg.example", "GET", "/api/v1/passport/presentation")
    assert presentation.status_code == 200, presentation.text
    presentation = presentation.json()
    result = verifier(presentation)
    assert result["presentation"] == {"verified": True, "errors": []}
    reports = result["credentials"]
    assert len(reports) == len(presentation["verifiableCredential"]) >= 10
    for report in reports:
        assert report["verified"], report
        assert report["status"] == {"revocation": False, "suspension": False}, report
        assert report["jsonld"] == {"expanded": True, "error": None}, report
    # Issued by all three trusts: three did:web DIDs resolved against the live server.
    host = live_service.url.removeprefix("http://").replace(":", "%3A")
    assert {report["issuer"] for report in reports} == {
        f"did:web:{host}:trusts:{ods}" for ods in ("RPG", "RV5", "RQY")
    }

    # Her whole passport, with the credential RV5 issued in error and revoked when the demo was made.
    listed = api("nurse@rpg.example", "GET", "/api/v1/passport/credentials").json()
    result = _by_id(verifier([credential["document"] for credential in listed]))
    for credential in listed:
        report = result[credential["credential_id"]]
        assert report["verified"], report
        assert report["revoked"] is (credential["state"] == "revoked"), (credential["state"], report)
        assert report["suspended"] is False
    assert any(credential["state"] == "revoked" for credential in listed)


def test_suspended_and_revoked_credentials_are_reported_as_such(api, verifier):
    completed_on = (date.today() - timedelta(days=10)).isoformat()
    issued = [issue_training(api, code, completed_on) for code in ("CSTF-FIRE", "CSTF-IPC", "CSTF-HSW")]
    suspended, revoked, untouched = issued
    change_status(api, suspended, "suspend", "interoperability test")
    change_status(api, revoked, "revoke", "interoperability test")

    result = _by_id(verifier([credential["document"] for credential in issued]))
    # Still signed by the trust: the library verifies them, and reports their status bits.
    assert result[suspended["credential_id"]]["verified"]
    assert result[suspended["credential_id"]]["status"] == {"revocation": False, "suspension": True}
    assert result[suspended["credential_id"]]["suspended"] is True
    assert result[revoked["credential_id"]]["verified"]
    assert result[revoked["credential_id"]]["status"] == {"revocation": True, "suspension": False}
    assert result[revoked["credential_id"]]["revoked"] is True
    assert result[untouched["credential_id"]]["status"] == {"revocation": False, "suspension": False}

    # Reinstated, the suspended one is good again: the re-signed status list is read afresh.
    change_status(api, suspended, "reinstate")
    result = verifier(suspended["document"])
    assert result["credentials"][0]["status"] == {"revocation": False, "suspension": False}


def test_one_changed_character_fails(api, verifier):
    listed = api("nurse@rpg.example", "GET", "/api/v1/passport/credentials").json()
    original = next(c["document"] for c in listed if c["state"] == "active")
    changed = json.loads(json.dumps(original))
    name = changed["name"]
    changed["name"] = name[:-1] + ("X" if name[-1] != "X" else "Y")
    result = verifier([original, changed])
    good, bad = result["credentials"]
    assert good["verified"], good
    assert bad["verified"] is False
    assert "Invalid signature." in bad["errors"], bad
