"""An OpenAPI 3.1 document for the read-only CASE 1.1 endpoints under /ims/case/v1p1/, for schemathesis.

The service's own OpenAPI document (/api/v1/openapi.json) leaves the CASE endpoints out: they follow
1EdTech's CASE 1.1 REST binding instead. This document is built for the tests, so that schemathesis can
drive them too:

- its paths are exactly the CASE routes the app serves (read from the app's url_map): a served route
  this module does not describe fails ``case_openapi``, so a new endpoint cannot escape the tests;
- the parameters are the binding's (its names, places and types: ``sourcedId`` in the path; for
  CFDocuments ``limit``, ``offset``, ``sort``, ``orderBy``, ``filter`` and ``fields``). Where the binding
  leaves a value's form to the implementation (which property ``sort`` names, the ``filter`` grammar,
  the ``fields`` names), the schema spells out what this service accepts, as ``case_selection``
  documents it, with the properties read from 1EdTech's CFPackage schema; anything else is answered 400;
- the response bodies are the binding's types, built in ``tests.support.case_conformance`` on 1EdTech's
  CFPackage JSON Schema: that schema's ``$defs`` and the binding types go under components/schemas,
  their ``#/$defs/`` references rewritten to ``#/components/schemas/``.

Every operation documents 200 (its type; CFDocuments with X-Total-Count and Link headers), 400 and 404
(both imsx_StatusInfoDType).
"""

from __future__ import annotations

import copy
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from flask import Flask

from competencies.frameworks.case_export import CASE_PATH
from tests.support.case_conformance import _binding_types, official_schema

PREFIX = CASE_PATH + "/"
INT32_MAX = 2**31 - 1
_COMPONENTS = "#/components/schemas/"
_READ_ONLY = frozenset({"GET", "HEAD", "OPTIONS"})  # HEAD and OPTIONS: Flask's own, for every GET


@dataclass(frozen=True, slots=True)
class CaseOperation:
    operation_id: str
    response_type: str  # under components/schemas
    summary: str


# Every CASE read operation this service serves, by its path under /ims/case/v1p1.
OPERATIONS: dict[str, CaseOperation] = {
    "/CFDocuments": CaseOperation(
        "getAllCFDocuments", "CFDocumentSetDType", "A page of the published frameworks' documents."
    ),
    "/CFDocuments/{sourcedId}": CaseOperation(
        "getCFDocument", "CFDocumentDType", "One published framework's document."
    ),
    "/CFPackages/{sourcedId}": CaseOperation(
        "getCFPackage", "CFPackageDType", "A published framework as a whole package."
    ),
    "/CFItems/{sourcedId}": CaseOperation("getCFItem", "CFItemDType", "One item of a published framework."),
    "/CFAssociations/{sourcedId}": CaseOperation(
        "getCFAssociation", "CFAssociationDType", "One association of a published framework."
    ),
    "/CFItemAssociations/{sourcedId}": CaseOperation(
        "getCFItemAssociations", "CFAssociationSetDType", "An item with the associations naming it."
    ),
    "/CFSubjects/{sourcedId}": CaseOperation(
        "getCFSubject", "CFSubjectSetDType", "A subject definition and those one level below it."
    ),
    "/CFConcepts/{sourcedId}": CaseOperation(
        "getCFConcept", "CFConceptSetDType", "A concept definition and those one level below it."
    ),
    "/CFItemTypes/{sourcedId}": CaseOperation(
        "getCFItemType", "CFItemTypeSetDType", "An item type definition and those one level below it."
    ),
    "/CFLicenses/{sourcedId}": CaseOperation("getCFLicense", "CFLicenseDType", "A licence definition."),
    "/CFAssociationGroupings/{sourcedId}": CaseOperation(
        "getCFAssociationGrouping", "CFAssociationGroupingDType", "An association grouping definition."
    ),
    "/CFRubrics/{sourcedId}": CaseOperation("getCFRubric", "CFRubricDType", "A rubric, with its criteria."),
}


# --- Routes ---------------------------------------------------------------------------------------------

_RULE_ARGUMENT = re.compile(r"<(?:[^:<>]+:)?([^<>]+)>")


def _camel(name: str) -> str:
    head, *rest = name.split("_")
    return head + "".join(part.capitalize() for part in rest)


def served_case_routes(app: Flask) -> dict[str, frozenset[str]]:
    """The CASE routes in the app's url_map, as OpenAPI paths (``<string:sourced_id>`` becomes
    ``{sourcedId}``, the binding's name), with the methods each answers."""
    routes: dict[str, set[str]] = {}
    for rule in app.url_map.iter_rules():
        if not rule.rule.startswith(PREFIX):
            continue
        path = _RULE_ARGUMENT.sub(lambda match: "{" + _camel(match[1]) + "}", rule.rule)
        routes.setdefault(path, set()).update(rule.methods or ())
    return {path: frozenset(methods) for path, methods in routes.items()}


