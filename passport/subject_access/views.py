"""The "Your data" page: anyone signed in asks for a copy of everything the service holds about them,
follows the job that makes it, and downloads it as JSON or reads it as a printable page, for
``KEEP_EXPORT``."""

from __future__ import annotations

import json
from typing import Any

from flask import Blueprint, Response, redirect, render_template, request, url_for
from flask_login import current_user, login_required
from flask_wtf import FlaskForm
from sqlalchemy import select

from passport.background.models import SUCCEEDED, UNFINISHED, Job, JobFile
from passport.background.operations import start_job
from passport.db import get_session, utcnow
from passport.errors import DomainError, NotFound
from passport.subject_access.operations import EXPORT_JOB_KIND, KEEP_EXPORT
from passport.subject_access.trail import VIEWED_WORDS, views_of

blueprint = Blueprint("subject_access", __name__)


class CopyGone(DomainError):
    """A copy past its keeping time: it existed, and is deleted (410)."""

    status = 410
    title = "Gone"


class AskForCopyForm(FlaskForm):
    """The button asking for a copy: nothing to type, the CSRF token only."""


def _user():  # type: ignore[no-untyped-def]
    return current_user._get_current_object()


def _is_own_copy(job: Job) -> bool:
    """A copy its starter asked for of their own data (not HR's answer to someone's request)."""
    return job.kind == EXPORT_JOB_KIND and not (job.params or {}).get("staff_member_id")


def _own_exports() -> list[Job]:
    stmt = select(Job).where(Job.kind == EXPORT_JOB_KIND, Job.created_by_id == _user().id)
    return [job for job in get_session().scalars(stmt.order_by(Job.id.desc()).limit(40)) if _is_own_copy(job)]


def copy_available(job: Job) -> bool:
    """Made, and not yet past its keeping time."""
    finished = job.finished_at
    return job.status == SUCCEEDED and finished is not None and utcnow() < finished + KEEP_EXPORT


@blueprint.route("/account/your-data", methods=["GET", "POST"])
@login_required
def your_data():  # type: ignore[no-untyped-def]
    form = AskForCopyForm()
    if form.validate_on_submit():
        # One at a time: asked again while a copy is being made, the person is shown that one.
        running = next((job for job in _own_exports() if job.status in UNFINISHED), None)
        job = running or start_job(
            get_session(), kind=EXPORT_JOB_KIND, title="A copy of your data", created_by_id=_user().id
        )
        return redirect(url_for("background.job_page", job_id=job.id), code=303)
    exports = _own_exports()
    return render_template(
        "subject_access/your_data.html",
        form=form,
        exports=exports,
        available=copy_available,
        expires=lambda job: job.finished_at + KEEP_EXPORT,
        keep_days=KEEP_EXPORT.days,
    )


def _export_body(job_id: int) -> tuple[Job, bytes]:
    """The stored copy, to the account that asked for it only (anyone else: 404, as if none existed)."""
    job = get_session().get(Job, job_id)
    if job is None or not _is_own_copy(job) or job.created_by_id != _user().id:
        raise NotFound(f"You have no copy of your data numbered {job_id}.")
    return stored_copy(job)


def stored_copy(job: Job) -> tuple[Job, bytes]:
    stored = get_session().scalar(select(JobFile).where(JobFile.job_id == job.id))
    if not copy_available(job) or stored is None:
        raise CopyGone(
            "This copy is no longer available: copies are kept for "
            f"{KEEP_EXPORT.days} days. Ask for a new one on the Your data page."
        )
    return job, stored.content


@blueprint.get("/account/your-data/<int:job_id>.json")
@login_required
def download_json(job_id: int):  # type: ignore[no-untyped-def]
    job, content = _export_body(job_id)
    return json_attachment(content, f"your-data-{job.id}.json")


def json_attachment(content: bytes, filename: str) -> Response:
    """A stored copy as a download (never shown in the browser's own JSON viewer)."""
    answer = Response(content, mimetype="application/json")
    answer.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    return answer


@blueprint.get("/account/your-data/<int:job_id>")
@login_required
def readable(job_id: int):  # type: ignore[no-untyped-def]
    job, content = _export_body(job_id)
    body: dict[str, Any] = json.loads(content)
    return render_template("subject_access/readable.html", job=job, body=body, as_text=_as_text)


def _as_text(value: Any) -> str:
    if value is None:
        return "–"
    if isinstance(value, dict | list):
        return json.dumps(value, ensure_ascii=False)
    if isinstance(value, bool):
        return "Yes" if value else "No"
    return str(value)


VIEWS_PAGE_SIZE = 50


@blueprint.get("/account/who-viewed")
@login_required
def who_viewed():  # type: ignore[no-untyped-def]
    """Who opened her staff record, absences, sickness reasons and Bradford factor: role, trust, when."""
    user = _user()
    page = max(request.args.get("page", 1, type=int) or 1, 1)
    views, total = ([], 0)
    if user.staff_member_id is not None:
        views, total = views_of(
            get_session(), user.staff_member_id, limit=VIEWS_PAGE_SIZE, offset=(page - 1) * VIEWS_PAGE_SIZE
        )
    return render_template(
        "subject_access/who_viewed.html",
        views=views,
        total=total,
        page=page,
        page_size=VIEWS_PAGE_SIZE,
        words=VIEWED_WORDS,
        has_record=user.staff_member_id is not None,
    )
