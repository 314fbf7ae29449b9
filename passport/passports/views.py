"""The nurse's passport pages, her shares, and the public page a share link opens."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from flask import Blueprint, Response, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from passport.auth.policy import Action, allows, ensure
from passport.confirmation import confirmed
from passport.credentials.directory import verify_document
from passport.credentials.operations import status_of
from passport.db import get_session, utcnow
from passport.errors import AccessDenied, Conflict, DomainError
from passport.extensions import limiter
from passport.formatting import uk_date, uk_date_time
from passport.passports import operations
from passport.passports.api import share_url
from passport.passports.facts import shared_rows
from passport.passports.forms import ShareForm
from passport.passports.models import OpeningKind
from passport.passports.qr import qr_png, qr_svg
from passport.trusts.operations import find_trust, list_trusts

blueprint = Blueprint("passports", __name__)


def _holder():  # type: ignore[no-untyped-def]
    user = current_user._get_current_object()
    ensure(user, Action.HOLD_PASSPORT)
    return user, operations.staff_member_of(user)


# More sections of a shared passport's page for a signed-in viewer, from other features (the job
# descriptions add the fit check against the viewer's trust's job descriptions). Each is called with
# the session, the viewer, the share and the (credential, verification report) pairs shown, and answers
# (template, its variables) or None. They may record audit events: the opening already declared the
# request's access trail (``record_opening``), so the request keeps them with it.
SharedPassportSection = Callable[[Any, Any, Any, list[tuple[Any, Any]]], tuple[str, dict[str, Any]] | None]
SHARED_PASSPORT_SECTIONS: list[SharedPassportSection] = []


def _current_user_or_none():  # type: ignore[no-untyped-def]
    return current_user._get_current_object() if current_user.is_authenticated else None


def _share_rate_limit() -> str:
    return current_app.config.get("PASSPORT_SHARE_RATE_LIMIT", "120 per minute")


@blueprint.get("/passport")
@login_required
def passport():  # type: ignore[no-untyped-def]
    _user, member = _holder()
    groups = operations.passport_groups(get_session(), member)
    return render_template("passports/passport.html", member=member, groups=groups)


@blueprint.get("/passport/presentation.json")
@login_required
def presentation_download():  # type: ignore[no-untyped-def]
    _user, member = _holder()
    body = operations.current_presentation(get_session(), member)
    return _json_download(body, "passport-presentation.json")


def _json_download(body: dict[str, Any], filename: str) -> Response:
    response = Response(json.dumps(body, indent=2, ensure_ascii=False), mimetype="application/json")
    response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


@blueprint.route("/passport/share", methods=["GET", "POST"])
@login_required
def share():  # type: ignore[no-untyped-def]
    user, member = _holder()
    session = get_session()
    groups = operations.passport_groups(session, member)
    shareable = [e for g in groups for e in g.entries if e.credential.state.value != "revoked"]
    form = ShareForm()
    form.credential_ids.choices = [(e.credential.id, _choice_label(e.credential)) for e in shareable]
    form.receiving_trust.choices = [("", "Not stated")] + [
        (t.ods_code, f"{t.name} ({t.ods_code})") for t in list_trusts(session)
    ]
    if not form.is_submitted():
        form.credential_ids.data = [e.credential.id for e in shareable if e.state.tag in {"green", "yellow"}]
    if form.validate_on_submit():
        try:
            new_share, token = operations.create_share(
                session,
                member=member,
                credential_ids=form.credential_ids.data or [],
                hours=int(form.hours.data),
                receiving_trust=find_trust(session, form.receiving_trust.data)
                if form.receiving_trust.data
                else None,
                actor=user,
            )
        except DomainError as error:
            from passport.forms import attach_domain_error

            attach_domain_error(form, error)  # answered 422 below: nothing of this request is kept
        else:
            # Shown once: only the token's hash is kept, so this page is the one place the link appears.
            return render_template(
                "passports/share_created.html",
                share=new_share,
                member=member,
                link=share_url(token),
                token=token,
                status_of=status_of,
            )
    status = 422 if form.errors else 200
    return render_template("passports/share.html", form=form, entries=shareable), status


@blueprint.get("/passport/shares")
@login_required
def shares():  # type: ignore[no-untyped-def]
    _user, member = _holder()
    return render_template(
        "passports/shares.html",
        shares=operations.shares_of(get_session(), member),
        now=utcnow(),
        keep_days=operations.KEEP_EXPIRED_SHARES.days,
    )


@blueprint.route("/passport/shares/<int:share_id>/revoke", methods=["GET", "POST"])
@login_required
def revoke_share(share_id: int):  # type: ignore[no-untyped-def]
    """A withdrawn link never works again, so the GET asks first; the POST withdraws only with the
    confirmation page's confirmed=yes (without it, nothing changes and the page is shown)."""
    user, member = _holder()
    session = get_session()
    share = operations.own_share(session, member, share_id)
    if share.revoked_at is not None:
        raise Conflict("This link is already withdrawn: it no longer opens your passport.")
    if not share.is_live(utcnow()):
        raise Conflict("This link has expired: it no longer opens your passport.")
    if request.method == "GET":
        return render_template(
            "passports/share_withdraw_confirm.html",
            share=share,
            shared_at=uk_date_time(share.created_at),
            works_until=uk_date_time(share.expires_at),
        )
    if not confirmed():
        return redirect(url_for("passports.revoke_share", share_id=share.id))
    operations.revoke_share(session, member, share.id, actor=user)
    flash("The link is withdrawn: it no longer opens your passport.", "success")
    return redirect(url_for("passports.shares"))


