"""Secondment pages: lists by trust, the proposal form, a secondment with its timeline and the steps the
viewer may take, the CSV export, HR of the host trust's view of a seconded nurse, and notifications."""

from __future__ import annotations

from datetime import date
from typing import Any

from flask import Blueprint, Response, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required
from werkzeug.datastructures import MultiDict

from passport.audit.links import RecordPage, register_record_page
from passport.auth.policy import Action, allows, ensure
from passport.confirmation import confirmed
from passport.db import discard_request_changes, get_session
from passport.errors import DomainError
from passport.forms import attach_domain_error
from passport.secondments import notifications, operations, queries
from passport.secondments.forms import FinalStepForm, ListFilterForm, ProposeForm, StepForm
from passport.secondments.models import Secondment
from passport.secondments.state import FINAL_STEPS, STEP_LABELS, Party, Status, Step
from passport.trusts import people

blueprint = Blueprint("secondments", __name__)
register_record_page(
    "secondment", RecordPage("secondments.detail", "secondment_id", Action.VIEW_SECONDMENTS, Secondment.id)
)


def _user():  # type: ignore[no-untyped-def]
    return current_user._get_current_object()


def today() -> date:
    return date.today()


def _ensure_some_part(user: Any) -> None:
    if not (allows(user, Action.VIEW_SECONDMENTS) or allows(user, Action.CONSENT_TO_SECONDMENT)):
        ensure(user, Action.VIEW_SECONDMENTS)  # raises, naming the action


def _ensure_may_take_steps(user: Any) -> None:
    if not (allows(user, Action.DECIDE_SECONDMENT) or allows(user, Action.CONSENT_TO_SECONDMENT)):
        ensure(user, Action.DECIDE_SECONDMENT)  # raises: no part in any secondment


def _date_args() -> MultiDict:
    """The query string, with a date given whole (``on_or_after=2027-04-01``, as links and the docs write
    it) read as the NHS.UK date input's three boxes that the page sends."""
    args = MultiDict(request.args)
    for name in ("on_or_after", "on_or_before"):
        raw = (args.get(name) or "").strip()
        if raw and not any(args.get(f"{name}-{part}") for part in ("day", "month", "year")):
            try:
                whole = date.fromisoformat(raw)
            except ValueError:
                args.update({f"{name}-day": raw, f"{name}-month": "", f"{name}-year": ""})
            else:
                parts = {"day": whole.day, "month": whole.month, "year": whole.year}
                args.update({f"{name}-{part}": str(value) for part, value in parts.items()})
    return args


def _filters() -> tuple[queries.ListFilters, ListFilterForm]:
    """The list's filters, and the form of its dates (with errors, NHS.UK style, for dates that are not)."""
    direction = request.args.get("direction") or "all"
    status = request.args.get("status") or None
    if direction not in queries.DIRECTIONS or (status and status not in {s.value for s in Status}):
        abort(400)
    form = ListFilterForm(_date_args())
    form.validate()
    return queries.ListFilters(direction, status, form.on_or_after.data, form.on_or_before.data), form


@blueprint.get("/secondments")
@login_required
def secondment_list():  # type: ignore[no-untyped-def]
    user = _user()
    _ensure_some_part(user)
    filters, form = _filters()
    day = today()
    rows = None if form.errors else queries.list_secondments(get_session(), user, filters, today=day)
    page = render_template(
        "secondments/list.html",
        rows=rows,
        filters=filters,
        form=form,
        shown_status=lambda s: queries.shown_status(s, day),
        statuses=list(Status),
        directions=queries.DIRECTIONS,
        can_propose=allows(user, Action.PROPOSE_SECONDMENT, user.trust_id),
    )
    return page, 422 if form.errors else 200


@blueprint.get("/secondments/export.csv")
@login_required
def export_csv() -> Response:
    user = _user()
    _ensure_some_part(user)
    day = today()
    filters, form = _filters()
    if form.errors:
        abort(400)
    rows = queries.list_secondments(get_session(), user, filters, today=day, limit=queries.MAX_LIMIT)
    response = Response(queries.to_csv(rows, day), mimetype="text/csv")
    response.headers["Content-Disposition"] = f'attachment; filename="secondments-{day.isoformat()}.csv"'
    return response


