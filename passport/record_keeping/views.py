"""Record retention pages (issue 17): the schedule and what it would let go of today, for partnership
admins; placing and releasing a legal hold on a person's records, for HR of her trust."""

from __future__ import annotations

from datetime import date

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from passport.auth.models import Role
from passport.auth.policy import Action, ensure
from passport.confirmation import confirmed
from passport.db import get_session
from passport.errors import DomainError
from passport.forms import attach_domain_error
from passport.navigation import HomeLink, register
from passport.record_keeping import holds
from passport.record_keeping.forms import PlaceHoldForm
from passport.record_keeping.operations import GONE_WORDS, last_applied, plan_retention
from passport.record_keeping.schedule import SETTINGS, schedule_rows
from passport.record_keeping.tasks import schedule_in_force

blueprint = Blueprint("record_keeping", __name__)

register(
    HomeLink(
        Role.ADMIN,
        "Record retention",
        "record_keeping.retention_page",
        "How long records are kept, and what the daily job would anonymise or delete today.",
    )
)


@blueprint.get("/admin/retention")
@login_required
def retention_page():  # type: ignore[no-untyped-def]
    user, session = current_user._get_current_object(), get_session()
    ensure(user, Action.VIEW_RETENTION)
    schedule = schedule_in_force()
    today = date.today()
    plan = plan_retention(session, schedule, today)
    return render_template(
        "record_keeping/retention.html",
        rows=schedule_rows(schedule),
        settings=SETTINGS,
        schedule=schedule,
        plan=plan,
        last=last_applied(session),
        gone_words=GONE_WORDS,
        today=today,
    )


@blueprint.route("/workforce/staff/<int:staff_id>/legal-hold", methods=["GET", "POST"])
@login_required
def place_hold(staff_id: int):  # type: ignore[no-untyped-def]
    user, session = current_user._get_current_object(), get_session()
    member = holds.held_member(session, user, staff_id)
    form = PlaceHoldForm()
    if form.validate_on_submit():
        try:
            holds.place_hold(session, user, member, form.reason.data or "")
        except DomainError as error:
            attach_domain_error(form, error)
        else:
            flash(
                "Legal hold placed. The retention job leaves these records alone until it is released.",
                "success",
            )
            return redirect(url_for("workforce.person", staff_id=member.id))
    status = 422 if form.errors or form.form_errors else 200
    return render_template(
        "record_keeping/place_hold.html", form=form, member=member, hold=holds.active_hold(session, member.id)
    ), status


@blueprint.route("/workforce/staff/<int:staff_id>/legal-hold/release", methods=["GET", "POST"])
@login_required
def release_hold(staff_id: int):  # type: ignore[no-untyped-def]
    """Releasing lets the retention job take the records when they are due: the GET asks first; the POST
    acts only when confirmed (the CSRF token is checked for every form post)."""
    user, session = current_user._get_current_object(), get_session()
    member = holds.held_member(session, user, staff_id)
    hold = holds.active_hold(session, member.id)
    if hold is None:
        flash(f"The records of {member.full_name} are not held.", "info")
        return redirect(url_for("workforce.person", staff_id=member.id))
    if request.method == "GET" or not confirmed():
        if request.method == "POST":
            return redirect(url_for("record_keeping.release_hold", staff_id=member.id))
        return render_template("record_keeping/release_confirm.html", member=member, hold=hold)
    holds.release_hold(session, user, member)
    flash("Legal hold released.", "success")
    return redirect(url_for("workforce.person", staff_id=member.id))
