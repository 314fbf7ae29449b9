"""The rest of the CASE 1.1 binding's read operations (#16): CFSubjects, CFConcepts, CFItemTypes, CFLicenses,
CFAssociationGroupings and CFRubrics held in published packages, and paging, sorting, filtering and field
selection of CFDocuments. Every answer is checked against the binding's response type (built, as in
tests/support/case_conformance.py, on 1EdTech's CFPackage schema classes, with format checking)."""

from __future__ import annotations

import json
import re
import uuid
from functools import cache
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import jsonschema
import pytest

from competencies.frameworks.case_export import export_case_json
from competencies.frameworks.case_import import import_case_package
from tests.support.case_conformance import assert_case_valid, official_schema, require_case_samples
from tests.support.case_definition_factories import package_with_definitions
from tests.support.case_openapi import non_empty_set
from tests.support.framework_factories import small_package

CASE = "/ims/case/v1p1"
ORIGIN = {"Origin": "https://case-client.example.org"}


# The binding's response types for these operations, on the package schema's classes (the binding's
# CFSubjectDType ... CFRubricDType have the same properties and required lists as those).
_TYPES = {
    "CFSubjectSetDType": non_empty_set("CFSubjects", "CFSubject"),
    "CFConceptSetDType": non_empty_set("CFConcepts", "CFConcept"),
    "CFItemTypeSetDType": non_empty_set("CFItemTypes", "CFItemType"),
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


# --- CFDocuments: paging, sorting, filtering, fields --------------------------------------------------


def _documents(session, tag: str, specs: list[dict[str, Any]]) -> list[str]:  # type: ignore[no-untyped-def]
    """Publish one framework per spec (its CFDocument updated with it), titled with ``tag``; their ids."""
    identifiers = []
    for spec in specs:
        package = small_package(title=f"{tag} {spec.pop('title_suffix', '')}".strip(), codes=("A",))
        package["CFDocument"].update(spec)
        identifiers.append(_import(session, package).document_identifier)
    return identifiers


def _links(response) -> dict[str, dict[str, list[str]]]:  # type: ignore[no-untyped-def]
    found = {}
    for url, rel in re.findall(r'<([^>]+)>; rel="([a-z]+)"', response.headers["Link"]):
        found[rel] = {"url": [url], **parse_qs(urlsplit(url).query)}
    return found


def _page(client, query: dict[str, Any]) -> Any:  # type: ignore[no-untyped-def]
    response = client.get(f"{CASE}/CFDocuments", query_string=query, headers=ORIGIN)
    assert response.status_code == 200, response.get_data(as_text=True)
    assert_case_valid(response.json, "CFDocumentSetDType", what=f"GET CFDocuments?{query}")
    assert response.headers["Access-Control-Allow-Origin"] == "*"
    assert {"x-total-count", "link"} <= {
        h.strip().lower() for h in response.headers["Access-Control-Expose-Headers"].split(",")
    }
    return response


def _ids(response) -> list[str]:  # type: ignore[no-untyped-def]
    return [document["identifier"] for document in response.json["CFDocuments"]]


def test_documents_are_paged_with_a_total_and_links(app, client, session) -> None:
    tag = f"paging-{uuid.uuid4().hex[:8]}"
    identifiers = sorted(_documents(session, tag, [{} for _ in range(5)]))
    query: dict[str, Any] = {"filter": f"title~'{tag}'", "limit": 2}

    first = _page(client, query)
    assert first.headers["X-Total-Count"] == "5"
    assert _ids(first) == identifiers[:2], "identifier order"
    links = _links(first)
    assert set(links) == {"next", "last", "first"}, "no prev on the first page"
    assert links["next"]["offset"] == ["2"] and links["next"]["limit"] == ["2"]
    assert links["last"]["offset"] == ["4"] and links["first"]["offset"] == ["0"]
    assert links["next"]["filter"] == [f"title~'{tag}'"], "the filter is kept"
    base = app.config["PASSPORT_SETTINGS"].public_url.rstrip("/")
    assert links["next"]["url"][0].startswith(f"{base}{CASE}/CFDocuments?")

    middle = _links(_page(client, {**query, "offset": 2}))
    assert middle["prev"]["offset"] == ["0"] and middle["next"]["offset"] == ["4"]
    last = _page(client, {**query, "offset": 4})
    assert _ids(last) == identifiers[4:]
    assert "next" not in _links(last) and _links(last)["prev"]["offset"] == ["2"]

    walked: list[str] = []
    url: str | None = first.request.url
    while url:  # following "next" from the first page visits every document once
        response = client.get(urlsplit(url)._replace(scheme="", netloc="").geturl())
        walked += _ids(response)
        following = _links(response).get("next")
        url = following["url"][0] if following else None
    assert walked == identifiers

    # Past the end: the binding's set holds at least one document, so "unknown object", saying why.
    beyond = client.get(f"{CASE}/CFDocuments", query_string={**query, "offset": 10})
    assert beyond.status_code == 404 and beyond.headers["X-Total-Count"] == "5"
    assert_binding_valid(beyond.json, "imsx_StatusInfoDType", "CFDocuments past the end")
    assert "offset 10 is past the last of the 5" in beyond.json["imsx_description"]
    minor = beyond.json["imsx_codeMinor"]["imsx_codeMinorField"][0]["imsx_codeMinorFieldValue"]
    assert minor == "unknownobject"
    nothing = client.get(f"{CASE}/CFDocuments", query_string={"filter": f"title='{tag} none'"})
    assert nothing.status_code == 404 and nothing.headers["X-Total-Count"] == "0"
    assert nothing.json["imsx_description"] == "No published CFDocument matches."


def test_without_a_limit_a_page_holds_a_hundred(client, session) -> None:
    tag = f"hundred-{uuid.uuid4().hex[:8]}"
    _documents(session, tag, [{}, {}])
    response = _page(client, {"filter": f"title~'{tag}'"})
    assert len(response.json["CFDocuments"]) == 2 and response.headers["X-Total-Count"] == "2"
    assert _links(response)["last"]["limit"] == ["100"]


def test_documents_are_sorted_by_a_property_either_way(client, session) -> None:
    tag = f"sorting-{uuid.uuid4().hex[:8]}"
    ids = _documents(
        session,
        tag,
        [
            # 10:00 at +02:00 is 08:00 UTC: earlier than 09:00Z although it sorts later as text
            {"title_suffix": "b", "lastChangeDateTime": "2024-05-01T10:00:00+02:00", "version": "2"},
            {"title_suffix": "c", "lastChangeDateTime": "2024-05-01T09:00:00Z", "version": "10"},
            {"title_suffix": "a", "lastChangeDateTime": "2024-05-02T00:00:00Z"},  # no version
        ],
    )
    by_b, by_c, by_a = ids

    def order(**query: str) -> list[str]:
        return _ids(_page(client, {"filter": f"title~'{tag}'", **query}))

    assert order(sort="title") == [by_a, by_b, by_c]
    assert order(sort="title", orderBy="asc") == [by_a, by_b, by_c]
    assert order(sort="title", orderBy="desc") == [by_c, by_b, by_a]
    assert order(sort="lastChangeDateTime") == [by_b, by_c, by_a], "as instants, not as text"
    assert order(sort="lastChangeDateTime", orderBy="desc") == [by_a, by_c, by_b]
    assert order(sort="version") == [by_c, by_b, by_a], "'10' < '2' as text; without one: last"
    assert order(sort="version", orderBy="desc") == [by_b, by_c, by_a], "without one: last either way"
    assert order(orderBy="desc") == sorted(ids, reverse=True), "no sort: identifier order"


def test_documents_are_filtered_as_the_binding_writes_filters(client, session) -> None:
    tag = f"filtering-{uuid.uuid4().hex[:8]}"
    care, band, other = _documents(
        session,
        tag,
        [
            {"title_suffix": "Care Certificate", "subject": ["Nursing", "Care"], "language": "en",
             "lastChangeDateTime": "2024-01-01T00:00:00Z"},
            {"title_suffix": "Band 5 nursing", "subject": ["Nursing"], "language": "en",
             "lastChangeDateTime": "2024-07-01T00:00:00Z"},
            # 00:30 at +01:00 is 23:30 UTC the day before, although it sorts after 00:00Z as text
            {"title_suffix": "Other", "language": "cy", "lastChangeDateTime": "2024-07-01T00:30:00+01:00"},
        ],
    )  # fmt: skip

    def chosen(expression: str) -> set[str]:
        response = _page(client, {"filter": f"{expression} AND title~'{tag}'"})
        assert response.headers["X-Total-Count"] == str(len(response.json["CFDocuments"]))
        return set(_ids(response))

    assert chosen("title~'CARE'") == {care}, "~ is contains, ignoring case"
    assert chosen(f"title='{tag} Band 5 nursing'") == {band}
    assert chosen("language!='en'") == {other}
    assert chosen("subject='Nursing'") == {care, band}, "an array matches when one of its values does"
    assert chosen("subject='Care'") == {care}
    assert chosen("lastChangeDateTime>='2024-07-01T00:00:00Z'") == {band}, "compared as instants"
    assert chosen("lastChangeDateTime<'2024-07-01T00:00:00Z'") == {care, other}
    either = _page(client, {"filter": f"title='{tag} Other' OR title='{tag} Care Certificate'"})
    assert set(_ids(either)) == {care, other}
    assert either.headers["X-Total-Count"] == "2"


def test_fields_chooses_what_is_sent_and_the_required_properties_always_are(client, session) -> None:
    tag = f"fields-{uuid.uuid4().hex[:8]}"
    _documents(session, tag, [{"description": "Described", "language": "en", "publisher": "SLP"}])
    [document] = _page(client, {"filter": f"title~'{tag}'", "fields": "description"}).json["CFDocuments"]
    assert set(document) == {"identifier", "uri", "creator", "title", "lastChangeDateTime", "CFPackageURI",
                             "description"}  # fmt: skip
    [everything] = _page(client, {"filter": f"title~'{tag}'"}).json["CFDocuments"]
    assert {"language", "publisher", "description"} <= set(everything)


@pytest.mark.parametrize(
    ("query", "minor"),
    [
        ({"sort": "colour"}, "invalid_sort_field"),
        ({"sort": "subject"}, "invalid_sort_field"),  # an array: the binding's sort takes one value
        ({"orderBy": "up"}, "invalid_selection_field"),
        ({"sort": "title", "orderBy": "DESC"}, "invalid_selection_field"),
        ({"limit": "0"}, "invalid_selection_field"),
        ({"limit": "abc"}, "invalid_selection_field"),
        ({"limit": ""}, "invalid_selection_field"),
        ({"offset": "-1"}, "invalid_selection_field"),
        ({"offset": "1.5"}, "invalid_selection_field"),
        ({"filter": "colour='red'"}, "invalid_selection_field"),
        ({"filter": "title=red"}, "invalid_selection_field"),
        ({"filter": "title='a' AND language='en' OR language='cy'"}, "invalid_selection_field"),
        ({"filter": "title='a' AND"}, "invalid_selection_field"),
        ({"filter": "lastChangeDateTime>'yesterday'"}, "invalid_selection_field"),
        ({"fields": "colour"}, "invalid_selection_field"),
    ],
    ids=lambda value: value if isinstance(value, str) else "&".join(f"{k}={v}" for k, v in value.items()),
)
def test_what_the_binding_does_not_allow_is_a_400_status_info(client, session, query, minor: str) -> None:
    _documents(session, "refused", [{}])
    response = client.get(f"{CASE}/CFDocuments", query_string=query, headers=ORIGIN)
    assert response.status_code == 400, f"{query}: {response.status_code}"
    assert response.headers["Access-Control-Allow-Origin"] == "*"
    assert_case_valid(response.json, "imsx_StatusInfoDType", what=f"GET CFDocuments?{query}")
    assert response.json["imsx_codeMajor"] == "failure" and response.json["imsx_severity"] == "error"
    assert response.json["imsx_codeMinor"]["imsx_codeMinorField"][0]["imsx_codeMinorFieldValue"] == minor