def check_routes(routes: Mapping[str, Iterable[str]]) -> None:
    """Every served CASE route is described here, and only those; every one of them only reads."""
    described = {CASE_PATH + path for path in OPERATIONS}
    missing = sorted(set(routes) - described)
    assert not missing, (
        f"CASE routes served but not described in tests/support/case_openapi.py OPERATIONS: {missing}; "
        "describe them there so that schemathesis covers them"
    )
    gone = sorted(described - set(routes))
    assert not gone, f"tests/support/case_openapi.py describes CASE routes the app does not serve: {gone}"
    writable = {path: sorted(set(methods) - _READ_ONLY) for path, methods in routes.items()}
    writable = {path: methods for path, methods in writable.items() if methods}
    assert not writable, f"the CASE endpoints are read-only, but these answer more than GET: {writable}"


# --- Schemas ----------------------------------------------------------------------------------------------


def _to_components(node: Any) -> Any:
    """A copy of a JSON Schema fragment with its ``#/$defs/`` references pointing at components/schemas."""
    if isinstance(node, dict):
        return {
            key: (
                _COMPONENTS + value.removeprefix("#/$defs/")
                if key == "$ref" and isinstance(value, str)
                else _to_components(value)
            )
            for key, value in node.items()
        }
    if isinstance(node, list):
        return [_to_components(value) for value in node]
    return copy.deepcopy(node)


def non_empty_set(key: str, entry: str) -> dict[str, Any]:
    """A definition endpoint's answer (the binding's CFSubjectSetDType, CFConceptSetDType and
    CFItemTypeSetDType): the definition asked for first, then its children; never empty."""
    return {
        "type": "object",
        "properties": {key: {"type": "array", "minItems": 1, "items": {"$ref": f"#/$defs/{entry}"}}},
        "required": [key],
        "additionalProperties": False,
    }


def _definition_types() -> dict[str, Any]:
    """The binding's types for the definition and rubric endpoints. Its CFSubjectDType ... CFRubricDType
    carry the same properties and required lists as the package schema's classes, so they refer to them."""
    return {
        "CFSubjectSetDType": non_empty_set("CFSubjects", "CFSubject"),
        "CFConceptSetDType": non_empty_set("CFConcepts", "CFConcept"),
        "CFItemTypeSetDType": non_empty_set("CFItemTypes", "CFItemType"),
        "CFLicenseDType": {"$ref": "#/$defs/CFLicense"},
        "CFAssociationGroupingDType": {"$ref": "#/$defs/CFAssociationGrouping"},
        "CFRubricDType": {"$ref": "#/$defs/CFRubric"},
    }


def component_schemas() -> dict[str, Any]:
    """The package schema's classes, the package itself (CFPackageDType) and the binding's types."""
    official = official_schema()
    definitions = official["$defs"]
    package = {key: official[key] for key in ("type", "properties", "required", "additionalProperties")}
    schemas = {
        **definitions,
        "CFPackageDType": package,
        **_binding_types(definitions),
        **_definition_types(),
    }
    return {name: _to_components(schema) for name, schema in schemas.items()}


# --- CFDocuments query parameters -------------------------------------------------------------------------


def _document_properties() -> dict[str, Any]:
    return official_schema()["$defs"]["CFPckgDocument"]["properties"]


def _scalar_text(schema: Mapping[str, Any]) -> bool:
    return schema.get("type") == "string"


def sortable_properties() -> list[str]:
    """CFDocument properties holding one text, time or date: what ``sort`` may name."""
    return sorted(name for name, schema in _document_properties().items() if _scalar_text(schema))


def filter_pattern() -> str:
    """What ``filter`` accepts, as a regular expression: ``<property><predicate>'<value>'`` with
    predicates = != > >= < <= and ~ (contains), joined all by AND or all by OR, spaces allowed around
    them, no NUL anywhere. Only a property with one text (or a list of texts, ``subject``) may be
    filtered on; where it holds a time or a date, a comparison other than ~ needs a valid one (``~``
    takes any text)."""
    properties = _document_properties()
    by_kind: dict[str, list[str]] = {"date-time": [], "date": [], "text": []}
    for name, schema in sorted(properties.items()):
        if _scalar_text(schema) and schema.get("format") in ("date-time", "date"):
            by_kind[schema["format"]].append(name)
        elif _scalar_text(schema) or schema.get("type") == "array" and _scalar_text(schema.get("items", {})):
            by_kind["text"].append(name)
    day = r"(19|20)[0-9]{2}-(0[1-9]|1[0-2])-(0[1-9]|1[0-9]|2[0-8])"
    instant = day + r"(T([01][0-9]|2[0-3]):[0-5][0-9](:[0-5][0-9])?(Z|[+-](0[0-9]|1[0-3]):[0-5][0-9])?)?"
    text_value = r"'[^'\x00]*'"  # a NUL is refused in any query parameter, all over the service
    compare = r"(!=|>=|<=|=|>|<)"

    def names(kind: str) -> str:
        return "(" + "|".join(map(re.escape, by_kind[kind])) + ")"

    # Written so that a text can match in one way only (no backtracking blow-up when checking a value).
    predicate = (
        "("
        + rf"{names('text')}\s*({compare}|~)\s*{text_value}"
        + rf"|({names('date-time')}|{names('date')})\s*~\s*{text_value}"
        + rf"|{names('date-time')}\s*{compare}\s*'{instant}'"
        + rf"|{names('date')}\s*{compare}\s*'{day}'"
        + ")"
    )
    return "|".join(rf"^\s*{predicate}(\s*{joint}\s+{predicate})*\s*$" for joint in ("AND", "OR"))


