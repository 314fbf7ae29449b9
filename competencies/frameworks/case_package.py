"""CASE 1.1 package format: parse a CFPackage JSON into frozen dataclasses, write one back, browse its tree.

Pure and storage-neutral: no database, no Flask. Attribute names are snake_case; the CASE JSON key each one
maps to is in the ``*_FIELDS`` tables below. Keys we do not model (``CFPackageURI``, ``CFDocumentURI``,
``CFItemTypeURI``, ``licenseURI``, ...) are kept verbatim in ``extra`` so nothing an exporter sent is lost.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

# CASE 1.1 association vocabulary; isTranslationOf is in the 1.1 enumeration (and OpenSALT accepts it).
CASE_ASSOCIATION_TYPES = frozenset(
    ("isChildOf", "isPartOf", "exactMatchOf", "isRelatedTo", "precedes", "replacedBy", "isPeerOf")
    + ("exemplar", "hasSkillLevel", "isTranslationOf")
)
HIERARCHY_ASSOCIATION_TYPES = frozenset({"isChildOf", "isPartOf"})
EXTENSION_TYPE_PREFIX = "ext:"
# Bounds on what one package may cost every reader of its pages (issue 18). Real frameworks have
# statements of a few hundred characters and hierarchies a handful of levels deep.
MAX_TEXT_CHARACTERS = 10_000
MAX_HIERARCHY_LEVELS = 20
DEFINITION_KINDS = ("CFItemTypes", "CFConcepts", "CFSubjects", "CFLicenses", "CFAssociationGroupings")


@dataclass(frozen=True, slots=True)
class CaseProblem:
    path: str  # JSONPath of the offending value, e.g. "$.CFItems[3].identifier"
    reason: str


class CasePackageError(ValueError):
    """The package cannot be used; ``problems`` lists everything found, not just the first."""

    def __init__(self, problems: list[CaseProblem]) -> None:
        self.problems = problems
        summary = "; ".join(f"{problem.path}: {problem.reason}" for problem in problems[:5])
        more = f" (and {len(problems) - 5} more)" if len(problems) > 5 else ""
        super().__init__(f"invalid CASE package: {summary}{more}")


@dataclass(frozen=True, slots=True)
class CaseNodeLink:
    """A CASE LinkGenURI: names an association's origin or destination, which may be outside the package."""

    identifier: str
    uri: str | None = None
    title: str | None = None
    extra: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class CaseDocument:
    identifier: str
    uri: str
    title: str
    creator: str | None = None
    version: str | None = None
    publisher: str | None = None
    description: str | None = None
    subject: tuple[str, ...] = ()
    language: str | None = None
    adoption_status: str | None = None
    status_start_date: str | None = None
    status_end_date: str | None = None
    last_change_date_time: str | None = None
    official_source_url: str | None = None
    notes: str | None = None
    extra: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class CaseItem:
    identifier: str
    uri: str
    full_statement: str
    human_coding_scheme: str | None = None
    abbreviated_statement: str | None = None
    cf_item_type: str | None = None
    concept_keywords: tuple[str, ...] = ()
    notes: str | None = None
    language: str | None = None
    education_level: tuple[str, ...] = ()
    list_enumeration: str | None = None
    last_change_date_time: str | None = None
    extra: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class CaseAssociation:
    identifier: str
    association_type: str
    origin: CaseNodeLink
    destination: CaseNodeLink
    uri: str | None = None
    sequence_number: int | None = None
    last_change_date_time: str | None = None
    extra: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class CasePackage:
    document: CaseDocument
    items: tuple[CaseItem, ...] = ()
    associations: tuple[CaseAssociation, ...] = ()
    # CFDefinitions as sent ({"CFItemTypes": [...], ...}); raw because we only pass them through.
    definitions: dict[str, Any] = field(default_factory=dict)
    extra: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class _FieldTable:
    rows: tuple[tuple[str, str, str], ...]  # (CASE key, snake_case attribute, kind), in CASE order
    columns: dict[str, tuple[str, str]]  # CASE key -> (attribute, kind)
    required: tuple[str, ...]


def _field_table(spec: str, required: str) -> _FieldTable:
    """Turns "caseKey:kind ..." into a table of (CASE key, snake_case attribute, kind); kind defaults to str.

    Kinds: str, strs (array of strings), date, datetime, int. E.g. "CFItemType" -> cf_item_type.
    """
    rows = []
    for entry in spec.split():
        case_key, _, kind = entry.partition(":")
        attribute = re.sub(r"(?<=[a-z])(?=[A-Z])|(?<=[A-Z])(?=[A-Z][a-z])", "_", case_key).lower()
        rows.append((case_key, attribute, kind or "str"))
    columns = {case_key: (attribute, kind) for case_key, attribute, kind in rows}
    return _FieldTable(tuple(rows), columns, tuple(required.split()))


