"""Production settings, started for real: gunicorn on PostgreSQL with Redis as the rate-limit store."""

from __future__ import annotations

import requests

from tests.support.live_stack import live_stack

PRODUCTION = {
    "PASSPORT_ENV": "production",
    "PASSPORT_PUBLIC_URL": "https://passport.example.nhs.uk",
    "PASSPORT_SMTP_URL": "smtp://mailer:secret@127.0.0.1:2525?from=passport@example.nhs.uk",
    "PASSPORT_VERIFY_RATE_LIMIT": "6 per minute",
}


def test_production_starts_and_its_instances_share_one_rate_limit(tmp_path):  # type: ignore[no-untyped-def]
    with live_stack(tmp_path, **PRODUCTION) as stack:
        stack.start_web(2)  # one process each: two workers that share nothing but Redis and PostgreSQL
        health = requests.get(stack.web[0] + "/healthz", timeout=10)
        assert health.status_code == 200
        assert health.headers["Strict-Transport-Security"].startswith("max-age=")  # production's headers
        token = "kY3vQ9t0b1cZr8Xw2LmN5pA7sD4fG6hJ-uE_iO0qW3e"  # a share link's shape; no share is needed
        requests.get(
            f"{stack.web[1]}/v/{token}", headers={"Referer": f"{stack.web[1]}/v/{token}"}, timeout=10
        )
        statuses = [
            requests.post(
                stack.web[attempt % 2] + "/api/v1/verify", json={"verifiablePresentation": {}}, timeout=30
            ).status_code
            for attempt in range(8)
        ]
        access_log = (tmp_path / "access.log").read_text()
    assert "/v/[share-token]" in access_log and token not in access_log
    # Four requests reached each instance: each would still allow them with a count of its own. The
    # shared count refuses the seventh and eighth, whichever instance they reach.
    assert 429 not in statuses[:6], statuses
    assert statuses[6:] == [429, 429], statuses
