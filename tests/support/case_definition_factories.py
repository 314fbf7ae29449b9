"""A CASE package holding CFDefinitions of every kind and a CFRubric, for the definition and rubric
endpoints (issue 16) and their access-matrix rows."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any

from tests.support.framework_factories import BASE, small_package


@dataclass(frozen=True)
class DefinitionIds:
    subjects: dict[str, str]  # hierarchyCode -> identifier
    concept: str
    child_concept: str
    license: str
    item_type: str
    grouping: str
    rubric: str
    criterion: str
    level: str


def _new() -> str:
    return str(uuid.uuid4())


def _entry(kind: str, identifier: str, **values: Any) -> dict[str, Any]:
    return {"identifier": identifier, "uri": f"{BASE}/{kind}/{identifier}", **values}


def package_with_definitions(
    title: str = "Framework with definitions",
) -> tuple[dict[str, Any], DefinitionIds]:
    """``small_package`` plus subjects coded 1, 1.1, 1.2, 1.1.1 and 2; a concept with a child; a licence;
    an item type whose description is null (as OpenSALT writes them); an association grouping that one
    association names; and a rubric with a criterion and a level. Some times lack a zone, one subject has
    a key CASE 1.1 does not define, and the level has one too."""
    package = small_package(title=title)
    subjects = {code: _new() for code in ("1", "1.1", "1.2", "1.1.1", "2")}
    ids = DefinitionIds(
        subjects=subjects,
        concept=_new(),
        child_concept=_new(),
        license=_new(),
        item_type=_new(),
        grouping=_new(),
        rubric=_new(),
        criterion=_new(),
        level=_new(),
    )
    package["CFDefinitions"] = {
        "CFSubjects": [
            _entry("CFSubjects", identifier, title=f"Subject {code}", hierarchyCode=code,
                   lastChangeDateTime="2024-03-01T09:30:00")
            for code, identifier in subjects.items()
        ],
        "CFConcepts": [
            _entry("CFConcepts", ids.concept, title="Safeguarding", hierarchyCode="S",
                   keywords="adults|children"),
            _entry("CFConcepts", ids.child_concept, title="Safeguarding adults", hierarchyCode="S.A"),
        ],
        "CFLicenses": [
            _entry("CFLicenses", ids.license, title="Open Government Licence v3.0",
                   licenseText="https://www.nationalarchives.gov.uk/doc/open-government-licence/version/3/",
                   lastChangeDateTime="2024-01-02T00:00:00+00:00")
        ],
        "CFItemTypes": [
            _entry("CFItemTypes", ids.item_type, title="Competency", description=None, hierarchyCode="1",
                   typeCode="competency")
        ],
        "CFAssociationGroupings": [
            _entry("CFAssociationGroupings", ids.grouping, title="Band 5 to Band 6 progression",
                   description="Links between the bands")
        ],
    }  # fmt: skip
    package["CFDefinitions"]["CFSubjects"][0]["nhsArea"] = "Nursing"
    package["CFAssociations"][0]["CFAssociationGroupingURI"] = {
        "title": "Band 5 to Band 6 progression",
        "identifier": ids.grouping,
        "uri": f"{BASE}/CFAssociationGroupings/{ids.grouping}",
    }
    item = package["CFItems"][0]
    package["CFRubrics"] = [
        {
            "identifier": ids.rubric,
            "uri": f"{BASE}/CFRubrics/{ids.rubric}",
            "title": "Medicines administration",
            "lastChangeDateTime": "2024-02-01T12:00:00",
            "CFRubricCriteria": [
                {
                    "identifier": ids.criterion,
                    "uri": f"{BASE}/CFRubricCriteria/{ids.criterion}",
                    "category": "Safety",
                    "CFItemURI": {"title": "A", "identifier": item["identifier"], "uri": item["uri"]},
                    "weight": 1.5,
                    "position": 1,
                    "rubricId": ids.rubric,
                    "CFRubricCriterionLevels": [
                        {
                            "identifier": ids.level,
                            "uri": f"{BASE}/CFRubricCriterionLevels/{ids.level}",
                            "quality": "Competent",
                            "score": 3,
                            "position": 1,
                            "rubricCriterionId": ids.criterion,
                            "nhsBand": 5,
                        }
                    ],
                }
            ],
        }
    ]
    return package, ids