DOCUMENT_FIELDS = _field_table(
    "identifier uri title creator version publisher description subject:strs language adoptionStatus "
    "statusStartDate:date statusEndDate:date lastChangeDateTime:datetime officialSourceURL notes",
    required="identifier uri title",
)
ITEM_FIELDS = _field_table(
    "identifier uri fullStatement humanCodingScheme abbreviatedStatement CFItemType conceptKeywords:strs "
    "notes language educationLevel:strs listEnumeration lastChangeDateTime:datetime",
    required="identifier uri fullStatement",
)
ASSOCIATION_FIELDS = _field_table(
    "identifier uri associationType sequenceNumber:int lastChangeDateTime:datetime",
    required="identifier associationType",
)
LINK_KEYS = frozenset({"identifier", "uri", "title"})
# Older OpenSALT exports spell educationLevel as a comma-separated "educationalLevel" string.
LEGACY_EDUCATION_LEVEL_KEY = "educationalLevel"


_WHOLE_NUMBER = re.compile(r"-?[0-9]+")


class _Collector:
    """Accumulates problems so one pass reports everything wrong with a package."""

    def __init__(self) -> None:
        self.problems: list[CaseProblem] = []

    def add(self, path: str, reason: str) -> None:
        self.problems.append(CaseProblem(path, reason))


class _InvalidValue(ValueError):
    """A field value that cannot be used; the message is the reason shown to the person importing."""


def _convert(value: Any, kind: str) -> Any:
    """Check one present, non-null field value and normalise it, or raise _InvalidValue."""
    if kind == "int":
        if isinstance(value, int) and not isinstance(value, bool):
            return value
        if isinstance(value, str) and _WHOLE_NUMBER.fullmatch(value.strip()):
            return int(value)  # OpenSALT writes some sequence numbers as strings
        raise _InvalidValue(f"must be a whole number, got {value!r}")
    if kind == "strs":
        if isinstance(value, str):  # older exporters send "09,10" where CASE 1.1 has ["09", "10"]
            return tuple(part.strip() for part in value.split(",") if part.strip())
        if isinstance(value, list) and all(isinstance(part, str) for part in value):
            return tuple(value)
        raise _InvalidValue("must be an array of strings")
    if not isinstance(value, str):
        raise _InvalidValue(f"must be a string, got {type(value).__name__}")
    if kind in ("date", "datetime"):
        try:
            datetime.fromisoformat(value)  # takes a plain date too, which some exporters send for date-times
        except ValueError:
            example = "2024-04-01T09:00:00Z" if kind == "datetime" else "2024-04-01"
            raise _InvalidValue(f"must be an ISO 8601 {kind} such as {example}, got {value!r}") from None
    return value


def _read_fields(
    raw: dict[str, Any], table: _FieldTable, path: str, found: _Collector
) -> tuple[dict[str, Any], dict[str, Any]]:
    """Split a CASE object into known attributes (converted) and the unknown keys kept as ``extra``."""
    values: dict[str, Any] = {}
    extra: dict[str, Any] = {}
    columns = table.columns
    for case_key, value in raw.items():  # one pass over what was sent: this loop is the import's hot path
        column = columns.get(case_key)
        if column is None:
            extra[case_key] = value
            continue
        attribute, kind = column
        if value is None:
            continue
        if kind != "str" or value.__class__ is not str:  # plain strings, the bulk of a package, need no work
            try:
                value = _convert(value, kind)
            except _InvalidValue as problem:
                found.add(f"{path}.{case_key}", str(problem))
                continue
        elif len(value) > MAX_TEXT_CHARACTERS:
            found.add(
                f"{path}.{case_key}",
                f"{len(value):,} characters long: at most {MAX_TEXT_CHARACTERS:,} are allowed",
            )
            continue
        values[attribute] = value
    for case_key in table.required:
        attribute = columns[case_key][0]
        value = values.get(attribute)
        if raw.get(case_key) is None:
            found.add(f"{path}.{case_key}", f"{case_key} is required")
        elif isinstance(value, str) and not value.strip():
            found.add(f"{path}.{case_key}", f"{case_key} must not be empty")
            del values[attribute]
    return values, extra