@blueprint.route("/secondments/new", methods=["GET", "POST"])
@login_required
def propose():  # type: ignore[no-untyped-def]
    from competencies.jobs.operations import adopted_by_trust

    user = _user()
    ensure(user, Action.PROPOSE_SECONDMENT, user.trust_id)
    session = get_session()
    form = ProposeForm()
    form.job_version_id.choices = [("", "Choose a job description")] + [
        (str(v.id), f"{v.title}, band {v.afc_band} (version {v.number})")
        for v in adopted_by_trust(session, user.trust_id)
    ]
    candidates: list[people.Candidate] = []
    if form.validate_on_submit():
        try:
            version_id = int(form.job_version_id.data or 0)
            typed, scope = form.staff_email.data or "", people.PersonScope.PARTNER_STAFF
            nurse = people.choose_person(session, user, scope, typed, field="staff_email")
            secondment = operations.propose(
                session,
                user,
                operations.Proposal(
                    staff_member=nurse,
                    job_version_id=version_id,
                    start_date=form.start_date.data,
                    end_date=form.end_date.data,
                    fte=form.fte.data or None,
                    hours_per_week=form.hours_per_week.data or None,
                    recharge_percent=form.recharge_percent.data,
                    reason=form.reason.data or "",
                ),
                today=today(),
            )
        except DomainError as error:
            candidates = getattr(error, "candidates", [])  # several people match: the form offers them
            attach_domain_error(form, error)  # answered 422 below: nothing of this request is kept
        else:
            flash(
                f"Secondment proposed: it waits for {secondment.home_trust.ods_code} HR and the nurse.",
                "success",
            )
            return redirect(url_for("secondments.detail", secondment_id=secondment.id))
    status = 422 if form.errors or form.form_errors else 200
    return render_template("secondments/propose.html", form=form, candidates=candidates), status


def _render_detail(
    secondment: Any, step_form: StepForm | None = None, failed_step: str | None = None, status: int = 200
):  # type: ignore[no-untyped-def]
    user, day = _user(), today()
    from competencies.jobs.models import JobVersion

    steps = operations.available_steps(user, secondment, day)
    asker = secondment.extension_requested_by
    asked_by_me = asker is not None and Party(asker) in operations.parties_of(user, secondment)
    return (
        render_template(
            "secondments/detail.html",
            s=secondment,
            shown=queries.shown_status(secondment, day),
            version=get_session().get(JobVersion, secondment.job_version_id),
            steps=steps,
            step_labels=STEP_LABELS,
            Step=Step,
            Party=Party,
            form=step_form or StepForm(formdata=None),
            failed_step=failed_step,
            asked_by_me=asked_by_me,
            final_steps=FINAL_STEPS,
            can_see_secondee=operations.Party.HOST in operations.parties_of(user, secondment)
            and operations.is_on(secondment, day),
        ),
        status,
    )


@blueprint.get("/secondments/<int:secondment_id>")
@login_required
def detail(secondment_id: int):  # type: ignore[no-untyped-def]
    return _render_detail(operations.get_secondment(get_session(), _user(), secondment_id))


@blueprint.post("/secondments/<int:secondment_id>/steps")
@login_required
def take_step(secondment_id: int):  # type: ignore[no-untyped-def]
    user = _user()
    _ensure_may_take_steps(user)
    session = get_session()
    secondment = operations.get_secondment(session, user, secondment_id)
    form = StepForm()
    step_value = form.step.data or ""
    if step_value not in {s.value for s in Step} or step_value in (Step.PROPOSE, Step.ACTIVATE):
        form.form_errors.append("Choose one of the steps offered.")
        return _render_detail(secondment, form, step_value, 422)
    if Step(step_value) in FINAL_STEPS:  # it ends the secondment for good: its confirmation page asks first
        if not confirmed():
            return redirect(url_for("secondments.confirm_step", secondment_id=secondment.id, step=step_value))
        return _final_step(secondment_id, Step(step_value))
    if form.validate():
        try:
            operations.take_step(
                session,
                user,
                secondment,
                Step(step_value),
                operations.StepInput(
                    note=form.note.data,
                    new_end_date=form.new_end_date.data,
                    override_reason=form.override_reason.data,
                ),
                today=today(),
            )
        except DomainError as error:
            if error.status == 403:
                raise
            # The page below is drawn from the secondment, which the refused step may have changed in
            # the session before it was refused (a due start, caught up): show what is stored.
            discard_request_changes()
            attach_domain_error(form, error)
        else:
            now = queries.shown_status(secondment, today()).label.lower()
            flash(f"{Step(step_value).label}. The secondment is now {now}.", "success")
            return redirect(url_for("secondments.detail", secondment_id=secondment.id))
    secondment = operations.get_secondment(session, user, secondment_id)
    return _render_detail(secondment, form, step_value, 422)


@blueprint.route("/secondments/<int:secondment_id>/steps/<string:step>", methods=["GET", "POST"])
@login_required
def confirm_step(secondment_id: int, step: str):  # type: ignore[no-untyped-def]
    """The confirmation page of a step that ends a secondment for good (declined, cancelled, ended early,
    completed): what will happen, a note (and the last day, to end early); the POST takes the step only
    with the page's confirmed=yes, else it changes nothing and shows the page."""
    if step not in {s.value for s in FINAL_STEPS}:
        abort(404)
    return _final_step(secondment_id, Step(step))


