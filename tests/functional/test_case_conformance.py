"""CASE 1.1 conformance (#16): the demo frameworks and every publisher's sample in ../shared/data, once
imported, validate against 1EdTech's CFPackage JSON Schema and the CASE 1.1 OpenAPI binding's response
types, with format checking: the export, and every /ims/case/v1p1/ endpoint for every document, item and
association. Plus CORS on those endpoints. Missing shared data fails these tests; it never skips them."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from competencies.frameworks.case_conformance import SERVICE_LINK_KEYS
from competencies.frameworks.case_export import case_base_uri, export_case_json, version_package
from competencies.frameworks.case_import import import_case_package
from competencies.frameworks.case_package import package_to_case_json
from competencies.frameworks.cli import band5_package
from competencies.frameworks.models import FrameworkVersion
from competencies.frameworks.refresher import load_cstf
from tests.support.case_conformance import (
    CASE_SAMPLES,
    assert_case_valid,
    case_content,
    case_errors,
    instant,
    official_schema,
    require_case_samples,
)
from tests.support.framework_factories import imported_framework

CASE = "/ims/case/v1p1"
DEMO_FRAMEWORKS = ("demo:band5", "demo:cstf")


def _base(app) -> str:  # type: ignore[no-untyped-def]
    return case_base_uri(app.config["PASSPORT_SETTINGS"].public_url)


def _publish(app, session, source: str) -> FrameworkVersion:  # type: ignore[no-untyped-def]
    """The framework as the demo seeds it, or the sample file as an administrator imports it."""
    if source == "demo:band5":
        data: Any = package_to_case_json(band5_package(_base(app)))
    elif source == "demo:cstf":
        version, _created = load_cstf(session, base_uri=_base(app), actor="test")
        session.flush()
        return version
    else:
        data = Path(source).read_bytes()
    version = import_case_package(session, data, actor="test", publish=True)
    session.flush()
    return version


def _get(client, path: str, type_name: str, status: int = 200) -> dict[str, Any]:  # type: ignore[no-untyped-def]
    response = client.get(f"{CASE}{path}", headers={"Origin": "https://case-client.example.org"})
    assert response.status_code == status, (
        f"GET {path}: {response.status_code} {response.get_data(as_text=True)}"
    )
    assert response.headers["Access-Control-Allow-Origin"] == "*", f"GET {path} has no CORS header"
    assert_case_valid(response.json, type_name, what=f"GET {CASE}{path}")
    return response.json


def test_the_shared_case_data_is_there() -> None:
    """The parametrised tests below would silently collect nothing without it: fail instead."""
    assert len(require_case_samples()) >= 5
    assert official_schema()["$id"].endswith("case_v1p1_cfpackage-jsonschema1.json")


@pytest.mark.parametrize(
    "source", [*DEMO_FRAMEWORKS, *map(str, CASE_SAMPLES)], ids=lambda s: s.rsplit("/", 1)[-1]
)
def test_export_and_every_endpoint_conform(app, client, session, source: str) -> None:
    require_case_samples()
    version = _publish(app, session, source)
    base = _base(app)
    document_id = version.document_identifier

    exported = export_case_json(session, version)
    assert_case_valid(exported, what=f"the export of {source}")
    served = _get(client, f"/CFPackages/{document_id}", "CFPackageDType")
    assert served == json.loads(json.dumps(exported)), "the served package is the export"

    document = _get(client, f"/CFDocuments/{document_id}", "CFDocumentDType")
    assert document["CFPackageURI"] == {
        "title": version.title,
        "identifier": document_id,
        "uri": f"{base}/CFPackages/{document_id}",
    }
    listed = _get(client, "/CFDocuments", "CFDocumentSetDType")["CFDocuments"]
    assert document_id in {d["identifier"] for d in listed}

    with_links = {a["originNodeURI"]["identifier"] for a in served["CFAssociations"]} | {
        a["destinationNodeURI"]["identifier"] for a in served["CFAssociations"]
    }
    for item in served["CFItems"]:
        one = _get(client, f"/CFItems/{item['identifier']}", "CFItemDType")
        assert one["CFDocumentURI"]["uri"] == f"{base}/CFDocuments/{document_id}", "links point here"
        if item["identifier"] in with_links:  # the binding's set holds at least one association
            _get(client, f"/CFItemAssociations/{item['identifier']}", "CFAssociationSetDType")
    for association in served["CFAssociations"]:
        one = _get(client, f"/CFAssociations/{association['identifier']}", "CFAssociationDType")
        assert one["CFDocumentURI"]["uri"] == f"{base}/CFDocuments/{document_id}"


@pytest.mark.parametrize("source", DEMO_FRAMEWORKS)
def test_a_demo_export_reimports_to_the_same_items_and_associations(app, session, source: str) -> None:
    """(The samples' round trips are in tests/unit/frameworks/test_db_case_import_export.py.)"""
    nested = session.begin_nested()
    version = _publish(app, session, source)
    before = case_content(version_package(session, version))
    exported = json.dumps(export_case_json(session, version))
    nested.rollback()
    again = import_case_package(session, exported, actor="test")
    session.flush()
    assert case_content(version_package(session, again)) == before


def test_older_keys_are_not_echoed_and_times_gain_a_zone(app, client, session) -> None:
    sample = next(p for p in require_case_samples() if p.name.startswith("opensalt-framework"))
    raw = json.loads(sample.read_text(encoding="utf-8"))
    version = _publish(app, session, str(sample))
    served = client.get(f"{CASE}/CFPackages/{version.document_identifier}").json
    for section in ("CFItems", "CFAssociations"):
        for entry in served[section]:
            assert not SERVICE_LINK_KEYS & entry.keys(), (
                f"{section} echoes {SERVICE_LINK_KEYS & entry.keys()}"
            )
    assert "CFPackageURI" not in served["CFDocument"]
    # '2017-05-25T18:05:33' was sent without a zone: the same instant, in UTC.
    assert raw["CFDocument"]["lastChangeDateTime"] == "2017-05-25T18:05:33"
    assert served["CFDocument"]["lastChangeDateTime"] == "2017-05-25T18:05:33Z"
    sent = {i["identifier"]: i["lastChangeDateTime"] for i in raw["CFItems"]}
    for item in served["CFItems"]:
        assert instant(item["lastChangeDateTime"]) == instant(sent[item["identifier"]])
    # The item type link CASE 1.1 defines is kept; the legacy education level is an array now.
    assert served["CFItems"][0]["CFItemTypeURI"] == raw["CFItems"][0]["CFItemTypeURI"]
    assert served["CFItems"][0]["educationLevel"] == ["06"]
    item = client.get(f"{CASE}/CFItems/{raw['CFItems'][0]['identifier']}").json
    assert isinstance(item["CFDocumentURI"], dict) and item["CFDocumentURI"]["uri"].startswith(_base(app))
    document = client.get(f"{CASE}/CFDocuments/{version.document_identifier}").json
    assert document["CFPackageURI"]["uri"].startswith(_base(app)), "not OpenSALT's URL"


def test_keys_case_does_not_define_go_under_extensions(app, client, session) -> None:
    package = json.loads(json.dumps(_small_with_extras()))
    version = import_case_package(session, package, actor="test", publish=True)
    session.flush()
    served = _get(client, f"/CFPackages/{version.document_identifier}", "CFPackageDType")
    assert served["CFDocument"]["extensions"] == {"trustReference": "SLP-7"}
    assert served["CFItems"][0]["extensions"] == {"nhsBand": 5, "subjectURI": "not a link list"}
    assert "nhsBand" not in served["CFItems"][0]
    assert served["CFAssociations"][0]["extensions"] == {"weight": 2}
    assert served["extensions"] == {"exportedBy": "a spreadsheet"}
    assert served["CFItems"][0]["lastChangeDateTime"] == "2024-04-01T00:00:00Z"  # a plain date was sent
    assert served["CFItems"][1]["lastChangeDateTime"] == served["CFDocument"]["lastChangeDateTime"]


def _small_with_extras() -> dict[str, Any]:
    from tests.support.framework_factories import small_package

    package = small_package(codes=("A", "A.1"))
    package["CFDocument"].update(trustReference="SLP-7", lastChangeDateTime="2024-05-01T10:00:00")
    package["CFItems"][0].update(nhsBand=5, subjectURI="not a link list", lastChangeDateTime="2024-04-01")
    package["CFAssociations"][0]["weight"] = 2
    package["exportedBy"] = "a spreadsheet"
    return package


@pytest.mark.parametrize(
    "kind", ["CFDocuments", "CFPackages", "CFItems", "CFAssociations", "CFItemAssociations"]
)
def test_unknown_identifier_is_a_conforming_imsx_status_info(client, session, kind: str) -> None:
    body = _get(client, f"/{kind}/no-such-thing", "imsx_StatusInfoDType", status=404)
    assert body["imsx_codeMinor"]["imsx_codeMinorField"][0]["imsx_codeMinorFieldValue"] == "unknownobject"


def test_cors_any_origin_may_read_with_get_only_and_no_credentials(client, session) -> None:
    version = imported_framework(session, codes=("A",))
    origin = {"Origin": "https://case-client.example.org"}
    for path in ("/CFDocuments", f"/CFPackages/{version.document_identifier}", "/CFItems/no-such-thing"):
        response = client.get(f"{CASE}{path}", headers=origin)
        assert response.headers["Access-Control-Allow-Origin"] == "*", path
        assert "Access-Control-Allow-Credentials" not in response.headers, path
    preflight = client.options(
        f"{CASE}/CFPackages/{version.document_identifier}",
        headers={**origin, "Access-Control-Request-Method": "GET"},
    )
    assert preflight.status_code == 200
    assert preflight.headers["Access-Control-Allow-Origin"] == "*"
    assert {m.strip() for m in preflight.headers["Access-Control-Allow-Methods"].split(",")} == {
        "GET",
        "OPTIONS",
    }
    assert "Access-Control-Allow-Credentials" not in preflight.headers
    # Writing is not part of the binding here, and the rest of the service is not opened to other origins.
    assert client.post(f"{CASE}/CFDocuments", headers=origin).status_code == 405
    elsewhere = client.get("/api/v1/frameworks", headers=origin)
    assert "Access-Control-Allow-Origin" not in elsewhere.headers


def test_the_checks_catch_what_issue_16_found() -> None:
    """The validation is not vacuous: the OpenSALT file as sent breaks CASE 1.1 in exactly those ways."""
    sample = next(p for p in require_case_samples() if p.name.startswith("opensalt-framework"))
    errors = "\n".join(case_errors(json.loads(sample.read_text(encoding="utf-8"))))
    assert "'2017-05-25T18:05:33' is not a 'date-time'" in errors
    assert "('CFPackageURI' was unexpected)" in errors
    assert "('CFDocumentURI' was unexpected)" in errors and "'CFItemAssociationURI'" in errors
    item_without_time = {
        "identifier": "edfce0e7-dbbf-40d5-af1a-baccabef85e9",
        "uri": "u",
        "fullStatement": "s",
    }
    item_errors = "\n".join(case_errors({**item_without_time, "CFDocumentURI": "u"}, "CFItemDType"))
    assert "'lastChangeDateTime' is a required property" in item_errors
    assert "'u' is not of type 'object'" in item_errors  # CFDocumentURI must be a link object
    old_spelling = {"imsx_codeMajor": "failure", "imsx_severity": "error", "imsx_CodeMinor": {}}
    assert case_errors(old_spelling, "imsx_StatusInfoDType")
