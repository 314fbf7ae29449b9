"""Public issuer documents (DID documents, our JSON-LD context, status lists) and HR's credential pages."""

from __future__ import annotations

import json
from typing import Any

from flask import Blueprint, Response, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required
from sqlalchemy import select

from passport.audit.links import RecordPage, register_record_page
from passport.auth.policy import Action, allows, ensure, filter_jobs
from passport.background.api import visible_job
from passport.background.models import Job
from passport.confirmation import confirmed
from passport.credentials import bulk, operations
from passport.credentials.api import read_upload, visible_credential
from passport.credentials.contexts import CONTEXT_MEDIA_TYPE, CONTEXT_PATH, context_bytes
from passport.credentials.did import did_document
from passport.credentials.directory import find_status_list_credential
from passport.credentials.forms import field_specs, immunisation_specs, subject_from_form
from passport.credentials.keys import trust_keys
from passport.credentials.models import CredentialState, IssuedCredential, StatusPurpose
from passport.credentials.types import CREDENTIAL_TYPES, GROUPS
from passport.db import discard_request_changes, get_session
from passport.errors import AccessDenied, Conflict, DomainError, NotFound
from passport.trusts import people
from passport.trusts.operations import find_trust

blueprint = Blueprint("credentials", __name__)
register_record_page(
    "issued_credential",
    RecordPage(
        "credentials.detail",
        "credential_id",
        Action.VIEW_ISSUED_CREDENTIALS,
        IssuedCredential.id,
        trust_key=IssuedCredential.trust_id,
    ),
)


def _public(body: str | bytes, mimetype: str, max_age: int) -> Response:
    response = Response(body, mimetype=mimetype)
    response.headers["Cache-Control"] = f"public, max-age={max_age}"
    # Verifiers elsewhere (in a browser too) resolve our DIDs, context and status lists.
    response.headers["Access-Control-Allow-Origin"] = "*"
    return response


def _public_json(body: dict[str, Any], mimetype: str, max_age: int) -> Response:
    return _public(json.dumps(body, indent=2, ensure_ascii=False), mimetype, max_age)


@blueprint.get("/trusts/<string:ods_code>/did.json")
def did_json(ods_code: str) -> Response:
    session = get_session()
    trust = find_trust(session, ods_code)
    if trust is None or trust.ods_code != ods_code:
        abort(404)
    return _public_json(did_document(trust, trust_keys(session, trust)), "application/did+ld+json", 300)


@blueprint.get(CONTEXT_PATH)
def staff_passport_context() -> Response:
    # Byte for byte the file in the repository: issued credentials name this URL, so it never changes.
    return _public(context_bytes(), CONTEXT_MEDIA_TYPE, 86400)


@blueprint.get("/trusts/<string:ods_code>/status/<string:purpose>/<int:sequence>")
def status_list(ods_code: str, purpose: str, sequence: int) -> Response:
    if purpose not in {p.value for p in StatusPurpose}:
        abort(404)
    document = find_status_list_credential(get_session(), ods_code, StatusPurpose(purpose), sequence)
    if document is None:
        abort(404)
    return _public_json(document, "application/vc+ld+json", 60)


# --- HR pages -----------------------------------------------------------------------------------------


def _user():  # type: ignore[no-untyped-def]
    return current_user._get_current_object()


@blueprint.get("/credentials")
@login_required
def issued():  # type: ignore[no-untyped-def]
    user = _user()
    ensure(user, Action.VIEW_ISSUED_CREDENTIALS, user.trust_id)
    session = get_session()
    credentials = operations.credentials_issued_by(session, user.trust)
    return render_template(
        "credentials/issued.html",
        credentials=credentials,
        status_of=operations.status_of,
        types=CREDENTIAL_TYPES,
    )


