"""Checking what we export and serve against 1EdTech's CASE 1.1 definitions, with format checking.

- The CFPackage JSON Schema is 1EdTech's own file, read from /work/shared/data/case-schema/.
- The CASE 1.1 OpenAPI binding (1EdTech/CASE-bootcamp, CASEProvider/public/openapi-spec.json) types each
  endpoint's answer. Its types differ from the package schema's classes only as written out below
  (``_binding_types``): CFDocumentDType is CFPckgDocument plus a required CFPackageURI link, CFItemDType
  is CFPckgItem plus a required CFDocumentURI link, CFAssociationDType may add a CFDocumentURI link, the
  set types wrap those, and imsx_StatusInfoDType is the error body. They are built on the official
  package schema's definitions, so both are checked at once.

The shared data is part of the test fixture: a missing folder fails (never skips) with a clear message.
"""

from __future__ import annotations

import copy
import json
from datetime import UTC, datetime
from functools import cache
from pathlib import Path
from typing import Any

import jsonschema

SHARED_DATA = Path("/work/shared/data")
CASE_SCHEMA = SHARED_DATA / "case-schema" / "case_v1p1_cfpackage-jsonschema1.json"
CASE_SAMPLES_DIR = SHARED_DATA / "case-samples"
# Collected at import for parametrize; an empty list is caught by require_case_samples().
CASE_SAMPLES = sorted(CASE_SAMPLES_DIR.glob("*.json"))

_VALIDATOR = jsonschema.Draft201909Validator
_LINK = {"$ref": "#/$defs/LinkURI"}


def require_case_samples() -> list[Path]:
    assert CASE_SAMPLES_DIR.is_dir(), (
        f"{CASE_SAMPLES_DIR} is missing: the CASE conformance tests need the publishers' sample packages "
        "(see /work/shared/data/README.md)"
    )
    assert CASE_SAMPLES, f"{CASE_SAMPLES_DIR} holds no *.json CASE packages"
    return CASE_SAMPLES


@cache
def official_schema() -> dict[str, Any]:
    assert CASE_SCHEMA.is_file(), (
        f"{CASE_SCHEMA} is missing: 1EdTech's CASE 1.1 CFPackage JSON Schema is needed to check conformance "
        "(see /work/shared/data/case-schema/SOURCE.md)"
    )
    return json.loads(CASE_SCHEMA.read_text(encoding="utf-8"))


def _extended(definitions: dict[str, Any], base: str, link: str, *, required: bool) -> dict[str, Any]:
    extended = copy.deepcopy(definitions[base])
    extended["properties"][link] = _LINK
    if required:
        extended["required"] = [*extended["required"], link]
    return extended