def _read_document(raw: Any, found: _Collector) -> CaseDocument | None:
    path = "$.CFDocument"
    if raw is None:
        found.add(path, "CFDocument is required: a package describes exactly one framework document")
        return None
    if not isinstance(raw, dict):
        found.add(path, "CFDocument must be a JSON object")
        return None
    values, extra = _read_fields(raw, DOCUMENT_FIELDS, path, found)
    if "identifier" not in values or "uri" not in values or "title" not in values:
        return None
    return CaseDocument(**values, extra=extra)


def _read_item(raw: Any, path: str, found: _Collector) -> CaseItem | None:
    if not isinstance(raw, dict):
        found.add(path, "each CFItem must be a JSON object")
        return None
    values, extra = _read_fields(raw, ITEM_FIELDS, path, found)
    if "education_level" not in values and isinstance(extra.get(LEGACY_EDUCATION_LEVEL_KEY), str):
        values["education_level"] = _convert(extra.pop(LEGACY_EDUCATION_LEVEL_KEY), "strs")
    if "identifier" not in values or "uri" not in values or "full_statement" not in values:
        return None
    return CaseItem(**values, extra=extra)


def _read_link(raw: Any, owner_path: str, key: str, found: _Collector) -> CaseNodeLink | None:
    """Reads originNodeURI or destinationNodeURI; builds the error path only when there is an error."""
    if raw.__class__ is dict:
        identifier, uri, title = raw.get("identifier"), raw.get("uri"), raw.get("title")
        if (
            identifier.__class__ is str
            and (uri is None or uri.__class__ is str)
            and (title is None or title.__class__ is str)
            and identifier.strip()
        ):
            present = 1 + (uri is not None) + (title is not None)
            extra = (
                {name: value for name, value in raw.items() if name not in LINK_KEYS}
                if len(raw) > present
                else {}
            )
            return CaseNodeLink(identifier, uri, title, extra)
    path = f"{owner_path}.{key}"
    if not isinstance(raw, dict):
        found.add(path, "is required: an object with the identifier, uri and title of the linked node")
        return None
    for name in ("identifier", "uri", "title"):
        value = raw.get(name)
        if value is not None and value.__class__ is not str:
            found.add(f"{path}.{name}", f"must be a string, got {type(value).__name__}")
    identifier = raw.get("identifier")
    if identifier is None or (identifier.__class__ is str and not identifier.strip()):
        found.add(f"{path}.identifier", "the identifier of the linked node is required and must not be empty")
    return None


def _read_association(raw: Any, path: str, found: _Collector) -> CaseAssociation | None:
    if not isinstance(raw, dict):
        found.add(path, "each CFAssociation must be a JSON object")
        return None
    values, extra = _read_fields(raw, ASSOCIATION_FIELDS, path, found)
    origin = _read_link(extra.pop("originNodeURI", None), path, "originNodeURI", found)
    destination = _read_link(extra.pop("destinationNodeURI", None), path, "destinationNodeURI", found)
    association_type = values.get("association_type")
    if association_type not in CASE_ASSOCIATION_TYPES and not is_known_association_type(association_type):
        allowed = ", ".join(sorted(CASE_ASSOCIATION_TYPES))
        found.add(
            f"{path}.associationType",
            f"unknown association type {association_type!r}; use one of {allowed}, or 'ext:<name>'",
        )
        return None
    if origin is None or destination is None or "identifier" not in values or association_type is None:
        return None
    return CaseAssociation(**values, origin=origin, destination=destination, extra=extra)


def is_known_association_type(association_type: str | None) -> bool:
    """A CASE 1.1 type or an "ext:<name>" extension; None (already reported as missing) passes."""
    if association_type is None or association_type in CASE_ASSOCIATION_TYPES:
        return True
    return association_type.startswith(EXTENSION_TYPE_PREFIX) and len(association_type) > len(
        EXTENSION_TYPE_PREFIX
    )


def _read_list(data: dict[str, Any], key: str, found: _Collector) -> list[Any]:
    value = data.get(key)
    if value is None:
        return []
    if not isinstance(value, list):
        found.add(f"$.{key}", f"{key} must be a JSON array")
        return []
    return value


def _read_definitions(raw: Any, found: _Collector) -> dict[str, Any]:
    if raw is None:
        return {}
    if not isinstance(raw, dict):
        found.add("$.CFDefinitions", "CFDefinitions must be a JSON object")
        return {}
    for kind in DEFINITION_KINDS:
        entries = raw.get(kind)
        if entries is None:
            continue
        if not isinstance(entries, list):
            found.add(f"$.CFDefinitions.{kind}", f"{kind} must be a JSON array")
        else:
            for index, entry in enumerate(entries):
                if not isinstance(entry, dict):
                    found.add(f"$.CFDefinitions.{kind}[{index}]", "each definition must be a JSON object")
    return dict(raw)


