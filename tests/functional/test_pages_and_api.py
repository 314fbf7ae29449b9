"""Health, error pages, security headers and the JSON API's answers."""

from __future__ import annotations

import sqlite3
from datetime import date, timedelta

import psycopg
import pytest
from sqlalchemy import select
from sqlalchemy.exc import OperationalError

from passport.app import create_app
from passport.audit.models import AuditEvent
from passport.audit.operations import record_event
from passport.auth.models import Role
from passport.db import WriteOnSafeRequest, allow_access_trail, get_session
from passport.errors import Conflict
from passport.secondments.models import Secondment, SecondmentStep
from passport.secondments.operations import StepInput, take_step
from passport.secondments.state import Status, Step
from passport.workforce.models import Assignment
from tests.conftest import sign_in
from tests.support.factories import UserFactory
from tests.support.secondment_factories import agreed, make_world, propose


def test_health_names_the_database(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json == {"status": "ok", "database": "reachable"}


def test_health_is_503_when_the_database_is_unreachable(tmp_path):
    broken = create_app({"TESTING": True, "PASSPORT_DATABASE_URL": f"sqlite:///{tmp_path}/missing/dir/x.db"})
    response = broken.test_client().get("/healthz")
    assert response.status_code == 503
    assert response.json["database"] == "unreachable"


def test_unknown_page_is_a_styled_404(client):
    response = client.get("/no/such/page")
    assert response.status_code == 404
    assert b"nhsuk-header" in response.data and b"Page not found" in response.data


def test_unknown_api_route_is_problem_json(client):
    response = client.get("/api/v1/no-such-thing")
    assert response.status_code == 404
    assert response.mimetype == "application/problem+json"
    assert response.json["status"] == 404


def test_pages_carry_security_headers(client, session):
    sign_in(client, UserFactory())
    response = client.get("/")
    csp = response.headers["Content-Security-Policy"]
    assert "frame-ancestors 'none'" in csp and "script-src 'self'" in csp and "unsafe-inline" not in csp
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Referrer-Policy"]
    assert response.headers["Cache-Control"] == "no-store"
    assert b"<script>" not in response.data and b"Skip to main content" in response.data


def test_assets_are_served_by_us(client):
    css = client.get("/assets/nhsuk-frontend.min.css")
    assert css.status_code == 200 and b"nhsuk" in css.data
    assert "no-store" not in css.headers.get("Cache-Control", "")
    assert client.get("/static/js/app.js").status_code == 200


def test_me(client, session):
    user = UserFactory(role=Role.DIRECTOR)
    sign_in(client, user)
    response = client.get("/api/v1/me")
    assert response.json == {
        "id": user.id,
        "email": user.email,
        "display_name": user.display_name,
        "roles": ["director"],
        "trust": user.trust.ods_code,
        "active": True,
    }


@pytest.fixture
def admin_client(client, session):
    sign_in(client, UserFactory(role=Role.ADMIN, trust=None))
    return client


def test_admin_creates_a_user_through_the_api(admin_client, demo_trusts):
    response = admin_client.post(
        "/api/v1/users",
        json={
            "email": "New.Nurse@RPG.example",
            "display_name": "New Nurse",
            "password": "a-long-password-1",
            "roles": ["nurse"],
            "trust": "RPG",
        },
    )
    assert response.status_code == 201
    assert response.json["email"] == "new.nurse@rpg.example" and response.json["trust"] == "RPG"
    assert "password" not in response.json


@pytest.mark.parametrize(
    ("body", "field"),
    [
        (
            {
                "email": "not-an-email",
                "display_name": "N",
                "password": "a-long-password-1",
                "roles": ["nurse"],
            },
            "email",
        ),
        ({"email": "a@b.example", "display_name": "N", "password": "short", "roles": ["nurse"]}, "password"),
        (
            {"email": "a@b.example", "display_name": "N", "password": "a-long-password-1", "roles": ["king"]},
            "roles.0",
        ),
        (
            {"email": "a@b.example", "display_name": 7, "password": "a-long-password-1", "roles": ["nurse"]},
            "display_name",
        ),
        (
            {
                "email": "a@b.example",
                "display_name": "N",
                "password": "a-long-password-1",
                "roles": ["nurse"],
                "trust": "ZZZ",
            },
            None,
        ),
    ],
)
def test_bad_user_input_names_the_field_and_writes_nothing(admin_client, demo_trusts, body, field):
    before = admin_client.get("/api/v1/users").json
    response = admin_client.post("/api/v1/users", json=body)
    assert 400 <= response.status_code < 500
    assert response.mimetype == "application/problem+json"
    assert response.json["detail"]
    if field:
        assert field in [error["field"] for error in response.json["errors"]]
    assert admin_client.get("/api/v1/users").json == before


def test_malformed_json_is_a_400_problem(admin_client):
    response = admin_client.post("/api/v1/trusts", data="{not json", content_type="application/json")
    assert response.status_code == 400
    assert response.mimetype == "application/problem+json"


def test_duplicate_trust_is_a_409_naming_the_field(admin_client, demo_trusts):
    response = admin_client.post("/api/v1/trusts", json={"ods_code": "rpg", "name": "Again"})
    assert response.status_code == 409
    assert response.json["errors"][0]["field"] == "ods_code"


def test_hr_cannot_list_users(client, session, demo_trusts):
    sign_in(client, UserFactory(role=Role.HR, trust=demo_trusts[0]))
    response = client.get("/api/v1/users")
    assert response.status_code == 403
    assert response.json["detail"]


def test_audit_page_shows_hr_only_their_trust(client, session, demo_trusts):
    from passport.audit.operations import record_event

    own, other = demo_trusts
    record_event(session, actor="cli", action="own.thing", trust_id=own.id)
    record_event(session, actor="cli", action="other.thing", trust_id=other.id)
    session.flush()
    sign_in(client, UserFactory(role=Role.HR, trust=own))
    page = client.get("/audit").data
    assert b"own.thing" in page and b"other.thing" not in page


def test_admin_pages_add_a_trust_and_show_errors_the_nhs_way(admin_client, demo_trusts):
    bad = admin_client.post("/admin/trusts", data={"ods_code": "RPG", "name": "Again"})
    assert bad.status_code == 422
    assert b"nhsuk-error-summary" in bad.data and b"already in the partnership" in bad.data
    good = admin_client.post("/admin/trusts", data={"ods_code": "RQY", "name": "South West London"})
    assert good.status_code == 302
    assert b"RQY" in admin_client.get("/admin/trusts").data


def test_api_reference_page_lists_operations(client):
    page = client.get("/api/v1/reference")
    assert page.status_code == 200
    assert b"/api/v1/me" in page.data and b"UserDump" in page.data


def test_an_unexpected_error_is_a_styled_500_without_details(engine, database_url):
    production_like = create_app({"PASSPORT_DATABASE_URL": database_url})

    @production_like.get("/boom")
    def boom():  # type: ignore[no-untyped-def]
        raise RuntimeError("secret internal detail")

    response = production_like.test_client().get("/boom")
    assert response.status_code == 500
    assert b"Sorry, there is a problem with the service" in response.data
    assert b"secret internal detail" not in response.data and b"nhsuk-header" in response.data


def test_an_expired_session_cookie_is_refused(app, client, session):
    import time as real_time
    from unittest.mock import patch

    user = UserFactory()
    sign_in(client, user)
    cookie_value = client.get_cookie("passport_session").value
    serializer = app.session_interface.get_signing_serializer(app)
    payload = serializer.loads(cookie_value)
    nine_hours_ago = real_time.time() - 9 * 3600
    # itsdangerous stamps the cookie with the signing time; sign the same session nine hours ago.
    with patch("itsdangerous.timed.time.time", return_value=nine_hours_ago):
        stale = serializer.dumps(payload)
    fresh_client = app.test_client()
    fresh_client.set_cookie("passport_session", stale)
    assert fresh_client.get("/").status_code == 302
    fresh_client.set_cookie("passport_session", cookie_value)
    assert fresh_client.get("/").status_code == 200


def test_sign_in_starts_a_new_session(client, session):
    with client.session_transaction() as before:
        before["planted"] = "by someone else"
    sign_in(client, UserFactory())
    with client.session_transaction() as after:
        assert "planted" not in after
        assert after.permanent


def test_nul_characters_are_refused_before_any_work(admin_client, demo_trusts):
    response = admin_client.post("/api/v1/trusts", json={"ods_code": "RQY", "name": "Bad\x00name"})
    assert response.status_code == 400
    assert "NUL" in response.json["detail"]
    page = admin_client.post("/admin/trusts", data={"ods_code": "RQY", "name": "Bad\x00name"})
    assert page.status_code == 400
    assert "RQY" not in [t["ods_code"] for t in admin_client.get("/api/v1/trusts").json]


def _nested(levels: int) -> dict:
    value: dict = {"leaf": "x"}
    for _ in range(levels - 1):
        value = {"child": value}
    return value


def test_json_bodies_are_bounded_in_depth_and_size_before_any_work(admin_client, demo_trusts):
    deep = admin_client.post("/api/v1/trusts", json={"ods_code": "RQY", "name": "N", "extra": _nested(32)})
    assert deep.status_code == 400
    assert deep.json["detail"] == "The JSON is nested too deeply: at most 32 levels of objects and arrays."
    # 32 levels in all (the body is one of them) is allowed: the trust's own rules answer instead.
    allowed = admin_client.post("/api/v1/trusts", json={"ods_code": "RQY", "name": "N", "extra": _nested(31)})
    assert allowed.status_code == 422, allowed.json
    large = admin_client.post("/api/v1/trusts", json={"ods_code": "RQY", "name": "x" * (1024 * 1024)})
    assert large.status_code == 413
    assert large.json["detail"] == "The request body is larger than 1 MB."
    # A view that takes more says so: a presentation to verify may be up to 2 MB.
    presentation = {"type": ["VerifiablePresentation"], "pad": "x" * (1024 * 1024 + 10)}
    report = admin_client.post("/api/v1/verify", json=presentation)
    assert report.status_code == 200 and report.json["verified"] is False
    assert "RQY" not in [t["ods_code"] for t in admin_client.get("/api/v1/trusts").json]


# --- One transaction per request ----------------------------------------------------------------------


def test_a_refused_step_keeps_nothing_the_operation_wrote_before_it_was_refused(app, client, session):
    """A real route and a real error: asking to extend a due agreed secondment first starts it (the host
    assignment and the activation step are written and flushed), then the new end date clashes with her
    next secondment (Conflict). The request answers 409 and nothing of it is kept."""
    today = date.today()
    world = make_world(session)
    first = agreed(session, world, today=today - timedelta(days=5), start=1, days=30)  # due, not started
    propose(session, world, today=today - timedelta(days=5), start=40, days=30)
    extension = {
        "step": "request_extension",
        "new_end_date": (first.end_date + timedelta(days=20)).isoformat(),
    }

    # The operation does write before it refuses (seen here inside a savepoint of the test's own).
    nested = session.begin_nested()
    with pytest.raises(Conflict):
        take_step(
            session,
            world.host_hr,
            first,
            Step.REQUEST_EXTENSION,
            StepInput(new_end_date=first.end_date + timedelta(days=20)),
            today=today,
        )
    assert session.scalar(select(Assignment).where(Assignment.person_type == "secondee")) is not None
    nested.rollback()

    sign_in(client, world.host_hr)
    response = client.post(f"/api/v1/secondments/{first.id}/steps", json=extension)
    assert response.status_code == 409, response.json
    page = client.post(f"/secondments/{first.id}/steps", data=extension)
    assert page.status_code == 422
    stored = session.get(Secondment, first.id, populate_existing=True)
    assert stored.status == Status.AGREED and stored.host_assignment_id is None
    assert session.scalar(select(Assignment).where(Assignment.person_type == "secondee")) is None
    assert session.scalar(select(SecondmentStep).where(SecondmentStep.step == Step.ACTIVATE)) is None


@pytest.fixture
def app_with_test_routes(app, session, database_url):  # type: ignore[no-untyped-def]
    """An app of its own with test-only routes, on the test's connection (rolled back after)."""
    own = create_app({"TESTING": True, "PASSPORT_DATABASE_URL": database_url, "WTF_CSRF_ENABLED": False})
    own.extensions["passport_sessionmaker"] = app.extensions["passport_sessionmaker"]

    def write(action: str) -> None:
        record_event(get_session(), actor="test", action=action)
        get_session().flush()

    @own.post("/test/write")
    def post_write():  # type: ignore[no-untyped-def]
        write("test.post_kept")
        return "written"

    @own.post("/test/write-then-fail")
    def post_write_then_fail():  # type: ignore[no-untyped-def]
        write("test.post_refused")
        raise Conflict("refused after writing")

    def wait_too_long(cause: Exception) -> None:
        raise OperationalError("INSERT INTO audit_event ...", {}, cause)

    @own.post("/test/write-then-wait-too-long")
    def post_write_then_wait_too_long():  # type: ignore[no-untyped-def]
        write("test.post_busy")
        wait_too_long(sqlite3.OperationalError("database is locked"))  # as SQLite says it, busy timeout past

    @own.post("/api/v1/test/write-then-deadlock")
    def post_write_then_deadlock():  # type: ignore[no-untyped-def]
        write("test.post_deadlocked")
        wait_too_long(psycopg.errors.DeadlockDetected("deadlock detected"))  # PostgreSQL's 40P01

    @own.post("/test/write-then-lose-the-connection")
    def post_write_then_lose_the_connection():  # type: ignore[no-untyped-def]
        write("test.post_lost")
        wait_too_long(psycopg.OperationalError("server closed the connection unexpectedly"))

    @own.get("/test/get-writes")
    def get_writes():  # type: ignore[no-untyped-def]
        write("test.get_wrote")
        return "wrote on a GET"

    @own.get("/test/get-access-trail")
    def get_access_trail():  # type: ignore[no-untyped-def]
        allow_access_trail(get_session())
        write("test.get_trail")
        return "an opening noted"

    return own


def test_one_transaction_per_request_and_a_get_never_writes(app_with_test_routes, session):
    client = app_with_test_routes.test_client()
    assert client.post("/test/write").status_code == 200
    assert client.post("/test/write-then-fail").status_code == 409
    with pytest.raises(WriteOnSafeRequest):
        client.get("/test/get-writes")
    assert client.get("/test/get-access-trail").status_code == 200
    kept = set(session.scalars(select(AuditEvent.action).where(AuditEvent.action.startswith("test."))))
    assert kept == {"test.post_kept", "test.get_trail"}


def test_a_write_that_waited_too_long_for_the_database_is_a_503_to_try_again_and_nothing_is_kept(
    app_with_test_routes, session
):  # type: ignore[no-untyped-def]
    """Another writer held the lock past the wait (SQLite's one writer behind an import's chunk or a
    recount; a PostgreSQL deadlock): the request is answered 503 with when to try again, as a page or as
    problem details, and what it wrote is undone. Any other database failure stays an error."""
    client = app_with_test_routes.test_client()
    page = client.post("/test/write-then-wait-too-long")
    assert page.status_code == 503 and page.headers["Retry-After"] == "5"
    assert "Nothing of this request was saved: wait 5 seconds and try again." in page.get_data(as_text=True)
    api = client.post("/api/v1/test/write-then-deadlock")
    assert api.status_code == 503 and api.headers["Retry-After"] == "5"
    assert api.mimetype == "application/problem+json" and api.json["title"] == "Service busy"
    with pytest.raises(OperationalError):  # testing: an unexpected error is raised, not answered
        client.post("/test/write-then-lose-the-connection")
    kept = set(session.scalars(select(AuditEvent.action).where(AuditEvent.action.startswith("test.post_"))))
    assert kept == set()
