"""Identifiers that are not UUIDs (#16): CASE 1.1 requires UUIDs, and some publishers send codes. Such a
package imports with a warning per identifier, keeps its identifiers here, and goes out as CASE 1.1: each
identifier as a UUID derived from it, the same wherever it appears (so an association's ends still name
the items, a criterion its rubric), the object keeping the identifier as imported under ``extensions``.
The CASE endpoints answer to either. Also: the binding's sets hold at least one element, so an empty
answer is a 404 imsx_StatusInfo."""

from __future__ import annotations

import json
import re
import uuid
from typing import Any

from competencies.frameworks.case_conformance import CASE_IDENTIFIER_NAMESPACE, case_identifier
from competencies.frameworks.case_export import case_base_uri, export_case_json
from competencies.frameworks.case_import import import_case_package
from competencies.frameworks.case_upgrade import case_1_1_warnings
from tests.functional.test_case_read_operations import assert_binding_valid
from tests.support.case_conformance import assert_case_valid
from tests.support.case_definition_factories import package_with_definitions
from tests.support.framework_factories import small_package

CASE = "/ims/case/v1p1"
_ANY_UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")


def _with_codes_for_identifiers() -> tuple[dict[str, Any], dict[str, str]]:
    """``package_with_definitions`` with every UUID in it replaced by a publisher's code ("NMC-7"),
    consistently (identifiers, links, URIs); and the codes by the UUIDs they replaced."""
    package, _ids = package_with_definitions(title=f"Coded {uuid.uuid4().hex[:8]}")
    text = json.dumps(package)
    codes: dict[str, str] = {}
    prefix = uuid.uuid4().hex[:6]  # identifiers are unique across the test database's frameworks

    def code_for(match: re.Match[str]) -> str:
        return codes.setdefault(match.group(0), f"NMC-{prefix}-{len(codes) + 1}")

    coded = json.loads(_ANY_UUID.sub(code_for, text))
    return coded, {code: original for original, code in codes.items()}


def _identifiers(data: Any) -> list[str]:
    """Every value of a key named identifier, rubricId or rubricCriterionId, anywhere in ``data``."""
    found: list[str] = []
    stack = [data]
    while stack:
        value = stack.pop()
        if isinstance(value, dict):
            for key, inner in value.items():
                if key in ("identifier", "rubricId", "rubricCriterionId") and isinstance(inner, str):
                    found.append(inner)
                else:
                    stack.append(inner)
        elif isinstance(value, list):
            stack.extend(value)
    return found


def test_the_derived_uuid_is_fixed_and_a_uuid_is_kept() -> None:
    # Consumers keep what they were served: the namespace and the derivation never change.
    assert str(CASE_IDENTIFIER_NAMESPACE) == str(
        uuid.uuid5(uuid.NAMESPACE_URL, "https://w3id.org/nhs-staff-passport/case-identifiers")
    )
    assert case_identifier("NMC-1") == str(uuid.uuid5(CASE_IDENTIFIER_NAMESPACE, "NMC-1"))
    assert uuid.UUID(case_identifier("NMC-1")).version == 5
    assert case_identifier("NMC-1") != case_identifier("NMC-2")
    kept = "0F2A6C1E-1B6C-4D4B-9C55-1C7D1B2E3F40"  # the schema's "uuid" format takes either case
    assert case_identifier(kept) == kept


def test_a_package_of_codes_exports_as_case_1_1_with_every_reference_joined(app, session) -> None:
    package, _originals = _with_codes_for_identifiers()
    sent_ids = set(_identifiers(package))
    assert sent_ids and not any(_ANY_UUID.fullmatch(i) for i in sent_ids), "the package uses codes only"

    warnings = {(w.path, w.reason) for w in case_1_1_warnings(package)}
    item_code = package["CFItems"][0]["identifier"]
    assert (
        "$.CFItems[0].identifier",
        f"not a UUID, which CASE 1.1 requires: kept here, and exported and served as "
        f"{case_identifier(item_code)!r} wherever it appears (the object keeps {item_code!r} under "
        "extensions.importedIdentifier)",
    ) in warnings
    warned_paths = {path for path, _reason in warnings}
    assert "$.CFAssociations[0].originNodeURI.identifier" in warned_paths
    assert "$.CFAssociations[0].CFAssociationGroupingURI" in warned_paths
    assert "$.CFRubrics[0].CFRubricCriteria[0].rubricId" in warned_paths

    version = import_case_package(session, json.loads(json.dumps(package)), actor="test", publish=True)
    session.flush()
    assert version.document_identifier == package["CFDocument"]["identifier"], "stored as imported"

    exported = export_case_json(
        session, version, base_uri=case_base_uri(app.config["PASSPORT_SETTINGS"].public_url)
    )
    assert_case_valid(exported, what="the export of a package of codes")
    assert set(_identifiers(exported)) == {case_identifier(i) for i in sent_ids}, "each code, derived"

    items = {item["identifier"]: item for item in exported["CFItems"]}
    for sent, item in zip(package["CFItems"], exported["CFItems"], strict=True):
        assert item["identifier"] == case_identifier(sent["identifier"])
        assert item["extensions"]["importedIdentifier"] == sent["identifier"]
    document_id = exported["CFDocument"]["identifier"]
    for association in exported["CFAssociations"]:
        assert association["originNodeURI"]["identifier"] in items, "an association's origin is an item"
        assert association["destinationNodeURI"]["identifier"] in {*items, document_id}
    grouping = exported["CFDefinitions"]["CFAssociationGroupings"][0]["identifier"]
    assert exported["CFAssociations"][0]["CFAssociationGroupingURI"]["identifier"] == grouping
    rubric = exported["CFRubrics"][0]
    criterion = rubric["CFRubricCriteria"][0]
    assert criterion["rubricId"] == rubric["identifier"]
    assert criterion["CFRubricCriterionLevels"][0]["rubricCriterionId"] == criterion["identifier"]
    assert criterion["CFItemURI"]["identifier"] == exported["CFItems"][0]["identifier"]


