"""Job descriptions: writing versions, putting them to approval, each trust's approval and local fields.

Plain functions over a Session that never commit. Access is the caller's (through the policy); these
functions keep the rules of the workflow: only a version no trust has approved may change, a trust
approves a version once, and only the content its approver read.
"""

from __future__ import annotations

import difflib
import hashlib
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

import rfc8785
from sqlalchemy import func, select
from sqlalchemy.orm import Session, selectinload

from competencies.jobs.models import JobAdoption, JobDescription, JobRequirement, JobStatus, JobVersion
from competencies.jobs.requirements import check_requirement
from passport.audit.operations import record_event
from passport.db import utcnow
from passport.errors import Conflict, InvalidInput, NotFound
from passport.reference.workforce import STAFF_GROUP_BY_CODE, UnknownReferenceValue, parse_afc_band
from passport.trusts.models import Trust

PERSON_SPEC_CATEGORIES = ("qualifications", "experience", "knowledge", "skills", "values")
ASSESSED_BY = ("application", "interview", "test")
# The fields a job description may leave to each adopting trust.
LOCAL_FIELDS = {
    "base_site": "Base site",
    "cost_centre": "Cost centre",
    "department": "Department or ward",
    "recruiting_manager": "Recruiting manager",
}
MAX_TEXT = 200
MAX_LONG_TEXT = 5000
MAX_ITEMS = 100


def _text(values: Mapping[str, Any], name: str, limit: int = MAX_TEXT) -> str:
    value = values.get(name)
    if not isinstance(value, str) or not value.strip():
        raise InvalidInput(f"Enter the {name.replace('_', ' ')}.", field=name)
    if len(value.strip()) > limit:
        raise InvalidInput(f"The {name.replace('_', ' ')} must be at most {limit} characters.", field=name)
    return value.strip()


def _duties(raw: object) -> list[dict[str, Any]]:
    if not isinstance(raw, list) or not raw or len(raw) > MAX_ITEMS:
        raise InvalidInput("Give the duties as one or more areas, each with its duties.", field="duties")
    areas = []
    for i, group in enumerate(raw):
        if not isinstance(group, Mapping):
            raise InvalidInput("Each area of duties must be an object.", field=f"duties.{i}")
        area = group.get("area")
        duties = group.get("duties")
        if not isinstance(area, str) or not area.strip() or len(area) > MAX_TEXT:
            raise InvalidInput("Each area of duties needs a name.", field=f"duties.{i}.area")
        if (
            not isinstance(duties, list)
            or not duties
            or len(duties) > MAX_ITEMS
            or not all(isinstance(d, str) and d.strip() and len(d) <= 1000 for d in duties)
        ):
            raise InvalidInput(f"Give the duties of {area.strip()}, one or more.", field=f"duties.{i}.duties")
        areas.append({"area": area.strip(), "duties": [d.strip() for d in duties]})
    return areas


def _person_spec(raw: object) -> list[dict[str, Any]]:
    if not isinstance(raw, list) or len(raw) > MAX_ITEMS:
        raise InvalidInput("The person specification must be a list of criteria.", field="person_spec")
    criteria = []
    for i, item in enumerate(raw):
        where = f"person_spec.{i}"
        if not isinstance(item, Mapping):
            raise InvalidInput("Each criterion must be an object.", field=where)
        if item.get("category") not in PERSON_SPEC_CATEGORIES:
            raise InvalidInput(
                f"The category must be one of {', '.join(PERSON_SPEC_CATEGORIES)}.", field=f"{where}.category"
            )
        criterion = item.get("criterion")
        if not isinstance(criterion, str) or not criterion.strip() or len(criterion) > 1000:
            raise InvalidInput("Each criterion needs its wording.", field=f"{where}.criterion")
        assessed = item.get("assessed_by")
        if not isinstance(assessed, list) or not assessed or not all(a in ASSESSED_BY for a in assessed):
            raise InvalidInput(
                f"Say how it is assessed: one or more of {', '.join(ASSESSED_BY)}.",
                field=f"{where}.assessed_by",
            )
        essential = item.get("essential", True)
        if not isinstance(essential, bool):
            raise InvalidInput("Essential must be true or false.", field=f"{where}.essential")
        criteria.append(
            {
                "category": item["category"],
                "criterion": criterion.strip(),
                "essential": essential,
                "assessed_by": [a for a in ASSESSED_BY if a in assessed],
            }
        )
    return criteria


