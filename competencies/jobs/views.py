"""Job description pages: the list, a version (joint or not), writing, approval, local fields, the diff,
the printable view, the JSON export, and the fit check for HR (one nurse, her record, the ready list)."""

from __future__ import annotations

from flask import Blueprint, abort, flash, jsonify, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from competencies.jobs import facts, operations
from competencies.jobs.api import filter_rows
from competencies.jobs.fit_check import DEFAULT_EXPIRING_DAYS
from competencies.jobs.forms import (
    ActionForm,
    ApproveForm,
    FitCheckForm,
    JobForm,
    attach_error,
    content_from_form,
    fill_form,
)
from competencies.jobs.models import JobStatus, JobVersion
from passport.audit.links import RecordPage, register_record_page
from passport.audit.operations import record_event
from passport.auth.models import Role
from passport.auth.policy import Action, allows, ensure
from passport.confirmation import confirmed
from passport.db import allow_access_trail, discard_request_changes, get_session
from passport.errors import DomainError, InvalidInput, NotFound
from passport.forms import attach_domain_error
from passport.navigation import HomeLink, register
from passport.passports.views import SHARED_PASSPORT_SECTIONS
from passport.trusts import people
from passport.trusts.models import StaffMember, Trust

blueprint = Blueprint("jobs", __name__)
register_record_page(
    "job_version", RecordPage("jobs.job_version", "version_id", Action.VIEW_JOBS, JobVersion.id)
)
READY_PAGE_SIZE = 50

register(
    HomeLink(
        Role.ADMIN, "Job descriptions", "jobs.job_list", "Write joint job descriptions; see who adopted them."
    ),
    HomeLink(
        Role.HR, "Job descriptions", "jobs.job_list", "Approve them for your trust; who is ready for each."
    ),
    HomeLink(Role.NURSE, "Job descriptions", "jobs.job_list", "The partnership's adopted job descriptions."),
    HomeLink(
        Role.ASSESSOR, "Job descriptions", "jobs.job_list", "The partnership's adopted job descriptions."
    ),
    HomeLink(
        Role.DIRECTOR, "Job descriptions", "jobs.job_list", "The partnership's adopted job descriptions."
    ),
)


def _user():  # type: ignore[no-untyped-def]
    return current_user._get_current_object()


def _version(version_id: int) -> JobVersion:
    return operations.get_version(get_session(), version_id, operations.visible_statuses(_user()))


def _expiring_days() -> int:
    days = request.args.get("expiring_days", DEFAULT_EXPIRING_DAYS, type=int)
    return DEFAULT_EXPIRING_DAYS if days is None or not 0 <= days <= 365 else days


@blueprint.get("/jobs")
@login_required
def job_list():  # type: ignore[no-untyped-def]
    user = _user()
    ensure(user, Action.VIEW_JOBS)
    versions = operations.list_versions(get_session(), operations.visible_statuses(user))
    return render_template("jobs/list.html", versions=versions)


@blueprint.route("/jobs/new", methods=["GET", "POST"])
@login_required
def job_new():  # type: ignore[no-untyped-def]
    user = _user()
    ensure(user, Action.WRITE_JOBS)
    form = JobForm()
    if request.method == "GET":
        form.hours.data = "37.5"
    if form.validate_on_submit():
        session = get_session()
        try:
            version = operations.create_job_description(session, content_from_form(form), actor=user)
        except DomainError as error:
            attach_error(form, error)
        else:
            flash(f"Draft saved: {version.title}, version {version.number}.", "success")
            return redirect(url_for("jobs.job_version", version_id=version.id))
    status = 422 if form.errors or form.form_errors else 200
    return render_template("jobs/form.html", form=form, version=None), status


