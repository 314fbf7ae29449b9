"""Paging, sorting, filtering and field selection of ``GET /ims/case/v1p1/CFDocuments``, as the CASE 1.1
REST binding defines them (the only collection it pages: ``limit``, ``offset``, ``sort``, ``orderBy``,
``filter`` and ``fields``, with ``X-Total-Count`` and a ``Link`` header on the answer).

- ``limit`` (a whole number, at least 1; default 100) and ``offset`` (at least 0; default 0) choose the
  page; ``X-Total-Count`` is the number of documents the filter selects, before paging.
- ``sort`` names one CFDocument property (``title``, ``lastChangeDateTime`` ...) and ``orderBy`` is
  ``asc`` (the default) or ``desc``; documents without the property come last either way, ties in
  identifier order. Without ``sort`` the documents are in identifier order.
- ``filter`` is ``<property><predicate>'<value>'``, predicates ``=``, ``!=``, ``>``, ``>=``, ``<``, ``<=``
  and ``~`` (contains, ignoring case), joined by `` AND `` or by `` OR `` (not both in one filter). Times
  and dates compare as instants and days; a document without the property matches no predicate; an
  array property (``subject``) matches when one of its values does.
- ``fields`` names the properties to send (comma-separated); the ones the binding requires are always sent.

What the binding does not allow is answered 400 with ``imsx_StatusInfo``: an unknown ``sort`` property
with ``imsx_codeMinor`` ``invalid_sort_field``; an ``orderBy`` other than asc or desc, a ``limit`` or
``offset`` that is not such a number, a ``filter`` that does not parse or names an unknown property, and
an unknown ``fields`` name with ``invalid_selection_field``.

Pure: the documents come in as the dicts the endpoint serves; no database or Flask.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any
from urllib.parse import urlencode

from competencies.frameworks.case_conformance import DOCUMENT_KEYS

DEFAULT_LIMIT = 100
INVALID_SELECTION = "invalid_selection_field"
INVALID_SORT = "invalid_sort_field"

# CFDocumentDType's properties: DOCUMENT_KEYS plus the link to the package this service adds.
_SCALAR_KINDS = {"str", "datetime", "date", "caseVersion"}
SORTABLE = frozenset(key for key, kind in DOCUMENT_KEYS.items() if kind in _SCALAR_KINDS)
FILTERABLE = SORTABLE | {"subject"}
SELECTABLE = frozenset(DOCUMENT_KEYS) | {"CFPackageURI"}
ALWAYS_SENT = ("identifier", "uri", "creator", "title", "lastChangeDateTime", "CFPackageURI")

_PREDICATE = re.compile(
    r"\s*(?P<field>[A-Za-z][A-Za-z0-9_]*)\s*(?P<op>!=|>=|<=|=|>|<|~)\s*'(?P<value>[^']*)'\s*"
    r"(?:(?P<joint>AND|OR)(?=\s)|$)"
)
_WHOLE = re.compile(r"[0-9]+")


class SelectionError(ValueError):
    """A query parameter the binding does not allow; ``code_minor`` is the imsx_codeMinor value."""

    def __init__(self, code_minor: str, description: str) -> None:
        super().__init__(description)
        self.code_minor = code_minor
        self.description = description


@dataclass(frozen=True, slots=True)
class Predicate:
    field: str
    op: str
    value: str


@dataclass(frozen=True, slots=True)
class Selection:
    limit: int = DEFAULT_LIMIT
    offset: int = 0
    sort: str | None = None
    descending: bool = False
    predicates: tuple[Predicate, ...] = ()
    any_of: bool = False  # predicates joined by OR (else AND)
    fields: tuple[str, ...] | None = None
    given: tuple[tuple[str, str], ...] = ()  # sort, orderBy, filter, fields as sent, for the Link header


def _whole_number(args: Mapping[str, str], name: str, default: int, minimum: int) -> int:
    raw = args.get(name)
    if raw is None:
        return default
    if not _WHOLE.fullmatch(raw.strip()) or int(raw) < minimum or int(raw) > 2**31 - 1:
        raise SelectionError(
            INVALID_SELECTION, f"{name} must be a whole number of at least {minimum}, got {raw!r}."
        )
    return int(raw)


def parse_filter(text: str) -> tuple[tuple[Predicate, ...], bool]:
    """``title~'care' AND language='en'`` -> predicates and whether they are joined by OR."""
    predicates: list[Predicate] = []
    joints: set[str] = set()
    position = 0
    while True:
        match = _PREDICATE.match(text, position)
        if match is None or match.end() == position:
            raise SelectionError(
                INVALID_SELECTION,
                f"filter {text!r} cannot be read at character {position + 1}: use "
                "<property><predicate>'<value>' (predicates = != > >= < <= ~), joined by AND or by OR.",
            )
        field = match["field"]
        if field not in FILTERABLE:
            raise SelectionError(
                INVALID_SELECTION,
                f"filter names {field!r}, which is not a CFDocument property that can be filtered on "
                f"({', '.join(sorted(FILTERABLE))}).",
            )
        predicates.append(Predicate(field, match["op"], match["value"]))
        position = match.end()
        if match["joint"] is None:
            break
        joints.add(match["joint"])
    if len(joints) > 1:
        raise SelectionError(INVALID_SELECTION, "filter may join its predicates by AND or by OR, not both.")
    return tuple(predicates), joints == {"OR"}


def parse_selection(args: Mapping[str, str]) -> Selection:
    """The query parameters of a CFDocuments request; SelectionError for what the binding does not allow."""
    limit = _whole_number(args, "limit", DEFAULT_LIMIT, 1)
    offset = _whole_number(args, "offset", 0, 0)
    sort = args.get("sort")
    if sort is not None and sort not in SORTABLE:
        raise SelectionError(
            INVALID_SORT,
            f"sort {sort!r} is not a CFDocument property that can be sorted on "
            f"({', '.join(sorted(SORTABLE))}).",
        )
    order_by = args.get("orderBy")
    if order_by is not None and order_by not in ("asc", "desc"):
        raise SelectionError(INVALID_SELECTION, f"orderBy must be asc or desc, got {order_by!r}.")
    predicates: tuple[Predicate, ...] = ()
    any_of = False
    if args.get("filter") is not None:
        predicates, any_of = parse_filter(args["filter"])
        for predicate in predicates:
            _compiled(predicate)  # a value that is no time or date where one is compared: refused now
    fields = None
    if args.get("fields") is not None:
        fields = tuple(name.strip() for name in args["fields"].split(",") if name.strip())
        unknown = [name for name in fields if name not in SELECTABLE]
        if unknown or not fields:
            raise SelectionError(
                INVALID_SELECTION,
                f"fields names what a CFDocument does not have: {', '.join(unknown) or '(none)'}.",
            )
    given = tuple(
        (name, args[name]) for name in ("sort", "orderBy", "filter", "fields") if args.get(name) is not None
    )
    return Selection(limit, offset, sort, order_by == "desc", predicates, any_of, fields, given)


def _instant(value: str) -> datetime:
    moment = datetime.fromisoformat(value)
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


_COMPARABLE: dict[str, Callable[[str], Any]] = {"datetime": _instant, "date": date.fromisoformat}


def _comparer(field: str) -> Callable[[str], Any]:
    return _COMPARABLE.get(DOCUMENT_KEYS.get(field, "str"), lambda value: value)


def _compiled(predicate: Predicate) -> Callable[[dict[str, Any]], bool]:
    field, op = predicate.field, predicate.op
    convert = _comparer(field)
    if op == "~":
        wanted = predicate.value.casefold()

        def test(value: str) -> bool:
            return wanted in value.casefold()
    else:
        try:
            wanted_value = convert(predicate.value)
        except ValueError:
            raise SelectionError(
                INVALID_SELECTION,
                f"filter compares {field} with {predicate.value!r}, which is not a {field} value.",
            ) from None
        compare = {
            "=": lambda a, b: a == b,
            "!=": lambda a, b: a != b,
            ">": lambda a, b: a > b,
            ">=": lambda a, b: a >= b,
            "<": lambda a, b: a < b,
            "<=": lambda a, b: a <= b,
        }[op]

        def test(value: str) -> bool:
            try:
                return bool(compare(convert(value), wanted_value))
            except ValueError:
                return False

    def matches(document: dict[str, Any]) -> bool:
        value = document.get(field)
        if isinstance(value, list):
            return any(isinstance(part, str) and test(part) for part in value)
        return isinstance(value, str) and test(value)

    return matches


def _sort_key(field: str) -> Callable[[dict[str, Any]], Any]:
    convert = _comparer(field)

    def key(document: dict[str, Any]) -> Any:
        value = document.get(field)
        if isinstance(value, str):
            try:
                return convert(value)
            except ValueError:
                return None
        return None

    return key


def select_documents(
    documents: list[dict[str, Any]], selection: Selection
) -> tuple[list[dict[str, Any]], int]:
    """The page of ``documents`` the selection asks for, and how many the filter selected in all."""
    chosen = sorted(documents, key=lambda document: document["identifier"])
    if selection.predicates:
        tests = [_compiled(predicate) for predicate in selection.predicates]
        combine = any if selection.any_of else all
        chosen = [document for document in chosen if combine(test(document) for test in tests)]
    if selection.sort is not None:
        key = _sort_key(selection.sort)
        present = [document for document in chosen if key(document) is not None]
        absent = [document for document in chosen if key(document) is None]
        present.sort(key=key, reverse=selection.descending)  # stable: ties keep identifier order
        chosen = present + absent
    elif selection.descending:
        chosen.reverse()
    total = len(chosen)
    page = chosen[selection.offset : selection.offset + selection.limit]
    if selection.fields is not None:
        wanted = set(selection.fields) | set(ALWAYS_SENT)
        page = [{key: value for key, value in document.items() if key in wanted} for document in page]
    return page, total


def link_header(url: str, selection: Selection, total: int) -> str:
    """RFC 8288 links to the first, previous, next and last pages (prev and next only where they exist),
    each keeping the request's sort, orderBy, filter and fields."""
    limit, offset = selection.limit, selection.offset

    def page(at: int) -> str:
        return f"{url}?{urlencode([*selection.given, ('limit', str(limit)), ('offset', str(at))])}"

    last = ((total - 1) // limit) * limit if total else 0
    links = []
    if offset + limit < total:
        links.append(f'<{page(offset + limit)}>; rel="next"')
    links.append(f'<{page(last)}>; rel="last"')
    links.append(f'<{page(0)}>; rel="first"')
    if offset > 0:
        links.append(f'<{page(max(offset - limit, 0))}>; rel="prev"')
    return ", ".join(links)
