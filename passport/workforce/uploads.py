"""Starting an ESR import: the cheap checks an upload gets at once, then the job that does the work.

The upload page and the API check what can be known without reading the rows (the kind, the trust the
user may import for, a file that is there, not empty, within the size limit, named .csv or .xlsx) and
answer a problem at once with a 4xx, queuing nothing. Otherwise the file is stored with a job and the
answer comes before any row is read (``passport.workforce.tasks`` does the import).
"""

from __future__ import annotations

import hashlib
from typing import IO

from sqlalchemy.orm import Session

from passport.background.models import Job
from passport.background.operations import start_job
from passport.errors import DomainError, InvalidInput
from passport.workforce.importing import KINDS
from passport.workforce.tasks import ESR_IMPORT

EXTENSIONS = (".csv", ".xlsx")


class FileTooLarge(DomainError):
    status = 413
    title = "Content Too Large"


def size_limit_text(max_bytes: int) -> str:
    return f"{max_bytes / (1024 * 1024):g} MB"


def read_upload(stream: IO[bytes] | None, filename: str | None, max_bytes: int) -> tuple[str, bytes]:
    """The upload's name and bytes, or a ``DomainError`` naming what is wrong with it (field ``file``)."""
    name = (filename or "").strip().replace("\\", "/").rsplit("/", 1)[-1]
    if stream is None or not name:
        raise InvalidInput("Choose the file to import", field="file")
    if not name.lower().endswith(EXTENSIONS):
        raise InvalidInput(f"{name} must be a CSV file (.csv) or an Excel workbook (.xlsx)", field="file")
    content = stream.read(max_bytes + 1)
    if len(content) > max_bytes:
        raise FileTooLarge(f"{name} is larger than the {size_limit_text(max_bytes)} limit", field="file")
    if not content:
        raise InvalidInput(f"{name} is empty", field="file")
    return name, content


def import_job_key(kind: str, trust_id: int | None, partial: bool, content: bytes) -> str:
    """One import per file, kind, trust (or the whole partnership) and choice of partial: a second
    upload of the same file, at the same time or later, is answered with the first one's job."""
    digest = hashlib.sha256(content).hexdigest()
    return f"{ESR_IMPORT}:{kind}:{trust_id if trust_id is not None else 'all'}:{int(partial)}:{digest}"


def start_import_job(
    session: Session,
    *,
    kind: str,
    filename: str,
    content: bytes,
    only_trust_id: int | None,
    run_trust_id: int | None,
    partial: bool,
    max_bytes: int,
    created_by_id: int | None,
    once_per_file: bool = True,
    queue: bool = True,
) -> Job:
    """Record the import's job with its file (queued when this transaction commits, unless ``queue``
    is False: the command line runs it itself). ``once_per_file``: keyed as ``import_job_key`` says."""
    if kind not in KINDS:
        raise InvalidInput(f"Choose what the file holds: {' or '.join(KINDS)}", field="kind")
    return start_job(
        session,
        kind=ESR_IMPORT,
        title=f"Import of {filename} ({kind})",
        params={
            "kind": kind,
            "partial": partial,
            "only_trust_id": only_trust_id,
            "max_bytes": max_bytes,
        },
        trust_id=run_trust_id,
        created_by_id=created_by_id,
        idempotency_key=import_job_key(kind, run_trust_id, partial, content) if once_per_file else None,
        file=(filename, content),
        queue=queue,
    )