@blueprint.route("/credentials/issue", methods=["GET", "POST"])
@login_required
def issue():  # type: ignore[no-untyped-def]
    user = _user()
    ensure(user, Action.ISSUE_CREDENTIALS, user.trust_id)
    kind = CREDENTIAL_TYPES.get(request.args.get("type", ""))
    if kind is None:
        return render_template("credentials/choose_type.html", types=CREDENTIAL_TYPES, groups=GROUPS)
    errors: dict[str, list[str]] = {}
    form_errors: list[str] = []
    candidates: list[people.Candidate] = []
    values = request.form if request.method == "POST" else {}
    if request.method == "POST":
        session = get_session()
        data, errors = subject_from_form(kind, request.form)
        subject = None
        try:
            typed, scope = request.form.get("staff_email", ""), people.PersonScope.OWN_STAFF
            subject = people.choose_person(session, user, scope, typed, field="staff_email")
        except people.SeveralPeople as several:
            candidates = several.candidates
            errors["staff_email"] = [several.message]
        except DomainError as error:
            errors["staff_email"] = [error.message]
        if not errors and subject is not None:
            try:
                credential = operations.issue_credential(
                    session,
                    issuer_trust=user.trust,
                    subject=subject,
                    credential_type=kind,
                    subject_data=data,
                    actor=user,
                )
            except DomainError as error:
                for name, messages in (error.errors or {}).items():
                    errors.setdefault(name.removeprefix("subject."), []).extend(messages)
                if not error.errors:
                    form_errors.append(error.message)
            else:
                flash(f"Issued: {credential.title} for {credential.staff_member.full_name}.", "success")
                return redirect(url_for("credentials.detail", credential_id=credential.id))
    fields = field_specs(kind) + immunisation_specs(kind)
    known = {spec.name for spec in fields} | {"staff_email"}
    form_errors += [f"{name}: {' '.join(m)}" for name, m in errors.items() if name not in known]
    status = 422 if errors or form_errors else 200
    return (
        render_template(
            "credentials/issue.html",
            kind=kind,
            fields=fields,
            errors=errors,
            form_errors=form_errors,
            values=values,
            candidates=candidates,
        ),
        status,
    )


@blueprint.get("/credentials/<int:credential_id>")
@login_required
def detail(credential_id: int):  # type: ignore[no-untyped-def]
    user = _user()
    return _detail_page(user, visible_credential(get_session(), user, credential_id))


def _detail_page(user, credential, errors: dict[str, list[str]] | None = None, reason: str = ""):  # type: ignore[no-untyped-def]
    """The credential's page; a refused status change shows its errors there, the reason kept (422)."""
    page = render_template(
        "credentials/detail.html",
        credential=credential,
        state=operations.status_of(credential),
        can_change=allows(user, Action.CHANGE_CREDENTIAL_STATUS, credential.trust_id),
        document_json=json.dumps(credential.document, indent=2, ensure_ascii=False),
        errors=errors or {},
        reason=reason,
    )
    return page, 422 if errors else 200


@blueprint.post("/credentials/<int:credential_id>/status")
@login_required
def change_status(credential_id: int):  # type: ignore[no-untyped-def]
    user = _user()
    ensure(user, Action.CHANGE_CREDENTIAL_STATUS)
    session = get_session()
    credential = operations.get_credential(session, credential_id)
    if not allows(user, Action.CHANGE_CREDENTIAL_STATUS, credential.trust_id):
        raise AccessDenied("Only HR of the trust that issued a credential can change its status.")
    action = request.form.get("action", "")
    if action == "revoke":  # for good: only through its confirmation page, which asks for the reason
        return redirect(url_for("credentials.revoke", credential_id=credential_id))
    reason = request.form.get("reason") or ""
    try:
        operations.change_status(session, credential, action, actor=user, reason=reason)
    except DomainError as error:
        discard_request_changes()  # nothing of a refused change is kept
        session.refresh(credential)
        return _detail_page(user, credential, error.errors or {"": [error.message]}, reason)
    flash(f"The credential is now {credential.state.value}.", "success")
    return redirect(url_for("credentials.detail", credential_id=credential_id))


