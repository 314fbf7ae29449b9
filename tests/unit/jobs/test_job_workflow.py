"""Job descriptions against the real database: content rules, versions, approvals, local fields, diff."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from competencies.jobs import operations
from competencies.jobs.models import JobAdoption, JobStatus, JobVersion
from passport.audit.models import AuditEvent
from passport.errors import Conflict, InvalidInput
from tests.support.factories import TrustFactory
from tests.support.job_factories import adopted_job, framework_item, job_content, make_job


def _count(session, model) -> int:  # type: ignore[no-untyped-def]
    return session.scalar(select(func.count()).select_from(model))


def test_a_new_job_description_is_a_draft_with_a_content_hash(session):
    version = make_job(session)
    assert version.job_status is JobStatus.DRAFT
    assert version.afc_band == "5"  # "Band 5" is read as band 5
    assert len(version.content_hash) == 64
    assert [r.label for r in version.requirements] == [
        "DBS check (enhanced or higher)",
        "Professional registration (live on the nursing part of the register)",
        "Fire Safety, level 1 or higher",
    ]
    assert version.requirements[1].conditions == {"register_parts": ["RNA", "RNC", "RNLD", "RNMH"]}


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"afc_band": "10"}, "afc_band"),
        ({"afc_band": "8e"}, "afc_band"),
        ({"staff_group": "XYZ"}, "staff_group"),
        ({"hours": "ninety"}, "hours"),
        ({"hours": "60"}, "hours"),
        (
            {"requirements": [{"kind": "credential", "credential_type": "pilot-licence"}]},
            "requirements.0.credential_type",
        ),
        ({"requirements": [{"kind": "competency", "item": "no-such-item"}]}, "requirements.0.item"),
        (
            {"requirements": [{"kind": "training", "cstf_subject": "CSTF-NOPE"}]},
            "requirements.0.cstf_subject",
        ),
        (
            {"requirements": [{"kind": "training", "cstf_subject": "CSTF-FIRE", "min_level": 3}]},
            "requirements.0.min_level",
        ),
        (
            {
                "requirements": [
                    {
                        "kind": "credential",
                        "credential_type": "dbs-check",
                        "conditions": {"min_level": "super"},
                    }
                ]
            },
            "requirements.0.conditions.min_level",
        ),
        (
            {
                "requirements": [
                    {"kind": "credential", "credential_type": "right-to-work", "conditions": {"x": 1}}
                ]
            },
            "requirements.0.conditions",
        ),
        (
            {"person_spec": [{"category": "hobbies", "criterion": "x", "assessed_by": ["test"]}]},
            "person_spec.0.category",
        ),
        (
            {"person_spec": [{"category": "skills", "criterion": "x", "assessed_by": ["vibes"]}]},
            "person_spec.0.assessed_by",
        ),
        ({"local_fields": ["salary"]}, "local_fields"),
        ({"duties": []}, "duties"),
    ],
)
def test_bad_content_is_refused_naming_the_field_and_nothing_is_written(session, overrides, field):
    before = _count(session, JobVersion), _count(session, AuditEvent)
    with pytest.raises(InvalidInput) as caught:
        make_job(session, **overrides)
    assert field in caught.value.errors, caught.value.errors
    assert (_count(session, JobVersion), _count(session, AuditEvent)) == before


def test_a_competency_requirement_names_a_real_item_and_a_level_of_its_scale(session):
    item = framework_item(session, "MHN-1", "Assesses risk with a person in crisis")
    version = make_job(
        session, requirements=[{"kind": "competency", "item": item.uri, "min_proficiency": "proficient"}]
    )
    requirement = version.requirements[0]
    assert requirement.item_identifier == item.identifier  # found by URI, kept by identifier and URI
    assert requirement.item_uri == item.uri
    assert "MHN-1" in requirement.label and "proficient" in requirement.label
    with pytest.raises(InvalidInput) as caught:
        make_job(
            session,
            requirements=[{"kind": "competency", "item": item.identifier, "min_proficiency": "wizard"}],
        )
    assert "requirements.0.min_proficiency" in caught.value.errors


def test_each_trust_approves_once_and_two_make_it_joint(session):
    rpg, rv5 = TrustFactory(ods_code="RPG"), TrustFactory(ods_code="RV5")
    version = make_job(session)
    with pytest.raises(Conflict):
        operations.approve_version(session, version, rpg, content_hash=version.content_hash, actor="test")
    operations.submit_for_approval(session, version, actor="test")
    operations.approve_version(session, version, rpg, content_hash=version.content_hash, actor="test")
    assert version.job_status is JobStatus.ADOPTED and not version.is_joint
    with pytest.raises(Conflict, match="already approved"):
        operations.approve_version(session, version, rpg, content_hash=version.content_hash, actor="test")
    operations.approve_version(session, version, rv5, content_hash=version.content_hash, actor="test")
    assert version.is_joint
    assert [t.ods_code for t in version.adopted_by] == ["RPG", "RV5"]
    assert _count(session, JobAdoption) == 2


def test_approving_a_version_that_changed_since_it_was_read_is_refused(session):
    rpg = TrustFactory(ods_code="RPG")
    version = make_job(session)
    operations.submit_for_approval(session, version, actor="test")
    read_hash = version.content_hash
    operations.update_version(session, version, job_content(purpose="A different purpose."), actor="test")
    assert version.content_hash != read_hash
    with pytest.raises(Conflict, match="changed since you read it") as caught:
        operations.approve_version(session, version, rpg, content_hash=read_hash, actor="test")
    assert "content_hash" in caught.value.errors
    assert version.adoptions == []


def test_an_approved_version_is_frozen_and_a_new_version_starts_from_it(session):
    rpg = TrustFactory(ods_code="RPG")
    version = adopted_job(session, rpg)
    with pytest.raises(Conflict, match="can no longer change"):
        operations.update_version(session, version, job_content(title="Changed"), actor="test")
    draft = operations.new_version(session, version, actor="test")
    assert (draft.number, draft.job_status) == (2, JobStatus.DRAFT)
    assert draft.content_hash == version.content_hash  # same content, same hash
    operations.update_version(session, draft, job_content(hours="30", purpose="New purpose."), actor="test")
    changes = {change.field: change for change in operations.diff_versions(version, draft)}
    assert set(changes) == {"hours", "purpose"}
    assert ("-", "37.50") in changes["hours"].lines and ("+", "30.00") in changes["hours"].lines


def test_a_trust_fills_only_the_fields_marked_local(session):
    rpg, rv5 = TrustFactory(ods_code="RPG"), TrustFactory(ods_code="RV5")
    version = adopted_job(session, rpg)
    operations.set_local_values(
        session, version, rpg, {"base_site": "Sidcup", "cost_centre": "C1"}, actor="test"
    )
    assert version.adoptions[0].local_values == {"base_site": "Sidcup", "cost_centre": "C1"}
    with pytest.raises(InvalidInput) as caught:
        operations.set_local_values(session, version, rpg, {"title": "Chief Nurse"}, actor="test")
    assert "title" in caught.value.errors
    with pytest.raises(Conflict, match="not adopted"):
        operations.set_local_values(session, version, rv5, {"base_site": "Maudsley"}, actor="test")


def test_export_carries_content_hash_and_adoptions(session):
    rpg, rv5 = TrustFactory(ods_code="RPG"), TrustFactory(ods_code="RV5")
    version = adopted_job(session, rpg, rv5)
    exported = operations.export_version(version)
    assert exported["joint"] is True
    assert [a["trust"] for a in exported["adoptions"]] == ["RPG", "RV5"]
    assert (
        operations.hash_content({k: exported[k] for k in operations.content_of(version)})
        == version.content_hash
    )


def test_adopted_by_trust_lists_only_that_trusts_versions(session):
    rpg, rv5 = TrustFactory(ods_code="RPG"), TrustFactory(ods_code="RV5")
    mine = adopted_job(session, rpg, title="Ward Nurse")
    adopted_job(session, rv5, title="Community Nurse")
    assert [v.id for v in operations.adopted_by_trust(session, rpg.id)] == [mine.id]
