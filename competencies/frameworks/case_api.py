"""The read-only CASE 1.1 REST endpoints under /ims/case/v1p1/ (CFDocuments, CFPackages, CFItems,
CFAssociations, CFItemAssociations, and the definitions and rubrics held in published packages:
CFSubjects, CFConcepts, CFItemTypes, CFLicenses, CFAssociationGroupings, CFRubrics).

Public, as OpenSALT and other CASE providers serve them: frameworks are published to be shared. Only
published versions are served; drafts are unknown here. When several published versions keep one CASE
identifier, the latest is served. Unknown identifiers are answered with CASE's imsx_StatusInfo (404), as
are empty sets (the binding's hold at least one). An identifier imported without being a UUID is served
as the UUID derived from it (``case_identifier``), and either finds it.
CFDocuments is paged, sorted, filtered and its fields chosen as ``case_selection`` describes; a query
parameter the binding does not allow is answered with imsx_StatusInfo too (400).

Every answer validates against the CASE 1.1 CFPackage schema and the response types of the CASE 1.1
OpenAPI binding (see ``case_conformance``): a CFDocument carries a ``CFPackageURI`` and a CFItem a
``CFDocumentURI`` link object, both pointing at this service. CORS: any origin may read (GET, and the
preflight OPTIONS), without credentials, so a browser-based CASE client elsewhere can use a framework.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from flask import Blueprint, Response, current_app, jsonify, request
from sqlalchemy import Text, cast, select
from sqlalchemy.orm import Session

from competencies.frameworks.case_conformance import (
    WRITTEN_ITEM_KEYS,
    case_identifier,
    conform_association,
    conform_definitions,
    conform_document,
    conform_object,
    conform_rubrics,
    is_uuid,
)
from competencies.frameworks.case_export import (
    CASE_PATH,
    association_from_row,
    association_select,
    case_base_uri,
    export_case_json,
    item_from_row,
    item_select,
    version_document,
    version_fallback_time,
)
from competencies.frameworks.case_package import CaseDocument, CasePackage, package_to_case_json
from competencies.frameworks.case_selection import (
    SelectionError,
    link_header,
    parse_selection,
    select_documents,
)
from competencies.frameworks.models import (
    FrameworkAssociation,
    FrameworkItem,
    FrameworkVersion,
    VersionStatus,
)
from passport import errors
from passport.db import get_session

blueprint = Blueprint("case", __name__, url_prefix=CASE_PATH)

_PUBLISHED = FrameworkVersion.status == VersionStatus.PUBLISHED.value
# Writing one association needs a package around it; its document is not part of what is served.
_NO_DOCUMENT = CaseDocument(identifier="-", uri="-", title="-")


# CORS for the read-only endpoints: anyone may read, nobody sends credentials (so no Allow-Credentials).
CORS_HEADERS = {
    "Access-Control-Allow-Origin": "*",
    "Access-Control-Allow-Methods": "GET, OPTIONS",
    "Access-Control-Allow-Headers": "Accept, Accept-Language, Content-Language",
    "Access-Control-Max-Age": "86400",
    # A page of CFDocuments says how many there are and where the other pages are: let scripts read that.
    "Access-Control-Expose-Headers": "X-Total-Count, Link",
}


@blueprint.after_request
def _allow_any_origin(response: Response) -> Response:
    """Every answer under /ims/case/v1p1/ (404s too) may be read by a page from any origin; the
    preflight (Flask's automatic OPTIONS) says only GET is allowed."""
    for name, value in CORS_HEADERS.items():
        response.headers[name] = value
    return response


def status_info(description: str, status: int = 404, minor: str = "unknownobject") -> Response:
    """CASE's error body (imsx_StatusInfoDType): an identifier it does not know (404, unknownobject), or
    a query parameter the binding does not allow (400, invalid_selection_field or invalid_sort_field)."""
    response = jsonify(
        {
            "imsx_codeMajor": "failure",
            "imsx_severity": "error",
            "imsx_description": description,
            "imsx_codeMinor": {
                "imsx_codeMinorField": [
                    {"imsx_codeMinorFieldName": "sourcedId", "imsx_codeMinorFieldValue": minor}
                ]
            },
        }
    )
    response.status_code = status
    return response


# imsx_codeMinorFieldValue for an error met before or outside a CASE view (an unknown route, a method
# other than GET, a request the app refuses before any view): CASE clients read imsx_StatusInfo there too.
_MINOR_BY_STATUS = {
    401: "unauthorised_request",
    403: "forbidden",
    404: "unknownobject",
    429: "server_busy",
    503: "server_busy",
}


def _error_as_status_info(status: int, detail: str) -> Response:
    otherwise = "internal_server_error" if status >= 500 else "invalid_selection_field"
    minor = _MINOR_BY_STATUS.get(status, otherwise)
    response = status_info(detail, status=status, minor=minor)
    response.headers.update(CORS_HEADERS)  # the blueprint's own after_request does not run off its routes
    return response


errors.answer_errors_under(CASE_PATH + "/", _error_as_status_info)


def _base() -> str:
    return case_base_uri(current_app.config["PASSPORT_SETTINGS"].public_url)


# A stored identifier that cannot be a UUID (LIKE's "_" is any one character): the only ones that go out
# under another identifier (``case_identifier``), so the only ones a served UUID may have to be traced to.
_UUID_SHAPE = "________-____-____-____-____________"


def _as_stored(session: Session, column: Any, sourced_id: str) -> str | None:
    """The identifier as stored that is served as ``sourced_id``, when that differs (an identifier
    imported without being a UUID goes out as one derived from it); None when nothing is."""
    if not is_uuid(sourced_id):
        return None
    stored_ids = session.scalars(select(column).distinct().where(column.not_like(_UUID_SHAPE)))
    return next((stored for stored in stored_ids if case_identifier(stored) == sourced_id), None)


def _latest_published(session: Session, sourced_id: str) -> FrameworkVersion | None:
    def latest(document_identifier: str) -> FrameworkVersion | None:
        return session.scalar(
            select(FrameworkVersion)
            .where(FrameworkVersion.document_identifier == document_identifier, _PUBLISHED)
            .order_by(FrameworkVersion.published_at.desc(), FrameworkVersion.id.desc())
            .limit(1)
        )

    found = latest(sourced_id)
    if found is None and (stored := _as_stored(session, FrameworkVersion.document_identifier, sourced_id)):
        found = latest(stored)
    return found


def _link(version: FrameworkVersion, kind: str) -> dict[str, str]:
    """A LinkURI to this version's document (kind "CFDocuments") or package ("CFPackages") here."""
    identifier = case_identifier(version.document_identifier)
    return {"title": version.title, "identifier": identifier, "uri": f"{_base()}/{kind}/{identifier}"}


def _document_json(version: FrameworkVersion) -> dict[str, Any]:
    """CFDocumentDType: the package's CFDocument plus a CFPackageURI to this service."""
    written = package_to_case_json(CasePackage(document=version_document(version)))["CFDocument"]
    document = conform_document(written, version_fallback_time(version))
    document["CFPackageURI"] = _link(version, "CFPackages")  # ours, never the publisher's
    return document


def _item_json(version: FrameworkVersion, row: Any) -> dict[str, Any]:
    """CFItemDType: the package's CFItem plus a CFDocumentURI to this service."""
    item = item_from_row(row)
    written = package_to_case_json(CasePackage(document=_NO_DOCUMENT, items=(item,)))["CFItems"][0]
    conformed = conform_object(written, WRITTEN_ITEM_KEYS, version_fallback_time(version))
    conformed["CFDocumentURI"] = _link(version, "CFDocuments")
    return conformed


def _unknown_node(identifier: str) -> tuple[str | None, str | None]:
    return None, f"{_base()}/CFItems/{case_identifier(identifier)}"


def _association_json(row: Any, fallback_time: str) -> dict[str, Any]:
    """CFPckgAssociationDType (as CFItemAssociations lists them)."""
    association = association_from_row(row)
    package = CasePackage(document=_NO_DOCUMENT, associations=(association,))
    written = package_to_case_json(package)["CFAssociations"][0]
    return conform_association(written, fallback_time, _unknown_node, _base())


def _latest_published_row(session: Session, statement: Any, model: Any, identifier: str) -> Any:
    """The row of ``statement`` (an item's or an association's) with this identifier in the latest
    published version holding it, with that version's id; None if no published version holds it."""

    def latest(stored_identifier: str) -> Any:
        return session.execute(
            statement.add_columns(model.version_id)
            .join(FrameworkVersion, model.version_id == FrameworkVersion.id)
            .where(model.identifier == stored_identifier, _PUBLISHED)
            .order_by(FrameworkVersion.published_at.desc(), FrameworkVersion.id.desc())
            .limit(1)
        ).first()

    found = latest(identifier)
    if found is None and (stored := _as_stored(session, model.identifier, identifier)):
        found = latest(stored)
    return found


def _published_item(session: Session, identifier: str) -> tuple[FrameworkVersion, Any] | None:
    found = _latest_published_row(session, item_select(), FrameworkItem, identifier)
    if found is None:
        return None
    return session.get(FrameworkVersion, found[-1]), found


@blueprint.get("/CFDocuments")
def cf_documents():  # type: ignore[no-untyped-def]
    """The latest published version of each document, paged, sorted and filtered as ``case_selection``
    describes, with X-Total-Count and a Link header."""
    try:
        selection = parse_selection(request.args)
    except SelectionError as error:
        return status_info(error.description, status=400, minor=error.code_minor)
    session = get_session()
    versions = session.scalars(
        select(FrameworkVersion)
        .where(_PUBLISHED)
        .order_by(FrameworkVersion.document_identifier, FrameworkVersion.id)
    )
    latest: dict[str, FrameworkVersion] = {}
    for version in versions:
        latest[version.document_identifier] = version  # ordered by id: the last one wins
    page, total = select_documents([_document_json(v) for v in latest.values()], selection)
    # The binding's CFDocumentSetDType holds at least one document: none is an unknown object.
    response = jsonify({"CFDocuments": page}) if page else status_info(_no_documents(total, selection.offset))
    response.headers["X-Total-Count"] = str(total)
    response.headers["Link"] = link_header(f"{_base()}/CFDocuments", selection, total)
    return response


def _no_documents(total: int, offset: int) -> str:
    if total == 0:
        return "No published CFDocument matches."
    return f"The offset {offset} is past the last of the {total} published CFDocuments that match."


@blueprint.get("/CFDocuments/<string:sourced_id>")
def cf_document(sourced_id: str):  # type: ignore[no-untyped-def]
    version = _latest_published(get_session(), sourced_id)
    if version is None:
        return status_info(f"There is no published CFDocument with identifier {sourced_id!r}.")
    return jsonify(_document_json(version))


@blueprint.get("/CFPackages/<string:sourced_id>")
def cf_package(sourced_id: str):  # type: ignore[no-untyped-def]
    session = get_session()
    version = _latest_published(session, sourced_id)
    if version is None:
        return status_info(f"There is no published CFPackage with identifier {sourced_id!r}.")
    return jsonify(export_case_json(session, version, base_uri=_base()))


@blueprint.get("/CFItems/<string:sourced_id>")
def cf_item(sourced_id: str):  # type: ignore[no-untyped-def]
    found = _published_item(get_session(), sourced_id)
    if found is None:
        return status_info(f"There is no published CFItem with identifier {sourced_id!r}.")
    version, row = found
    return jsonify(_item_json(version, row))


@blueprint.get("/CFAssociations/<string:sourced_id>")
def cf_association(sourced_id: str):  # type: ignore[no-untyped-def]
    session = get_session()
    row = _latest_published_row(session, association_select(), FrameworkAssociation, sourced_id)
    if row is None:
        return status_info(f"There is no published CFAssociation with identifier {sourced_id!r}.")
    version = session.get(FrameworkVersion, row[-1])
    assert version is not None
    association = _association_json(row, version_fallback_time(version))
    association["CFDocumentURI"] = _link(version, "CFDocuments")  # CFAssociationDType: optional, ours
    return jsonify(association)


@blueprint.get("/CFItemAssociations/<string:sourced_id>")
def cf_item_associations(sourced_id: str):  # type: ignore[no-untyped-def]
    """The item and every association naming it: within its version, and from other published frameworks."""
    session = get_session()
    found = _published_item(session, sourced_id)
    if found is None:
        return status_info(f"There is no published CFItem with identifier {sourced_id!r}.")
    version, row = found
    stored_id = row.identifier  # as stored, which a request by its derived UUID does not name
    other_frameworks = select(FrameworkVersion.id).where(
        _PUBLISHED, FrameworkVersion.framework_id != version.framework_id
    )
    rows = session.execute(
        association_select()
        .add_columns(FrameworkAssociation.version_id)
        .where(
            (FrameworkAssociation.origin_identifier == stored_id)
            | (FrameworkAssociation.destination_identifier == stored_id),
            (FrameworkAssociation.version_id == version.id)
            | FrameworkAssociation.version_id.in_(other_frameworks),
        )
        .order_by(FrameworkAssociation.version_id, FrameworkAssociation.position)
    ).all()
    times: dict[int, str] = {version.id: version_fallback_time(version)}
    for version_id in {r[-1] for r in rows} - times.keys():
        times[version_id] = version_fallback_time(session.get(FrameworkVersion, version_id))  # type: ignore[arg-type]
    if not rows:  # the binding's CFAssociationSetDType holds at least one association
        return status_info(f"The published CFItem {sourced_id!r} has no associations.")
    return jsonify(
        {
            "CFItem": _item_json(version, row),
            "CFAssociations": [_association_json(r, times[r[-1]]) for r in rows],
        }
    )


# Definitions served by kind: those with a hierarchyCode answer a set (the definition, then its children
# by hierarchyCode: CFSubjectSetDType, CFConceptSetDType, CFItemTypeSetDType), the others the definition.
DEFINITION_ENDPOINTS = {
    "CFSubjects": ("CFSubject", True),
    "CFConcepts": ("CFConcept", True),
    "CFItemTypes": ("CFItemType", True),
    "CFLicenses": ("CFLicense", False),
    "CFAssociationGroupings": ("CFAssociationGrouping", False),
}


def _may_hold(column: Any, identifier: str) -> Any:
    """A cheap SQL test that a JSON column may mention ``identifier`` (its stored text contains it), so
    only those versions are read; skipped for identifiers JSON would escape (quotes, non-ASCII ...)."""
    if identifier.isascii() and identifier.isprintable() and not {'"', "\\"} & set(identifier):
        return cast(column, Text).contains(identifier, autoescape=True)
    return column.is_not(None)


def _published_holding(session: Session, column: Any, identifier: str) -> Iterator[FrameworkVersion]:
    """Published versions whose ``column`` (definitions or package extras) may hold ``identifier``, the
    latest first; then, for a UUID, the others (which may hold an identifier it was derived from)."""
    latest_first = (FrameworkVersion.published_at.desc(), FrameworkVersion.id.desc())
    may_hold = _may_hold(column, identifier)
    yield from session.scalars(
        select(FrameworkVersion).where(_PUBLISHED, column.is_not(None), may_hold).order_by(*latest_first)
    )
    if is_uuid(identifier):
        yield from session.scalars(
            select(FrameworkVersion).where(_PUBLISHED, column.is_not(None), ~may_hold).order_by(*latest_first)
        )


def _children(entries: list[dict[str, Any]], parent: dict[str, Any]) -> list[dict[str, Any]]:
    """The definitions one level below ``parent`` by hierarchyCode ("1.2" is a child of "1")."""
    code = parent.get("hierarchyCode")
    if not isinstance(code, str) or not code:
        return []
    prefix = code + "."
    return [
        entry
        for entry in entries
        if entry is not parent
        and isinstance(entry.get("hierarchyCode"), str)
        and entry["hierarchyCode"].startswith(prefix)
        and "." not in entry["hierarchyCode"][len(prefix) :]
        and entry["hierarchyCode"] != prefix
    ]


def _definition_answer(kind: str, sourced_id: str) -> Response:
    singular, as_set = DEFINITION_ENDPOINTS[kind]
    session = get_session()
    for version in _published_holding(session, FrameworkVersion.definitions, sourced_id):
        entries = conform_definitions(version.definitions or {}, version_fallback_time(version)).get(kind)
        served_id = case_identifier(sourced_id)  # asked for by the identifier as imported, or as served
        found = next((e for e in entries or () if e["identifier"] == served_id), None)
        if found is None:
            continue
        if not as_set:
            return jsonify(found)
        return jsonify({kind: [found, *_children(entries or [], found)]})
    return status_info(f"There is no published {singular} with identifier {sourced_id!r}.")


def _definition_view(kind: str) -> Any:
    def view(sourced_id: str):  # type: ignore[no-untyped-def]
        return _definition_answer(kind, sourced_id)

    view.__name__ = f"cf_definition_{kind}"
    return view


for _kind in DEFINITION_ENDPOINTS:
    blueprint.add_url_rule(
        f"/{_kind}/<string:sourced_id>", view_func=_definition_view(_kind), methods=["GET"]
    )


@blueprint.get("/CFRubrics/<string:sourced_id>")
def cf_rubric(sourced_id: str):  # type: ignore[no-untyped-def]
    """CFRubricDType: a rubric (with its criteria and their levels) held in a published package."""
    session = get_session()
    for version in _published_holding(session, FrameworkVersion.package_extra, sourced_id):
        rubrics = conform_rubrics(
            (version.package_extra or {}).get("CFRubrics"), version_fallback_time(version)
        )
        served_id = case_identifier(sourced_id)
        found = next((rubric for rubric in rubrics if rubric["identifier"] == served_id), None)
        if found is not None:
            return jsonify(found)
    return status_info(f"There is no published CFRubric with identifier {sourced_id!r}.")
