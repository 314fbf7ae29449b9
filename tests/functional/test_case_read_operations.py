"""The rest of the CASE 1.1 binding's read operations (#16): CFSubjects, CFConcepts, CFItemTypes, CFLicenses,
CFAssociationGroupings and CFRubrics held in published packages. Every answer is checked against the
binding's response type (built, as in tests/support/case_conformance.py, on 1EdTech's CFPackage schema
classes, with format checking)."""

from __future__ import annotations

import json
import uuid
from functools import cache
from pathlib import Path
from typing import Any

import jsonschema
import pytest

from competencies.frameworks.case_export import export_case_json
from competencies.frameworks.case_import import import_case_package
from tests.support.case_conformance import assert_case_valid, official_schema, require_case_samples
from tests.support.case_definition_factories import package_with_definitions

CASE = "/ims/case/v1p1"
ORIGIN = {"Origin": "https://case-client.example.org"}


def _set_of(key: str, item: str) -> dict[str, Any]:
    """The binding's CFSubjectSetDType, CFConceptSetDType and CFItemTypeSetDType: at least one."""
    return {
        "type": "object",
        "properties": {key: {"type": "array", "minItems": 1, "items": {"$ref": f"#/$defs/{item}"}}},
        "required": [key],
        "additionalProperties": False,
    }


# The binding's response types for these operations, on the package schema's classes (the binding's
# CFSubjectDType ... CFRubricDType have the same properties and required lists as those).
_TYPES = {
    "CFSubjectSetDType": _set_of("CFSubjects", "CFSubject"),
    "CFConceptSetDType": _set_of("CFConcepts", "CFConcept"),
    "CFItemTypeSetDType": _set_of("CFItemTypes", "CFItemType"),
    "CFLicenseDType": {"$ref": "#/$defs/CFLicense"},
    "CFAssociationGroupingDType": {"$ref": "#/$defs/CFAssociationGrouping"},
    "CFRubricDType": {"$ref": "#/$defs/CFRubric"},
}
RESPONSE_TYPES = {
    "CFSubjects": "CFSubjectSetDType",
    "CFConcepts": "CFConceptSetDType",
    "CFItemTypes": "CFItemTypeSetDType",
    "CFLicenses": "CFLicenseDType",
    "CFAssociationGroupings": "CFAssociationGroupingDType",
    "CFRubrics": "CFRubricDType",
}


@cache
def _validator(type_name: str) -> jsonschema.protocols.Validator:
    official = official_schema()
    schema = {
        "$schema": official["$schema"],
        "$defs": {**official["$defs"], **_TYPES},
        "$ref": f"#/$defs/{type_name}",
    }
    validator_class = jsonschema.Draft201909Validator
    validator_class.check_schema(schema)
    assert "date-time" in validator_class.FORMAT_CHECKER.checkers
    return validator_class(schema, format_checker=validator_class.FORMAT_CHECKER)


def assert_binding_valid(data: Any, type_name: str, what: str) -> None:
    if type_name not in _TYPES:
        assert_case_valid(data, type_name, what=what)
        return
    errors = [
        f"$.{'.'.join(map(str, e.absolute_path))}: {e.message}"
        for e in _validator(type_name).iter_errors(data)
    ]
    assert not errors, f"{what} does not validate against CASE 1.1 {type_name}:\n  " + "\n  ".join(
        errors[:20]
    )


def _get(client, path: str, type_name: str, status: int = 200) -> Any:  # type: ignore[no-untyped-def]
    response = client.get(f"{CASE}{path}", headers=ORIGIN)
    assert response.status_code == status, (
        f"GET {path}: {response.status_code} {response.get_data(as_text=True)}"
    )
    assert response.headers["Access-Control-Allow-Origin"] == "*"
    assert_binding_valid(response.json, type_name, f"GET {CASE}{path}")
    return response.json


def _import(session, package: Any, *, publish: bool = True):  # type: ignore[no-untyped-def]
    version = import_case_package(session, json.loads(json.dumps(package)), actor="test", publish=publish)
    session.flush()
    return version


