"""Signing in and out, lock-out, sessions that die with logout, CSRF, rate limits and API tokens."""

from __future__ import annotations

import hashlib

import pytest
from sqlalchemy import select

from passport.app import create_app
from passport.audit.models import AuditEvent
from passport.auth import operations
from passport.auth.models import ApiToken, Role, SignInThrottle
from tests.conftest import sign_in
from tests.support.factories import DEFAULT_PASSWORD, UserFactory


def test_sign_in_then_home_then_sign_out(client, session):
    user = UserFactory(role=Role.HR)
    response = sign_in(client, user)
    assert response.headers["Location"] == "/"
    home = client.get("/")
    assert home.status_code == 200
    assert user.display_name.encode() in home.data
    assert client.post("/sign-out").status_code == 302
    assert client.get("/").status_code == 302


@pytest.mark.parametrize("which", ["wrong password", "unknown email"])
def test_failed_sign_in_says_the_same_whatever_went_wrong(client, session, which):
    user = UserFactory()
    email = user.email if which == "wrong password" else "nobody@example.test"
    response = client.post("/sign-in", data={"email": email, "password": "not-the-password-at-all"})
    assert response.status_code == 401
    assert b"Your email address or password is not right" in response.data
    assert b"nobody@example.test" not in response.data.replace(b'value="nobody@example.test"', b"")


def test_empty_form_names_both_fields(client, session):
    response = client.post("/sign-in", data={})
    assert response.status_code == 422
    assert b"Enter your email address" in response.data and b"Enter your password" in response.data
    assert b"nhsuk-error-summary" in response.data


def _try(client, email: str, password: str, address: str):  # type: ignore[no-untyped-def]
    return client.post(
        "/sign-in", data={"email": email, "password": password}, environ_base={"REMOTE_ADDR": address}
    )


def _throttle_of(session, email: str, address: str) -> SignInThrottle:  # type: ignore[no-untyped-def]
    key = (hashlib.sha256(email.encode()).hexdigest(), address)
    return session.get(SignInThrottle, key, populate_existing=True)


def test_repeated_failures_delay_that_email_from_that_address_only(client, session):
    user = UserFactory()
    attacker, nurse = "203.0.113.66", "198.51.100.20"
    answers = [
        _try(client, user.email, "wrong-password-here", attacker) for _ in range(operations.FREE_ATTEMPTS)
    ]
    assert [answer.status_code for answer in answers] == [401] * operations.FREE_ATTEMPTS
    # The sixth try from there waits, even with the right password: it is not checked.
    waiting = _try(client, user.email, DEFAULT_PASSWORD, attacker)
    # Retry-After: at least the wait (Flask-Limiter may raise it to the end of its own window).
    assert waiting.status_code == 429 and int(waiting.headers["Retry-After"]) >= 29
    assert "Too many tries for this email address from here. Wait 30 seconds" in waiting.get_data(
        as_text=True
    )
    assert client.get("/").status_code == 302
    # The person herself, elsewhere, is not kept out: there is no lock on her account.
    assert _try(client, user.email, DEFAULT_PASSWORD, nurse).status_code == 302
    actions = session.scalars(select(AuditEvent.action).where(AuditEvent.actor_user_id == user.id)).all()
    assert actions.count("auth.sign_in_failed") == 5 and "auth.sign_in_refused_waiting" in actions


def test_behind_the_trusts_proxy_the_wait_holds_the_client_not_everyone(
    engine, database_url, session, app, monkeypatch
):
    """Every request reaches the app from the proxy's address; the client is the one X-Forwarded-For
    names (one trusted hop, production's default), so one person's failures hold nobody else."""
    monkeypatch.setenv("PASSPORT_TRUSTED_PROXY_HOPS", "1")
    proxied = create_app({"TESTING": True, "PASSPORT_DATABASE_URL": database_url})
    proxied.extensions["passport_sessionmaker"] = app.extensions["passport_sessionmaker"]
    proxied.config["WTF_CSRF_ENABLED"] = False
    client = proxied.test_client()
    user = UserFactory()

    def attempt(password: str, client_address: str) -> int:
        return client.post(
            "/sign-in",
            data={"email": user.email, "password": password},
            environ_base={"REMOTE_ADDR": "10.0.0.1"},  # the proxy
            headers={"X-Forwarded-For": client_address},
        ).status_code

    assert [attempt("wrong-password-here", "203.0.113.50") for _ in range(5)] == [401] * 5
    assert attempt(DEFAULT_PASSWORD, "203.0.113.50") == 429
    assert _throttle_of(session, user.email, "203.0.113.50").failures == 5
    assert attempt(DEFAULT_PASSWORD, "198.51.100.60") == 302  # the nurse, elsewhere behind the same proxy


