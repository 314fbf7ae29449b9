"""Bulk issuance of mandatory-training credentials from a CSV file, as a background job.

The request checks what is cheap (a file, not empty, not too large, a CSV) and stores the upload with a
``bulk_issuance`` job (``start_training_upload``); the job (``credentials/tasks.py``) reads the file,
checks every row, and issues in chunks, each committed with its progress. The rules are today's: every
row is checked first and, if any row is wrong, nothing is issued and each problem is reported by its
line number. Each credential records its upload and line (unique together), so a job run again after
its worker died issues only the lines not yet issued. Plain functions; they never commit.
"""

from __future__ import annotations

import csv
import dataclasses
import hashlib
import io
import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from passport.background.models import Job
from passport.background.operations import start_job
from passport.credentials.issuance import PendingCredential
from passport.credentials.models import IssuedCredential
from passport.credentials.operations import issue_many, prepare_credential, refresher_period_for
from passport.errors import DomainError, InvalidInput
from passport.trusts.models import StaffMember, Trust

JOB_KIND = "bulk_issuance"
TRAINING_CSV_COLUMNS = ("email", "subject_code", "level", "completed_on", "expires_on")
TRAINING_CSV_REQUIRED = ("email", "subject_code", "level", "completed_on")
MAX_CSV_ROWS = 20_000
# 20,000 rows of completions take about 1.5 MB; anything far larger is not a file of completions.
MAX_CSV_BYTES = 5 * 1024 * 1024
# Rows checked between two progress reports, and credentials signed and committed together.
CHECK_REPORT_EVERY = 1000
ISSUE_CHUNK = 500
# A job's result keeps at most this many problems (the count is always exact).
MAX_PROBLEMS_KEPT = 1000


class UploadTooLarge(DomainError):
    status = 413
    title = "Payload too large"


@dataclass(frozen=True, slots=True)
class CsvRow:
    line: int
    values: dict[str, str]

    @property
    def email(self) -> str:
        return self.values.get("email", "").lower()


@dataclass(frozen=True, slots=True)
class RowProblem:
    line: int
    email: str
    reason: str

    def as_dict(self) -> dict[str, Any]:
        return {"line": self.line, "email": self.email, "reason": self.reason}


# --- In the request: cheap checks, then a job ----------------------------------------------------------


def check_upload(filename: str, content: bytes) -> None:
    """What can be told without reading the rows; InvalidInput (422) or UploadTooLarge (413)."""
    if not filename:
        raise InvalidInput("Choose a CSV file to upload.", field="file")
    if not content.strip():
        raise InvalidInput("The file is empty.", field="file")
    if len(content) > MAX_CSV_BYTES:
        raise UploadTooLarge(
            f"The file is larger than {MAX_CSV_BYTES // (1024 * 1024)} MB; split it into smaller files.",
            field="file",
        )
    if not filename.lower().endswith(".csv"):
        raise InvalidInput(
            "The file must be a CSV file (.csv); save it from your spreadsheet as 'CSV UTF-8'.", field="file"
        )
    if b"\x00" in content[:4096]:  # a workbook or UTF-16 text renamed .csv
        raise InvalidInput(
            "The file is not CSV text (it looks like a spreadsheet or UTF-16 file); save it as 'CSV UTF-8'.",
            field="file",
        )


def upload_key(trust: Trust, content: bytes) -> str:
    return f"bulk-issuance:{trust.id}:{hashlib.sha256(content).hexdigest()}"


def start_training_upload(
    session: Session, *, trust: Trust, actor: Any, filename: str, content: bytes
) -> tuple[Job, bool]:
    """Store the upload with its job (queued at commit); the job and whether it is new. The same file
    for the same trust gives the job it gave before (started again only if that one failed)."""
    check_upload(filename, content)
    key = upload_key(trust, content)
    known = session.scalar(select(Job.id).where(Job.idempotency_key == key)) is not None
    job = start_job(
        session,
        kind=JOB_KIND,
        title=f"Training credentials from {filename}"[:200],
        # The upload's own id marks the credentials it issues (a job id may be reused on SQLite).
        params={"upload_id": str(uuid.uuid4()), "filename": filename[:255]},
        trust_id=trust.id,
        created_by_id=getattr(actor, "id", None),
        idempotency_key=key,
        file=(filename, content),
    )
    return job, not known


# --- In the job: read, check, issue -------------------------------------------------------------------


def read_training_csv(content: bytes) -> list[CsvRow]:
    """The rows of a training CSV, by line number; InvalidInput naming what is wrong with the file."""
    try:
        text = content.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise InvalidInput("The file is not UTF-8 text; save it as 'CSV UTF-8'.", field="file") from None
    reader = csv.reader(io.StringIO(text))
    try:
        header = [cell.strip().lower() for cell in next(reader)]
    except StopIteration:
        raise InvalidInput("The file is empty.", field="file") from None
    except csv.Error as error:
        raise InvalidInput(f"The file is not a CSV file: {error}.", field="file") from None
    missing = [name for name in TRAINING_CSV_REQUIRED if name not in header]
    unknown = [name for name in header if name and name not in TRAINING_CSV_COLUMNS]
    if missing or unknown:
        problems = []
        if missing:
            problems.append("missing column(s): " + ", ".join(missing))
        if unknown:
            problems.append("unknown column(s): " + ", ".join(unknown))
        raise InvalidInput(
            f"The header row is not right ({'; '.join(problems)}). "
            f"Columns: {', '.join(TRAINING_CSV_COLUMNS)}.",
            field="file",
        )
    rows: list[CsvRow] = []
    try:
        for values in reader:
            if not any(cell.strip() for cell in values):
                continue
            if len(rows) >= MAX_CSV_ROWS:
                raise InvalidInput(f"The file has more than {MAX_CSV_ROWS:,} rows; split it.", field="file")
            cells = {name: (values[i].strip() if i < len(values) else "") for i, name in enumerate(header)}
            rows.append(CsvRow(reader.line_num, cells))
    except csv.Error as error:
        raise InvalidInput(f"Line {reader.line_num} cannot be read as CSV: {error}.", field="file") from None
    if not rows:
        raise InvalidInput("The file has a header row but no completions.", field="file")
    return rows


