"""Who gets what from every route: the written-down expectation the access-matrix test checks.

Each row is one method of one URL rule. ``expected`` gives the status for each caller: anonymous, or
signed in with one role for the trust RPG (a partnership admin has no trust). Where a route names a
trust's record, ``other_url`` reaches the same kind of record of another trust (RV5) and
``other_expected`` says what each caller gets there. Feature test modules append their rows.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

CALLERS = ("anonymous", "nurse", "hr", "assessor", "director", "admin")


@dataclass(frozen=True)
class Row:
    method: str
    rule: str
    url: str
    expected: dict[str, int]
    json: object | None = None
    form: dict[str, str] | None = None
    other_url: str | None = None
    other_expected: dict[str, int] = field(default_factory=dict)


def statuses(default: int, **overrides: int) -> dict[str, int]:
    return {caller: overrides.get(caller, default) for caller in CALLERS}


# Features that need records in their rows' URLs add a builder: (session, own trust, other trust) -> the
# values their URL templates name, such as {"own_staff": 12, "other_staff": 13}.
WORLD_BUILDERS: list[Callable[[Any, Any, Any], dict[str, object]]] = []

SIGNED_IN = statuses(200, anonymous=302)  # a page for anyone signed in
API_SIGNED_IN = statuses(200, anonymous=401)

HR_ONLY = statuses(403, anonymous=302, hr=200)
HR_MISSING = statuses(403, anonymous=302, hr=404)  # HR's own kind of record, none of that number
NO_SAR = "/workforce/subject-access/999999"
HR_FORM_EMPTY = statuses(403, anonymous=302, hr=422)  # HR's form, sent empty
ROWS: list[Row] = [
    Row("GET", "/", "/", SIGNED_IN),
    Row("GET", "/healthz", "/healthz", statuses(200)),
    Row("GET", "/api/v1/reference", "/api/v1/reference", statuses(200)),
    Row("GET", "/api/v1/openapi.json", "/api/v1/openapi.json", statuses(200)),
    Row("GET", "/assets/<path:filename>", "/assets/nhsuk-frontend.min.css", statuses(200)),
    Row("GET", "/static/<path:filename>", "/static/js/app.js", statuses(200)),
    Row("GET", "/sign-in", "/sign-in", statuses(302, anonymous=200)),
    Row("POST", "/sign-in", "/sign-in", statuses(302, anonymous=422), form={}),
    Row("POST", "/sign-out", "/sign-out", statuses(302)),
    Row("GET", "/account/sessions", "/account/sessions", SIGNED_IN),
    Row(
        "POST",
        "/account/sessions/sign-out-everywhere",
        "/account/sessions/sign-out-everywhere",
        statuses(302),
    ),
    Row("GET", "/account/api-tokens", "/account/api-tokens", SIGNED_IN),
    Row("POST", "/account/api-tokens", "/account/api-tokens", statuses(422, anonymous=302), form={}),
    # {own_token} belongs to the caller; {other_token} to somebody else, whoever asks. Revoking asks first
    # (GET); a POST without the confirmation page's confirmed=yes revokes nothing and goes back to it.
    Row(
        "GET",
        "/account/api-tokens/<int:token_id>/revoke",
        "/account/api-tokens/{own_token}/revoke",
        SIGNED_IN,
        other_url="/account/api-tokens/{other_token}/revoke",
        other_expected=statuses(404, anonymous=302),
    ),
    Row(
        "POST",
        "/account/api-tokens/<int:token_id>/revoke",
        "/account/api-tokens/{own_token}/revoke",
        statuses(302),
        other_url="/account/api-tokens/{other_token}/revoke",
        other_expected=statuses(404, anonymous=302),
    ),
    Row("GET", "/audit", "/audit", statuses(403, anonymous=302, hr=200, admin=200)),
    # "Your data": anyone signed in asks for a copy of their own; a copy is only ever its owner's.
    Row("GET", "/account/your-data", "/account/your-data", SIGNED_IN),
    Row("GET", "/account/who-viewed", "/account/who-viewed", SIGNED_IN),
    # Subject access requests made by letter or email: HR of the person's trust.
    Row("GET", "/workforce/subject-access", "/workforce/subject-access", HR_ONLY),
    Row("POST", "/workforce/subject-access", "/workforce/subject-access", HR_FORM_EMPTY, form={}),
    Row("GET", "/workforce/subject-access/<int:request_id>", f"{NO_SAR}", HR_MISSING),
    Row("GET", "/workforce/subject-access/<int:request_id>/copy.json", f"{NO_SAR}/copy.json", HR_MISSING),
    Row("POST", "/workforce/subject-access/<int:request_id>/copy", f"{NO_SAR}/copy", HR_MISSING, form={}),
    *[
        Row(method, "/workforce/subject-access/<int:request_id>/answered", f"{NO_SAR}/answered", HR_MISSING,
            form={} if method == "POST" else None)
        for method in ("GET", "POST")
    ],  # fmt: skip
    Row("POST", "/account/your-data", "/account/your-data", statuses(303, anonymous=302), form={}),
    Row("GET", "/account/your-data/<int:job_id>", "/account/your-data/999999", statuses(404, anonymous=302)),
    Row(
        "GET", "/account/your-data/<int:job_id>.json", "/account/your-data/999999.json",
        statuses(404, anonymous=302),
    ),
    # The person picker's suggestions: HR, who issue credentials, check fit and propose secondments.
    Row("GET", "/people/suggestions", "/people/suggestions?scope=own-staff&q=ab", HR_ONLY),
    Row("GET", "/people/suggestions", "/people/suggestions?scope=partner-staff&q=ab", HR_ONLY),
    Row("GET", "/people/suggestions", "/people/suggestions?scope=nobody&q=ab", statuses(404, anonymous=302)),
    Row("GET", "/admin/trusts", "/admin/trusts", statuses(403, anonymous=302, admin=200)),
    Row("POST", "/admin/trusts", "/admin/trusts", statuses(403, anonymous=302, admin=422), form={}),
    Row("GET", "/admin/users", "/admin/users", statuses(403, anonymous=302, admin=200)),
    Row("POST", "/admin/users", "/admin/users", statuses(403, anonymous=302, admin=422), form={}),
    Row("GET", "/api/v1/me", "/api/v1/me", API_SIGNED_IN),
    Row("GET", "/api/v1/users", "/api/v1/users", statuses(403, anonymous=401, admin=200)),
    Row("POST", "/api/v1/users", "/api/v1/users", statuses(403, anonymous=401, admin=422), json={}),
    Row(
        "GET",
        "/api/v1/users/<int:user_id>",
        "/api/v1/users/{own_user}",
        statuses(403, anonymous=401, admin=200),
        other_url="/api/v1/users/{other_user}",
        other_expected=statuses(403, anonymous=401, admin=200),
    ),
    Row("GET", "/api/v1/trusts", "/api/v1/trusts", API_SIGNED_IN),
    Row("POST", "/api/v1/trusts", "/api/v1/trusts", statuses(403, anonymous=401, admin=422), json={}),
    Row(
        "GET",
        "/api/v1/trusts/<string:ods_code>",
        "/api/v1/trusts/{own_trust}",
        API_SIGNED_IN,
        other_url="/api/v1/trusts/{other_trust}",
        other_expected=API_SIGNED_IN,
    ),
]


# Each feature's rows live in a module of their own; importing them here appends them to ROWS.
from tests.functional.access_rows import background, case_definitions, credentials_jobs, frameworks  # noqa: E402,F401,I001
from tests.functional.access_rows import corrections, record_keeping, secondments, workforce  # noqa: E402,F401,I001
from tests.functional.access_rows import sickness_target  # noqa: E402,F401,I001
from tests.functional.access_rows import board_report  # noqa: E402,F401,I001