@blueprint.route("/jobs/<int:version_id>/edit", methods=["GET", "POST"])
@login_required
def job_edit(version_id: int):  # type: ignore[no-untyped-def]
    user = _user()
    ensure(user, Action.WRITE_JOBS)
    version = _version(version_id)
    form = JobForm()
    if request.method == "GET":
        fill_form(form, version)
    if form.validate_on_submit():
        session = get_session()
        try:
            operations.update_version(session, version, content_from_form(form), actor=user)
        except DomainError as error:
            attach_error(form, error)
        else:
            flash("Changes saved.", "success")
            return redirect(url_for("jobs.job_version", version_id=version.id))
    status = 422 if form.errors or form.form_errors else 200
    return render_template("jobs/form.html", form=form, version=version), status


@blueprint.get("/jobs/<int:version_id>")
@login_required
def job_version(version_id: int):  # type: ignore[no-untyped-def]
    user = _user()
    ensure(user, Action.VIEW_JOBS)
    return _version_page(user, _version(version_id))


def _version_page(user, version: JobVersion, local_errors=None, typed=None):  # type: ignore[no-untyped-def]
    """The version's page; refused local details show their errors there, as typed (422)."""
    own = next((a for a in version.adoptions if a.trust_id == user.trust_id), None)
    siblings = [
        v for v in operations.versions_of(get_session(), version.job_description_id) if v.id != version.id
    ]
    visible = operations.visible_statuses(user)
    page = render_template(
        "jobs/version.html",
        version=version,
        own_adoption=own,
        siblings=[v for v in siblings if v.job_status in visible],
        approve_form=ApproveForm(content_hash=version.content_hash),
        action_form=ActionForm(),
        fit_form=FitCheckForm(formdata=None),
        local_labels=operations.LOCAL_FIELDS,
        local_errors=local_errors or {},
        local_values=typed if typed is not None else (own.local_values if own else {}),
    )
    return page, 422 if local_errors else 200


def _post_action(version_id: int, run, message: str):  # type: ignore[no-untyped-def]
    form = ActionForm()
    if not form.validate_on_submit():
        abort(400)
    session = get_session()
    result = run(session, _version(version_id))
    flash(message, "success")
    return redirect(url_for("jobs.job_version", version_id=result.id))


@blueprint.post("/jobs/<int:version_id>/submit")
@login_required
def job_submit(version_id: int):  # type: ignore[no-untyped-def]
    user = _user()
    ensure(user, Action.WRITE_JOBS)
    return _post_action(
        version_id,
        lambda session, v: operations.submit_for_approval(session, v, actor=user),
        "Put to approval: HR at each partner trust can now approve it.",
    )


@blueprint.post("/jobs/<int:version_id>/new-version")
@login_required
def job_new_version(version_id: int):  # type: ignore[no-untyped-def]
    user = _user()
    ensure(user, Action.WRITE_JOBS)
    return _post_action(
        version_id,
        lambda session, v: operations.new_version(session, v, actor=user),
        "New draft version started from the previous one.",
    )


def _own_trust(user, action: Action) -> Trust:  # type: ignore[no-untyped-def]
    """The trust HR acts for in ``action``: her own, and only where the policy allows it there."""
    ensure(user, action)
    trust = get_session().get(Trust, user.trust_id) if user.trust_id else None
    if trust is None:
        abort(403)
    ensure(user, action, trust.id)
    return trust


@blueprint.route("/jobs/<int:version_id>/approve", methods=["GET", "POST"])
@login_required
def job_approve(version_id: int):  # type: ignore[no-untyped-def]
    """A trust's adoption cannot be withdrawn, so the GET asks first (carrying the content hash of the
    version as its approver read it); the POST adopts only with the page's confirmed=yes."""
    user = _user()
    trust = _own_trust(user, Action.APPROVE_JOBS)
    version = _version(version_id)
    operations.ensure_approvable(version, trust)
    read_hash = (request.values.get("content_hash") or "")[:64] or version.content_hash
    if request.method == "GET":
        return render_template(
            "jobs/approve_confirm.html",
            version=version,
            trust=trust,
            others=[t for t in version.adopted_by if t.id != trust.id],
            form=ApproveForm(formdata=None, content_hash=read_hash),
            local_labels=operations.LOCAL_FIELDS,
        )
    if not confirmed():
        return redirect(url_for("jobs.job_approve", version_id=version.id, content_hash=read_hash))
    form = ApproveForm()
    if not form.validate_on_submit():
        abort(422)
    session = get_session()
    operations.approve_version(session, version, trust, content_hash=form.content_hash.data or "", actor=user)
    joint = " It is now a joint job description." if version.is_joint else ""
    flash(f"{trust.name} has adopted {version.title}, version {version.number}.{joint}", "success")
    return redirect(url_for("jobs.job_version", version_id=version.id))