def selectable_fields() -> list[str]:
    """What ``fields`` may name: every CFDocumentDType property."""
    return sorted(component_schemas()["CFDocumentDType"]["properties"])


def _query(name: str, description: str, schema: dict[str, Any], **more: Any) -> dict[str, Any]:
    return {
        "name": name,
        "in": "query",
        "required": False,
        "description": description,
        "schema": schema,
        **more,
    }


def document_selection_parameters() -> list[dict[str, Any]]:
    return [
        _query(
            "limit",
            "How many documents one page holds at most.",
            {"type": "integer", "format": "int32", "minimum": 1, "maximum": INT32_MAX},
        ),
        _query(
            "offset",
            "How many documents (in the chosen order) come before this page.",
            {"type": "integer", "format": "int32", "minimum": 0, "maximum": INT32_MAX, "default": 0},
        ),
        _query(
            "sort",
            "The document property to order by.",
            {"type": "string", "enum": sortable_properties()},
        ),
        _query("orderBy", "Ascending or descending order.", {"type": "string", "enum": ["asc", "desc"]}),
        _query(
            "filter",
            "Which documents to select, by their properties.",
            {"type": "string", "pattern": filter_pattern()},
        ),
        _query(
            "fields",
            "The properties to send (those every document must have are always sent), comma-separated.",
            {"type": "array", "minItems": 1, "items": {"type": "string", "enum": selectable_fields()}},
            style="form",
            explode=False,
        ),
    ]


# --- The document ------------------------------------------------------------------------------------------


def _path_parameter(examples: Sequence[str]) -> dict[str, Any]:
    parameter: dict[str, Any] = {
        "name": "sourcedId",
        "in": "path",
        "required": True,
        "description": "The object's CASE identifier (a UUID); anything else is an unknown object.",
        "schema": {"type": "string"},
    }
    if examples:
        parameter["examples"] = {f"published-{n}": {"value": value} for n, value in enumerate(examples, 1)}
    return parameter


def _json(schema_name: str) -> dict[str, Any]:
    return {"application/json": {"schema": {"$ref": _COMPONENTS + schema_name}}}


def _operation(path: str, operation: CaseOperation, examples: Sequence[str]) -> dict[str, Any]:
    ok: dict[str, Any] = {"description": "Found.", "content": _json(operation.response_type)}
    parameters = [_path_parameter(examples)] if "{sourcedId}" in path else document_selection_parameters()
    if path == "/CFDocuments":
        ok["headers"] = {
            "X-Total-Count": {
                "description": "How many documents the filter selects, before paging.",
                "required": True,
                "schema": {"type": "integer", "minimum": 0},
            },
            "Link": {
                "description": "Links to the first, last, and (where there are) next and previous pages.",
                "required": True,
                "schema": {"type": "string"},
            },
        }
    return {
        "operationId": operation.operation_id,
        "summary": operation.summary,
        "parameters": parameters,
        "responses": {
            "200": ok,
            "400": {
                "description": "A query parameter this service does not accept.",
                "content": _json("imsx_StatusInfoDType"),
            },
            "404": {
                "description": "Nothing published has that identifier, or nothing matches.",
                "content": _json("imsx_StatusInfoDType"),
            },
        },
    }


def case_openapi(app: Flask, examples: Mapping[str, Sequence[str]] | None = None) -> dict[str, Any]:
    """The OpenAPI 3.1 document of the CASE routes ``app`` serves. ``examples`` gives identifiers to put
    as examples of ``sourcedId``, by path under /ims/case/v1p1 ("/CFItems/{sourcedId}" -> [...])."""
    check_routes(served_case_routes(app))
    examples = examples or {}
    unknown = sorted(set(examples) - set(OPERATIONS))
    assert not unknown, f"examples for paths that are not CASE operations: {unknown}"
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "Staff Passport: CASE 1.1 read operations (for the tests)",
            "version": "1.1",
            "description": "The CASE 1.1 endpoints this service serves, with 1EdTech's binding's types.",
        },
        "paths": {
            CASE_PATH + path: {"get": _operation(path, operation, examples.get(path, ()))}
            for path, operation in OPERATIONS.items()
        },
        "components": {"schemas": component_schemas()},
    }
