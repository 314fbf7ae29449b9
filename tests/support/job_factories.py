"""Job descriptions for tests, made by the real operations (a version's content hash and requirement
checks are part of what is tested), and a small shared framework with a crosswalk."""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy.orm import Session

from competencies.jobs import operations
from competencies.jobs.models import JobVersion
from passport.trusts.models import Trust


def job_content(**overrides: Any) -> dict[str, Any]:
    content: dict[str, Any] = {
        "title": "Registered Nurse",
        "afc_band": "Band 5",
        "staff_group": "NMR",
        "hours": "37.5",
        "reports_to": "Ward Manager",
        "accountable_to": "Director of Nursing",
        "purpose": "Safe, compassionate nursing care.",
        "duties": [
            {"area": "Clinical care", "duties": ["Assess patients' needs.", "Give medicines safely."]}
        ],
        "person_spec": [
            {
                "category": "qualifications",
                "criterion": "Registered nurse",
                "essential": True,
                "assessed_by": ["application"],
            }
        ],
        "local_fields": ["base_site", "cost_centre"],
        "requirements": [
            {"kind": "credential", "credential_type": "dbs-check", "conditions": {"min_level": "enhanced"}},
            {
                "kind": "credential",
                "credential_type": "professional-registration",
                "conditions": {"register_parts": "nursing"},
            },
            {"kind": "training", "cstf_subject": "CSTF-FIRE", "min_level": 1},
        ],
    }
    content.update(overrides)
    return content


def make_job(session: Session, **overrides: Any) -> JobVersion:
    return operations.create_job_description(session, job_content(**overrides), actor="test")


def adopted_job(session: Session, *trusts: Trust, **overrides: Any) -> JobVersion:
    version = make_job(session, **overrides)
    operations.submit_for_approval(session, version, actor="test")
    for trust in trusts:
        operations.approve_version(session, version, trust, content_hash=version.content_hash, actor="test")
    return version


BENNER = ("novice", "advanced_beginner", "competent", "proficient", "expert")


def framework_item(session: Session, code: str, statement: str, owner: Trust | None = None):  # type: ignore[no-untyped-def]
    """One item of a new framework with a Benner proficiency scale (shared when ``owner`` is None)."""
    from competencies.frameworks.models import (
        Framework,
        FrameworkItem,
        FrameworkVersion,
        ProficiencyLevel,
        ProficiencyScale,
    )

    framework = Framework(
        identifier=str(uuid.uuid4()), title=f"{code} framework", owner_trust_id=owner.id if owner else None
    )
    session.add(framework)
    session.flush()
    version = FrameworkVersion(
        identifier=str(uuid.uuid4()),
        framework_id=framework.id,
        version_label="1.0",
        status="draft",
        document_identifier=str(uuid.uuid4()),
        document_uri=f"https://passport.example/ims/case/v1p1/CFDocuments/{uuid.uuid4()}",
        title=framework.title,
        document_data={},
    )
    scale = ProficiencyScale(framework_id=framework.id, title="Benner")
    scale.levels = [
        ProficiencyLevel(position=i, code=level, label=level.replace("_", " ").capitalize())
        for i, level in enumerate(BENNER, 1)
    ]
    session.add_all([version, scale])
    session.flush()
    identifier = str(uuid.uuid4())
    item = FrameworkItem(
        version_id=version.id,
        identifier=identifier,
        uri=f"https://passport.example/ims/case/v1p1/CFItems/{identifier}",
        position=1,
        human_coding_scheme=code,
        full_statement=statement,
        item_type="Competency",
    )
    session.add(item)
    session.flush()
    version.status = "published"  # items first: a published version takes no new items
    session.flush()
    return item


def crosswalk(session: Session, trust: Trust, local, shared, association_type: str = "exactMatchOf"):  # type: ignore[no-untyped-def]
    from competencies.frameworks.models import Crosswalk

    row = Crosswalk(
        identifier=str(uuid.uuid4()),
        trust_id=trust.id,
        local_item_id=local.id,
        shared_item_id=shared.id,
        association_type=association_type,
    )
    session.add(row)
    session.flush()
    return row
