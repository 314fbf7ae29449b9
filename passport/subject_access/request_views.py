"""HR's register of subject access requests made by letter, email or in person: record one (person, date
received, how), see the open ones by deadline with the days left, make the person's copy and download
it, mark the request answered. HR of the person's trust only (``Action.HANDLE_SUBJECT_ACCESS``)."""

from __future__ import annotations

from datetime import date

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from passport.auth.models import Role
from passport.auth.policy import Action, ensure
from passport.background.models import Job
from passport.confirmation import confirmed
from passport.db import get_session
from passport.errors import DomainError, NotFound
from passport.formatting import uk_date
from passport.forms import attach_domain_error
from passport.navigation import HomeLink, register
from passport.subject_access import requests
from passport.subject_access.forms import RecordRequestForm, RequestActionForm
from passport.subject_access.views import copy_available, json_attachment, stored_copy
from passport.trusts import people

blueprint = Blueprint("subject_access_requests", __name__)

register(
    HomeLink(
        Role.HR,
        "Subject access requests",
        "subject_access_requests.request_list",
        "Requests for a person's data made by letter, email or in person, with their one-month deadlines.",
    )
)


def _hr():  # type: ignore[no-untyped-def]
    user = current_user._get_current_object()
    ensure(user, Action.HANDLE_SUBJECT_ACCESS, user.trust_id)
    return user


@blueprint.route("/workforce/subject-access", methods=["GET", "POST"])
@login_required
def request_list():  # type: ignore[no-untyped-def]
    hr, session = _hr(), get_session()
    form = RecordRequestForm()
    candidates: list[people.Candidate] = []
    valid, member = False, None
    if form.is_submitted():
        valid = form.validate()
        if not form.staff_email.errors:  # the person is looked for whatever else is wrong: one round
            try:
                typed, scope = form.staff_email.data or "", people.PersonScope.OWN_STAFF
                member = people.choose_person(session, hr, scope, typed, field="staff_email")
            except DomainError as error:
                candidates = getattr(error, "candidates", [])
                attach_domain_error(form, error)
    if valid and member is not None:
        try:
            recorded = requests.record_request(
                session,
                hr,
                member,
                received_on=form.received_on.data,
                how_received=form.how_received.data or "",
                notes=form.notes.data or "",
                today=date.today(),
            )
        except DomainError as error:
            attach_domain_error(form, error)  # answered 422 below: nothing of this request is kept
        else:
            flash(f"Request recorded. Answer it by {uk_date(recorded.due_on)}.", "success")
            return redirect(url_for("subject_access_requests.request_page", request_id=recorded.id))
    open_requests, answered = requests.trust_requests(session, hr.trust_id)
    status = 422 if form.errors or form.form_errors else 200
    return render_template(
        "subject_access/requests.html",
        form=form,
        candidates=candidates,
        open_requests=open_requests,
        answered=answered,
        today=date.today(),
        how_words=requests.HOW_RECEIVED,
    ), status


@blueprint.get("/workforce/subject-access/<int:request_id>")
@login_required
def request_page(request_id: int):  # type: ignore[no-untyped-def]
    hr, session = _hr(), get_session()
    found = requests.get_request(session, hr, request_id)
    job = session.get(Job, found.export_job_id) if found.export_job_id else None
    return render_template(
        "subject_access/request.html",
        request_record=found,
        job=job,
        copy_ready=job is not None and copy_available(job),
        form=RequestActionForm(),
        today=date.today(),
        how_words=requests.HOW_RECEIVED,
    )


@blueprint.post("/workforce/subject-access/<int:request_id>/copy")
@login_required
def make_copy(request_id: int):  # type: ignore[no-untyped-def]
    hr, session = _hr(), get_session()
    found = requests.get_request(session, hr, request_id)
    if not RequestActionForm().validate_on_submit():
        return redirect(url_for("subject_access_requests.request_page", request_id=found.id))
    job = requests.make_copy(session, hr, found)
    return redirect(url_for("background.job_page", job_id=job.id), code=303)


@blueprint.get("/workforce/subject-access/<int:request_id>/copy.json")
@login_required
def download_copy(request_id: int):  # type: ignore[no-untyped-def]
    hr, session = _hr(), get_session()
    found = requests.get_request(session, hr, request_id)
    job = session.get(Job, found.export_job_id) if found.export_job_id else None
    if job is None:
        raise NotFound("No copy has been made for this request yet.")
    _, content = stored_copy(job)
    return json_attachment(content, f"subject-access-request-{found.id}.json")


@blueprint.route("/workforce/subject-access/<int:request_id>/answered", methods=["GET", "POST"])
@login_required
def mark_answered(request_id: int):  # type: ignore[no-untyped-def]
    """Answering closes the request for good: the GET asks first; the POST acts only when confirmed."""
    hr, session = _hr(), get_session()
    found = requests.get_request(session, hr, request_id)
    if request.method == "GET" or not confirmed():
        if request.method == "POST":
            return redirect(url_for("subject_access_requests.mark_answered", request_id=found.id))
        return render_template("subject_access/answered_confirm.html", request_record=found)
    if RequestActionForm().validate_on_submit():
        requests.mark_answered(session, hr, found)
        flash("The request is marked as answered.", "success")
    return redirect(url_for("subject_access_requests.request_page", request_id=found.id))