def test_the_wait_doubles_with_each_failure_up_to_fifteen_minutes_and_a_success_clears_it(client, session):
    from datetime import timedelta

    assert [operations.delay_after(n) for n in (1, 4)] == [None, None]
    assert [operations.delay_after(n).total_seconds() for n in (5, 6, 7, 9, 10, 40)] == [
        30,
        60,
        120,
        480,
        900,
        900,
    ]
    user = UserFactory()
    address = "203.0.113.7"
    for _ in range(operations.FREE_ATTEMPTS):
        _try(client, user.email, "wrong-password-here", address)
    throttle = _throttle_of(session, user.email, address)
    assert throttle.failures == 5
    throttle.wait_until -= timedelta(seconds=31)  # the 30 s have passed
    session.flush()
    assert _try(client, user.email, "wrong-password-again", address).status_code == 401
    assert "Wait 1 minute" in _try(client, user.email, DEFAULT_PASSWORD, address).get_data(as_text=True)
    throttle = _throttle_of(session, user.email, address)
    throttle.wait_until -= timedelta(seconds=61)
    session.flush()
    assert _try(client, user.email, DEFAULT_PASSWORD, address).status_code == 302
    assert _throttle_of(session, user.email, address) is None


def test_an_unknown_email_waits_exactly_as_a_known_one_does(client, session):
    """The wait would otherwise tell an attacker which addresses have accounts."""
    known = UserFactory()
    for email in (known.email, "nobody@example.test"):
        codes = [_try(client, email, "wrong-password-here", "203.0.113.8").status_code for _ in range(6)]
        assert codes == [401] * 5 + [429], email


def test_old_failure_counts_are_forgotten_by_the_hourly_job(app, client, session):
    from datetime import timedelta

    from passport.background import runner
    from passport.background.registry import PERIODIC
    from passport.db import utcnow

    _try(client, "old@example.test", "wrong-password-here", "203.0.113.9")
    _try(client, "recent@example.test", "wrong-password-here", "203.0.113.9")
    _throttle_of(session, "old@example.test", "203.0.113.9").last_failed_at = utcnow() - timedelta(days=2)
    session.flush()
    assert PERIODIC["forget-sign-in-failures"].every_minutes == 60
    runner.run_periodic(app, "forget-sign-in-failures")
    assert _throttle_of(session, "old@example.test", "203.0.113.9") is None
    assert _throttle_of(session, "recent@example.test", "203.0.113.9").failures == 1


CHROME_ON_WINDOWS = "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 Chrome/131.0 Safari/537.36"
SAFARI_ON_IPHONE = (
    "Mozilla/5.0 (iPhone; CPU iPhone OS 18_1 like Mac OS X) AppleWebKit/605.1.15 Version/18.1 Safari/604.1"
)


def _browser(app, user, user_agent: str):  # type: ignore[no-untyped-def]
    browser = app.test_client()
    browser.environ_base["HTTP_USER_AGENT"] = user_agent
    sign_in(browser, user)
    return browser


def test_each_sign_in_is_listed_and_signing_out_ends_only_that_one(app, session):
    user = UserFactory()
    ward_pc, phone = _browser(app, user, CHROME_ON_WINDOWS), _browser(app, user, SAFARI_ON_IPHONE)
    page = phone.get("/account/sessions").get_data(as_text=True)
    assert "Chrome on Windows" in page and "Safari on an iPhone" in page
    this_row = page.split("Safari on an iPhone", 1)[1].split("</tr>", 1)[0]
    assert (
        "This browser" in this_row
        and "This browser" not in page.split("Chrome on Windows", 1)[1].split("</tr>", 1)[0]
    )
    assert ward_pc.post("/sign-out").status_code == 302
    assert ward_pc.get("/").status_code == 302  # signed out there
    assert phone.get("/").status_code == 200  # still signed in here
    assert "Chrome on Windows" not in phone.get("/account/sessions").get_data(as_text=True)


def test_sign_out_everywhere_ends_every_session_of_that_person_only(app, session):
    user, colleague = UserFactory(), UserFactory()
    ward_pc, phone = _browser(app, user, CHROME_ON_WINDOWS), _browser(app, user, SAFARI_ON_IPHONE)
    theirs = _browser(app, colleague, CHROME_ON_WINDOWS)
    answer = phone.post("/account/sessions/sign-out-everywhere")
    assert answer.status_code == 302 and answer.headers["Location"].endswith("/sign-in")
    assert ward_pc.get("/").status_code == 302 and phone.get("/").status_code == 302
    assert theirs.get("/").status_code == 200
    actions = session.scalars(select(AuditEvent.action).where(AuditEvent.actor_user_id == user.id)).all()
    assert "auth.signed_out_everywhere" in actions
    assert operations.active_sessions(session, user) == []


