"""Access-matrix rows for secondments: see tests/functional/access_matrix.py."""
# ruff: noqa: E501

from __future__ import annotations

from typing import Any

from tests.functional.access_matrix import API_SIGNED_IN, ROWS, SIGNED_IN, WORLD_BUILDERS, Row, statuses


# --- Secondments (issue 8) ----------------------------------------------------------------------------
def _secondments_world(session: Any, own: Any, other: Any) -> dict[str, object]:
    """{own_secondment}: a nurse of RQY seconded into the caller's trust, on today (so its HR sees her
    passport); {other_secondment}: one between RV5 and RQY, which the caller's trust has no part in."""
    from datetime import date, timedelta

    from passport.auth.models import Role
    from passport.secondments import operations
    from passport.secondments.state import Step
    from tests.support.factories import StaffMemberFactory, TrustFactory, UserFactory
    from tests.support.job_factories import adopted_job

    third = TrustFactory(ods_code="RQY", name="South West London and St George's")
    version = adopted_job(session, own, other, third)
    start = date.today() - timedelta(days=5)
    values: dict[str, object] = {}
    for prefix, host in (("own", own), ("other", other)):
        nurse = StaffMemberFactory(trust=third, nmc_pin=None)
        nurse_user = UserFactory(role=Role.NURSE, trust=third, staff_member=nurse)
        secondment = operations.propose(
            session,
            UserFactory(role=Role.HR, trust=host),
            operations.Proposal(nurse, version.id, start, start + timedelta(days=60), "100", "Cover", "1"),
            today=start,
        )
        third_hr = UserFactory(role=Role.HR, trust=third)
        for step, actor in ((Step.APPROVE, third_hr), (Step.CONSENT, nurse_user)):
            operations.take_step(
                session, actor, secondment, step, operations.StepInput(override_reason="matrix"), today=start
            )
        values[f"{prefix}_secondment"] = secondment.id
    return values


WORLD_BUILDERS.append(_secondments_world)
SECONDMENT_PAGES = statuses(200, anonymous=302, director=403)
HR_PAGE = statuses(403, anonymous=302, hr=200)
ROWS += [
    Row("GET", "/secondments", "/secondments", SECONDMENT_PAGES),
    Row("GET", "/secondments/export.csv", "/secondments/export.csv", SECONDMENT_PAGES),
    Row("GET", "/secondments/new", "/secondments/new", HR_PAGE),
    Row("POST", "/secondments/new", "/secondments/new", statuses(403, anonymous=302, hr=422), form={}),
    Row("GET", "/secondments/<int:secondment_id>", "/secondments/{own_secondment}",
        statuses(403, anonymous=302, hr=200, admin=200),
        other_url="/secondments/{other_secondment}", other_expected=statuses(403, anonymous=302, admin=200)),
    Row("POST", "/secondments/<int:secondment_id>/steps", "/secondments/{own_secondment}/steps",
        statuses(403, anonymous=302, hr=422), form={},
        other_url="/secondments/{other_secondment}/steps", other_expected=statuses(403, anonymous=302)),
    # A step that ends a secondment for good asks first: HR of the host trust (the caller's, its secondment
    # on today) gets the page to end it early; a POST without the page's confirmed=yes changes nothing and
    # is sent back to it (302). Other trusts' HR, and everyone without a part in it, are refused.
    Row("GET", "/secondments/<int:secondment_id>/steps/<string:step>", "/secondments/{own_secondment}/steps/end_early",
        statuses(403, anonymous=302, hr=200),
        other_url="/secondments/{other_secondment}/steps/end_early", other_expected=statuses(403, anonymous=302)),
    Row("POST", "/secondments/<int:secondment_id>/steps/<string:step>", "/secondments/{own_secondment}/steps/end_early",
        statuses(403, anonymous=302, hr=302), form={},
        other_url="/secondments/{other_secondment}/steps/end_early", other_expected=statuses(403, anonymous=302)),
    Row("GET", "/secondments/<int:secondment_id>/secondee", "/secondments/{own_secondment}/secondee", HR_PAGE,
        other_url="/secondments/{other_secondment}/secondee", other_expected=statuses(403, anonymous=302)),
    Row("GET", "/notifications", "/notifications", SIGNED_IN),
    Row("POST", "/notifications/read", "/notifications/read", statuses(302), form={}),
    Row("GET", "/api/v1/secondments", "/api/v1/secondments", API_SIGNED_IN),
    Row("POST", "/api/v1/secondments", "/api/v1/secondments", statuses(403, anonymous=401, hr=422), json={}),
    Row("GET", "/api/v1/secondments/<int:secondment_id>", "/api/v1/secondments/{own_secondment}",
        statuses(403, anonymous=401, hr=200, admin=200),
        other_url="/api/v1/secondments/{other_secondment}",
        other_expected=statuses(403, anonymous=401, admin=200)),
    # The body is checked before the secondment: anyone with a part in secondments gets 422 for an empty one.
    Row("POST", "/api/v1/secondments/<int:secondment_id>/steps", "/api/v1/secondments/{own_secondment}/steps",
        statuses(422, anonymous=401, director=403, admin=403), json={},
        other_url="/api/v1/secondments/{other_secondment}/steps",
        other_expected=statuses(422, anonymous=401, director=403, admin=403)),
    Row("GET", "/api/v1/secondments/<int:secondment_id>/secondee",
        "/api/v1/secondments/{own_secondment}/secondee", statuses(403, anonymous=401, hr=200),
        other_url="/api/v1/secondments/{other_secondment}/secondee",
        other_expected=statuses(403, anonymous=401)),
    Row("GET", "/api/v1/secondments/todo", "/api/v1/secondments/todo", API_SIGNED_IN),
    Row("GET", "/api/v1/notifications", "/api/v1/notifications", API_SIGNED_IN),
    Row("POST", "/api/v1/notifications/read", "/api/v1/notifications/read", API_SIGNED_IN),
]  # fmt: skip
