"""What importing a package changes to make it CASE 1.1: one warning per field, by JSON path.

The importer is lenient: a CASE 1.0 package (or a 1.1 one with older habits) imports, and every key is
kept as sent. What leaves the service is strict CASE 1.1 (``case_conformance``), so some fields come out
differently from how they went in: a time without a zone gains ``Z``, ``CFDocumentURI`` and the other
CASE 1.0 service links are left out, keys CASE 1.1 does not define move under ``extensions``, a
comma-separated ``educationLevel`` becomes an array, a missing ``lastChangeDateTime`` is filled ...
``case_1_1_warnings`` lists each such field of the package as sent, with its JSON path and what happens
to it, so whoever imports it knows. Nothing here refuses a package: problems that do are
``case_package``'s and ``case_import``'s.

Pure (dicts in, warnings out) and one pass over the package; the import calls it on the JSON it parsed.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from competencies.frameworks.case_conformance import (
    ASSOCIATION_KEYS,
    DEFINITION_KEYS,
    DEFINITION_REQUIRED_TEXT,
    DOCUMENT_KEYS,
    ITEM_KEYS,
    PACKAGE_KEYS,
    RUBRIC_CRITERION_KEYS,
    RUBRIC_KEYS,
    RUBRIC_LEVEL_KEYS,
    SERVICE_LINK_KEYS,
    _checked,
    case_identifier,
    is_uuid,  # the same test conform_object applies to each value on the way out
)
from competencies.frameworks.case_package import (
    DEFINITION_KINDS,
    LEGACY_EDUCATION_LEVEL_KEY,
    CaseProblem,
)

_LINK_KEYS = frozenset({"title", "identifier", "uri", "targetType"})
_EXTENSIONS = "not defined by CASE 1.1 here: kept, and exported and served under extensions"
_IDENTIFIER_KEYS = frozenset({"identifier", "rubricId", "rubricCriterionId"})
_EXPORTED_AS_UUID = "exported and served as a UUID derived from it (the same wherever it appears)"


def _not_a_uuid(identifier: str, *, own: bool = False) -> str:
    """``own``: the object's own identifier, which it keeps under extensions."""
    kept = f" (the object keeps {identifier!r} under extensions.importedIdentifier)" if own else ""
    return (
        f"not a UUID, which CASE 1.1 requires: kept here, and exported and served as "
        f"{case_identifier(identifier)!r} wherever it appears{kept}"
    )


def _shape(kind: str) -> str:
    return {
        "str": "text",
        "strs": "an array of text",
        "date": "a date",
        "datetime": "a date-time with a time zone",
        "int": "a whole number",
        "number": "a number",
        "link": "a link object {title, identifier (a UUID), uri}",
        "links": "an array of link objects {title, identifier (a UUID), uri}",
        "ext": "an object",
        "caseVersion": "'1.1'",
    }.get(kind, kind)


