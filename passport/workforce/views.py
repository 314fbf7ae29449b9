"""HR pages for workforce records: the staff list, a person's page, absence and leaver forms, and the
upload of ESR-style extracts with its results."""

from __future__ import annotations

from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required
from sqlalchemy import select

from passport.audit.links import RecordPage, register_record_page
from passport.auth.models import Role, UserAccount
from passport.auth.policy import Action, allows, ensure, filter_by_scope
from passport.background.models import UNFINISHED, Job
from passport.db import get_session
from passport.errors import DomainError
from passport.forms import attach_domain_error
from passport.navigation import HomeLink, register
from passport.record_keeping import holds
from passport.reference import workforce as reference
from passport.reference.workforce import LEAVING_REASON_BY_CODE, STAFF_GROUP_BY_CODE
from passport.subject_access.trail import record_views
from passport.trusts.models import StaffMember
from passport.trusts.operations import list_trusts
from passport.workforce import operations
from passport.workforce.api import get_import_run, import_limits
from passport.workforce.esr_files import ABSENCE_COLUMNS, ASSIGNMENT_COLUMNS
from passport.workforce.forms import AbsenceForm, EndAbsenceForm, ImportForm, LeaverForm, StaffFilterForm
from passport.workforce.models import ImportRun
from passport.workforce.schemas import import_run_json
from passport.workforce.tasks import ESR_IMPORT
from passport.workforce.uploads import read_upload, start_import_job

blueprint = Blueprint("workforce", __name__)
register_record_page(
    "staff_member", RecordPage(
        "workforce.person", "staff_id", Action.VIEW_WORKFORCE, StaffMember.id, StaffMember.trust_id
    )
)
register_record_page(
    "import_run", RecordPage(
        "workforce.import_result", "run_id", Action.IMPORT_WORKFORCE, ImportRun.id, ImportRun.trust_id
    )
)
PAGE_SIZE = 50
SHOWN_REJECTED_ROWS = 1_000

register(
    HomeLink(
        Role.HR, "Staff records", "workforce.staff_list", "Your trust's staff, assignments and absences."
    ),
    HomeLink(Role.HR, "Import ESR extracts", "workforce.imports", "Upload assignments or absences from ESR."),
    HomeLink(
        Role.ADMIN, "Staff records", "workforce.staff_list", "Assignments and absences across the trusts."
    ),
    HomeLink(
        Role.ADMIN, "Import ESR extracts", "workforce.imports", "Upload assignments or absences from ESR."
    ),
)


def _user() -> UserAccount:
    return current_user._get_current_object()


@blueprint.app_context_processor
def _workforce_labels() -> dict[str, object]:
    return {"STAFF_GROUP_BY_CODE": STAFF_GROUP_BY_CODE, "LEAVING_REASON_BY_CODE": LEAVING_REASON_BY_CODE}


@blueprint.get("/workforce/staff")
@login_required
def staff_list():  # type: ignore[no-untyped-def]
    user = _user()
    ensure(user, Action.VIEW_WORKFORCE)
    form = StaffFilterForm(request.args)
    page = max(request.args.get("page", 1, type=int) or 1, 1)
    result = None
    if form.validate():
        filters = operations.StaffFilters(
            staff_group=form.staff_group.data or None,
            afc_band=form.afc_band.data or None,
            in_post_on=form.in_post_on.data,
            name=(form.name.data or "").strip() or None,
        )
        result = operations.list_staff(
            get_session(), user, filters, limit=PAGE_SIZE, offset=(page - 1) * PAGE_SIZE
        )
    args = {key: value for key, value in request.args.items() if key != "page" and value}
    status = 422 if form.errors else 200
    return render_template(
        "workforce/staff_list.html", form=form, result=result, page=page, page_size=PAGE_SIZE, args=args
    ), status


@blueprint.get("/workforce/staff/<int:staff_id>")
@login_required
def person(staff_id: int):  # type: ignore[no-untyped-def]
    session, user = get_session(), _user()
    record = operations.person_record(session, user, staff_id)
    record_views(session, user, [record.member.id], record.viewed_as)
    can_hold = allows(user, Action.PLACE_LEGAL_HOLD, record.member.trust_id)
    hold = holds.active_hold(session, record.member.id) if can_hold else None
    return render_template("workforce/person.html", record=record, can_hold=can_hold, legal_hold=hold)


def _form_page(template: str, form, status_ok: int = 200, **context):  # type: ignore[no-untyped-def]
    status = 422 if form.errors or getattr(form, "form_errors", None) else status_ok
    return render_template(template, form=form, **context), status


@blueprint.route("/workforce/assignments/<int:assignment_id>/absences/new", methods=["GET", "POST"])
@login_required
def record_absence(assignment_id: int):  # type: ignore[no-untyped-def]
    user, session = _user(), get_session()
    assignment = operations.get_assignment(session, user, assignment_id, Action.RECORD_WORKFORCE)
    form = AbsenceForm()
    if form.validate_on_submit():
        try:
            operations.record_absence(
                session,
                user,
                assignment,
                first_day=form.first_day.data,
                last_day=form.last_day.data,
                category=form.category.data or "",
                reason_code=form.reason_code.data or None,
                related_reason=form.related_reason.data,
            )
        except DomainError as error:
            attach_domain_error(form, error)
        else:
            flash("Absence recorded.", "success")
            return redirect(url_for("workforce.person", staff_id=assignment.staff_member_id))
    return _form_page("workforce/absence_form.html", form, assignment=assignment)