@blueprint.route("/credentials/<int:credential_id>/revoke", methods=["GET", "POST"])
@login_required
def revoke(credential_id: int):  # type: ignore[no-untyped-def]
    """Revoking cannot be undone (suspending can): the GET asks first, naming the credential and its
    holder; the POST revokes only with the page's confirmed=yes."""
    user = _user()
    ensure(user, Action.CHANGE_CREDENTIAL_STATUS)
    session = get_session()
    credential = operations.get_credential(session, credential_id)
    if not allows(user, Action.CHANGE_CREDENTIAL_STATUS, credential.trust_id):
        raise AccessDenied("Only HR of the trust that issued a credential can revoke it.")
    if credential.state is CredentialState.REVOKED:
        raise Conflict("This credential is already revoked.", field="action")
    if request.method == "POST" and not confirmed():
        return redirect(url_for("credentials.revoke", credential_id=credential.id))
    errors: dict[str, list[str]] = {}
    reason = request.form.get("reason", "") if request.method == "POST" else ""
    if request.method == "POST":
        try:
            operations.revoke_credential(session, credential, actor=user, reason=reason)
        except DomainError as error:
            discard_request_changes()  # the page is answered 422 below: nothing of this request is kept
            errors = error.errors or {"": [error.message]}
        else:
            flash(
                f"{credential.title} for {credential.staff_member.full_name} is revoked: "
                "verifiers see it as revoked from now on.",
                "success",
            )
            return redirect(url_for("credentials.detail", credential_id=credential.id))
    page = render_template(
        "credentials/revoke_confirm.html",
        credential=credential,
        state=operations.status_of(credential),
        reason=reason,
        errors=errors,
        max_reason=operations.MAX_REASON_LENGTH,
    )
    return page, 422 if errors else 200


@blueprint.route("/credentials/bulk-training", methods=["GET", "POST"])
@login_required
def bulk_training():  # type: ignore[no-untyped-def]
    user = _user()
    ensure(user, Action.ISSUE_CREDENTIALS, user.trust_id)
    session = get_session()
    error_message, status = None, 200
    if request.method == "POST":
        try:
            filename, content = read_upload(request.files.get("file"))
            job, new = bulk.start_training_upload(
                session, trust=user.trust, actor=user, filename=filename, content=content
            )
        except DomainError as error:
            error_message, status = error.message, error.status
        else:
            if not new:
                flash("This file was uploaded before: this is what became of it.", "info")
            return redirect(url_for("background.job_page", job_id=job.id), 303)
    recent = filter_jobs(user, select(Job), Job.trust_id, Job.created_by_id).where(Job.kind == bulk.JOB_KIND)
    return (
        render_template(
            "credentials/bulk_training.html",
            error_message=error_message,
            columns=bulk.TRAINING_CSV_COLUMNS,
            max_rows=bulk.MAX_CSV_ROWS,
            max_megabytes=bulk.MAX_CSV_BYTES // (1024 * 1024),
            recent=list(session.scalars(recent.order_by(Job.id.desc()).limit(10))),
        ),
        status,
    )


@blueprint.get("/credentials/bulk-training/jobs/<int:job_id>")
@login_required
def bulk_training_result(job_id: int):  # type: ignore[no-untyped-def]
    """What a bulk upload's job did: each rejected line with its reason, or the credentials it issued."""
    user = _user()
    job = visible_job(job_id)
    # The page names staff and their credentials: for those who may see the trust's credentials.
    if job.kind != bulk.JOB_KIND or not allows(user, Action.VIEW_ISSUED_CREDENTIALS, job.trust_id):
        raise NotFound(f"There is no bulk upload {job_id} that you can see.")
    upload_id = (job.params or {}).get("upload_id", "")
    return render_template(
        "credentials/bulk_training_result.html",
        job=job,
        result=job.result or {},
        credentials=bulk.credentials_of_upload(get_session(), upload_id),
    )


def _register_home_links() -> None:
    from passport.auth.models import Role
    from passport.navigation import HomeLink, register

    register(
        HomeLink(Role.HR, "Issue a credential", "credentials.issue", "Sign a credential for a staff member."),
        HomeLink(
            Role.HR,
            "Credentials issued",
            "credentials.issued",
            "Your trust's credentials; revoke or suspend.",
        ),
        HomeLink(
            Role.HR,
            "Training from a CSV file",
            "credentials.bulk_training",
            "Issue training completions in bulk.",
        ),
    )


_register_home_links()