def check_content(session: Session, values: Mapping[str, Any]) -> dict[str, Any]:
    """Every field of a version checked and tidied; InvalidInput naming the first field that is wrong."""
    try:
        band = parse_afc_band(str(values.get("afc_band", "")))
    except UnknownReferenceValue as error:
        raise InvalidInput(f"{error} (bands are 1 to 9, with 8a to 8d).", field="afc_band") from None
    staff_group = str(values.get("staff_group", "")).strip().upper()
    if staff_group not in STAFF_GROUP_BY_CODE:
        raise InvalidInput(
            f"The staff group must be one of {', '.join(STAFF_GROUP_BY_CODE)}.", field="staff_group"
        )
    try:
        hours = Decimal(str(values.get("hours", ""))).quantize(Decimal("0.01"))
    except (InvalidOperation, ValueError):
        raise InvalidInput("Give the hours a week as a number, such as 37.5.", field="hours") from None
    if not Decimal("0.5") <= hours <= Decimal("48"):
        raise InvalidInput("The hours a week must be between 0.5 and 48.", field="hours")
    local_fields = values.get("local_fields") or []
    if not isinstance(local_fields, list) or not all(name in LOCAL_FIELDS for name in local_fields):
        raise InvalidInput(f"Local fields may be {', '.join(LOCAL_FIELDS)}.", field="local_fields")
    requirements = values.get("requirements") or []
    if not isinstance(requirements, list) or len(requirements) > MAX_ITEMS:
        raise InvalidInput(f"Give at most {MAX_ITEMS} requirements, as a list.", field="requirements")
    return {
        "title": _text(values, "title"),
        "afc_band": band,
        "staff_group": staff_group,
        "hours": hours,
        "reports_to": _text(values, "reports_to"),
        "accountable_to": _text(values, "accountable_to"),
        "purpose": _text(values, "purpose", MAX_LONG_TEXT),
        "duties": _duties(values.get("duties")),
        "person_spec": _person_spec(values.get("person_spec") or []),
        "local_fields": [name for name in LOCAL_FIELDS if name in local_fields],
        "requirements": [check_requirement(session, i, spec) for i, spec in enumerate(requirements)],
    }


# --- Content, hash, export, diff ----------------------------------------------------------------------

_REQUIREMENT_COLUMNS = (
    "kind",
    "essential",
    "label",
    "credential_type",
    "conditions",
    "cstf_subject",
    "min_level",
    "item_identifier",
    "item_uri",
    "framework_version_identifier",
    "min_proficiency",
)


def requirement_dict(requirement: JobRequirement) -> dict[str, Any]:
    values = {name: getattr(requirement, name) for name in _REQUIREMENT_COLUMNS}
    return {k: v for k, v in values.items() if v is not None and v != {}}


def content_of(version: JobVersion) -> dict[str, Any]:
    """What a version says: the part an approver approves (hashed), exported and compared."""
    return {
        "title": version.title,
        "afc_band": version.afc_band,
        "staff_group": version.staff_group,
        "hours": str(version.hours),
        "reports_to": version.reports_to,
        "accountable_to": version.accountable_to,
        "purpose": version.purpose,
        "duties": version.duties,
        "person_spec": version.person_spec,
        "local_fields": version.local_fields,
        "requirements": [requirement_dict(r) for r in version.requirements],
    }


def hash_content(content: Mapping[str, Any]) -> str:
    return hashlib.sha256(rfc8785.dumps(dict(content))).hexdigest()


def export_version(version: JobVersion) -> dict[str, Any]:
    return {
        "id": version.id,
        "job_description": version.job_description.identifier,
        "version": version.number,
        "status": version.status,
        "joint": version.is_joint,
        "content_hash": version.content_hash,
        **content_of(version),
        "adoptions": [
            {
                "trust": adoption.trust.ods_code,
                "approved_at": adoption.approved_at.isoformat(),
                "local_values": adoption.local_values,
            }
            for adoption in sorted(version.adoptions, key=lambda a: a.trust.ods_code)
        ],
    }


@dataclass(frozen=True, slots=True)
class FieldDiff:
    field: str
    before: list[str]
    after: list[str]
    lines: list[tuple[str, str]]  # ("-", text) removed, ("+", text) added, (" ", text) unchanged


def _as_lines(name: str, value: Any) -> list[str]:
    if name == "duties":
        return [f"{group['area']}: {duty}" for group in value for duty in group["duties"]]
    if name == "person_spec":
        return [
            f"{c['category']} ({'essential' if c['essential'] else 'desirable'}; "
            f"{', '.join(c['assessed_by'])}): {c['criterion']}"
            for c in value
        ]
    if name == "requirements":
        return [("" if r.get("essential", True) else "(desirable) ") + r["label"] for r in value]
    if isinstance(value, list):
        return [str(v) for v in value]
    return [str(value)]