# --- The public side of a share -----------------------------------------------------------------------


@blueprint.get("/v/<string:token>")
@limiter.limit(_share_rate_limit)
def shared(token: str):  # type: ignore[no-untyped-def]
    session = get_session()
    the_share = operations.live_share(session, token)
    user = _current_user_or_none()
    report = verify_document(session, operations.presentation(the_share.credentials))
    operations.record_opening(session, the_share, OpeningKind.OPENED, user)
    entries = list(zip(the_share.credentials, report.credentials, strict=True))
    sections = []
    if user is not None:
        for section in SHARED_PASSPORT_SECTIONS:
            shown = section(session, user, the_share, entries)
            if shown is not None:
                sections.append(shown)
    can_record = (
        user is not None
        and the_share.receiving_trust_id is not None
        and allows(user, Action.RECORD_SHARE_VERIFIED, the_share.receiving_trust_id)
    )
    response = Response(
        render_template(
            "passports/shared.html",
            share=the_share,
            token=token,
            rows=shared_rows(entries),
            shared_on=uk_date(the_share.created_at),
            expires=uk_date_time(the_share.expires_at),
            report=report,
            can_record=can_record,
            sections=sections,
        )
    )
    response.headers["X-Robots-Tag"] = "noindex, nofollow"
    return response


@blueprint.get("/v/<string:token>/presentation.json")
@limiter.limit(_share_rate_limit)
def shared_presentation(token: str):  # type: ignore[no-untyped-def]
    session = get_session()
    the_share = operations.live_share(session, token)
    body = operations.presentation(the_share.credentials)
    operations.record_opening(session, the_share, OpeningKind.DOWNLOADED, _current_user_or_none())
    return _json_download(body, "shared-passport.json")


@blueprint.get("/v/<string:token>/qr.svg")
@limiter.limit(_share_rate_limit)
def share_qr_svg(token: str):  # type: ignore[no-untyped-def]
    operations.live_share(get_session(), token)
    return Response(qr_svg(share_url(token)), mimetype="image/svg+xml")


@blueprint.get("/v/<string:token>/qr.png")
@limiter.limit(_share_rate_limit)
def share_qr_png(token: str):  # type: ignore[no-untyped-def]
    operations.live_share(get_session(), token)
    return Response(qr_png(share_url(token)), mimetype="image/png")


@blueprint.post("/v/<string:token>/verified")
@login_required
def record_verified(token: str):  # type: ignore[no-untyped-def]
    user = current_user._get_current_object()
    ensure(user, Action.RECORD_SHARE_VERIFIED)
    session = get_session()
    the_share = operations.live_share(session, token)
    if the_share.receiving_trust_id is None:
        raise Conflict("This share names no receiving trust, so nobody can record it as verified.")
    if not allows(user, Action.RECORD_SHARE_VERIFIED, the_share.receiving_trust_id):
        raise AccessDenied("Only HR of the trust this passport was shared with can record it as verified.")
    report = verify_document(session, operations.presentation(the_share.credentials))
    operations.record_opening(session, the_share, OpeningKind.VERIFIED, user, verified_result=report.verified)
    outcome = "every credential verified" if report.verified else "some credentials did not verify"
    flash(f"Recorded that you checked this passport: {outcome}.", "success")
    return redirect(url_for("passports.shared", token=token))


def _choice_label(credential: Any) -> str:
    """A credential as the share form lists it: its title, and a competency's statement after it."""
    statement = credential.competency_statement
    return f"{credential.title}: {statement}" if statement else credential.title


def _register() -> None:
    from passport.auth.models import Role
    from passport.demo import DEMO_EXTENSIONS
    from passport.navigation import HomeLink, register
    from passport.passports.demo import seed_passports

    if seed_passports not in DEMO_EXTENSIONS:
        DEMO_EXTENSIONS.append(seed_passports)
    for role in (Role.NURSE, Role.ASSESSOR):
        register(
            HomeLink(role, "Your passport", "passports.passport", "The credentials trusts signed about you."),
            HomeLink(role, "Share your passport", "passports.share", "A time-limited link and QR code."),
            HomeLink(role, "Your shares", "passports.shares", "Your links, and who opened them."),
        )


_register()