def _first_message(error: InvalidInput) -> str:
    for field, messages in error.errors.items():
        text = messages[0] if isinstance(messages, list) and messages else messages
        return f"{field.removeprefix('subject.')}: {text}"
    return error.message


def _staff_by_email(session: Session, emails: set[str]) -> dict[str, StaffMember]:
    found: dict[str, StaffMember] = {}
    ordered = sorted(emails)
    for start in range(0, len(ordered), 5000):  # inside SQLite's bound-parameter limit
        chunk = ordered[start : start + 5000]
        found.update(
            {m.email: m for m in session.scalars(select(StaffMember).where(StaffMember.email.in_(chunk)))}
        )
    return found


def check_training_rows(
    session: Session,
    *,
    trust: Trust,
    rows: list[CsvRow],
    on_checked: Callable[[int], None] | None = None,
) -> tuple[list[PendingCredential], list[RowProblem]]:
    """Each row made a credential ready to sign (carrying its line), or the row's problem. Dates are UK
    (31/01/2026) or ISO (2026-01-31). ``on_checked(n)`` hears every ``CHECK_REPORT_EVERY`` rows."""
    from passport.reference.workforce import parse_date

    refresher_period = refresher_period_for(session, trust)
    staff = _staff_by_email(session, {row.email for row in rows})
    pending: list[PendingCredential] = []
    problems: list[RowProblem] = []
    for checked, row in enumerate(rows, start=1):
        values, member = row.values, staff.get(row.email)
        try:
            if member is None:
                raise InvalidInput(f"there is no staff record for {row.email or '(blank)'}", field="email")
            data: dict[str, Any] = {"subject_code": values["subject_code"].upper()}
            try:
                data["level"] = int(values["level"])
            except ValueError:
                raise InvalidInput(f"{values['level']!r} is not a level number", field="level") from None
            for name in ("completed_on", "expires_on"):
                if values.get(name):
                    try:
                        data[name] = parse_date(values[name]).isoformat()
                    except ValueError:
                        raise InvalidInput(f"{values[name]!r} is not a date", field=name) from None
            item = prepare_credential(
                subject=member,
                credential_type="mandatory-training",
                subject_data=data,
                refresher_period=refresher_period,
            )
        except InvalidInput as error:
            problems.append(RowProblem(row.line, row.email, _first_message(error)))
        else:
            pending.append(dataclasses.replace(item, source_line=row.line))
        if on_checked is not None and checked % CHECK_REPORT_EVERY == 0:
            on_checked(checked)
    return pending, problems


def issued_lines(session: Session, upload_id: str) -> set[int]:
    """The lines of an upload already issued (by an earlier run of its job that did not finish)."""
    return set(
        session.scalars(
            select(IssuedCredential.bulk_line).where(IssuedCredential.bulk_upload_id == upload_id)
        )
    )


def issue_training_chunk(
    session: Session,
    *,
    trust: Trust,
    pending: list[PendingCredential],
    actor: Any,
    upload_id: str,
    job_id: int,
) -> list[int]:
    """Sign and store one chunk of an upload's credentials (with their status places), audited."""
    return issue_many(
        session,
        issuer_trust=trust,
        pending=pending,
        actor=actor,
        source="training CSV",
        bulk_upload_id=upload_id,
        details={"job_id": job_id, "lines": [p.source_line for p in pending]},
    )


def chunks(items: list[PendingCredential], size: int) -> Iterable[list[PendingCredential]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def outcome(*, rows: int, issued: int, skipped: int, problems: list[RowProblem]) -> dict[str, Any]:
    """What the job's result says: counts, and each rejected line with its reason."""
    if problems:
        message = (
            f"Nothing was issued: {len(problems):,} of {rows:,} rows have problems. "
            "Fix them and upload the whole file again."
        )
        if skipped:
            message += f" ({skipped:,} rows were issued by an earlier attempt of this job and stand.)"
    else:
        message = f"{issued + skipped:,} credential{'' if issued + skipped == 1 else 's'} issued."
    return {
        "ok": not problems,
        "rows": rows,
        "issued": issued,
        "skipped": skipped,
        "rejected_count": len(problems),
        "rejected": [problem.as_dict() for problem in problems[:MAX_PROBLEMS_KEPT]],
        "message": message,
    }


def failure_summary(problems: list[RowProblem], result: dict[str, Any], shown: int = 5) -> str:
    """The reason a job with bad rows gives on its page: the message and the first few lines."""
    listed = "; ".join(f"line {p.line}: {p.reason}" for p in problems[:shown])
    more = f"; and {len(problems) - shown:,} more" if len(problems) > shown else ""
    return f"{result['message']} {listed}{more}."


def credentials_of_upload(session: Session, upload_id: str, limit: int = 1000) -> list[IssuedCredential]:
    from sqlalchemy.orm import selectinload

    return list(
        session.scalars(
            select(IssuedCredential)
            .where(IssuedCredential.bulk_upload_id == upload_id)
            .options(selectinload(IssuedCredential.staff_member))
            .order_by(IssuedCredential.bulk_line)
            .limit(limit)
        )
    )
