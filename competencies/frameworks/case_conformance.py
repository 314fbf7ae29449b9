"""Make what we export and serve conform to 1EdTech's CASE 1.1 CFPackage schema, whatever was imported.

The importer is lenient and keeps every key a publisher sent (``extra``), CASE 1.0 spellings and all, so
that nothing is lost. What goes out is strict CASE 1.1:

- keys CASE 1.1 does not define on an object go under its ``extensions``; the older service links
  ``CFDocumentURI``, ``CFPackageURI`` and ``CFItemAssociationURI`` (URLs of the publisher's own
  service) are dropped: the CASE endpoints add their own, pointing at this service;
- a CASE 1.1 key whose value has the wrong shape (a link that is not ``{title, identifier, uri}``, a
  date that is not a date) goes under ``extensions`` too, and nulls are left out;
- every ``lastChangeDateTime`` carries a time zone (``Z`` when the import had none) and is always there
  (the fallback is the version's own time);
- required values a publisher left out are filled: an association's ``uri`` and a link's ``uri`` and
  ``title`` from this service and the package, a document's ``creator`` from its publisher;
- an identifier that is not a UUID (CASE 1.1 requires one) goes out as a UUID derived from it
  (``case_identifier``) wherever it appears, objects and links alike, so references still join; the
  object keeps the identifier as imported under ``extensions`` (``importedIdentifier``).

The input is what ``case_package.package_to_case_json`` writes, so the keys it models were already
checked by the importer. Pure: dicts in, dicts out, no database or Flask; one pass over each dict.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Callable
from datetime import UTC, date, datetime
from functools import lru_cache
from typing import Any

from competencies.frameworks.case_package import ASSOCIATION_FIELDS, DOCUMENT_FIELDS, ITEM_FIELDS

# Where a publisher's own CASE service served the object; never echoed (ours are added by case_api).
SERVICE_LINK_KEYS = frozenset({"CFDocumentURI", "CFPackageURI", "CFItemAssociationURI"})

# Kinds of value a CASE 1.1 property takes (how each is checked: ``_checked``).
_S, _STRS, _DATE, _DATETIME, _INT, _NUMBER = "str", "strs", "date", "datetime", "int", "number"
_LINK, _LINKS, _EXT, _VERSION = "link", "links", "ext", "caseVersion"


def _kinds(spec: str) -> dict[str, str]:
    """ "key:kind ..." (kind defaults to str) -> {key: kind}: the properties of one CASE 1.1 class."""
    return {key: kind or _S for key, _, kind in (entry.partition(":") for entry in spec.split())}


# The properties of each class in the CASE 1.1 CFPackage schema (case_v1p1_cfpackage-jsonschema1.json).
DOCUMENT_KEYS = _kinds(
    "identifier uri frameworkType caseVersion:caseVersion creator title lastChangeDateTime:datetime "
    "officialSourceURL publisher description subject:strs subjectURI:links language version adoptionStatus "
    "statusStartDate:date statusEndDate:date licenseURI:link notes extensions:ext"
)
ITEM_KEYS = _kinds(
    "identifier fullStatement alternativeLabel CFItemType uri humanCodingScheme listEnumeration "
    "abbreviatedStatement conceptKeywords:strs conceptKeywordsURI:link notes subject:strs subjectURI:links "
    "language educationLevel:strs CFItemTypeURI:link licenseURI:link statusStartDate:date "
    "statusEndDate:date lastChangeDateTime:datetime extensions:ext"
)
ASSOCIATION_KEYS = _kinds(
    "identifier associationType sequenceNumber:int uri originNodeURI:node destinationNodeURI:node "
    "CFAssociationGroupingURI:link lastChangeDateTime:datetime notes extensions:ext"
)
DEFINITION_KEYS = {
    "CFConcepts": _kinds(
        "identifier uri title keywords hierarchyCode description lastChangeDateTime:datetime extensions:ext"
    ),
    "CFSubjects": _kinds(
        "identifier uri title hierarchyCode description lastChangeDateTime:datetime extensions:ext"
    ),
    "CFLicenses": _kinds(
        "identifier uri title description licenseText lastChangeDateTime:datetime extensions:ext"
    ),
    "CFItemTypes": _kinds(
        "identifier uri title description hierarchyCode typeCode lastChangeDateTime:datetime extensions:ext"
    ),
    "CFAssociationGroupings": _kinds(
        "identifier uri title description lastChangeDateTime:datetime extensions:ext"
    ),
}
# CFRubrics (kept as imported, among the package's extra keys): a rubric, its criteria, their levels.
# "nested" marks the arrays of criteria and of levels, which ``conform_rubric`` conforms in turn.
RUBRIC_KEYS = _kinds(
    "identifier uri title description lastChangeDateTime:datetime CFRubricCriteria:nested extensions:ext"
)
RUBRIC_CRITERION_KEYS = _kinds(
    "identifier uri category description CFItemURI:link weight:number position:int rubricId "
    "lastChangeDateTime:datetime CFRubricCriterionLevels:nested extensions:ext"
)
# A level's ``extensions`` is an array of objects in CASE 1.1, unlike every other class's.
RUBRIC_LEVEL_KEYS = _kinds(
    "identifier uri description quality score:number feedback position:int rubricCriterionId "
    "lastChangeDateTime:datetime"
)
# The keys ``case_package`` models: their values were checked on import (types, arrays of strings,
# whole numbers), so on the way out only the times and dates among them need looking at.
_CHECKED_ON_IMPORT = "checked on import"


def _with_modelled(keys: dict[str, str], table: Any) -> dict[str, str]:
    modelled = {key: _CHECKED_ON_IMPORT for key, _, kind in table.rows if kind in ("str", "strs", "int")}
    return {**keys, **modelled}


# For objects as ``package_to_case_json`` writes them from a parsed or stored package.
WRITTEN_DOCUMENT_KEYS = _with_modelled(DOCUMENT_KEYS, DOCUMENT_FIELDS)
WRITTEN_ITEM_KEYS = _with_modelled(ITEM_KEYS, ITEM_FIELDS)
WRITTEN_ASSOCIATION_KEYS = _with_modelled(ASSOCIATION_KEYS, ASSOCIATION_FIELDS)

# Required text of a definition a publisher may leave null (OpenSALT does for CFItemType descriptions).
DEFINITION_REQUIRED_TEXT = {
    "CFConcepts": ("title", "hierarchyCode"),
    "CFSubjects": ("title", "hierarchyCode"),
    "CFLicenses": ("title", "licenseText"),
    "CFItemTypes": ("title", "description", "hierarchyCode"),
    "CFAssociationGroupings": ("title",),
}
PACKAGE_KEYS = frozenset(
    {"CFDocument", "CFItems", "CFAssociations", "CFDefinitions", "CFRubrics", "extensions"}
)
_LINK_FIELDS = ("title", "identifier", "uri")
# What the schema's "uuid" format accepts (either case), hence what ``case_identifier`` keeps as it is.
_UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}", re.IGNORECASE)
# Stored identifiers that are not UUIDs go out as version 5 UUIDs of their text in this namespace (itself
# uuid5(NAMESPACE_URL, "https://w3id.org/nhs-staff-passport/case-identifiers")): fixed forever, since
# consumers keep the identifiers they were served.
CASE_IDENTIFIER_NAMESPACE = uuid.UUID("87ee6686-d606-5c0d-bf5e-0a8d6a302b6f")
IMPORTED_IDENTIFIER_KEY = "importedIdentifier"
# Keys that hold an identifier of another CASE object (format "uuid" in the schema): mapped the same way.
_REFERENCE_KEYS = ("rubricId", "rubricCriterionId")
_TARGET_TYPE = re.compile(r"CASE|ext:[A-Za-z0-9|.\-_]+")
# RFC 3339 date-time with a zone, which is what the schema's "date-time" format means.
_RFC3339 = re.compile(
    r"[0-9]{4}-[0-9]{2}-[0-9]{2}[Tt][0-9]{2}:[0-9]{2}:[0-9]{2}(\.[0-9]+)?([Zz]|[+-][0-9]{2}:[0-9]{2})"
)


def is_uuid(value: str) -> bool:
    return _UUID.fullmatch(value) is not None


@lru_cache(maxsize=65536)
def case_identifier(value: str) -> str:
    """``value`` if it is a UUID, else the UUID it goes out as (the same for the same text, everywhere)."""
    if _UUID.fullmatch(value):
        return value
    return str(uuid.uuid5(CASE_IDENTIFIER_NAMESPACE, value))


@lru_cache(maxsize=4096)  # a package's objects share a handful of timestamps
def case_date_time(value: str) -> str | None:
    """``value`` as an RFC 3339 date-time with a zone (UTC ``Z`` when it had none); None if unreadable."""
    if _RFC3339.fullmatch(value):
        return value
    try:
        moment = datetime.fromisoformat(value.strip())
    except ValueError:
        return None
    if moment.tzinfo is None:
        return moment.isoformat() + "Z"
    return moment.isoformat()


def utc_date_time(moment: datetime) -> str:
    """A stored timestamp as CASE writes it: RFC 3339 in UTC, to the second."""
    if moment.tzinfo is None:  # SQLite hands back naive UTC
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _case_date(value: str) -> str | None:
    try:
        return date.fromisoformat(value).isoformat()
    except ValueError:
        pass
    try:
        return datetime.fromisoformat(value).date().isoformat()  # a date-time where a date belongs
    except ValueError:
        return None


def _link(value: Any) -> dict[str, str] | None:
    """A LinkURI as CASE 1.1 has it ({title, identifier (a UUID), uri}), or None if ``value`` is not one."""
    if not (
        value.__class__ is dict
        and len(value) == 3
        and all(isinstance(value.get(name), str) for name in _LINK_FIELDS)
    ):
        return None
    identifier = value["identifier"]
    if _UUID.fullmatch(identifier):
        return value
    return {**value, "identifier": case_identifier(identifier)}


def _checked(value: Any, kind: str) -> tuple[bool, Any]:
    """(True, the value as CASE 1.1 wants it) or (False, None) when it cannot be written there."""
    if kind == _S:
        return isinstance(value, str), value
    if kind == _DATETIME:
        fixed = case_date_time(value) if isinstance(value, str) else None
        return fixed is not None, fixed
    if kind == _STRS:
        if isinstance(value, str):  # CASE 1.0 "09,10"
            return True, [part.strip() for part in value.split(",") if part.strip()]
        return isinstance(value, list) and all(isinstance(part, str) for part in value), value
    if kind == _DATE:
        fixed = _case_date(value) if isinstance(value, str) else None
        return fixed is not None, fixed
    if kind == _INT:
        return isinstance(value, int) and not isinstance(value, bool), value
    if kind == _NUMBER:
        return isinstance(value, int | float) and not isinstance(value, bool), value
    if kind == _LINK:
        link = _link(value)
        return link is not None, link
    if kind == _LINKS:
        links = [_link(entry) for entry in value] if isinstance(value, list) else [None]
        return all(link is not None for link in links), links
    if kind == _VERSION:
        return value == "1.1", value
    if kind == _EXT:
        return isinstance(value, dict), value
    return True, value  # "node" (an association's ends) and "nested" (a rubric's arrays): see callers


def conform_object(raw: dict[str, Any], keys: dict[str, str], fallback_time: str) -> dict[str, Any]:
    """One CASE object with only the keys its class defines; the rest under ``extensions``."""
    written: dict[str, Any] = {}
    moved: dict[str, Any] = {}
    for key, value in raw.items():
        if value is None:
            continue
        kind = keys.get(key)
        if kind is None:
            if key not in SERVICE_LINK_KEYS:
                moved[key] = value
            continue
        if kind is _CHECKED_ON_IMPORT:
            written[key] = value
            continue
        if kind != _S or value.__class__ is not str:  # most values are plain strings: no work
            usable, value = _checked(value, kind)
            if not usable:
                if kind != _EXT:
                    moved[key] = raw[key]
                else:
                    moved["extensions"] = raw[key]  # a non-object "extensions" is kept as a value
                continue
        written[key] = value
    if "lastChangeDateTime" not in written:
        written["lastChangeDateTime"] = fallback_time
    identifier = written.get("identifier")
    if identifier.__class__ is str and not _UUID.fullmatch(identifier):
        written["identifier"] = case_identifier(identifier)
        moved[IMPORTED_IDENTIFIER_KEY] = identifier
    for key in _REFERENCE_KEYS:
        reference = written.get(key)
        if reference.__class__ is str:
            written[key] = case_identifier(reference)
    if moved:
        extensions = written.get("extensions")
        written["extensions"] = {**moved, **extensions} if extensions else moved
    return written


def conform_link(
    raw: dict[str, Any], known: Callable[[str], tuple[str | None, str | None]]
) -> dict[str, Any]:
    """An originNodeURI or destinationNodeURI as CASE 1.1's LinkGenURI: title, identifier and uri, all
    present (filled from ``known(identifier)`` -> (title, uri) when the publisher left them out)."""
    identifier = raw["identifier"]
    title, uri = raw.get("title"), raw.get("uri")
    if not isinstance(title, str) or not isinstance(uri, str):
        known_title, known_uri = known(identifier)
        if not isinstance(title, str):
            title = known_title or identifier
        if not isinstance(uri, str):
            uri = known_uri
    written = {"title": title, "identifier": case_identifier(identifier), "uri": uri}
    target_type = raw.get("targetType")
    if isinstance(target_type, str) and _TARGET_TYPE.fullmatch(target_type):
        written["targetType"] = target_type
    return written  # other keys a publisher put in a link have no place in CASE 1.1: dropped


def conform_association(
    raw: dict[str, Any],
    fallback_time: str,
    known: Callable[[str], tuple[str | None, str | None]],
    base_uri: str,
) -> dict[str, Any]:
    written = conform_object(raw, WRITTEN_ASSOCIATION_KEYS, fallback_time)
    written["originNodeURI"] = conform_link(raw["originNodeURI"], known)
    written["destinationNodeURI"] = conform_link(raw["destinationNodeURI"], known)
    if "uri" not in written:
        written["uri"] = f"{base_uri}/CFAssociations/{written['identifier']}"
    return written


def conform_document(raw: dict[str, Any], fallback_time: str) -> dict[str, Any]:
    written = conform_object(raw, WRITTEN_DOCUMENT_KEYS, fallback_time)
    if "creator" not in written:
        written["creator"] = written.get("publisher") or ""  # required; CASE 1.0 exports may lack it
    return written


def conform_definitions(raw: dict[str, Any], fallback_time: str) -> dict[str, Any]:
    """CFDefinitions: each kind's entries conformed; an entry without identifier or uri is left out."""
    written: dict[str, Any] = {}
    moved: dict[str, Any] = {}
    for kind, entries in raw.items():
        keys = DEFINITION_KEYS.get(kind)
        if keys is None or not isinstance(entries, list):
            if kind == "extensions" and isinstance(entries, dict):
                moved.update(entries)
            elif entries is not None:
                moved[kind] = entries
            continue
        conformed = []
        for entry in entries:
            if not isinstance(entry, dict) or not all(
                isinstance(entry.get(name), str) for name in ("identifier", "uri")
            ):
                continue
            definition = conform_object(entry, keys, fallback_time)
            for name in DEFINITION_REQUIRED_TEXT[kind]:
                definition.setdefault(name, "")  # required text the publisher left null: empty, not invented
            conformed.append(definition)
        written[kind] = conformed
    if moved:
        written["extensions"] = moved
    return written