@blueprint.post("/jobs/<int:version_id>/local-values")
@login_required
def job_local_values(version_id: int):  # type: ignore[no-untyped-def]
    user = _user()
    trust = _own_trust(user, Action.APPROVE_JOBS)
    version = _version(version_id)
    form = ActionForm()
    if not form.validate_on_submit():
        abort(400)
    values = {name: request.form.get(name, "") for name in request.form if name != "csrf_token"}
    session = get_session()
    try:
        operations.set_local_values(session, version, trust, values, actor=user)
    except InvalidInput as error:  # beside the field it names; nothing of this request is kept
        discard_request_changes()
        return _version_page(user, version, error.errors, values)
    flash(f"Local details saved for {trust.name}.", "success")
    return redirect(url_for("jobs.job_version", version_id=version.id))


@blueprint.get("/jobs/<int:version_id>/print")
@login_required
def job_print(version_id: int):  # type: ignore[no-untyped-def]
    ensure(_user(), Action.VIEW_JOBS)
    return render_template(
        "jobs/print.html", version=_version(version_id), local_labels=operations.LOCAL_FIELDS
    )


@blueprint.get("/jobs/<int:version_id>/export.json")
@login_required
def job_export(version_id: int):  # type: ignore[no-untyped-def]
    ensure(_user(), Action.VIEW_JOBS)
    version = _version(version_id)
    response = jsonify(operations.export_version(version))
    response.headers["Content-Disposition"] = (
        f'attachment; filename="job-{version.id}-v{version.number}.json"'
    )
    return response


@blueprint.get("/jobs/<int:version_id>/diff")
@login_required
def job_diff(version_id: int):  # type: ignore[no-untyped-def]
    user = _user()
    ensure(user, Action.VIEW_JOBS)
    version = _version(version_id)
    other_id = request.args.get("with", type=int)
    if other_id is None:
        raise NotFound("Choose a version to compare with.", field="with")
    other = _version(other_id) if 0 < other_id < 2**31 else None
    if other is None:
        raise NotFound(f"There is no job description version {other_id}.")
    before, after = (other, version) if other.number <= version.number else (version, other)
    return render_template(
        "jobs/diff.html", before=before, after=after, changes=operations.diff_versions(before, after)
    )


@blueprint.get("/jobs/<int:version_id>/fit-check")
@login_required
def job_fit_check(version_id: int):  # type: ignore[no-untyped-def]
    user = _user()
    ensure(user, Action.RUN_FIT_CHECKS)
    version = _version(version_id)
    form = FitCheckForm(request.args)
    result = member = None
    candidates: list[people.Candidate] = []
    session = get_session()
    if request.args and form.validate():
        try:
            typed, scope = form.email.data or "", people.PersonScope.OWN_STAFF
            member = people.choose_person(session, user, scope, typed, field="email")
        except InvalidInput as error:  # nobody, or several to choose from: beside the field (422)
            candidates = getattr(error, "candidates", [])
            attach_domain_error(form, error)
        else:
            ensure(user, Action.RUN_FIT_CHECKS, member.trust_id)  # an email address may name anyone
    if member is not None:
        result = facts.fit_check(session, member, version, expiring_within_days=_expiring_days())
        allow_access_trail(session)  # who checked whom is kept, though this is a GET
        record_event(
            session,
            actor=user,
            action="job.fit_checked",
            record_type="staff_member",
            record_id=member.id,
            trust_id=member.trust_id,
            details={"job_version": version.id, "verdict": result.verdict},
        )
    status = 422 if form.errors else 200
    return render_template(
        "jobs/fit.html", version=version, form=form, member=member, result=result, candidates=candidates
    ), status