def _binding_types(definitions: dict[str, Any]) -> dict[str, Any]:
    """The CASE 1.1 OpenAPI binding's response types, on the package schema's classes."""
    document = _extended(definitions, "CFPckgDocument", "CFPackageURI", required=True)
    item = _extended(definitions, "CFPckgItem", "CFDocumentURI", required=True)
    association = _extended(definitions, "CFPckgAssociation", "CFDocumentURI", required=False)
    code_minor_values = [
        "forbidden", "fullsuccess", "internal_server_error", "invalid_selection_field", "invalid_sort_field",
        "invalid_uuid", "server_busy", "unauthorised_request", "unknownobject",
    ]  # fmt: skip
    return {
        "CFDocumentDType": document,
        "CFItemDType": item,
        "CFAssociationDType": association,
        "CFDocumentSetDType": {
            "type": "object",
            "properties": {
                "CFDocuments": {"type": "array", "minItems": 1, "items": {"$ref": "#/$defs/CFDocumentDType"}}
            },
            "required": ["CFDocuments"],
            "additionalProperties": False,
        },
        "CFAssociationSetDType": {
            "type": "object",
            "properties": {
                "CFItem": {"$ref": "#/$defs/CFItemDType"},
                "CFAssociations": {
                    "type": "array",
                    "minItems": 1,
                    "items": {"$ref": "#/$defs/CFPckgAssociation"},
                },
            },
            "required": ["CFItem", "CFAssociations"],
            "additionalProperties": False,
        },
        "imsx_StatusInfoDType": {
            "type": "object",
            "properties": {
                "imsx_codeMajor": {"enum": ["failure", "processing", "success", "unsupported"]},
                "imsx_severity": {"enum": ["error", "status", "warning"]},
                "imsx_description": {"type": "string"},
                "imsx_codeMinor": {
                    "type": "object",
                    "properties": {
                        "imsx_codeMinorField": {
                            "type": "array",
                            "minItems": 1,
                            "items": {
                                "type": "object",
                                "properties": {
                                    "imsx_codeMinorFieldName": {"type": "string"},
                                    "imsx_codeMinorFieldValue": {"enum": code_minor_values},
                                },
                                "required": ["imsx_codeMinorFieldName", "imsx_codeMinorFieldValue"],
                                "additionalProperties": False,
                            },
                        }
                    },
                    "required": ["imsx_codeMinorField"],
                    "additionalProperties": False,
                },
            },
            "required": ["imsx_codeMajor", "imsx_severity"],
            "additionalProperties": False,
        },
    }


@cache
def _validator(type_name: str) -> jsonschema.protocols.Validator:
    official = official_schema()
    if type_name == "CFPackageDType":
        schema = official
    else:
        definitions = dict(official["$defs"])
        definitions.update(_binding_types(official["$defs"]))
        schema = {"$schema": official["$schema"], "$defs": definitions, "$ref": f"#/$defs/{type_name}"}
    _VALIDATOR.check_schema(schema)
    checker = _VALIDATOR.FORMAT_CHECKER
    assert "date-time" in checker.checkers, "date-time format checking needs rfc3339-validator installed"
    return _VALIDATOR(schema, format_checker=checker)


def case_errors(data: Any, type_name: str = "CFPackageDType") -> list[str]:
    """Every way ``data`` breaks the CASE 1.1 type, as "path: message" lines (empty when it conforms)."""
    errors = sorted(_validator(type_name).iter_errors(data), key=lambda e: list(map(str, e.absolute_path)))
    return [f"$.{'.'.join(map(str, error.absolute_path))}: {error.message}" for error in errors]


def assert_case_valid(data: Any, type_name: str = "CFPackageDType", what: str = "") -> None:
    errors = case_errors(data, type_name)
    shown = "\n  ".join(errors[:20]) + (f"\n  ... and {len(errors) - 20} more" if len(errors) > 20 else "")
    assert not errors, f"{what or type_name} does not validate against CASE 1.1 {type_name}:\n  {shown}"


def instant(value: str | None) -> datetime | None:
    """A CASE time as an aware datetime, one without a zone read as UTC (as the export writes it)."""
    if value is None:
        return None
    moment = datetime.fromisoformat(value)
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def case_content(package: Any) -> tuple[list[tuple[Any, ...]], list[tuple[Any, ...]]]:
    """What makes two packages the same framework: each item and association as CASE defines it (times
    and extra keys left aside: times gain a zone on export, extra keys move to extensions)."""
    items = [
        (
            item.identifier,
            item.uri,
            item.full_statement,
            item.human_coding_scheme,
            item.abbreviated_statement,
            item.cf_item_type,
            item.concept_keywords,
            item.notes,
            item.language,
            item.education_level,
            item.list_enumeration,
        )  # fmt: skip
        for item in package.items
    ]
    associations = [
        (
            link.identifier,
            link.association_type,
            link.origin.identifier,
            link.destination.identifier,
            link.sequence_number,
            link.origin.uri,
            link.destination.uri,
        )  # fmt: skip
        for link in package.associations
    ]
    return items, associations
