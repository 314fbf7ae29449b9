"""Frameworks jobs: the kinds of background work this feature registers (passport.background.registry)."""

from __future__ import annotations

from typing import Any

from competencies.frameworks.case_jobs import CASE_IMPORT, import_for_job, import_result
from competencies.frameworks.case_package import CaseProblem
from passport.background.registry import job_kind
from passport.background.runner import JobContext


# The job's page shows the version made and the fields changed to meet CASE 1.1 through this partial.
@job_kind(CASE_IMPORT, result_template="frameworks/_import_job_result.html")
def import_large_case_package(ctx: JobContext) -> dict[str, Any]:
    """Import a stored CASE package: all or nothing, once, whichever worker runs it and how often."""
    _filename, content = ctx.file_content()
    # Committed before the import starts (nothing of the import yet): the page shows the job is working.
    ctx.progress(done=0, total=1, stage="Checking and importing the package")
    warnings: list[CaseProblem] = []
    version = import_for_job(ctx.session, ctx.job, content, warnings)
    ctx.show_result_at("frameworks.version", version_id=version.identifier)
    return import_result(ctx.session, version, warnings)
