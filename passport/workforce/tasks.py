"""Workforce jobs: the ESR import (passport.background.registry).

The import job is the edge that commits an import: each step of ``import_runs.import_steps`` is
committed with the job's progress through ``ctx.progress``. A worker killed at any point leaves the
work committed so far; the job, run again from the start by another worker, finds its import run and
goes on after the last committed chunk, so the file is applied exactly once.
"""

from __future__ import annotations

from typing import Any

from passport.auth.models import UserAccount
from passport.background.registry import job_kind
from passport.background.runner import JobContext, JobFailed
from passport.workforce.import_gate import Actor
from passport.workforce.import_runs import (
    APPLYING_STAGE,
    CHECKING_STAGE,
    IMPORTED,
    ImportTakenOver,
    import_steps,
)
from passport.workforce.models import ImportRun
from passport.workforce.signals import announce_records_changed
from passport.workforce.tables import FileRejected

ESR_IMPORT = "esr_import"


def _stage(step_stage: str) -> str:
    """In words, for the job's page (which adds how many rows are done)."""
    if step_stage == CHECKING_STAGE:
        return "Checking the rows"
    if step_stage == APPLYING_STAGE:
        return "Saving the rows"
    return "Finishing"


def _actor(ctx: JobContext) -> Actor:
    """The person who started the job, as the rules see her now; the command line when nobody did."""
    if ctx.job.created_by_id is None:
        return "cli"
    user = ctx.session.get(UserAccount, ctx.job.created_by_id)
    if user is None:
        raise JobFailed("The account that started this import no longer exists; nothing was imported.")
    return user


@job_kind(ESR_IMPORT)
def run_esr_import(ctx: JobContext) -> dict[str, Any]:
    params = ctx.params
    filename, content = ctx.file_content()
    run: ImportRun | None = None
    try:
        for step in import_steps(
            ctx.session,
            kind=params["kind"],
            content=content,
            filename=filename,
            actor=_actor(ctx),
            only_trust_id=params.get("only_trust_id"),
            trust_id=ctx.job.trust_id,
            partial=bool(params.get("partial")),
            max_bytes=int(params["max_bytes"]),
            job_id=ctx.job.id,
        ):
            run = step.run
            # Commits what the step did (a chunk and the run's checkpoint) together with the progress.
            ctx.progress(done=step.done, total=step.total, stage=_stage(step.stage))
    except FileRejected as error:
        raise JobFailed(f"{error}. Nothing was imported.") from None
    except ImportTakenOver:
        raise JobFailed(
            "Another worker took this import over after this one was thought stopped; it goes on there."
        ) from None
    assert run is not None  # import_steps ends with a finished step
    changed_trusts = sorted((run.report or {}).get("changed_trust_ids", []))
    if run.status == IMPORTED and (run.added or run.updated):
        # After the last commit of the import's rows; sent again if a re-run finds the run finished
        # (a listener queues follow-up work, which does no harm twice).
        announce_records_changed(ctx.session, changed_trusts)
    ctx.show_result_at("workforce.import_result", run_id=run.id)
    return {"run_id": run.id, **run.counts}
