"""CASE imports too large for a request: what is checked before one is queued, and the job's work.

A package over ``LARGE_PACKAGE_BYTES`` is stored with a background job and imported by a worker; a
smaller one is imported within the request, as before. Either way the import is one transaction, all
or nothing, with the same checks and messages. Plain functions taking a ``Session``; they never commit.
"""

from __future__ import annotations

import hashlib
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from competencies.frameworks.case_import import CaseImportRejected, import_case_package, read_json_object
from competencies.frameworks.case_package import CaseProblem
from competencies.frameworks.case_upgrade import case_1_1_warnings
from competencies.frameworks.models import FrameworkVersion
from competencies.frameworks.operations import version_item_count
from passport.auth.models import UserAccount
from passport.background.models import Job
from passport.background.operations import start_job
from passport.background.runner import JobFailed
from passport.db import new_uuid
from passport.errors import InvalidInput

CASE_IMPORT = "case_import"
# Over this a package is imported by a worker: parsing and storing it can take longer than a request should.
LARGE_PACKAGE_BYTES = 1_048_576
# Far beyond any real framework (10,000 items are about 5 MB), below the request limit of 64 MB.
MAX_PACKAGE_BYTES = 50 * 1_048_576
_JSON_TYPES = frozenset({"application/json", "application/ld+json", "text/json"})


class PackageTooLarge(InvalidInput):
    status = 413
    title = "The CASE package is too large"


def check_upload(content: bytes, *, filename: str | None, content_type: str | None) -> None:
    """The facts that cost nothing to check, refused before any import or job is begun."""
    if not content:
        raise InvalidInput("The file is empty: choose a CASE package JSON file.", field="package")
    if len(content) > MAX_PACKAGE_BYTES:
        raise PackageTooLarge(
            f"The file is {len(content) / 1_048_576:.1f} MB; a CASE package may be at most "
            f"{MAX_PACKAGE_BYTES // 1_048_576} MB.",
            field="package",
        )
    named_json = (filename or "").lower().endswith(".json")
    typed_json = (content_type or "").split(";")[0].strip().lower() in _JSON_TYPES
    if not (named_json or typed_json):
        raise InvalidInput("The file must be a CASE package in JSON (a .json file).", field="package")


def is_large(content: bytes) -> bool:
    return len(content) > LARGE_PACKAGE_BYTES


def import_key(owner_trust_id: int | None, publish: bool, content: bytes) -> str:
    """One job per file, owner and choice to publish: the same upload twice is answered with one job."""
    scope = f"{CASE_IMPORT}:{owner_trust_id or 'shared'}:{'published' if publish else 'draft'}"
    return f"{scope}:{hashlib.sha256(content).hexdigest()}"


def start_case_import(
    session: Session,
    *,
    content: bytes,
    filename: str,
    owner_trust_id: int | None,
    publish: bool,
    user: UserAccount,
    queue: bool = True,
) -> Job:
    """Store the package with a job that imports it (the caller has checked access and the upload)."""
    return start_job(
        session,
        kind=CASE_IMPORT,
        title=f"Import of the CASE package {filename}"[:200],
        params={
            "owner_trust_id": owner_trust_id,
            "publish": publish,
            # Chosen here, once: a second run of the job finds the version the first one stored.
            "version_identifier": new_uuid(),
        },
        trust_id=owner_trust_id,
        created_by_id=user.id,
        idempotency_key=import_key(owner_trust_id, publish, content),
        file=(filename, content),
        queue=queue,
    )


def import_for_job(
    session: Session, job: Job, content: bytes, warnings: list[CaseProblem] | None = None
) -> FrameworkVersion:
    """Import the job's package, or find the version an earlier run of this job stored (the import
    and the job's success are committed together, but a worker can die between commit and report).
    ``warnings`` receives the import's CASE 1.1 warnings (``case_upgrade``) either way."""
    params = job.params or {}
    identifier = params["version_identifier"]
    stored = session.scalar(select(FrameworkVersion).where(FrameworkVersion.identifier == identifier))
    if stored is not None:
        if warnings is not None:
            warnings.extend(case_1_1_warnings(read_json_object(content)))
        return stored
    actor: Any = session.get(UserAccount, job.created_by_id) if job.created_by_id else None
    try:
        return import_case_package(
            session,
            content,
            actor=actor or f"background job {job.id}",
            owner_trust_id=params.get("owner_trust_id"),
            publish=bool(params.get("publish")),
            version_identifier=identifier,
            warnings=warnings,
        )
    except CaseImportRejected as error:
        raise JobFailed(error.message) from None


# A job's result is stored with it: this many warnings are kept there (their count is always given).
RESULT_WARNINGS = 1000


def import_result(
    session: Session, version: FrameworkVersion, warnings: list[CaseProblem] | None = None
) -> dict[str, Any]:
    """What the job's page and API show of the imported version, and the import's CASE 1.1 warnings
    (each field written differently from how it was sent, by JSON path; the first RESULT_WARNINGS)."""
    warnings = warnings or []
    return {
        "framework": version.framework.identifier,
        "version": version.identifier,
        "document_identifier": version.document_identifier,
        "title": version.title,
        "version_label": version.version_label,
        "status": version.status,
        "items": version_item_count(session, version),
        "warning_count": len(warnings),
        "warnings": [{"path": w.path, "reason": w.reason} for w in warnings[:RESULT_WARNINGS]],
    }
