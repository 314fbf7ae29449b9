"""The pages people follow their jobs on: one per job (it polls while the job works) and a list."""

from __future__ import annotations

from flask import Blueprint, render_template
from flask_login import current_user, login_required
from sqlalchemy import select

from passport.auth.policy import filter_jobs
from passport.background.api import visible_job
from passport.background.models import Job
from passport.background.registry import result_template_of
from passport.db import get_session

blueprint = Blueprint("background", __name__)


@blueprint.get("/background-jobs")
@login_required
def job_list():  # type: ignore[no-untyped-def]
    stmt = filter_jobs(current_user._get_current_object(), select(Job), Job.trust_id, Job.created_by_id)
    jobs = list(get_session().scalars(stmt.order_by(Job.id.desc()).limit(50)))
    return render_template("background/list.html", jobs=jobs)


@blueprint.get("/background-jobs/<int:job_id>")
@login_required
def job_page(job_id: int):  # type: ignore[no-untyped-def]
    job = visible_job(job_id)
    # Each kind may show its result in its own words, through a partial it names when it registers.
    template = result_template_of(job.kind) if job.finished and job.result is not None else None
    return render_template("background/job.html", job=job, result_template=template)