def diff_versions(before: JobVersion, after: JobVersion) -> list[FieldDiff]:
    """The fields that differ between two versions, line by line."""
    old, new = content_of(before), content_of(after)
    changes = []
    for name in old:
        a, b = _as_lines(name, old[name]), _as_lines(name, new[name])
        if a == b:
            continue
        lines = []
        for tag, i1, i2, j1, j2 in difflib.SequenceMatcher(a=a, b=b, autojunk=False).get_opcodes():
            if tag == "equal":
                lines.extend((" ", text) for text in a[i1:i2])
                continue
            lines.extend(("-", text) for text in a[i1:i2])
            lines.extend(("+", text) for text in b[j1:j2])
        changes.append(FieldDiff(name, a, b, lines))
    return changes


# --- Writing ---------------------------------------------------------------------------------------------


def _apply(version: JobVersion, content: Mapping[str, Any]) -> None:
    for name in (
        "title",
        "afc_band",
        "staff_group",
        "hours",
        "reports_to",
        "accountable_to",
        "purpose",
        "duties",
        "person_spec",
        "local_fields",
    ):
        setattr(version, name, content[name])
    version.requirements.clear()
    for position, values in enumerate(content["requirements"], start=1):
        version.requirements.append(JobRequirement(position=position, **values))
    version.content_hash = hash_content(content_of(version))
    version.updated_at = utcnow()


def create_job_description(session: Session, values: Mapping[str, Any], *, actor: Any) -> JobVersion:
    """A new job description, as its first version (a draft)."""
    content = check_content(session, values)
    job = JobDescription(identifier=str(uuid.uuid4()), created_by_id=getattr(actor, "id", None))
    version = JobVersion(job_description=job, number=1, status=JobStatus.DRAFT.value)
    version.created_by_id = getattr(actor, "id", None)
    version.requirements = []
    version.adoptions = []
    _apply(version, content)
    session.add(job)
    session.flush()
    record_event(
        session,
        actor=actor,
        action="job.created",
        record_type="job_version",
        record_id=version.id,
        details={"title": version.title, "band": version.afc_band},
    )
    return version


def update_version(
    session: Session, version: JobVersion, values: Mapping[str, Any], *, actor: Any
) -> JobVersion:
    """Change a version no trust has approved yet (an approved one is frozen: make a new version)."""
    if version.adoptions:
        raise Conflict(
            "This version has been approved by a trust and can no longer change; make a new version.",
            field="status",
        )
    content = check_content(session, values)
    _apply(version, content)
    session.flush()
    record_event(
        session,
        actor=actor,
        action="job.updated",
        record_type="job_version",
        record_id=version.id,
        details={"content_hash": version.content_hash},
    )
    return version


def submit_for_approval(session: Session, version: JobVersion, *, actor: Any) -> JobVersion:
    if version.job_status is not JobStatus.DRAFT:
        raise Conflict(
            f"Only a draft can be put to approval; this version is {version.job_status.label.lower()}."
        )
    version.status = JobStatus.IN_APPROVAL.value
    version.submitted_at = utcnow()
    session.flush()
    record_event(
        session,
        actor=actor,
        action="job.submitted",
        record_type="job_version",
        record_id=version.id,
        details={"content_hash": version.content_hash},
    )
    return version


def ensure_approvable(version: JobVersion, trust: Trust) -> None:
    """Refuse (409) unless ``trust`` may adopt ``version`` now: put to approval, not yet adopted by it."""
    if version.job_status is JobStatus.DRAFT:
        raise Conflict("This version is still a draft: it has not been put to approval.")
    if any(adoption.trust_id == trust.id for adoption in version.adoptions):
        raise Conflict(f"{trust.name} has already approved this version.", field="trust")


def approve_version(
    session: Session, version: JobVersion, trust: Trust, *, content_hash: str, actor: Any
) -> JobAdoption:
    """``trust`` adopts ``version``: exactly the content (hash) its approver read, and only once."""
    ensure_approvable(version, trust)
    if content_hash != version.content_hash:
        raise Conflict(
            "This version has changed since you read it. Read it again before you approve it.",
            field="content_hash",
        )
    adoption = JobAdoption(
        trust_id=trust.id,
        content_hash=version.content_hash,
        local_values={},
        approved_by_id=getattr(actor, "id", None),
    )
    version.adoptions.append(adoption)
    version.status = JobStatus.ADOPTED.value
    session.flush()
    record_event(
        session,
        actor=actor,
        action="job.approved",
        record_type="job_version",
        record_id=version.id,
        trust_id=trust.id,
        details={"content_hash": version.content_hash, "joint": version.is_joint},
    )
    return adoption


