"""CSTF reference data and its CASE package."""

from __future__ import annotations

import json
import uuid

import pytest

from competencies.frameworks.case_package import package_to_case_json, parse_case_package
from competencies.frameworks.case_tree import item_tree
from competencies.frameworks.cstf import cstf_as_case_package
from passport.reference.cstf import (
    CSTF_SUBJECTS,
    CSTF_SUBJECTS_BY_CODE,
    CSTF_UUID_NAMESPACE,
    cstf_identifier,
    cstf_level_code,
    refresher_months,
)

BASE_URI = "https://passport.example.nhs.uk/ims/case/v1p1"

EXPECTED_LEVELS = {
    "Equality, Diversity and Human Rights": 1,
    "Health, Safety and Welfare": 1,
    "NHS Conflict Resolution (England)": 1,
    "Fire Safety": 1,
    "Infection Prevention and Control": 2,
    "Moving and Handling": 2,
    "Safeguarding Adults": 3,
    "Preventing Radicalisation": 1,
    "Safeguarding Children": 3,
    "Resuscitation": 3,
    "Information Governance and Data Security": 1,
}


def test_eleven_subjects_with_their_levels() -> None:
    assert {subject.title: len(subject.levels) for subject in CSTF_SUBJECTS} == EXPECTED_LEVELS
    for subject in CSTF_SUBJECTS:
        assert [level.level for level in subject.levels] == list(range(1, len(subject.levels) + 1))
        assert subject.code.startswith("CSTF-")
    assert len(CSTF_SUBJECTS_BY_CODE) == 11
    assert CSTF_SUBJECTS_BY_CODE["CSTF-FIRE"].title == "Fire Safety"


def test_refresher_periods() -> None:
    assert refresher_months("CSTF-RESUS", 2) == 12
    assert refresher_months("CSTF-IGDS", 1) == 12
    assert refresher_months("CSTF-SGC", 3) == 36
    assert refresher_months("CSTF-IPC", 1) == 36
    assert refresher_months("CSTF-IPC", 2) == 12
    assert all(0 < level.refresher_months <= 36 for subject in CSTF_SUBJECTS for level in subject.levels)
    with pytest.raises(KeyError):
        refresher_months("CSTF-FIRE", 2)
    with pytest.raises(KeyError):
        refresher_months("CSTF-NOPE", 1)


def test_identifiers_are_uuid5_of_the_codes() -> None:
    identifier = cstf_identifier("CSTF-FIRE")
    assert uuid.UUID(identifier).version == 5
    assert identifier == str(uuid.uuid5(CSTF_UUID_NAMESPACE, "CSTF-FIRE"))
    # The namespace is a published constant: changing it would orphan every stored reference.
    assert str(CSTF_UUID_NAMESPACE) == str(
        uuid.uuid5(uuid.NAMESPACE_URL, "urn:staff-passport:frameworks:cstf-england")
    )


def test_package_shape() -> None:
    package = cstf_as_case_package(BASE_URI + "/")
    level_count = sum(len(subject.levels) for subject in CSTF_SUBJECTS)
    assert len(package.items) == 11 + level_count == 30
    assert len(package.associations) == len(package.items)
    assert {association.association_type for association in package.associations} == {"isChildOf"}
    assert package.document.uri == f"{BASE_URI}/CFDocuments/{package.document.identifier}"
    assert all(item.uri == f"{BASE_URI}/CFItems/{item.identifier}" for item in package.items)
    assert all(
        association.uri.startswith(f"{BASE_URI}/CFAssociations/") for association in package.associations
    )


def test_package_tree_lists_subjects_in_order_with_levels_beneath() -> None:
    tree = item_tree(cstf_as_case_package(BASE_URI))
    assert [node.item.full_statement for node in tree] == [subject.title for subject in CSTF_SUBJECTS]
    safeguarding_children = tree[8]
    assert [child.item.human_coding_scheme for child in safeguarding_children.children] == [
        cstf_level_code("CSTF-SGC", level) for level in (1, 2, 3)
    ]
    assert safeguarding_children.children[0].item.notes == "Default refresher: every 3 years."
    assert tree[9].children[0].item.notes == "Default refresher: every year."


def test_identifiers_do_not_depend_on_the_base_uri() -> None:
    here = cstf_as_case_package("https://a.example/ims/case/v1p1")
    there = cstf_as_case_package("https://b.example/ims/case/v1p1")
    assert [item.identifier for item in here.items] == [item.identifier for item in there.items]
    assert [a.identifier for a in here.associations] == [a.identifier for a in there.associations]
    assert here.items[0].uri != there.items[0].uri


def test_package_parses_and_round_trips() -> None:
    package = cstf_as_case_package(BASE_URI)
    exported = json.dumps(package_to_case_json(package))
    assert parse_case_package(exported) == package
    assert json.dumps(package_to_case_json(cstf_as_case_package(BASE_URI))) == exported  # deterministic
