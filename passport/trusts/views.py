"""Partnership admin pages: trusts and user accounts."""

from __future__ import annotations

from flask import Blueprint, abort, flash, jsonify, redirect, render_template, request, url_for
from flask_login import current_user, login_required
from flask_wtf import FlaskForm
from sqlalchemy import select
from wtforms import StringField
from wtforms.validators import DataRequired, Length

from passport.auth import operations as auth_operations
from passport.auth.forms import CreateUserForm
from passport.auth.models import Role, UserAccount
from passport.auth.policy import Action, allows, ensure, filter_by_scope
from passport.db import get_session
from passport.errors import DomainError
from passport.forms import attach_domain_error
from passport.trusts import operations, people

blueprint = Blueprint("trusts", __name__)

# Who may search each scope: the tasks that choose a person from it (passport/trusts/people.py).
_SCOPE_ACTIONS = {
    people.PersonScope.OWN_STAFF: (Action.ISSUE_CREDENTIALS, Action.RUN_FIT_CHECKS),
    people.PersonScope.PARTNER_STAFF: (Action.PROPOSE_SECONDMENT,),
}


@blueprint.get("/people/suggestions")
@login_required
def people_suggestions():  # type: ignore[no-untyped-def]
    """Names for the person picker as it is typed (JSON for people.js); the form works without it."""
    user = current_user._get_current_object()
    try:
        scope = people.PersonScope(request.args.get("scope", ""))
    except ValueError:
        abort(404)
    if user.trust_id is None or not any(allows(user, a, user.trust_id) for a in _SCOPE_ACTIONS[scope]):
        ensure(user, _SCOPE_ACTIONS[scope][0], user.trust_id)
    found = people.suggestions(get_session(), user, scope, (request.args.get("q") or "")[:100])
    answer = jsonify(
        [{"name": c.name, "email": c.email, "trust": c.trust_name} for c in found]
    )
    answer.headers["Cache-Control"] = "no-store"
    return answer


class CreateTrustForm(FlaskForm):
    ods_code = StringField(
        "ODS code",
        description="The organisation code, for example RPG.",
        validators=[DataRequired("Enter the ODS code"), Length(max=10)],
    )
    name = StringField("Name", validators=[DataRequired("Enter the trust's name"), Length(max=200)])


@blueprint.route("/admin/trusts", methods=["GET", "POST"])
@login_required
def trusts():  # type: ignore[no-untyped-def]
    user = current_user._get_current_object()
    ensure(user, Action.MANAGE_TRUSTS)
    session = get_session()
    form = CreateTrustForm()
    if form.validate_on_submit():
        try:
            trust = operations.create_trust(
                session, form.ods_code.data or "", form.name.data or "", actor=user
            )
        except DomainError as error:
            attach_domain_error(form, error)
        else:
            flash(f"{trust.name} ({trust.ods_code}) has joined the partnership.", "success")
            return redirect(url_for("trusts.trusts"))
    status = 422 if form.errors else 200
    return render_template("trusts/trusts.html", form=form, trusts=operations.list_trusts(session)), status


@blueprint.route("/admin/users", methods=["GET", "POST"])
@login_required
def users():  # type: ignore[no-untyped-def]
    user = current_user._get_current_object()
    ensure(user, Action.VIEW_USERS)
    session = get_session()
    form = CreateUserForm()
    form.trust.choices = [("", "None (partnership admin)")] + [
        (t.ods_code, f"{t.name} ({t.ods_code})") for t in operations.list_trusts(session)
    ]
    if form.validate_on_submit():
        ensure(user, Action.MANAGE_USERS)
        try:
            trust = operations.get_trust(session, form.trust.data) if form.trust.data else None
            created = auth_operations.create_user(
                session,
                email=form.email.data or "",
                display_name=form.display_name.data or "",
                password=form.password.data or "",
                roles={Role(r) for r in form.roles.data or []},
                trust_id=trust.id if trust else None,
                actor=user,
            )
        except DomainError as error:
            attach_domain_error(form, error)
        else:
            flash(f"Account made for {created.email}.", "success")
            return redirect(url_for("trusts.users"))
    stmt = filter_by_scope(user, Action.VIEW_USERS, select(UserAccount), UserAccount.trust_id)
    accounts = list(session.scalars(stmt.order_by(UserAccount.email)))
    status = 422 if form.errors else 200
    return render_template("trusts/users.html", form=form, accounts=accounts), status
