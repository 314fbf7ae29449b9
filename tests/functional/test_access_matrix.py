"""Every route against every caller, own trust and another trust, as ``access_matrix.ROWS`` says.

A route with no row fails ``test_every_route_has_a_row``: a new route must be given its expectations.
"""

from __future__ import annotations

import pytest

from passport.auth.models import Role
from passport.auth.operations import create_api_token
from tests.conftest import sign_in
from tests.functional.access_matrix import CALLERS, ROWS, WORLD_BUILDERS
from tests.support.factories import UserFactory

SIGN_OUTS = ("/sign-out", "/account/sessions/sign-out-everywhere")


def _route_methods(app) -> set[tuple[str, str]]:  # type: ignore[no-untyped-def]
    return {
        (method, rule.rule)
        for rule in app.url_map.iter_rules()
        for method in rule.methods - {"HEAD", "OPTIONS"}
    }


def test_every_route_has_a_row(app):
    written = {(row.method, row.rule) for row in ROWS}
    missing = _route_methods(app) - written
    assert not missing, f"routes without a row in tests/functional/access_matrix.py: {sorted(missing)}"
    stale = written - _route_methods(app)
    assert not stale, f"rows for routes that do not exist: {sorted(stale)}"


@pytest.fixture
def world(session, demo_trusts):  # type: ignore[no-untyped-def]
    own, other = demo_trusts
    other_user = UserFactory(role=Role.NURSE, trust=other)
    other_token, _ = create_api_token(session, other_user, "someone else's")
    return {"own_trust": own, "other_trust": other, "other_user": other_user, "other_token": other_token}


@pytest.mark.parametrize("caller", CALLERS)
def test_access_matrix(app, session, world, caller):
    client = app.test_client()
    values = {
        "own_trust": "RPG",
        "other_trust": "RV5",
        "other_user": world["other_user"].id,
        "other_token": world["other_token"].id,
    }
    for build in WORLD_BUILDERS:  # features add records of their own for their rows' URLs
        values.update(build(session, world["own_trust"], world["other_trust"]))
    if caller == "anonymous":
        values.update(own_user=world["other_user"].id, own_token=world["other_token"].id)
    else:
        role = Role(caller)
        user = UserFactory(role=role, trust=None if role is Role.ADMIN else world["own_trust"])
        token, _ = create_api_token(session, user, "mine")
        values.update(own_user=user.id, own_token=token.id)
        sign_in(client, user)
    failures = []
    for row in ROWS:
        cases = [(row.url, row.expected)]
        if row.other_url:
            cases.append((row.other_url, row.other_expected))
        for url_template, expected in cases:
            url = url_template.format(**values)
            response = client.open(
                url, method=row.method, json=row.json, data=row.form if row.json is None else None
            )
            if response.status_code != expected[caller]:
                failures.append(
                    f"{row.method} {url}: expected {expected[caller]}, got {response.status_code}"
                )
            if row.rule in SIGN_OUTS and caller != "anonymous":
                sign_in(client, user)  # signing out ends the session; the rest of the rows need it back
    assert not failures, "\n".join(failures)