def _load_json(data: bytes | str | dict[str, Any], found: _Collector) -> dict[str, Any] | None:
    if isinstance(data, dict):
        return data
    if not isinstance(data, str | bytes | bytearray):
        found.add("$", f"expected JSON text or an object, got {type(data).__name__}")
        return None
    try:
        text = data.decode("utf-8-sig") if isinstance(data, bytes | bytearray) else data
        loaded = json.loads(text)
    except UnicodeDecodeError as error:
        found.add("$", f"the file is not UTF-8 text ({error.reason} at byte {error.start})")
        return None
    except json.JSONDecodeError as error:
        found.add("$", f"not valid JSON: {error.msg} at line {error.lineno}, column {error.colno}")
        return None
    if not isinstance(loaded, dict):
        found.add("$", "a CASE package must be a JSON object with CFDocument, CFItems and CFAssociations")
        return None
    return loaded


def parse_case_package(data: bytes | str | dict[str, Any]) -> CasePackage:
    """Read a CASE 1.1 CFPackage (1.0 exports too) or raise CasePackageError listing every problem found."""
    found = _Collector()
    loaded = _load_json(data, found)
    if loaded is None:
        raise CasePackageError(found.problems)
    document = _read_document(loaded.get("CFDocument"), found)
    raw_items = _read_list(loaded, "CFItems", found)
    raw_associations = _read_list(loaded, "CFAssociations", found)
    items = [_read_item(raw, f"$.CFItems[{index}]", found) for index, raw in enumerate(raw_items)]
    associations = [
        _read_association(raw, f"$.CFAssociations[{index}]", found)
        for index, raw in enumerate(raw_associations)
    ]
    definitions = _read_definitions(loaded.get("CFDefinitions"), found)
    _check_unique_identifiers(loaded, raw_items, raw_associations, found)
    _check_hierarchy(loaded.get("CFDocument"), raw_items, associations, found)
    if found.problems or document is None:
        raise CasePackageError(found.problems)
    known = {"CFDocument", "CFItems", "CFAssociations", "CFDefinitions"}
    return CasePackage(
        document=document,
        items=tuple(item for item in items if item is not None),
        associations=tuple(association for association in associations if association is not None),
        definitions=definitions,
        extra={key: value for key, value in loaded.items() if key not in known},
    )


def _check_unique_identifiers(
    loaded: dict[str, Any], raw_items: list[Any], raw_associations: list[Any], found: _Collector
) -> None:
    """One identifier names one thing: a repeat anywhere in the package would make references ambiguous."""
    first_seen: dict[str, tuple[str, int | None]] = {}
    sections: list[tuple[str, list[Any], bool]] = [
        ("CFDocument", [loaded.get("CFDocument")], False),
        ("CFItems", raw_items, True),
        ("CFAssociations", raw_associations, True),
    ]
    for section, entries, indexed in sections:
        for index, raw in enumerate(entries):
            identifier = raw.get("identifier") if isinstance(raw, dict) else None
            if identifier.__class__ is not str or not identifier.strip():
                continue  # reported by the field checks
            if identifier not in first_seen:
                first_seen[identifier] = (section, index if indexed else None)
                continue
            found.add(
                f"{_json_path(section, index if indexed else None)}.identifier",
                f"identifier {identifier!r} is already used by {_json_path(*first_seen[identifier])}; "
                "each identifier must be unique within the package",
            )


def _json_path(section: str, index: int | None) -> str:
    return f"$.{section}" if index is None else f"$.{section}[{index}]"


def _check_hierarchy(
    raw_document: Any, raw_items: list[Any], associations: list[CaseAssociation | None], found: _Collector
) -> None:
    # Identifiers come from the raw input so that an item with some other fault does not also make every
    # association that mentions it look like it points outside the package.
    item_ids = {
        raw["identifier"]
        for raw in raw_items
        if isinstance(raw, dict) and isinstance(raw.get("identifier"), str)
    }
    document_id = raw_document.get("identifier") if isinstance(raw_document, dict) else None
    parents_of: dict[str, list[tuple[str, int]]] = {}
    for index, association in enumerate(associations):
        if association is None or association.association_type not in HIERARCHY_ASSOCIATION_TYPES:
            continue
        origin_id, destination_id = association.origin.identifier, association.destination.identifier
        origin_inside = origin_id in item_ids
        destination_inside = destination_id in item_ids or destination_id == document_id
        if not origin_inside and not destination_inside:
            found.add(
                f"$.CFAssociations[{index}]",
                f"{association.association_type} links {origin_id!r} to {destination_id!r}, neither of which "
                "is in this package; a hierarchy link must start at one of its items or end at its document "
                "or one of its items",
            )
        if association.association_type == "isChildOf" and origin_inside and destination_id in item_ids:
            parents_of.setdefault(origin_id, []).append((destination_id, index))
    cycles = _find_cycles(parents_of)
    for cycle, closing_index in cycles:
        found.add(
            f"$.CFAssociations[{closing_index}]",
            "isChildOf associations form a cycle: " + " -> ".join([*cycle, cycle[0]]),
        )
    if not cycles:
        _check_depth(parents_of, found)