class _Warnings:
    def __init__(self) -> None:
        self.found: list[CaseProblem] = []

    def add(self, path: str, reason: str) -> None:
        self.found.append(CaseProblem(path, reason))

    def fields(self, raw: dict[str, Any], keys: dict[str, str], path: str, *, time_from: str) -> None:
        """The fields of one object: what CASE 1.1 does not define, values it writes differently, and a
        missing lastChangeDateTime (``time_from`` says where the one served comes from)."""
        for key, value in raw.items():
            if value is None:
                continue
            kind = keys.get(key)
            if kind is None:
                if key in SERVICE_LINK_KEYS:
                    self.add(
                        f"{path}.{key}",
                        "a CASE 1.0 link to the publisher's own service, not part of CASE 1.1 here: left out "
                        "of exports and answers (this service's CASE endpoints link to themselves)",
                    )
                elif (
                    key == LEGACY_EDUCATION_LEVEL_KEY
                    and "educationLevel" not in raw
                    and isinstance(value, str)
                ):
                    levels = [part.strip() for part in value.split(",") if part.strip()]
                    self.add(f"{path}.{key}", f"CASE 1.0's {key}: read as CASE 1.1's educationLevel {levels}")
                else:
                    self.add(f"{path}.{key}", _EXTENSIONS)
                continue
            if key in _IDENTIFIER_KEYS and isinstance(value, str) and not is_uuid(value):
                self.add(f"{path}.{key}", _not_a_uuid(value, own=key == "identifier"))
                continue
            if kind in ("node", "nested") or (kind == "str" and value.__class__ is str):
                continue
            usable, fixed = _checked(value, kind)
            if not usable:
                if kind == "int" and isinstance(value, str) and value.strip().lstrip("-").isdigit():
                    self.add(f"{path}.{key}", f"text where CASE 1.1 has a whole number: read as {int(value)}")
                elif kind == "number" and isinstance(value, str):
                    self.add(f"{path}.{key}", f"text where CASE 1.1 has {_shape(kind)}: {_EXTENSIONS}")
                else:
                    self.add(f"{path}.{key}", f"CASE 1.1 wants {_shape(kind)} here: {_EXTENSIONS}")
            elif kind == "datetime" and fixed != value:
                self.add(
                    f"{path}.{key}", f"{_time_fault(value)} ({value!r}): exported and served as {fixed!r}"
                )
            elif kind == "date" and fixed != value:
                self.add(f"{path}.{key}", f"a date-time where CASE 1.1 has a date: exported as {fixed!r}")
            elif kind == "strs" and isinstance(value, str):
                self.add(f"{path}.{key}", f"text where CASE 1.1 has an array: read as {fixed}")
            elif kind in ("link", "links") and fixed != value:
                self.add(f"{path}.{key}", "a link whose identifier is not a UUID: " + _EXPORTED_AS_UUID)
        if raw.get("lastChangeDateTime") is None:
            self.add(
                f"{path}.lastChangeDateTime",
                f"missing, and CASE 1.1 requires it: exported and served with {time_from}",
            )

    def link(self, raw: Any, path: str) -> None:
        """An association's originNodeURI or destinationNodeURI (the parser has checked its identifier)."""
        if not isinstance(raw, dict):
            return
        filled = {
            "title": "the linked node's code, statement or title (outside the package: its identifier)",
            "uri": "the linked node's uri (outside the package: this service's CFItems address for it)",
        }
        for name, how in filled.items():
            if not isinstance(raw.get(name), str):
                self.add(f"{path}.{name}", f"missing, and CASE 1.1 requires it: filled with {how}")
        identifier = raw.get("identifier")
        if isinstance(identifier, str) and not is_uuid(identifier):
            self.add(f"{path}.identifier", _not_a_uuid(identifier))
        for key in raw.keys() - _LINK_KEYS:
            self.add(f"{path}.{key}", "not part of a CASE 1.1 link: left out of exports and answers")


def _time_fault(value: str) -> str:
    """Why a time CASE 1.1 cannot take as sent was rewritten (it was readable: the parser checked)."""
    if len(value.strip()) <= 10:
        return "a date without a time (midnight UTC in CASE 1.1)"
    if datetime.fromisoformat(value.strip()).tzinfo is None:
        return "a time without a time zone (UTC in CASE 1.1)"
    return "a time not written as RFC 3339 has it"


def _time_from(document: dict[str, Any]) -> str:
    stated = document.get("lastChangeDateTime")
    if isinstance(stated, str):
        return "the CFDocument's lastChangeDateTime"
    return "the time this version was stored here"


