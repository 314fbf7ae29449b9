"""``/api/v1/background-jobs``: follow the jobs you started (or your trust's, as HR; all, as an admin)."""

from __future__ import annotations

from typing import Any

from flask import url_for
from flask.views import MethodView
from flask_login import current_user, login_required
from flask_smorest import Blueprint
from sqlalchemy import select

from passport.auth.policy import allows_job, filter_jobs
from passport.background.models import Job as JobRecord
from passport.background.operations import get_job
from passport.background.schemas import JobDumpSchema, JobListDumpSchema
from passport.db import get_session
from passport.errors import NotFound

blueprint = Blueprint(
    "background_api", __name__, description="Background jobs: imports, bulk issuance, refreshes"
)


def visible_job(job_id: int) -> JobRecord:
    """The job, when the signed-in user may follow it; otherwise 404 (whether or not it exists)."""
    user = current_user._get_current_object()
    try:
        job = get_job(get_session(), job_id)
    except NotFound:
        job = None
    if job is None or not allows_job(user, job.trust_id, job.created_by_id):
        raise NotFound(f"There is no job {job_id} that you can follow.")
    return job


def accepted(job: JobRecord) -> tuple[JobRecord, int, dict[str, str]]:
    """The answer of an API method that started ``job``: 202, with where to follow it."""
    return job, 202, {"Location": url_for("background_api.Job", job_id=job.id)}


@blueprint.route("/background-jobs")
class Jobs(MethodView):
    decorators = [login_required]

    @blueprint.response(200, JobListDumpSchema)
    def get(self) -> dict[str, Any]:
        """The 50 latest jobs you may follow, newest first."""
        user = current_user._get_current_object()
        stmt = filter_jobs(user, select(JobRecord), JobRecord.trust_id, JobRecord.created_by_id)
        return {"items": list(get_session().scalars(stmt.order_by(JobRecord.id.desc()).limit(50)))}


@blueprint.route("/background-jobs/<int:job_id>")
class Job(MethodView):
    decorators = [login_required]

    @blueprint.response(200, JobDumpSchema)
    def get(self, job_id: int) -> JobRecord:
        """A job's state, progress and outcome. Poll it until ``status`` is succeeded or failed."""
        return visible_job(job_id)