def _has_identity(entry: Any) -> bool:
    return isinstance(entry, dict) and all(isinstance(entry.get(name), str) for name in ("identifier", "uri"))


def _conform_nested(written: dict[str, Any], key: str, conform: Callable[[Any], dict[str, Any]]) -> None:
    """A rubric's criteria or a criterion's levels: each entry conformed, those without identifier or
    uri left out; a value that is not an array goes under ``extensions``."""
    value = written.get(key)
    if value is None:
        return
    if not isinstance(value, list):
        del written[key]
        extensions = written.setdefault("extensions", {})
        extensions[key] = value
        return
    written[key] = [conform(entry) for entry in value if _has_identity(entry)]


def _conform_rubric_level(raw: dict[str, Any], fallback_time: str) -> dict[str, Any]:
    given = raw.get("extensions")
    written = conform_object(
        {key: value for key, value in raw.items() if key != "extensions"}, RUBRIC_LEVEL_KEYS, fallback_time
    )
    extensions: list[Any] = []
    if isinstance(given, list):
        extensions.extend(entry if isinstance(entry, dict) else {"value": entry} for entry in given)
    elif isinstance(given, dict):
        extensions.append(given)
    elif given is not None:
        extensions.append({"extensions": given})
    moved = written.pop("extensions", None)  # keys CASE 1.1 does not define on a level
    if moved:
        extensions.append(moved)
    if extensions:
        written["extensions"] = extensions
    return written