def case_1_1_warnings(loaded: Any) -> list[CaseProblem]:
    """Each field of the package ``loaded`` (parsed JSON) that CASE 1.1 exports and answers write
    differently from how it was sent, or leave out, by JSON path; empty for a clean CASE 1.1 package."""
    if not isinstance(loaded, dict):
        return []
    warn = _Warnings()
    document = loaded.get("CFDocument") if isinstance(loaded.get("CFDocument"), dict) else {}
    time_from = _time_from(document)
    if document:
        warn.fields(
            document, DOCUMENT_KEYS, "$.CFDocument", time_from="the time this version was stored here"
        )
        if not isinstance(document.get("creator"), str):
            publisher = document.get("publisher")
            filled = f"its publisher {publisher!r}" if isinstance(publisher, str) else "empty text"
            warn.add("$.CFDocument.creator", f"missing, and CASE 1.1 requires it: exported as {filled}")
    for index, item in enumerate(_entries(loaded.get("CFItems"))):
        if isinstance(item, dict):
            warn.fields(item, ITEM_KEYS, f"$.CFItems[{index}]", time_from=time_from)
    for index, association in enumerate(_entries(loaded.get("CFAssociations"))):
        if not isinstance(association, dict):
            continue
        path = f"$.CFAssociations[{index}]"
        warn.fields(association, ASSOCIATION_KEYS, path, time_from=time_from)
        if not isinstance(association.get("uri"), str):
            warn.add(
                f"{path}.uri",
                "missing, and CASE 1.1 requires it: exported as this service's CFAssociations address",
            )
        for end in ("originNodeURI", "destinationNodeURI"):
            warn.link(association.get(end), f"{path}.{end}")
    _definitions(warn, loaded.get("CFDefinitions"), time_from)
    _rubrics(warn, loaded.get("CFRubrics"), time_from)
    for key, value in loaded.items():
        if key not in PACKAGE_KEYS and value is not None:
            warn.add(f"$.{key}", _EXTENSIONS)
    return warn.found


def _entries(value: Any) -> list[Any]:
    return value if isinstance(value, list) else []


def _has_identity(entry: dict[str, Any]) -> bool:
    return isinstance(entry.get("identifier"), str) and isinstance(entry.get("uri"), str)


def _definitions(warn: _Warnings, raw: Any, time_from: str) -> None:
    if not isinstance(raw, dict):
        return
    for kind, entries in raw.items():
        if kind not in DEFINITION_KINDS:
            if kind != "extensions" and entries is not None:
                warn.add(f"$.CFDefinitions.{kind}", _EXTENSIONS)
            continue
        for index, entry in enumerate(_entries(entries)):
            path = f"$.CFDefinitions.{kind}[{index}]"
            if not isinstance(entry, dict):
                continue
            if not _has_identity(entry):
                warn.add(path, "CASE 1.1 requires an identifier and a uri: left out of exports and answers")
                continue
            warn.fields(entry, DEFINITION_KEYS[kind], path, time_from=time_from)
            for name in DEFINITION_REQUIRED_TEXT[kind]:
                if entry.get(name) is None:
                    warn.add(f"{path}.{name}", "missing, and CASE 1.1 requires it: exported as empty text")


def _rubrics(warn: _Warnings, raw: Any, time_from: str) -> None:
    if raw is None:
        return
    if not isinstance(raw, list):
        warn.add("$.CFRubrics", "CASE 1.1 wants an array of rubrics here: exported under extensions")
        return
    nested = (
        ("CFRubricCriteria", RUBRIC_CRITERION_KEYS),
        ("CFRubricCriterionLevels", {**RUBRIC_LEVEL_KEYS, "extensions": "nested"}),
    )

    def walk(entries: Any, path: str, keys: dict[str, str], depth: int) -> None:
        for index, entry in enumerate(_entries(entries)):
            at = f"{path}[{index}]"
            if not isinstance(entry, dict):
                continue
            if not _has_identity(entry):
                warn.add(at, "CASE 1.1 requires an identifier and a uri: left out of exports and answers")
                continue
            warn.fields(entry, keys, at, time_from=time_from)
            if depth < len(nested):
                key, inner_keys = nested[depth]
                walk(entry.get(key), f"{at}.{key}", inner_keys, depth + 1)

    walk(raw, "$.CFRubrics", RUBRIC_KEYS, 0)