def test_the_endpoints_answer_to_the_derived_uuid_and_to_the_code(client, session) -> None:
    package, _originals = _with_codes_for_identifiers()
    import_case_package(session, json.loads(json.dumps(package)), actor="test", publish=True)
    session.flush()
    document_code = package["CFDocument"]["identifier"]
    item_code = package["CFItems"][0]["identifier"]
    association_code = package["CFAssociations"][0]["identifier"]
    subject_code = package["CFDefinitions"]["CFSubjects"][0]["identifier"]
    rubric_code = package["CFRubrics"][0]["identifier"]
    checks = [
        ("CFDocuments", document_code, "CFDocumentDType"),
        ("CFPackages", document_code, "CFPackageDType"),
        ("CFItems", item_code, "CFItemDType"),
        ("CFAssociations", association_code, "CFAssociationDType"),
        ("CFItemAssociations", item_code, "CFAssociationSetDType"),
        ("CFSubjects", subject_code, "CFSubjectSetDType"),
        ("CFRubrics", rubric_code, "CFRubricDType"),
    ]
    for kind, code, type_name in checks:
        for asked in (case_identifier(code), code):
            response = client.get(f"{CASE}/{kind}/{asked}")
            assert response.status_code == 200, f"{kind}/{asked}: {response.get_data(as_text=True)}"
            assert_binding_valid(response.json, type_name, f"GET {kind}/{asked}")
            body = response.json
            served = (
                body.get("CFDocument")
                or body.get("CFItem")
                or (body["CFSubjects"][0] if "CFSubjects" in body else body)
            )
            assert served["identifier"] == case_identifier(code), f"{kind}/{asked}"

    document = client.get(f"{CASE}/CFItems/{case_identifier(item_code)}").json["CFDocumentURI"]
    assert document["identifier"] == case_identifier(document_code)
    assert document["uri"].endswith(f"/CFDocuments/{case_identifier(document_code)}")
    # Every association naming the item, found through the identifier as stored.
    listed = client.get(f"{CASE}/CFItemAssociations/{case_identifier(item_code)}").json["CFAssociations"]
    assert {a["identifier"] for a in listed} == {
        case_identifier(a["identifier"])
        for a in package["CFAssociations"]
        if item_code in (a["originNodeURI"]["identifier"], a["destinationNodeURI"]["identifier"])
    }
    unknown = client.get(f"{CASE}/CFItems/{case_identifier('NMC-never-imported')}")
    assert unknown.status_code == 404


def test_an_item_without_associations_is_an_unknown_object_to_cf_item_associations(client, session) -> None:
    package = small_package(codes=("A", "B"))
    lone = package["CFItems"][1]["identifier"]
    package["CFAssociations"] = [
        a for a in package["CFAssociations"] if a["originNodeURI"]["identifier"] != lone
    ]
    import_case_package(session, package, actor="test", publish=True)
    session.flush()
    assert client.get(f"{CASE}/CFItems/{lone}").status_code == 200, "the item itself is served"
    response = client.get(f"{CASE}/CFItemAssociations/{lone}")
    assert response.status_code == 404
    assert_binding_valid(response.json, "imsx_StatusInfoDType", "CFItemAssociations of a lone item")
    assert response.json["imsx_description"] == f"The published CFItem {lone!r} has no associations."
    field = response.json["imsx_codeMinor"]["imsx_codeMinorField"][0]
    assert field["imsx_codeMinorFieldValue"] == "unknownobject"