@blueprint.route("/workforce/absences/<int:absence_id>/end", methods=["GET", "POST"])
@login_required
def end_absence(absence_id: int):  # type: ignore[no-untyped-def]
    user, session = _user(), get_session()
    absence = operations.get_absence(session, user, absence_id, Action.RECORD_WORKFORCE)
    form = EndAbsenceForm()
    if form.validate_on_submit():
        try:
            operations.end_absence(session, user, absence, last_day=form.last_day.data)
        except DomainError as error:
            attach_domain_error(form, error)
        else:
            flash("Absence ended.", "success")
            return redirect(url_for("workforce.person", staff_id=absence.assignment.staff_member_id))
    return _form_page("workforce/end_absence_form.html", form, absence=absence)


@blueprint.route("/workforce/assignments/<int:assignment_id>/leaver", methods=["GET", "POST"])
@login_required
def record_leaver(assignment_id: int):  # type: ignore[no-untyped-def]
    user, session = _user(), get_session()
    assignment = operations.get_assignment(session, user, assignment_id, Action.RECORD_WORKFORCE)
    form = LeaverForm()
    if form.validate_on_submit():
        try:
            operations.record_leaver(
                session,
                user,
                assignment,
                end_date=form.end_date.data,
                leaving_reason=form.leaving_reason.data or "",
            )
        except DomainError as error:
            attach_domain_error(form, error)
        else:
            flash(f"Leaver recorded on assignment {assignment.assignment_number}.", "success")
            return redirect(url_for("workforce.person", staff_id=assignment.staff_member_id))
    return _form_page("workforce/leaver_form.html", form, assignment=assignment)


def _recent_runs(user: UserAccount) -> list[ImportRun]:
    stmt = filter_by_scope(user, Action.IMPORT_WORKFORCE, select(ImportRun), ImportRun.trust_id)
    return list(get_session().scalars(stmt.order_by(ImportRun.id.desc()).limit(10)))


def _unfinished_import_jobs(user: UserAccount) -> list[Job]:
    """Imports still queued or running, of the user's trust (all of them, for a partnership admin)."""
    stmt = select(Job).where(Job.kind == ESR_IMPORT, Job.status.in_(UNFINISHED))
    stmt = filter_by_scope(user, Action.IMPORT_WORKFORCE, stmt, Job.trust_id)
    return list(get_session().scalars(stmt.order_by(Job.id.desc()).limit(20)))


@blueprint.route("/workforce/imports", methods=["GET", "POST"])
@login_required
def imports():  # type: ignore[no-untyped-def]
    user = _user()
    ensure(user, Action.IMPORT_WORKFORCE)
    form = ImportForm()
    status = 200
    if form.validate_on_submit():
        only, run_trust = import_limits(user, None)
        upload = form.file.data
        max_bytes = current_app.config["MAX_CONTENT_LENGTH"]
        try:
            filename, content = read_upload(upload.stream, upload.filename, max_bytes)
        except DomainError as error:
            attach_domain_error(form, error)
            status = error.status
        else:
            job = start_import_job(
                get_session(),
                kind=form.kind.data or "",
                filename=filename,
                content=content,
                only_trust_id=only,
                run_trust_id=run_trust,
                partial=bool(form.partial.data),
                max_bytes=max_bytes,
                created_by_id=user.id,
            )
            return redirect(url_for("background.job_page", job_id=job.id), code=303)
    if form.errors and status < 400:
        status = 422
    return render_template(
        "workforce/imports.html", form=form, runs=_recent_runs(user), jobs=_unfinished_import_jobs(user)
    ), status


@blueprint.get("/workforce/imports/<int:run_id>")
@login_required
def import_result(run_id: int):  # type: ignore[no-untyped-def]
    run = import_run_json(get_import_run(_user(), run_id))
    return render_template("workforce/import_result.html", run=run, shown=SHOWN_REJECTED_ROWS)


@blueprint.get("/help/import-formats")
@login_required
def import_formats():  # type: ignore[no-untyped-def]
    """The import formats guide (docs/import-formats.md) for the people who prepare the files; the lists
    of accepted values come from the code that checks them, so the page cannot drift from it."""
    return render_template(
        "workforce/import_formats.html",
        trusts=list_trusts(get_session()),
        assignment_headers=[column.header for column in ASSIGNMENT_COLUMNS],
        absence_headers=[column.header for column in ABSENCE_COLUMNS],
        optional_assignment_headers=[column.header for column in ASSIGNMENT_COLUMNS if not column.required],
        staff_groups=reference.STAFF_GROUPS,
        afc_bands=reference.AFC_BANDS,
        max_fte=reference.MAX_FTE,
        leaving_reasons=reference.LEAVING_REASONS,
        sickness_reasons=reference.SICKNESS_REASONS,
        absence_categories=reference.ABSENCE_CATEGORIES,
        person_types=list(reference.PersonType),
        max_megabytes=current_app.config["MAX_CONTENT_LENGTH"] // (1024 * 1024),
    )