# --- Definitions and rubrics ----------------------------------------------------------------------


def test_every_definition_kind_and_the_rubric_are_served_as_the_binding_types_them(client, session) -> None:
    package, ids = package_with_definitions()
    _import(session, package)

    subjects = _get(client, f"/CFSubjects/{ids.subjects['1']}", "CFSubjectSetDType")["CFSubjects"]
    assert subjects[0]["identifier"] == ids.subjects["1"] and subjects[0]["title"] == "Subject 1"
    assert subjects[0]["lastChangeDateTime"] == "2024-03-01T09:30:00Z", "sent without a zone: UTC"
    assert subjects[0]["extensions"] == {"nhsArea": "Nursing"}, "a key CASE 1.1 does not define"

    concepts = _get(client, f"/CFConcepts/{ids.concept}", "CFConceptSetDType")["CFConcepts"]
    assert [c["identifier"] for c in concepts] == [ids.concept, ids.child_concept]
    assert concepts[0]["keywords"] == "adults|children"
    assert concepts[0]["lastChangeDateTime"] == concepts[1]["lastChangeDateTime"], "the document's time"

    item_types = _get(client, f"/CFItemTypes/{ids.item_type}", "CFItemTypeSetDType")["CFItemTypes"]
    assert item_types == [
        {
            "identifier": ids.item_type,
            "uri": package["CFDefinitions"]["CFItemTypes"][0]["uri"],
            "title": "Competency",
            "description": "",  # required by CASE 1.1, null as sent: empty, not invented
            "hierarchyCode": "1",
            "typeCode": "competency",
            "lastChangeDateTime": item_types[0]["lastChangeDateTime"],
        }
    ]

    licence = _get(client, f"/CFLicenses/{ids.license}", "CFLicenseDType")
    assert licence["licenseText"].startswith("https://www.nationalarchives.gov.uk/")
    assert licence["lastChangeDateTime"] == "2024-01-02T00:00:00+00:00"

    grouping = _get(client, f"/CFAssociationGroupings/{ids.grouping}", "CFAssociationGroupingDType")
    assert grouping["title"] == "Band 5 to Band 6 progression"
    assert grouping["description"] == "Links between the bands"

    rubric = _get(client, f"/CFRubrics/{ids.rubric}", "CFRubricDType")
    assert rubric["title"] == "Medicines administration"
    assert rubric["lastChangeDateTime"] == "2024-02-01T12:00:00Z"
    [criterion] = rubric["CFRubricCriteria"]
    assert criterion["identifier"] == ids.criterion and criterion["weight"] == 1.5
    [level] = criterion["CFRubricCriterionLevels"]
    assert level["quality"] == "Competent" and level["score"] == 3
    assert level["extensions"] == [{"nhsBand": 5}], "a level's extensions are an array in CASE 1.1"
    assert "nhsBand" not in level


def test_a_set_holds_the_definition_then_its_children_by_hierarchy_code(client, session) -> None:
    package, ids = package_with_definitions()
    _import(session, package)
    codes = {identifier: code for code, identifier in ids.subjects.items()}

    def served(code: str) -> list[str]:
        body = _get(client, f"/CFSubjects/{ids.subjects[code]}", "CFSubjectSetDType")
        return [codes[subject["identifier"]] for subject in body["CFSubjects"]]

    assert served("1") == ["1", "1.1", "1.2"], "children, not grandchildren or other subjects"
    assert served("1.1") == ["1.1", "1.1.1"]
    assert served("1.1.1") == ["1.1.1"]
    assert served("2") == ["2"]


def test_the_export_carries_the_rubric_as_case_1_1_has_it(app, session) -> None:
    package, ids = package_with_definitions()
    version = _import(session, package)
    exported = export_case_json(session, version)
    assert_case_valid(exported, what="the export of a package with definitions and a rubric")
    level = exported["CFRubrics"][0]["CFRubricCriteria"][0]["CFRubricCriterionLevels"][0]
    assert level["identifier"] == ids.level and level["extensions"] == [{"nhsBand": 5}]
    assert exported["CFAssociations"][0]["CFAssociationGroupingURI"]["identifier"] == ids.grouping