def conform_rubric(raw: dict[str, Any], fallback_time: str) -> dict[str, Any]:
    """One CFRubric with its CFRubricCriteria and their CFRubricCriterionLevels, as CASE 1.1 has them."""
    written = conform_object(raw, RUBRIC_KEYS, fallback_time)

    def level(entry: dict[str, Any]) -> dict[str, Any]:
        return _conform_rubric_level(entry, fallback_time)

    def criterion(entry: dict[str, Any]) -> dict[str, Any]:
        conformed = conform_object(entry, RUBRIC_CRITERION_KEYS, fallback_time)
        _conform_nested(conformed, "CFRubricCriterionLevels", level)
        return conformed

    _conform_nested(written, "CFRubricCriteria", criterion)
    return written


def conform_rubrics(raw: Any, fallback_time: str) -> list[dict[str, Any]]:
    """CFRubrics as imported (anything) -> the conforming rubrics; those without identifier or uri are
    left out."""
    if not isinstance(raw, list):
        return []
    return [conform_rubric(entry, fallback_time) for entry in raw if _has_identity(entry)]


def conform_package(raw: dict[str, Any], *, fallback_time: str, base_uri: str) -> dict[str, Any]:
    """A whole CFPackage as CASE 1.1 has it (``raw`` as ``package_to_case_json`` writes it)."""
    document = raw["CFDocument"]
    items = raw.get("CFItems") or []
    document_time = (
        case_date_time(document["lastChangeDateTime"])
        if isinstance(document.get("lastChangeDateTime"), str)
        else None
    )
    default_time = document_time or fallback_time
    nodes: dict[str, tuple[str | None, str | None]] = {
        item["identifier"]: (item.get("humanCodingScheme") or item.get("fullStatement"), item.get("uri"))
        for item in items
    }
    nodes[document["identifier"]] = (document.get("title"), document.get("uri"))

    def known(identifier: str) -> tuple[str | None, str | None]:
        return nodes.get(identifier) or (None, f"{base_uri}/CFItems/{case_identifier(identifier)}")

    written: dict[str, Any] = {
        "CFDocument": conform_document(document, default_time),
        "CFItems": [conform_object(item, WRITTEN_ITEM_KEYS, default_time) for item in items],
        "CFAssociations": [
            conform_association(association, default_time, known, base_uri)
            for association in raw.get("CFAssociations") or []
        ],
        "CFDefinitions": conform_definitions(raw.get("CFDefinitions") or {}, default_time),
    }
    moved: dict[str, Any] = {}
    for key, value in raw.items():
        if key in PACKAGE_KEYS or value is None:
            if key == "CFRubrics" and value is not None:
                if isinstance(value, list):
                    written[key] = conform_rubrics(value, default_time)
                else:
                    moved[key] = value
            elif key == "extensions" and value is not None:
                written[key] = value
            continue
        moved[key] = value
    if moved:
        extensions = written.get("extensions")
        written["extensions"] = {**moved, **extensions} if isinstance(extensions, dict) else moved
    return written