def set_local_values(
    session: Session, version: JobVersion, trust: Trust, values: Mapping[str, Any], *, actor: Any
) -> JobAdoption:
    """A trust fills in the fields the version leaves to it, and no others."""
    adoption = next((a for a in version.adoptions if a.trust_id == trust.id), None)
    if adoption is None:
        raise Conflict(f"{trust.name} has not adopted this version; approve it first.")
    clean: dict[str, str] = {}
    for name, value in values.items():
        if name not in version.local_fields:
            allowed = ", ".join(version.local_fields) or "none"
            raise InvalidInput(
                f"{name} is not a local field of this job description (local fields: {allowed}).", field=name
            )
        if not isinstance(value, str) or len(value.strip()) > MAX_TEXT:
            raise InvalidInput(
                f"Give {name.replace('_', ' ')} as text of at most {MAX_TEXT} characters.", field=name
            )
        if value.strip():
            clean[name] = value.strip()
    adoption.local_values = {**adoption.local_values, **clean}
    session.flush()
    record_event(
        session,
        actor=actor,
        action="job.local_values_set",
        record_type="job_version",
        record_id=version.id,
        trust_id=trust.id,
        details={"fields": sorted(clean)},
    )
    return adoption


def new_version(session: Session, version: JobVersion, *, actor: Any) -> JobVersion:
    """A new draft of the same job description, starting from ``version``'s content."""
    number = (
        session.scalar(
            select(func.max(JobVersion.number)).where(
                JobVersion.job_description_id == version.job_description_id
            )
        )
        or 0
    ) + 1
    draft = JobVersion(
        job_description_id=version.job_description_id, number=number, status=JobStatus.DRAFT.value
    )
    draft.created_by_id = getattr(actor, "id", None)
    draft.requirements = []
    draft.adoptions = []
    content = content_of(version)
    content["hours"] = version.hours
    content["requirements"] = [
        {name: getattr(r, name) for name in _REQUIREMENT_COLUMNS} for r in version.requirements
    ]
    _apply(draft, content)
    session.add(draft)
    session.flush()
    record_event(
        session,
        actor=actor,
        action="job.versioned",
        record_type="job_version",
        record_id=draft.id,
        details={"from_version": version.id, "number": number},
    )
    return draft


# --- Reading ---------------------------------------------------------------------------------------------


def _loaded():  # type: ignore[no-untyped-def]
    return (
        selectinload(JobVersion.requirements),
        selectinload(JobVersion.adoptions),
        selectinload(JobVersion.job_description),
    )


def list_versions(session: Session, statuses: set[JobStatus]) -> list[JobVersion]:
    stmt = (
        select(JobVersion)
        .where(JobVersion.status.in_([s.value for s in statuses]))
        .options(*_loaded())
        .order_by(JobVersion.title, JobVersion.number)
    )
    return list(session.scalars(stmt))


def get_version(session: Session, version_id: int, statuses: set[JobStatus] | None = None) -> JobVersion:
    """One version, if it exists and its status is among ``statuses`` (what the caller may see)."""
    version = session.get(JobVersion, version_id, options=_loaded())
    if version is None or (statuses is not None and version.job_status not in statuses):
        raise NotFound(f"There is no job description version {version_id}.")
    return version


def adopted_by_trust(session: Session, trust_id: int) -> list[JobVersion]:
    stmt = (
        select(JobVersion)
        .join(JobAdoption, JobAdoption.version_id == JobVersion.id)
        .where(JobAdoption.trust_id == trust_id)
        .options(*_loaded())
        .order_by(JobVersion.title, JobVersion.number)
    )
    return list(session.scalars(stmt))


def versions_of(session: Session, job_description_id: int) -> list[JobVersion]:
    return list(
        session.scalars(
            select(JobVersion)
            .where(JobVersion.job_description_id == job_description_id)
            .order_by(JobVersion.number)
        )
    )


def visible_statuses(user: Any) -> set[JobStatus]:
    """Admins see every version; HR also what is put to approval; everyone else adopted ones only."""
    from passport.auth.policy import Action, allows

    if allows(user, Action.WRITE_JOBS):
        return set(JobStatus)
    if allows(user, Action.APPROVE_JOBS):
        return {JobStatus.IN_APPROVAL, JobStatus.ADOPTED}
    return {JobStatus.ADOPTED}