def test_only_published_definitions_are_served(client, session) -> None:
    package, ids = package_with_definitions()
    _import(session, package, publish=False)
    for kind, identifier in (
        ("CFSubjects", ids.subjects["1"]),
        ("CFConcepts", ids.concept),
        ("CFItemTypes", ids.item_type),
        ("CFLicenses", ids.license),
        ("CFAssociationGroupings", ids.grouping),
        ("CFRubrics", ids.rubric),
    ):
        body = _get(client, f"/{kind}/{identifier}", "imsx_StatusInfoDType", status=404)
        assert body["imsx_codeMinor"]["imsx_codeMinorField"][0]["imsx_codeMinorFieldValue"] == "unknownobject"


def test_the_latest_published_version_answers(client, session) -> None:
    package, ids = package_with_definitions()
    _import(session, package)
    package["CFDefinitions"]["CFLicenses"][0]["title"] = "Open Government Licence (retitled)"
    package["CFRubrics"][0]["title"] = "Medicines administration, 2025"
    _import(session, package)  # the same document again: its next version
    assert _get(client, f"/CFLicenses/{ids.license}", "CFLicenseDType")["title"] == (
        "Open Government Licence (retitled)"
    )
    assert (
        _get(client, f"/CFRubrics/{ids.rubric}", "CFRubricDType")["title"] == "Medicines administration, 2025"
    )


@pytest.mark.parametrize("kind", list(RESPONSE_TYPES))
@pytest.mark.parametrize("identifier", ["no-such-thing", str(uuid.uuid4()), "%", "_", 'quo"te', "sübject"])
def test_an_unknown_identifier_is_a_conforming_imsx_status_info(client, session, kind, identifier) -> None:
    package, _ids = package_with_definitions()
    _import(session, package)  # something is published: "%" and "_" must not match it as wildcards
    body = _get(client, f"/{kind}/{identifier}", "imsx_StatusInfoDType", status=404)
    assert body["imsx_codeMajor"] == "failure" and body["imsx_severity"] == "error"
    assert body["imsx_codeMinor"]["imsx_codeMinorField"][0]["imsx_codeMinorFieldValue"] == "unknownobject"


def test_identifiers_that_json_escapes_are_found_too(client, session) -> None:
    """The database pre-check reads the stored JSON text, which escapes these: they are found without it."""
    package, _ids = package_with_definitions()
    package["CFDefinitions"]["CFSubjects"].append(
        {"identifier": "sübject-ñ", "uri": "https://example.org/s", "title": "Ñ", "hierarchyCode": "9"}
    )
    package["CFDefinitions"]["CFLicenses"].append(
        {"identifier": 'licence "quoted"', "uri": "https://example.org/l", "title": "Q", "licenseText": "t"}
    )
    _import(session, package)
    subjects = client.get(f"{CASE}/CFSubjects/sübject-ñ").json["CFSubjects"]
    assert [s["title"] for s in subjects] == ["Ñ"]
    assert client.get(f"{CASE}/CFLicenses/licence%20%22quoted%22").json["title"] == "Q"


def test_a_real_publishers_item_types_are_served(client, session) -> None:
    sample = next(p for p in require_case_samples() if p.name.startswith("opensalt-framework"))
    raw = json.loads(Path(sample).read_text(encoding="utf-8"))
    import_case_package(session, Path(sample).read_bytes(), actor="test", publish=True)
    session.flush()
    sent = raw["CFDefinitions"]["CFItemTypes"]
    assert len(sent) == 3
    for item_type in sent:
        body = _get(client, f"/CFItemTypes/{item_type['identifier']}", "CFItemTypeSetDType")
        assert body["CFItemTypes"][0]["identifier"] == item_type["identifier"]
        assert body["CFItemTypes"][0]["title"] == item_type["title"]
