"""Credentials jobs: bulk issuance from a CSV file, and re-signing status lists after a key rotation.

Both are safe to run again from the start (a worker may be killed at any point): bulk issuance skips the
lines its upload has already issued, and re-signing skips the lists the active key already signed.
"""

from __future__ import annotations

from typing import Any

from passport.auth.models import UserAccount
from passport.auth.policy import Action, allows
from passport.background.registry import job_kind
from passport.background.runner import JobContext, JobFailed
from passport.credentials import bulk
from passport.credentials.issuance import resign_status_list, status_list_ids
from passport.credentials.keys import RESIGN_JOB_KIND, signer_for
from passport.errors import InvalidInput
from passport.trusts.models import Trust


def _trust_of(ctx: JobContext) -> Trust:
    trust = ctx.session.get(Trust, ctx.job.trust_id) if ctx.job.trust_id is not None else None
    if trust is None:
        raise JobFailed("The trust this job was started for no longer exists; nothing was changed.")
    return trust


@job_kind(bulk.JOB_KIND)
def issue_training_upload(ctx: JobContext) -> dict[str, Any]:
    session, job = ctx.session, ctx.job
    trust = _trust_of(ctx)
    actor = session.get(UserAccount, job.created_by_id) if job.created_by_id is not None else None
    # Checked when the upload was queued; checked again, as the account may have changed since.
    if actor is None or not allows(actor, Action.ISSUE_CREDENTIALS, trust.id):
        raise JobFailed("The person who uploaded this file may no longer issue credentials for the trust.")
    upload_id = ctx.params["upload_id"]
    _, content = ctx.file_content()
    try:
        rows = bulk.read_training_csv(content)
    except InvalidInput as error:
        raise JobFailed(error.message) from None
    total = len(rows)
    ctx.show_result_at("credentials.bulk_training_result", job_id=job.id)
    # Lines issued by an earlier run of this job that did not finish stand as they are.
    done_lines = bulk.issued_lines(session, upload_id)
    to_check = [row for row in rows if row.line not in done_lines]
    ctx.progress(done=0, total=total, stage="Checking rows")
    pending, problems = bulk.check_training_rows(
        session,
        trust=trust,
        rows=to_check,
        on_checked=lambda checked: ctx.progress(done=checked, stage="Checking rows"),
    )
    if problems:
        result = bulk.outcome(rows=total, issued=0, skipped=len(done_lines), problems=problems)
        job.result = result
        ctx.progress(stage="Nothing issued: some rows have problems")  # keeps the row report
        raise JobFailed(bulk.failure_summary(problems, result))
    issued = 0
    ctx.progress(done=len(done_lines), stage="Issuing credentials")
    for chunk in bulk.chunks(pending, bulk.ISSUE_CHUNK):
        bulk.issue_training_chunk(
            session, trust=trust, pending=chunk, actor=actor, upload_id=upload_id, job_id=job.id
        )
        issued += len(chunk)
        # Commits the chunk, its status places and the figures together: a crash loses a chunk whole.
        ctx.progress(done=len(done_lines) + issued, stage="Issuing credentials")
    return bulk.outcome(rows=total, issued=issued, skipped=len(done_lines), problems=[])


@job_kind(RESIGN_JOB_KIND)
def resign_status_lists(ctx: JobContext) -> dict[str, Any]:
    session = ctx.session
    trust = _trust_of(ctx)
    ids = status_list_ids(session, trust)
    signer = signer_for(session, trust)
    ctx.progress(done=0, total=len(ids), stage="Re-signing status lists")
    resigned = 0
    for done, list_id in enumerate(ids, start=1):
        resigned += resign_status_list(session, list_id, signer)
        ctx.progress(done=done, stage="Re-signing status lists")  # one list per commit: short locks
    return {
        "lists": len(ids),
        "resigned": resigned,
        "already_signed": len(ids) - resigned,
        "verification_method": signer.verification_method,
    }