def test_a_session_unused_for_eight_hours_lapses_and_use_is_noted_every_five_minutes(app, session):
    from datetime import timedelta

    from passport.auth.models import SignedInSession
    from passport.db import utcnow

    user = UserFactory()
    browser = _browser(app, user, CHROME_ON_WINDOWS)
    (record,) = operations.active_sessions(session, user)
    record.last_seen_at = utcnow() - timedelta(minutes=10)
    session.flush()
    assert browser.get("/").status_code == 200
    session.refresh(record)
    assert utcnow() - record.last_seen_at < timedelta(minutes=1)  # a GET wrote only this
    record.last_seen_at = utcnow() - timedelta(hours=8, minutes=1)
    session.flush()
    assert browser.get("/").status_code == 302
    assert session.get(SignedInSession, record.id) is not None


def test_failures_are_audited_without_the_password(client, session):
    user = UserFactory()
    client.post("/sign-in", data={"email": user.email, "password": "my-secret-guess-123"})
    events = session.scalars(select(AuditEvent).where(AuditEvent.actor_user_id == user.id)).all()
    assert [e.action for e in events] == ["auth.sign_in_failed"]
    assert "my-secret-guess-123" not in repr([e.details for e in events])


def test_copied_session_cookie_is_useless_after_sign_out(app, session):
    user = UserFactory()
    first, copy = app.test_client(), app.test_client()
    sign_in(first, user)
    cookie = first.get_cookie("passport_session")
    copy.set_cookie("passport_session", cookie.value)
    assert copy.get("/").status_code == 200
    first.post("/sign-out")
    assert copy.get("/").status_code == 302


def test_deactivation_ends_sessions_and_tokens(app, client, session):
    user = UserFactory()
    sign_in(client, user)
    _token, raw = operations.create_api_token(session, user, "sync")
    operations.deactivate_user(session, user, actor="test")
    session.flush()
    assert client.get("/").status_code == 302
    assert client.get("/api/v1/me", headers={"Authorization": f"Bearer {raw}"}).status_code == 401


@pytest.mark.parametrize("target", ["//evil.example/", "/\\evil.example", "https://evil.example/x"])
def test_next_parameter_only_accepts_local_paths(client, session, target):
    user = UserFactory()
    response = client.post(
        "/sign-in", query_string={"next": target}, data={"email": user.email, "password": DEFAULT_PASSWORD}
    )
    assert response.status_code == 302
    assert response.headers["Location"] == "/"


def test_next_parameter_takes_a_local_path(client, session):
    user = UserFactory(role=Role.HR)
    response = client.post(
        "/sign-in", query_string={"next": "/audit"}, data={"email": user.email, "password": DEFAULT_PASSWORD}
    )
    assert response.headers["Location"] == "/audit"


@pytest.fixture
def strict_app(engine, database_url, session, app):
    """The app as it runs for people: CSRF checks and rate limits on, sharing the test's transaction."""
    strict = create_app({"TESTING": True, "PASSPORT_DATABASE_URL": database_url})
    strict.extensions["passport_sessionmaker"] = app.extensions["passport_sessionmaker"]
    return strict


def test_form_without_csrf_token_is_refused(strict_app, session):
    user = UserFactory()
    response = strict_app.test_client().post(
        "/sign-in", data={"email": user.email, "password": DEFAULT_PASSWORD}
    )
    assert response.status_code == 400
    assert b"form had expired" in response.data or b"CSRF" in response.data


def test_api_post_with_session_cookie_needs_csrf(strict_app, session):
    admin = UserFactory(role=Role.ADMIN, trust=None)
    client = strict_app.test_client()
    page = client.get("/sign-in").data.decode()
    token = page.split('name="csrf_token" type="hidden" value="')[1].split('"')[0]
    assert (
        client.post(
            "/sign-in", data={"email": admin.email, "password": DEFAULT_PASSWORD, "csrf_token": token}
        ).status_code
        == 302
    )
    refused = client.post("/api/v1/trusts", json={"ods_code": "RQY", "name": "A trust"})
    assert refused.status_code == 400
    assert refused.json["title"] == "CSRF check failed"


def test_sign_in_is_rate_limited(strict_app, session):
    strict_app.config["WTF_CSRF_ENABLED"] = False
    client = strict_app.test_client()
    answers = [
        client.post(
            "/sign-in",
            data={"email": "x@example.test", "password": "wrong-password-123"},
            environ_base={"REMOTE_ADDR": "203.0.113.9"},
        )
        for _ in range(12)
    ]
    # Five failures, then this email waits from this address; the limiter's count per address and
    # account goes on regardless and answers its own 429 from the eleventh.
    assert [answer.status_code for answer in answers] == [401] * 5 + [429] * 7
    texts = [answer.get_data(as_text=True) for answer in answers]
    assert all("Too many tries for this email address from here" in text for text in texts[5:10])
    assert all("Too many attempts" in text and "from here" not in text for text in texts[10:])


