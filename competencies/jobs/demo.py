"""Demo job descriptions: a joint Band 5 Registered Nurse and Band 4 Nursing Associate, adopted by the
three demo trusts. Idempotent, and independent of the frameworks' and credentials' demo data: with a
shared framework loaded, the Registered Nurse also requires a few of its competencies."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from competencies.jobs import operations
from competencies.jobs.models import JobStatus, JobVersion
from passport.demo import DEMO_EXTENSIONS, DEMO_TRUSTS, DemoReport
from passport.trusts.operations import find_trust

ACTOR = "seed-demo"
LOCAL_SITES = {
    "RPG": ("Queen Mary's Hospital, Sidcup", "RPG-NUR-1020"),
    "RV5": ("Maudsley Hospital, Denmark Hill", "RV5-NUR-2040"),
    "RQY": ("Springfield University Hospital", "RQY-NUR-3060"),
}
_CHECKS = [
    {"kind": "credential", "credential_type": "dbs-check", "conditions": {"min_level": "enhanced"}},
    {"kind": "credential", "credential_type": "right-to-work"},
    {
        "kind": "credential",
        "credential_type": "occupational-health",
        "conditions": {"fitness_outcomes": ["fit", "fit_with_adjustments"]},
    },
]


def _training(levels: dict[str, int]) -> list[dict[str, Any]]:
    return [{"kind": "training", "cstf_subject": code, "min_level": level} for code, level in levels.items()]


_RN_TRAINING = {
    "CSTF-EDHR": 1, "CSTF-HSW": 1, "CSTF-CONFLICT": 1, "CSTF-FIRE": 1, "CSTF-IPC": 2, "CSTF-MH": 2,
    "CSTF-SGA": 2, "CSTF-PREVENT": 1, "CSTF-SGC": 2, "CSTF-RESUS": 2, "CSTF-IGDS": 1,
}  # fmt: skip
_NA_TRAINING = {**_RN_TRAINING, "CSTF-RESUS": 1}


def _shared_competencies(session: Session, limit: int = 3) -> list[dict[str, Any]]:
    """A few items of a shared (partnership) framework, if one is loaded."""
    from competencies.frameworks.models import Framework, FrameworkItem, FrameworkVersion
    from competencies.jobs.requirements import find_item

    identifiers = session.scalars(
        select(FrameworkItem.identifier)
        .join(FrameworkVersion, FrameworkVersion.id == FrameworkItem.version_id)
        .join(Framework, Framework.id == FrameworkVersion.framework_id)
        .where(Framework.owner_trust_id.is_(None), FrameworkItem.item_type.is_not(None))
        .order_by(FrameworkVersion.id.desc(), FrameworkItem.position)
        .limit(limit)
    ).all()
    requirements = []
    for identifier in identifiers:
        item = find_item(session, identifier)
        if item is None:
            continue
        level = "competent" if "competent" in item.scale else item.scale[len(item.scale) // 2]
        requirements.append({"kind": "competency", "item": identifier, "min_proficiency": level})
    return requirements


def registered_nurse(session: Session) -> dict[str, Any]:
    return {
        "title": "Registered Nurse",
        "afc_band": "5",
        "staff_group": "NMR",
        "hours": "37.5",
        "reports_to": "Ward Manager",
        "accountable_to": "Director of Nursing",
        "purpose": (
            "To assess, plan, deliver and evaluate safe, compassionate, person-centred nursing care, "
            "working with patients, carers and the multidisciplinary team across the partnership's services."
        ),
        "duties": [
            {
                "area": "Clinical care",
                "duties": [
                    "Assess patients' needs and plan, deliver and evaluate their care.",
                    "Administer medicines safely, following the trust's medicines policy.",
                    "Recognise and respond to a deteriorating patient.",
                ],
            },
            {
                "area": "Leadership and teamwork",
                "duties": [
                    "Take charge of the shift in the ward manager's absence.",
                    "Supervise and support students, nursing associates and healthcare support workers.",
                ],
            },
            {
                "area": "Safeguarding and governance",
                "duties": [
                    "Raise safeguarding concerns promptly and follow them through.",
                    "Keep accurate, contemporaneous records.",
                ],
            },
        ],
        "person_spec": [
            {
                "category": "qualifications",
                "criterion": "Registered nurse on the NMC register",
                "essential": True,
                "assessed_by": ["application"],
            },
            {
                "category": "experience",
                "criterion": "Experience of mental health or community nursing",
                "essential": False,
                "assessed_by": ["application", "interview"],
            },
            {
                "category": "knowledge",
                "criterion": "Knowledge of the Mental Health Act and Mental Capacity Act",
                "essential": True,
                "assessed_by": ["interview"],
            },
            {
                "category": "skills",
                "criterion": "Accurate drug calculations",
                "essential": True,
                "assessed_by": ["test"],
            },
            {
                "category": "values",
                "criterion": "Shows the NHS values in everyday practice",
                "essential": True,
                "assessed_by": ["interview"],
            },
        ],  # fmt: skip
        "local_fields": ["base_site", "cost_centre"],
        "requirements": [
            _CHECKS[0],
            {
                "kind": "credential",
                "credential_type": "professional-registration",
                "conditions": {"register_parts": "nursing"},
            },
            *_CHECKS[1:],
            *_training(_RN_TRAINING),
            *_shared_competencies(session),
        ],  # fmt: skip
    }


def nursing_associate(session: Session) -> dict[str, Any]:
    return {
        "title": "Nursing Associate",
        "afc_band": "4",
        "staff_group": "NMR",
        "hours": "37.5",
        "reports_to": "Ward Manager",
        "accountable_to": "Director of Nursing",
        "purpose": (
            "To deliver safe, effective nursing care under the direction of registered nurses, "
            "bridging healthcare support workers and registered nurses."
        ),
        "duties": [
            {
                "area": "Clinical care",
                "duties": [
                    "Deliver planned care and monitor patients' condition, reporting changes.",
                    "Administer medicines within the nursing associate's scope of practice.",
                ],
            },
            {"area": "Teamwork", "duties": ["Support and supervise healthcare support workers."]},
        ],
        "person_spec": [
            {
                "category": "qualifications",
                "criterion": "Registered nursing associate on the NMC register",
                "essential": True,
                "assessed_by": ["application"],
            },
            {
                "category": "values",
                "criterion": "Shows the NHS values in everyday practice",
                "essential": True,
                "assessed_by": ["interview"],
            },
        ],  # fmt: skip
        "local_fields": ["base_site", "cost_centre"],
        "requirements": [
            _CHECKS[0],
            {
                "kind": "credential",
                "credential_type": "professional-registration",
                "conditions": {"register_parts": ["NA"]},
            },
            *_CHECKS[1:],
            *_training(_NA_TRAINING),
        ],  # fmt: skip
    }


def seed_jobs(session: Session, report: DemoReport) -> None:
    for build in (registered_nurse, nursing_associate):
        content = build(session)
        version = session.scalar(
            select(JobVersion)
            .where(JobVersion.title == content["title"])
            .order_by(JobVersion.number)
            .limit(1)
        )
        if version is None:
            version = operations.create_job_description(session, content, actor=ACTOR)
            report.notes.append(f"Demo job description: {version.title}, band {version.afc_band}.")
        if version.job_status is JobStatus.DRAFT:
            operations.submit_for_approval(session, version, actor=ACTOR)
        for ods_code, _name in DEMO_TRUSTS:
            trust = find_trust(session, ods_code)
            if trust is None or any(a.trust_id == trust.id for a in version.adoptions):
                continue
            operations.approve_version(
                session, version, trust, content_hash=version.content_hash, actor=ACTOR
            )
            site, cost_centre = LOCAL_SITES[ods_code]
            operations.set_local_values(
                session, version, trust, {"base_site": site, "cost_centre": cost_centre}, actor=ACTOR
            )


if seed_jobs not in DEMO_EXTENSIONS:
    DEMO_EXTENSIONS.append(seed_jobs)