def _final_step(secondment_id: int, step: Step):  # type: ignore[no-untyped-def]
    user = _user()
    _ensure_may_take_steps(user)
    session = get_session()
    secondment = operations.get_secondment(session, user, secondment_id)
    day = today()
    operations.ensure_step_offered(user, secondment, step, day)
    if request.method == "POST" and not confirmed():
        return redirect(url_for("secondments.confirm_step", secondment_id=secondment.id, step=step.value))
    form = FinalStepForm()
    form.ended_on.required = step is Step.END_EARLY
    if request.method == "POST" and form.validate():
        try:
            operations.take_step(
                session,
                user,
                secondment,
                step,
                operations.StepInput(
                    note=form.note.data,
                    ended_on=form.ended_on.data if step is Step.END_EARLY else None,
                ),
                today=day,
            )
        except DomainError as error:
            if error.status == 403:
                raise
            discard_request_changes()  # as on the detail page: show what is stored
            attach_domain_error(form, error)
            secondment = operations.get_secondment(session, user, secondment_id)
        else:
            now = queries.shown_status(secondment, day).label.lower()
            flash(f"{step.label}. The secondment is now {now}.", "success")
            return redirect(url_for("secondments.detail", secondment_id=secondment.id))
    page = render_template(
        "secondments/step_confirm.html",
        s=secondment,
        step=step,
        Step=Step,
        form=form,
        shown=queries.shown_status(secondment, day),
        as_nurse=operations.Party.NURSE in operations.parties_of(user, secondment),
    )
    return page, 422 if form.errors or form.form_errors else 200


@blueprint.get("/secondments/<int:secondment_id>/secondee")
@login_required
def secondee(secondment_id: int):  # type: ignore[no-untyped-def]
    user, session = _user(), get_session()
    ensure(user, Action.DECIDE_SECONDMENT)
    secondment = operations.get_secondment(session, user, secondment_id)
    view = queries.secondee_view(session, user, secondment, today())
    from passport.credentials.operations import status_of

    return render_template("secondments/secondee.html", view=view, s=secondment, status_of=status_of)


@blueprint.get("/notifications")
@login_required
def notification_list():  # type: ignore[no-untyped-def]
    user = _user()
    rows = notifications.notifications_for(get_session(), user)
    return render_template("secondments/notifications.html", rows=rows)


@blueprint.post("/notifications/read")
@login_required
def notifications_read():  # type: ignore[no-untyped-def]
    session = get_session()
    count = notifications.mark_all_read(session, _user())
    flash(f"{count} notification{'' if count == 1 else 's'} marked as read.", "success")
    return redirect(url_for("secondments.notification_list"))


# --- Registration: home page links and to-do list, demo data, the policy's temporary access ---------------


def _todo_items(user: Any) -> list[Any]:
    from passport.navigation import TodoItem

    session = get_session()
    items = [
        TodoItem(
            f"{item.what}: secondment of {item.secondment.staff_member.full_name} "
            f"({item.secondment.home_trust.ods_code} to {item.secondment.host_trust.ods_code})",
            url_for("secondments.detail", secondment_id=item.secondment.id),
        )
        for item in queries.todo_for(session, user, today())
    ]
    unread = notifications.unread_count(session, user)
    if unread:
        items.append(
            TodoItem(
                f"{unread} unread notification{'' if unread == 1 else 's'}",
                url_for("secondments.notification_list"),
            )
        )
    return items


def _register() -> None:
    import competencies.jobs.demo  # noqa: F401 (registers the job descriptions' demo data before ours)
    from passport.auth.models import Role
    from passport.auth.policy import register_temporary_access
    from passport.demo import DEMO_EXTENSIONS
    from passport.navigation import HomeLink, register, register_todo
    from passport.secondments.demo import seed_secondments

    if seed_secondments not in DEMO_EXTENSIONS:
        DEMO_EXTENSIONS.append(seed_secondments)
    register_temporary_access(operations.host_access)
    register_todo(_todo_items)
    register(
        HomeLink(
            Role.HR, "Secondments", "secondments.secondment_list", "Incoming and outgoing; propose one."
        ),
        HomeLink(
            Role.ADMIN, "Secondments", "secondments.secondment_list", "Every secondment in the partnership."
        ),
        HomeLink(
            Role.NURSE,
            "Your secondments",
            "secondments.secondment_list",
            "Consent to or decline a secondment.",
        ),
    )
    for role in (Role.HR, Role.NURSE, Role.ASSESSOR):
        register(
            HomeLink(
                role,
                "Notifications",
                "secondments.notification_list",
                "What happened, and what waits on you.",
            )
        )


_register()