def test_sign_in_limit_is_per_account_with_a_looser_limit_per_address(strict_app, session):
    """A ward behind one trust proxy can all sign in; spraying many accounts from one address cannot."""
    strict_app.config["WTF_CSRF_ENABLED"] = False
    strict_app.config["PASSPORT_SIGN_IN_ADDRESS_RATE_LIMIT"] = "15 per minute"
    client = strict_app.test_client()

    def attempt(email: str, address: str) -> int:
        return client.post(
            "/sign-in",
            data={"email": email, "password": "wrong-password-123"},
            environ_base={"REMOTE_ADDR": address},
        ).status_code

    shared_proxy = "198.51.100.7"
    assert [attempt(f"nurse{n}@example.test", shared_proxy) for n in range(15)] == [401] * 15
    assert attempt("nurse15@example.test", shared_proxy) == 429
    assert attempt("nurse15@example.test", "198.51.100.8") == 401


def test_api_token_is_shown_once_stored_hashed_and_revocable(client, session):
    user = UserFactory()
    sign_in(client, user)
    page = client.post("/account/api-tokens", data={"name": "ESR sync", "days": "90"})
    assert page.status_code == 200
    raw = page.data.decode().split('id="new-token">')[1].split("<")[0]
    stored = session.scalar(select(ApiToken).where(ApiToken.user_id == user.id))
    assert stored.token_hash == hashlib.sha256(raw.encode()).hexdigest()
    assert raw not in repr(session.scalars(select(AuditEvent)).all())
    api = app_client = client.application.test_client()
    me = api.get("/api/v1/me", headers={"Authorization": f"Bearer {raw}"})
    assert me.status_code == 200 and me.json["email"] == user.email
    assert client.get("/account/api-tokens").data.count(raw.encode()) == 0
    client.post(f"/account/api-tokens/{stored.id}/revoke", data={"confirmed": "yes"})  # its page's button
    assert app_client.get("/api/v1/me", headers={"Authorization": f"Bearer {raw}"}).status_code == 401


def test_api_tokens_expire_after_the_period_chosen_at_most_a_year(client, session):
    from datetime import timedelta

    from passport.db import utcnow
    from passport.errors import InvalidInput
    from passport.formatting import uk_date

    user = UserFactory()
    sign_in(client, user)
    made = client.post("/account/api-tokens", data={"name": "Roster sync", "days": "30"})
    assert made.status_code == 200
    token = session.scalar(select(ApiToken).where(ApiToken.user_id == user.id))
    assert abs(token.expires_at - (utcnow() + timedelta(days=30))) < timedelta(minutes=5)
    assert uk_date(token.expires_at) in made.get_data(as_text=True)
    refused = client.post("/account/api-tokens", data={"name": "Forever", "days": "3650"})
    assert refused.status_code == 422
    assert "There is a problem" in refused.get_data(as_text=True) and 'href="#days"' in refused.get_data(
        as_text=True
    )
    with pytest.raises(InvalidInput) as too_long:
        operations.create_api_token(session, user, "Forever", days=366)
    assert list(too_long.value.errors) == ["days"]
    # The default is 90 days; one past its expiry no longer signs anyone in, and the page says so.
    _old, raw = operations.create_api_token(session, user, "Last quarter", now=utcnow() - timedelta(days=91))
    api = client.application.test_client()
    assert api.get("/api/v1/me", headers={"Authorization": f"Bearer {raw}"}).status_code == 401
    page = client.get("/account/api-tokens").get_data(as_text=True)
    assert "Expired" in page.split("Last quarter", 1)[1].split("</tr>", 1)[0]


def test_someone_elses_token_cannot_be_revoked(client, session):
    owner, other = UserFactory(), UserFactory()
    token, _raw = operations.create_api_token(session, owner, "mine")
    sign_in(client, other)
    assert client.post(f"/account/api-tokens/{token.id}/revoke").status_code == 404
    session.refresh(token)
    assert token.revoked_at is None


@pytest.mark.parametrize("password", ["short", "elevenchars"])
def test_passwords_under_twelve_characters_are_refused(session, password):
    from passport.errors import InvalidInput

    with pytest.raises(InvalidInput, match="at least 12"):
        operations.create_user(
            session,
            email="new@example.test",
            display_name="N",
            password=password,
            roles={Role.NURSE},
            trust_id=UserFactory().trust_id,
        )
