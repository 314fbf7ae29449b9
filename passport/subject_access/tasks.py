"""The "Your data" export as a background job (a large record takes time), and clearing away old copies.

The job makes the export for the account that started it, and only that account can download it
(``views.py``). The export is kept as the job's file for ``KEEP_EXPORT``; the periodic work then deletes
the file, leaving the job's page (counts only) until old finished jobs are cleared.
"""

from __future__ import annotations

import hashlib
import json
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from passport.audit.operations import record_event
from passport.auth.models import UserAccount
from passport.auth.policy import Action, allows
from passport.background.models import SUCCEEDED, Job, JobFile
from passport.background.registry import job_kind, periodic
from passport.background.runner import JobContext, JobFailed
from passport.db import utcnow
from passport.errors import NotFound
from passport.formatting import iso
from passport.subject_access.operations import EXPORT_JOB_KIND, KEEP_EXPORT, PARTS, find_subject, subject_data
from passport.trusts.models import StaffMember


@job_kind(EXPORT_JOB_KIND)
def export_subject_data(ctx: JobContext) -> dict[str, Any]:
    session, job = ctx.session, ctx.job
    user = session.get(UserAccount, job.created_by_id) if job.created_by_id is not None else None
    if user is None or not user.active:
        raise JobFailed("The account that asked for this copy no longer exists or is no longer active.")
    # A person's own copy, or HR's answer to a request made another way (requests.make_copy).
    email = user.email
    if ctx.params.get("staff_member_id") is not None:
        member = session.get(StaffMember, ctx.params["staff_member_id"])
        if member is None or not allows(user, Action.HANDLE_SUBJECT_ACCESS, member.trust_id):
            raise JobFailed("The person's record has gone, or this account may no longer answer the request.")
        email = member.email
    try:
        subject = find_subject(session, email)
    except NotFound as error:
        raise JobFailed(error.message) from None
    ctx.progress(done=0, total=len(PARTS), stage="Collecting your records")
    body = subject_data(
        session, subject, on_part=lambda number, part: ctx.progress(done=number, stage=part.what)
    )
    content = (json.dumps(body, indent=2, ensure_ascii=False) + "\n").encode("utf-8")
    # A run after a worker died replaces what an earlier run stored.
    session.execute(delete(JobFile).where(JobFile.job_id == job.id))
    session.add(
        JobFile(
            job_id=job.id,
            filename=f"your-data-{body['generated_at'][:10]}.json",
            size=len(content),
            sha256=hashlib.sha256(content).hexdigest(),
            content=content,
        )
    )
    rows = sum(len(section["rows"]) for section in body["sections"])
    for staff_id in subject.staff_ids:
        record_event(
            session, actor=user, action="subject_data.exported", record_type="staff_member",
            record_id=staff_id, trust_id=job.trust_id, details={"rows": rows, "job": job.id},
        )  # fmt: skip
    if not subject.staff_ids:
        record_event(
            session, actor=user, action="subject_data.exported", record_type="user_account",
            record_id=user.id, details={"rows": rows, "job": job.id},
        )  # fmt: skip
    if ctx.params.get("request_id") is not None:
        ctx.show_result_at("subject_access_requests.request_page", request_id=ctx.params["request_id"])
    else:
        ctx.show_result_at("subject_access.your_data")
    ctx.progress(done=len(PARTS), stage="Ready to download")
    return {"rows": rows, "sections": len(body["sections"]), "expires_at": iso(utcnow() + KEEP_EXPORT)}


def delete_expired_exports(session: Session) -> int:
    """Delete the files of export jobs that finished more than ``KEEP_EXPORT`` ago."""
    expired = select(Job.id).where(
        Job.kind == EXPORT_JOB_KIND, Job.status == SUCCEEDED, Job.finished_at < utcnow() - KEEP_EXPORT
    )
    return session.execute(delete(JobFile).where(JobFile.job_id.in_(expired))).rowcount


@periodic("delete-expired-subject-exports", every_minutes=60)
def delete_expired(session: Session) -> str | None:
    removed = delete_expired_exports(session)
    return f"{removed} expired copies of people's data deleted" if removed else None
