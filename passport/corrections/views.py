"""Pages of corrections: a person's own record, with a way to ask for each value to be corrected and the
outcome of what she asked; HR's list of requests of their trust and the decision on each."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required
from sqlalchemy import select

from passport.audit.links import RecordPage, register_record_page
from passport.auth.models import Role, UserAccount
from passport.auth.policy import Action, allows, ensure
from passport.confirmation import confirmed
from passport.corrections import operations
from passport.corrections.forms import FORM_FOR_KIND, DecideForm
from passport.corrections.models import CorrectionRequest
from passport.credentials.models import IssuedCredential
from passport.db import get_session
from passport.errors import DomainError, InvalidInput
from passport.forms import attach_domain_error
from passport.navigation import HomeLink, TodoItem, register, register_todo
from passport.reference.workforce import ABSENCE_CATEGORY_BY_CODE
from passport.subject_access.trail import record_views
from passport.workforce.models import Absence, Assignment

blueprint = Blueprint("corrections", __name__)
register_record_page(
    "correction_request",
    RecordPage(
        "corrections.request_page", "request_id", Action.DECIDE_CORRECTIONS, CorrectionRequest.id,
        CorrectionRequest.trust_id,
    ),
)  # fmt: skip
register(
    HomeLink(
        Role.NURSE,
        "Your staff record",
        "corrections.your_record",
        "Your posts and absences as the trusts hold them; ask for anything wrong to be corrected.",
    ),
    HomeLink(
        Role.HR,
        "Corrections asked for",
        "corrections.request_list",
        "Staff who say their record is wrong: accept and make the change, or decline with a reason.",
    ),
)


def _user() -> UserAccount:
    return current_user._get_current_object()


def _hr_todos(user: Any) -> list[TodoItem]:
    if user.trust_id is None or not allows(user, Action.DECIDE_CORRECTIONS, user.trust_id):
        return []
    waiting = operations.open_count(get_session(), user.trust_id)
    if not waiting:
        return []
    noun = "correction waits" if waiting == 1 else "corrections wait"
    return [TodoItem(f"{waiting} {noun} for a decision", url_for("corrections.request_list"))]


register_todo(_hr_todos)


# --- Her side -------------------------------------------------------------------------------------------
@blueprint.get("/account/your-record")
@login_required
def your_record():  # type: ignore[no-untyped-def]
    session, user = get_session(), _user()
    member = operations.own_staff_member(session, user)
    assignments = list(
        session.scalars(
            select(Assignment)
            .where(Assignment.staff_member_id == member.id)
            .order_by(Assignment.start_date.desc(), Assignment.id.desc())
        )
    )
    absences = list(
        session.scalars(
            select(Absence)
            .join(Assignment, Absence.assignment_id == Assignment.id)
            .where(Assignment.staff_member_id == member.id)
            .order_by(Absence.first_day.desc(), Absence.id.desc())
        )
    )
    credentials = session.scalar(
        select(IssuedCredential.id).where(IssuedCredential.staff_member_id == member.id).limit(1)
    )
    return render_template(
        "corrections/your_record.html",
        member=member,
        assignments=assignments,
        absences=absences,
        has_credentials=credentials is not None,
        requests=operations.requests_of(session, member),
        fields_of=operations.fields_of,
        shown=operations.shown,
        field_of=operations.field_of,
        requested_words=operations.requested_words,
        categories=ABSENCE_CATEGORY_BY_CODE,
        reason_field=operations.FIELDS["absence"][-1],
        words=operations.RECORD_WORDS,
    )


@blueprint.route("/account/corrections/new", methods=["GET", "POST"])
@login_required
def new_correction():  # type: ignore[no-untyped-def]
    """Step one (no ``field``): which value is wrong. Step two: what it should say, and why."""
    session, user = get_session(), _user()
    reference = request.values.get("record")
    try:
        record_type, record_id = operations.parse_reference(reference)
        member, record = operations.own_record(session, user, record_type, record_id)
    except InvalidInput as error:
        ensure(user, Action.ASK_FOR_CORRECTION)
        status = 422 if request.method == "POST" else 200
        return render_template("corrections/cannot_correct.html", message=error.message), status
    fields = operations.fields_of(record_type, record)
    chosen = next((f for f in fields if f.name == request.values.get("field")), None)
    context = {
        "record_type": record_type,
        "record": record,
        "reference": reference,
        "member": member,
        "described": operations.describe(record_type, record),
    }
    if chosen is None:
        return render_template(
            "corrections/choose_field.html", fields=fields, shown=operations.shown, **context
        ), (422 if request.method == "POST" else 200)
    form = FORM_FOR_KIND[chosen.kind]()
    if form.validate_on_submit():
        try:
            operations.ask_for_correction(
                session, user, record_type, record.id, field_name=chosen.name, value=form.value.data,
                explanation=form.explanation.data or "",
            )  # fmt: skip
        except DomainError as error:
            attach_domain_error(form, error)
        else:
            flash("Your request was sent to HR. You will see their decision here.", "success")
            return redirect(url_for("corrections.your_record"), code=303)
    status = 422 if form.errors or form.form_errors else 200
    current = operations.shown(chosen, getattr(record, chosen.name))
    return render_template(
        "corrections/ask.html", form=form, field=chosen, current=current, **context
    ), status


# --- HR's side ------------------------------------------------------------------------------------------
def _hr() -> UserAccount:
    user = _user()
    ensure(user, Action.DECIDE_CORRECTIONS, user.trust_id)
    return user


@blueprint.get("/workforce/corrections")
@login_required
def request_list():  # type: ignore[no-untyped-def]
    hr, session = _hr(), get_session()
    waiting, decided = operations.trust_requests(session, hr.trust_id)
    # The waiting list shows the values asked about (a reason for sickness among them): each is a view.
    record_views(session, hr, [r.staff_member_id for r in waiting], "correction_request")
    return render_template("corrections/requests.html", waiting=waiting, decided=decided, **_words())


def _words() -> dict[str, Any]:
    return {
        "field_of": operations.field_of,
        "requested_words": operations.requested_words,
        "words": operations.RECORD_WORDS,
        "describe": operations.describe,
        "record_of": lambda found: operations.record_of(get_session(), found),
    }


@blueprint.route("/workforce/corrections/<int:request_id>", methods=["GET", "POST"])
@login_required
def request_page(request_id: int):  # type: ignore[no-untyped-def]
    """The request and the decision; a valid decision is shown on a confirmation page first (a decision
    is final, and accepting changes the record), and taken only from that page's button."""
    hr, session = _hr(), get_session()
    found = operations.get_request(session, hr, request_id)
    record_views(session, hr, [found.staff_member_id], "correction_request")
    record = operations.record_of(session, found)
    field = operations.field_of(found)
    now = operations.shown(field, getattr(record, field.name)) if record is not None else "Removed"
    form = DecideForm()
    if found.status == operations.OPEN and form.validate_on_submit():
        accept = form.decision.data == "accept"
        try:
            operations.check_reason(accept=accept, reason=form.reason.data or "")
            if confirmed():
                operations.decide(session, hr, found, accept=accept, reason=form.reason.data or "")
                flash("The correction was made." if accept else "The correction was declined.", "success")
                return redirect(url_for("corrections.request_list"), code=303)
        except DomainError as error:
            attach_domain_error(form, error)
        else:
            return render_template(
                "corrections/decide_confirm.html", request_record=found, form=form, accept=accept,
                field=field, now=now, **_words(),
            )  # fmt: skip
    status = 422 if form.errors or form.form_errors else 200
    return render_template(
        "corrections/request.html", request_record=found, form=form, field=field, now=now, record=record,
        **_words(),
    ), status  # fmt: skip
