"""CASE import and export against the real database: every sample, all-or-nothing rejection with JSON
paths, re-import as a new version, round trips."""

from __future__ import annotations

import copy
import json
from pathlib import Path

import pytest
from sqlalchemy import func, select

from competencies.frameworks.case_export import export_case_json, version_package
from competencies.frameworks.case_import import CaseImportRejected, import_case_package
from competencies.frameworks.case_package import parse_case_package
from competencies.frameworks.models import (
    Framework,
    FrameworkAssociation,
    FrameworkItem,
    FrameworkVersion,
    ProficiencyLevel,
)
from tests.support.case_conformance import assert_case_valid, case_content
from tests.support.framework_factories import small_package

SAMPLES = sorted(Path("/work/shared/data/case-samples").glob("*.json"))


def _counts(session) -> tuple[int, ...]:  # type: ignore[no-untyped-def]
    return tuple(
        session.scalar(select(func.count()).select_from(model))
        for model in (Framework, FrameworkVersion, FrameworkItem, FrameworkAssociation)
    )


def _rejected(session, data) -> dict[str, str]:  # type: ignore[no-untyped-def]
    before = _counts(session)
    with pytest.raises(CaseImportRejected) as caught:
        import_case_package(session, data, actor="test")
    session.flush()
    assert _counts(session) == before, "a rejected package must write nothing"
    return {problem.path: problem.reason for problem in caught.value.problems}


@pytest.mark.parametrize("sample", SAMPLES, ids=lambda p: p.name)
def test_every_sample_imports_keeps_identifiers_and_exports_the_same(session, sample: Path) -> None:
    raw = sample.read_bytes()
    version = import_case_package(session, raw, actor="test")
    session.flush()
    original = parse_case_package(raw)
    stored = {
        i.identifier: i.uri
        for i in session.scalars(select(FrameworkItem).where(FrameworkItem.version_id == version.id))
    }
    assert stored == {item.identifier: item.uri for item in original.items}
    assert version.document_identifier == original.document.identifier
    assert version.document_uri == original.document.uri
    exported = export_case_json(session, version)
    assert_case_valid(exported, what=f"the export of {sample.name}")
    assert case_content(parse_case_package(json.dumps(exported))) == case_content(original)


def test_all_samples_import_into_one_database(session) -> None:
    """Three samples share a document identifier: each later one becomes the next version."""
    versions = [import_case_package(session, sample.read_bytes(), actor="test") for sample in SAMPLES]
    session.flush()
    assert len(versions) == len(SAMPLES)
    shared = [v for v in versions if v.document_identifier == "d0000000-0000-0000-0000-000000000000"]
    assert [v.version_label for v in shared] == ["1", "2", "3"]
    assert len({v.framework_id for v in shared}) == 1
    # Items keeping an identifier are linked to the same item in the previous version.
    second = session.scalars(select(FrameworkItem).where(FrameworkItem.version_id == shared[2].id)).all()
    assert all(
        item.predecessor is not None and item.predecessor.identifier == item.identifier for item in second
    )


def test_export_reimports_to_the_same_rows(session) -> None:
    raw = (SAMPLES[-1]).read_bytes()  # the OpenSALT export: cross-framework links, extra keys
    nested = session.begin_nested()
    version = import_case_package(session, raw, actor="test")
    session.flush()
    before = version_package(session, version)
    exported = json.dumps(export_case_json(session, version))
    nested.rollback()
    again = import_case_package(session, exported, actor="test")
    session.flush()
    assert case_content(version_package(session, again)) == case_content(before)


def test_a_new_framework_gets_benner_scale(session) -> None:
    version = import_case_package(session, small_package(), actor="test")
    session.flush()
    codes = session.scalars(
        select(ProficiencyLevel.code)
        .where(ProficiencyLevel.scale_id == version.framework.scale.id)
        .order_by(ProficiencyLevel.position)
    ).all()
    assert codes == ["novice", "advanced_beginner", "competent", "proficient", "expert"]


def test_not_json_is_rejected(session) -> None:
    problems = _rejected(session, b"{not json")
    assert list(problems) == ["$"]
    assert "not valid JSON" in problems["$"]


def test_missing_cfdocument_is_rejected(session) -> None:
    package = small_package()
    del package["CFDocument"]
    assert "$.CFDocument" in _rejected(session, package)


def test_repeated_identifier_is_rejected_with_its_path(session) -> None:
    package = small_package()
    package["CFItems"][2]["identifier"] = package["CFItems"][1]["identifier"]
    problems = _rejected(session, package)
    assert "$.CFItems[2].identifier" in problems
    assert "already used by $.CFItems[1]" in problems["$.CFItems[2].identifier"]


def test_association_to_unknown_item_is_rejected(session) -> None:
    package = small_package()
    package["CFAssociations"][1]["destinationNodeURI"]["identifier"] = "not-anywhere"
    problems = _rejected(session, package)
    assert "$.CFAssociations[1].destinationNodeURI" in problems
    assert "unknown item 'not-anywhere'" in problems["$.CFAssociations[1].destinationNodeURI"]


def test_association_with_neither_end_in_the_package_is_rejected(session) -> None:
    package = small_package()
    package["CFAssociations"].append(
        {
            "identifier": "e0000000-0000-0000-0000-000000000001",
            "associationType": "exactMatchOf",
            "originNodeURI": {"identifier": "elsewhere-1", "uri": "https://x/1", "title": "x"},
            "destinationNodeURI": {"identifier": "elsewhere-2", "uri": "https://x/2", "title": "y"},
        }
    )
    assert "$.CFAssociations[4]" in _rejected(session, package)


def test_ischildof_cycle_is_rejected(session) -> None:
    package = small_package(codes=("A", "A.1", "A.1.1"))
    ids = [item["identifier"] for item in package["CFItems"]]
    package["CFAssociations"][0]["destinationNodeURI"]["identifier"] = ids[
        2
    ]  # A under A.1.1 under A.1 under A
    problems = _rejected(session, package)
    assert any("cycle" in reason for reason in problems.values())


def test_several_problems_are_all_reported(session) -> None:
    package = small_package()
    package["CFItems"][0]["fullStatement"] = None
    package["CFAssociations"][3]["associationType"] = "isFriendOf"
    problems = _rejected(session, package)
    assert {"$.CFItems[0].fullStatement", "$.CFAssociations[3].associationType"} <= set(problems)


def test_hierarchy_link_to_an_item_stored_elsewhere_is_accepted(session) -> None:
    first = import_case_package(session, small_package(), actor="test")
    session.flush()
    anchor = session.scalars(select(FrameworkItem).where(FrameworkItem.version_id == first.id)).first()
    package = small_package(title="Extension", codes=("X",))
    package["CFAssociations"][0]["destinationNodeURI"]["identifier"] = anchor.identifier
    version = import_case_package(session, package, actor="test")
    assert version.framework_id != first.framework_id


def test_a_trusts_package_cannot_become_a_version_of_a_shared_framework(session, demo_trusts) -> None:
    package = small_package()
    import_case_package(session, copy.deepcopy(package), actor="test")
    problems = _rejected_with_owner(session, package, demo_trusts[0].id)
    assert "$.CFDocument.identifier" in problems


def _rejected_with_owner(session, data, owner) -> dict[str, str]:  # type: ignore[no-untyped-def]
    with pytest.raises(CaseImportRejected) as caught:
        import_case_package(session, data, actor="test", owner_trust_id=owner)
    return {problem.path: problem.reason for problem in caught.value.problems}
