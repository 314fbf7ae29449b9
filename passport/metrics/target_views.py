"""A trust's sickness absence target: its nursing director (or a partnership admin) sets it on
/metrics/sickness-target; the dashboard draws it on the sickness charts and its assurance icon reads it.

Registered on the dashboard's ``metrics`` blueprint (passport.metrics.views imports this module last).
"""

from __future__ import annotations

from typing import Any

from flask import flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required
from sqlalchemy.orm import Session

from passport.auth.models import Role
from passport.auth.policy import Action, allows
from passport.db import get_session
from passport.errors import DomainError
from passport.formatting import plain_number
from passport.forms import attach_domain_error
from passport.metrics.forms import SicknessTargetForm
from passport.metrics.operations import set_sickness_target
from passport.metrics.views import blueprint, trust_asked
from passport.navigation import HomeLink, register
from passport.trusts.models import Trust
from passport.trusts.operations import list_trusts

register(
    HomeLink(
        Role.DIRECTOR,
        "Sickness absence target",
        "metrics.sickness_target",
        "The rate your trust board aims to stay under, drawn on the sickness charts.",
    ),
    HomeLink(
        Role.ADMIN,
        "Sickness absence targets",
        "metrics.sickness_target",
        "Each trust's target, drawn on its sickness charts.",
    ),
)


def _trust_asked(session: Session, user: Any) -> Trust:
    """The trust ``scope`` names (in the query string or the form), as views.trust_asked reads it."""
    return trust_asked(session, user, Action.SET_SICKNESS_TARGET, (request.values.get("scope") or "").strip())


def _done_message(trust: Trust) -> str:
    target = trust.sickness_target_percent
    if target is None:
        return f"{trust.name} has no sickness absence target now."
    return f"The sickness absence target for {trust.name} is now {plain_number(target)}%."


@blueprint.route("/metrics/sickness-target", methods=["GET", "POST"])
@login_required
def sickness_target():  # type: ignore[no-untyped-def]
    user = current_user._get_current_object()
    session = get_session()
    trust = _trust_asked(session, user)
    form = SicknessTargetForm(data={"sickness_target_percent": trust.sickness_target_percent})
    if form.validate_on_submit():
        try:
            set_sickness_target(session, trust, form.sickness_target_percent.data, actor=user)
        except DomainError as error:
            attach_domain_error(form, error)  # names sickness_target_percent: shown beside the box
        else:
            flash(_done_message(trust), "success")
            return redirect(url_for("metrics.dashboard", scope=trust.ods_code))
    status = 422 if form.errors or form.form_errors else 200
    choices = [t for t in list_trusts(session) if allows(user, Action.SET_SICKNESS_TARGET, t.id)]
    return render_template(
        "metrics/sickness_target.html", form=form, trust=trust, trusts=choices if len(choices) > 1 else []
    ), status