@blueprint.get("/jobs/<int:version_id>/ready")
@login_required
def job_ready(version_id: int):  # type: ignore[no-untyped-def]
    user = _user()
    trust = _own_trust(user, Action.RUN_FIT_CHECKS)
    version = _version(version_id)
    verdict = request.args.get("verdict", "")
    verdict = verdict if verdict in {"ready", "ready_with_expiring", "not_ready"} else ""
    text = (request.args.get("q") or "")[:100]
    session = get_session()
    rows = facts.fit_for_trust(session, version, trust.id, expiring_within_days=_expiring_days())
    counts = {
        v: sum(1 for r in rows if r.result.verdict == v)
        for v in ("ready", "ready_with_expiring", "not_ready")
    }
    shown = filter_rows(rows, verdict, text)
    # A page at a time, as the staff list: a trust's whole staff in one table is too long to read or load.
    last_page = max((len(shown) - 1) // READY_PAGE_SIZE + 1, 1)
    page = min(max(request.args.get("page", 1, type=int) or 1, 1), last_page)
    first = (page - 1) * READY_PAGE_SIZE
    return render_template(
        "jobs/ready.html",
        version=version,
        trust=trust,
        rows=shown[first : first + READY_PAGE_SIZE],
        shown=len(shown),
        first=first,
        page=page,
        last_page=last_page,
        args={key: value for key, value in request.args.items() if key != "page" and value},
        counts=counts,
        verdict=verdict,
        text=text,
        total=len(rows),
    )


@blueprint.get("/jobs/staff/<int:staff_id>")
@login_required
def staff_fit(staff_id: int):  # type: ignore[no-untyped-def]
    """A nurse's record: how she fits each job description her trust has adopted."""
    user = _user()
    ensure(user, Action.RUN_FIT_CHECKS)
    session = get_session()
    member = session.get(StaffMember, staff_id)
    if member is None:
        raise NotFound(f"There is no staff record {staff_id}.")
    ensure(user, Action.RUN_FIT_CHECKS, member.trust_id)
    versions = operations.adopted_by_trust(session, member.trust_id)
    fits = facts.fits_for_member(session, member, versions, expiring_within_days=_expiring_days())
    allow_access_trail(session)  # who looked at her record is kept, though this is a GET
    record_event(
        session,
        actor=user,
        action="job.fit_checked",
        record_type="staff_member",
        record_id=member.id,
        trust_id=member.trust_id,
        details={"job_versions": [v.id for v in versions]},
    )
    return render_template("jobs/staff.html", member=member, fits=fits, statuses=JobStatus)


def _fit_on_shared_passport(session, user, share, entries):  # type: ignore[no-untyped-def]
    """HR of the trust a passport was shared with sees how what she presented fits each job
    description that trust has adopted (shares naming no trust: the viewer's own trust)."""
    trust_id = share.receiving_trust_id or user.trust_id
    if trust_id is None or not allows(user, Action.RUN_FIT_CHECKS, trust_id):
        return None
    versions = operations.adopted_by_trust(session, trust_id)
    if not versions:
        return None
    fits = facts.fits_for_presented(
        session, share.staff_member_id, entries, versions, expiring_within_days=_expiring_days()
    )
    allow_access_trail(session)  # the shared passport is a page view; who checked it is kept
    record_event(
        session,
        actor=user,
        action="job.fit_checked",
        record_type="passport_share",
        record_id=share.id,
        trust_id=trust_id,
        details={"job_versions": [v.id for v in versions], "staff_member_id": share.staff_member_id},
    )
    return "jobs/_shared_fit.html", {"fits": fits, "trust": session.get(Trust, trust_id)}


if _fit_on_shared_passport not in SHARED_PASSPORT_SECTIONS:
    SHARED_PASSPORT_SECTIONS.append(_fit_on_shared_passport)