def _check_depth(parents_of: dict[str, list[tuple[str, int]]], found: _Collector) -> None:
    """Refuse a hierarchy deeper than MAX_HIERARCHY_LEVELS, naming the association that goes too deep
    (once). Levels are counted without recursion; the links hold no cycle by now."""
    levels: dict[str, int] = {}  # item -> its level (1: under the document or no parent in the package)
    for start in parents_of:
        stack = [start]
        while stack:
            item_id = stack[-1]
            parents = parents_of.get(item_id, ())
            waiting = [parent for parent, _ in parents if parent not in levels]
            if waiting:
                stack.extend(waiting)
                continue
            stack.pop()
            if item_id in levels:
                continue
            level = 1 + max((levels[parent] for parent, _ in parents), default=0)
            levels[item_id] = level
            if level == MAX_HIERARCHY_LEVELS + 1:
                deepest = max(parents, key=lambda entry: levels[entry[0]])
                found.add(
                    f"$.CFAssociations[{deepest[1]}]",
                    f"the isChildOf hierarchy goes deeper than {MAX_HIERARCHY_LEVELS} levels here; "
                    f"at most {MAX_HIERARCHY_LEVELS} are allowed",
                )
                return


def _find_cycles(parents_of: dict[str, list[tuple[str, int]]]) -> list[tuple[list[str], int]]:
    """Each cycle once, with the association that closes it; iterative because frameworks can be deep."""
    state: dict[str, int] = {}  # absent: unvisited, 1: on the current path, 2: finished
    cycles: list[tuple[list[str], int]] = []
    for start in parents_of:
        if start in state:
            continue
        path: list[str] = [start]
        state[start] = 1
        stack = [iter(parents_of.get(start, ()))]
        while stack:
            step = next(stack[-1], None)
            if step is None:
                state[path.pop()] = 2
                stack.pop()
                continue
            parent, association_index = step
            if state.get(parent) == 1:
                cycles.append((path[path.index(parent) :], association_index))
            elif parent not in state:
                state[parent] = 1
                path.append(parent)
                stack.append(iter(parents_of.get(parent, ())))
    return cycles


def _write_fields(value: Any, table: _FieldTable, extra: dict[str, Any]) -> dict[str, Any]:
    written: dict[str, Any] = {}
    for case_key, attribute, kind in table.rows:
        field_value = getattr(value, attribute)
        if field_value is None or (kind == "strs" and not field_value):
            continue
        written[case_key] = list(field_value) if kind == "strs" else field_value
    for key, extra_value in extra.items():
        written.setdefault(key, extra_value)  # a modelled field always wins over a stale copy in extra
    return written


def _write_link(link: CaseNodeLink) -> dict[str, Any]:
    written = {
        key: getattr(link, key) for key in ("title", "identifier", "uri") if getattr(link, key) is not None
    }
    for key, value in link.extra.items():
        written.setdefault(key, value)
    return written


def _write_association(association: CaseAssociation) -> dict[str, Any]:
    written = _write_fields(association, ASSOCIATION_FIELDS, {})
    written["originNodeURI"] = _write_link(association.origin)
    written["destinationNodeURI"] = _write_link(association.destination)
    for key, value in association.extra.items():
        written.setdefault(key, value)
    return written


def package_to_case_json(package: CasePackage) -> dict[str, Any]:
    """The CASE 1.1 CFPackage JSON object for a package; ``parse_case_package`` reads it back equal."""
    written: dict[str, Any] = {
        "CFDocument": _write_fields(package.document, DOCUMENT_FIELDS, package.document.extra),
        "CFItems": [_write_fields(item, ITEM_FIELDS, item.extra) for item in package.items],
        "CFAssociations": [_write_association(association) for association in package.associations],
        "CFDefinitions": package.definitions,
    }
    for key, value in package.extra.items():
        written.setdefault(key, value)
    return written
