"""The read-only CASE 1.1 REST endpoints under /ims/case/v1p1/ (CFDocuments, CFPackages, CFItems,
CFAssociations, CFItemAssociations).

Public, as OpenSALT and other CASE providers serve them: frameworks are published to be shared. Only
published versions are served; drafts are unknown here. When several published versions keep one CASE
identifier, the latest is served. Unknown identifiers are answered with CASE's imsx_StatusInfo.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Response, current_app, jsonify
from sqlalchemy import select
from sqlalchemy.orm import Session

from competencies.frameworks.case_export import (
    CASE_PATH,
    association_from_row,
    association_select,
    case_base_uri,
    export_case_json,
    item_from_row,
    item_select,
    version_document,
)
from competencies.frameworks.case_package import CaseDocument, CasePackage, package_to_case_json
from competencies.frameworks.models import (
    FrameworkAssociation,
    FrameworkItem,
    FrameworkVersion,
    VersionStatus,
)
from passport.db import get_session

blueprint = Blueprint("case", __name__, url_prefix=CASE_PATH)

_PUBLISHED = FrameworkVersion.status == VersionStatus.PUBLISHED.value
# Writing one association needs a package around it; its document is not part of what is served.
_NO_DOCUMENT = CaseDocument(identifier="-", uri="-", title="-")


def status_info(description: str, status: int = 404, minor: str = "unknownobject") -> Response:
    """CASE's error body (imsx_StatusInfo) for an identifier it does not know."""
    response = jsonify(
        {
            "imsx_codeMajor": "failure",
            "imsx_severity": "error",
            "imsx_description": description,
            "imsx_CodeMinor": {
                "imsx_codeMinorField": [
                    {"imsx_codeMinorFieldName": "sourcedId", "imsx_codeMinorFieldValue": minor}
                ]
            },
        }
    )
    response.status_code = status
    return response


def _base() -> str:
    return case_base_uri(current_app.config["PASSPORT_SETTINGS"].public_url)


def _latest_published(session: Session, document_identifier: str) -> FrameworkVersion | None:
    return session.scalar(
        select(FrameworkVersion)
        .where(FrameworkVersion.document_identifier == document_identifier, _PUBLISHED)
        .order_by(FrameworkVersion.published_at.desc(), FrameworkVersion.id.desc())
        .limit(1)
    )


def _document_json(version: FrameworkVersion) -> dict[str, Any]:
    document = package_to_case_json(CasePackage(document=version_document(version)))["CFDocument"]
    document.setdefault(
        "CFPackageURI",
        {
            "title": version.title,
            "identifier": version.document_identifier,
            "uri": f"{_base()}/CFPackages/{version.document_identifier}",
        },
    )
    return document


def _item_json(version: FrameworkVersion, row: Any) -> dict[str, Any]:
    item = item_from_row(row)
    written = package_to_case_json(CasePackage(document=version_document(version), items=(item,)))["CFItems"][
        0
    ]
    written.setdefault(
        "CFDocumentURI",
        {"title": version.title, "identifier": version.document_identifier, "uri": version.document_uri},
    )
    return written


def _association_json(row: Any) -> dict[str, Any]:
    association = association_from_row(row)
    package = CasePackage(document=_NO_DOCUMENT, associations=(association,))
    return package_to_case_json(package)["CFAssociations"][0]


def _published_item(session: Session, identifier: str) -> tuple[FrameworkVersion, Any] | None:
    found = session.execute(
        item_select()
        .add_columns(FrameworkItem.version_id)
        .join(FrameworkVersion, FrameworkItem.version_id == FrameworkVersion.id)
        .where(FrameworkItem.identifier == identifier, _PUBLISHED)
        .order_by(FrameworkVersion.published_at.desc(), FrameworkVersion.id.desc())
        .limit(1)
    ).first()
    if found is None:
        return None
    return session.get(FrameworkVersion, found[-1]), found


@blueprint.get("/CFDocuments")
def cf_documents():  # type: ignore[no-untyped-def]
    session = get_session()
    versions = session.scalars(
        select(FrameworkVersion)
        .where(_PUBLISHED)
        .order_by(FrameworkVersion.document_identifier, FrameworkVersion.id)
    )
    latest: dict[str, FrameworkVersion] = {}
    for version in versions:
        latest[version.document_identifier] = version  # ordered by id: the last one wins
    return jsonify({"CFDocuments": [_document_json(v) for v in latest.values()]})


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
    return jsonify(export_case_json(session, version))


@blueprint.get("/CFItems/<string:sourced_id>")
def cf_item(sourced_id: str):  # type: ignore[no-untyped-def]
    found = _published_item(get_session(), sourced_id)
    if found is None:
        return status_info(f"There is no published CFItem with identifier {sourced_id!r}.")
    version, row = found
    return jsonify(_item_json(version, row))


@blueprint.get("/CFAssociations/<string:sourced_id>")
def cf_association(sourced_id: str):  # type: ignore[no-untyped-def]
    row = (
        get_session()
        .execute(
            association_select()
            .join(FrameworkVersion, FrameworkAssociation.version_id == FrameworkVersion.id)
            .where(FrameworkAssociation.identifier == sourced_id, _PUBLISHED)
            .order_by(FrameworkVersion.published_at.desc(), FrameworkVersion.id.desc())
            .limit(1)
        )
        .first()
    )
    if row is None:
        return status_info(f"There is no published CFAssociation with identifier {sourced_id!r}.")
    return jsonify(_association_json(row))


@blueprint.get("/CFItemAssociations/<string:sourced_id>")
def cf_item_associations(sourced_id: str):  # type: ignore[no-untyped-def]
    """The item and every association naming it: within its version, and from other published frameworks."""
    session = get_session()
    found = _published_item(session, sourced_id)
    if found is None:
        return status_info(f"There is no published CFItem with identifier {sourced_id!r}.")
    version, row = found
    other_frameworks = select(FrameworkVersion.id).where(
        _PUBLISHED, FrameworkVersion.framework_id != version.framework_id
    )
    rows = session.execute(
        association_select()
        .where(
            (FrameworkAssociation.origin_identifier == sourced_id)
            | (FrameworkAssociation.destination_identifier == sourced_id),
            (FrameworkAssociation.version_id == version.id)
            | FrameworkAssociation.version_id.in_(other_frameworks),
        )
        .order_by(FrameworkAssociation.version_id, FrameworkAssociation.position)
    ).all()
    return jsonify(
        {"CFItem": _item_json(version, row), "CFAssociations": [_association_json(r) for r in rows]}
    )
