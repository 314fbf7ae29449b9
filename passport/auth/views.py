"""Sign in, sign out and the person's own API tokens."""

from __future__ import annotations

from math import ceil

from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from flask import session as flask_session
from flask_limiter.util import get_remote_address
from flask_login import current_user, login_required, login_user, logout_user

from passport.auth import operations
from passport.auth.forms import ApiTokenForm, SignInForm
from passport.auth.policy import Action, allows, ensure
from passport.confirmation import confirmed
from passport.db import get_session, keep_changes_on_error, utcnow
from passport.errors import Conflict
from passport.extensions import limiter
from passport.formatting import uk_date_time
from passport.urls import is_safe_local_path

blueprint = Blueprint("auth", __name__)

SIGN_IN_FAILED = "Your email address or password is not right. Check them and try again."


def _address_and_account() -> str:
    """The limiter key for guessing one account's password: the caller's address and the email tried."""
    email = (request.form.get("email") or "").strip().lower()[:320]
    return f"{get_remote_address()}|{email}"


@blueprint.route("/sign-in", methods=["GET", "POST"])
@limiter.limit(
    lambda: current_app.config["PASSPORT_SIGN_IN_RATE_LIMIT"],
    key_func=_address_and_account,
    methods=["POST"],
    error_message="Too many sign-in attempts. Wait a few minutes and try again.",
)
@limiter.limit(
    lambda: current_app.config["PASSPORT_SIGN_IN_ADDRESS_RATE_LIMIT"],
    methods=["POST"],
    error_message="Too many sign-in attempts. Wait a few minutes and try again.",
)
def login():  # type: ignore[no-untyped-def]
    next_path = request.args.get("next")
    if current_user.is_authenticated:
        return redirect(next_path if is_safe_local_path(next_path) else url_for("core.home"))
    form = SignInForm()
    message = None
    headers: dict[str, str] = {}
    status = 200
    if form.validate_on_submit():
        session = get_session()
        address = get_remote_address() or "-"
        result = operations.authenticate(session, form.email.data or "", form.password.data or "", address)
        keep_changes_on_error(session)  # a failed attempt is recorded (audit, delays) and answered 4xx
        if result.user is not None:
            # A fresh session: nothing from before sign-in survives (no fixation); it lapses after a shift.
            flask_session.clear()
            flask_session.permanent = True
            operations.start_signed_in_session(
                session,
                result.user,
                address=address,
                user_agent=request.headers.get("User-Agent", ""),
            )
            login_user(result.user)
            return redirect(next_path if is_safe_local_path(next_path) else url_for("core.home"))
        if result.wait_until is not None:
            # Only this email from this address waits: the same answer whether or not it has an account.
            seconds = max(1, ceil((result.wait_until - utcnow()).total_seconds()))
            message = (
                f"Too many tries for this email address from here. Wait {_wait_words(seconds)} and try again."
            )
            status, headers = 429, {"Retry-After": str(seconds)}
        else:
            message, status = SIGN_IN_FAILED, 401
    elif form.errors:
        status = 422
    page = render_template("auth/sign_in.html", form=form, failed=message is not None, message=message)
    return page, status, headers


_BROWSERS = (("Edg/", "Edge"), ("Firefox/", "Firefox"), ("Chrome/", "Chrome"), ("Safari/", "Safari"))
_SYSTEMS = (
    ("iPhone", "an iPhone"), ("iPad", "an iPad"), ("Android", "Android"), ("Windows", "Windows"),
    ("Mac OS X", "a Mac"), ("Linux", "Linux"),
)  # fmt: skip


def describe_browser(user_agent: str) -> str:
    """'Chrome on Windows' from a User-Agent header: enough for a person to recognise her own devices."""
    browser = next((name for marker, name in _BROWSERS if marker in user_agent), None)
    system = next((name for marker, name in _SYSTEMS if marker in user_agent), None)
    if browser and system:
        return f"{browser} on {system}"
    return browser or (f"A browser on {system}" if system else "An unknown browser or program")


def _wait_words(seconds: int) -> str:
    if seconds < 60:
        return f"{seconds} second{'s' if seconds != 1 else ''}"
    minutes = ceil(seconds / 60)
    return f"{minutes} minute{'s' if minutes != 1 else ''}"


@blueprint.post("/sign-out")
@login_required
def logout():  # type: ignore[no-untyped-def]
    session = get_session()
    operations.end_signed_in_session(session, current_user._get_current_object())
    logout_user()
    flash("You have signed out.", "success")
    return redirect(url_for("auth.login"))


@blueprint.get("/account/sessions")
@login_required
def sessions():  # type: ignore[no-untyped-def]
    """Where she is signed in, and her API tokens, with a way to end them all."""
    user = current_user._get_current_object()
    session = get_session()
    now = utcnow()
    return render_template(
        "auth/sessions.html",
        signed_in=[
            {
                "browser": describe_browser(record.user_agent),
                "address": record.address,
                "signed_in": uk_date_time(record.created_at),
                "last_active": uk_date_time(record.last_seen_at),
                "this_one": record.id == user.signed_in_session_id,
            }
            for record in operations.active_sessions(session, user, now)
        ],
        tokens=operations.active_tokens(session, user, now),
        may_have_tokens=allows(user, Action.MANAGE_OWN_TOKENS),
    )


@blueprint.post("/account/sessions/sign-out-everywhere")
@login_required
def sign_out_everywhere():  # type: ignore[no-untyped-def]
    session = get_session()
    operations.sign_out_everywhere(session, current_user._get_current_object())
    logout_user()
    flash(
        "You have signed out everywhere: every browser where you were signed in must sign in again.",
        "success",
    )
    return redirect(url_for("auth.login"))


@blueprint.route("/account/api-tokens", methods=["GET", "POST"])
@login_required
def api_tokens():  # type: ignore[no-untyped-def]
    user = current_user._get_current_object()
    ensure(user, Action.MANAGE_OWN_TOKENS)
    session = get_session()
    form = ApiTokenForm()
    new_secret = None
    if form.validate_on_submit():
        _token, new_secret = operations.create_api_token(
            session, user, form.name.data or "", days=int(form.days.data)
        )
        form = ApiTokenForm(formdata=None)
    tokens = operations.user_tokens(session, user)
    status = 422 if form.errors else 200
    return render_template(
        "auth/api_tokens.html", form=form, tokens=tokens, new_secret=new_secret, now=utcnow()
    ), status


@blueprint.route("/account/api-tokens/<int:token_id>/revoke", methods=["GET", "POST"])
@login_required
def revoke_api_token(token_id: int):  # type: ignore[no-untyped-def]
    """A revoked token never works again, so the GET asks first; the POST revokes only with the
    confirmation page's confirmed=yes (without it, nothing changes and the page is shown)."""
    user = current_user._get_current_object()
    ensure(user, Action.MANAGE_OWN_TOKENS)
    session = get_session()
    token = operations.own_api_token(session, user, token_id)
    now = utcnow()
    if token.state(now) != "active":
        raise Conflict(f"The token '{token.name}' is {token.state(now)}: it no longer works.")
    if request.method == "GET":
        return render_template(
            "auth/api_token_revoke_confirm.html",
            token=token,
            last_used=uk_date_time(token.last_used_at) if token.last_used_at else None,
            expires=uk_date_time(token.expires_at),
        )
    if not confirmed():
        return redirect(url_for("auth.revoke_api_token", token_id=token.id))
    operations.revoke_api_token(session, user, token.id)
    flash(f"Token '{token.name}' is revoked: programs using it are refused from now on.", "success")
    return redirect(url_for("auth.api_tokens"))
