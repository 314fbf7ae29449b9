"""Read a stored version back as a CASE 1.1 package (for export, the CASE endpoints and browsing).

Columns are selected as plain rows, not ORM objects: a 10,000-item version is read in one query per
table, which keeps export as fast as import. ``version_package`` gives everything as imported (extras
too, for browsing and new versions); what leaves the service (``export_case_json``, the CASE endpoints)
goes through ``case_conformance`` and validates against the CASE 1.1 CFPackage schema.
"""

from __future__ import annotations

import json
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from competencies.frameworks.case_conformance import case_date_time, conform_package, utc_date_time
from competencies.frameworks.case_package import (
    CaseAssociation,
    CaseDocument,
    CaseItem,
    CaseNodeLink,
    CasePackage,
    package_to_case_json,
)
from competencies.frameworks.models import FrameworkAssociation, FrameworkItem, FrameworkVersion
from passport.db import utcnow
from passport.gc_pause import cycle_collector_paused

CASE_PATH = "/ims/case/v1p1"

_ITEM_COLUMNS = (
    FrameworkItem.identifier,
    FrameworkItem.uri,
    FrameworkItem.full_statement,
    FrameworkItem.human_coding_scheme,
    FrameworkItem.abbreviated_statement,
    FrameworkItem.item_type,
    FrameworkItem.concept_keywords,
    FrameworkItem.notes,
    FrameworkItem.language,
    FrameworkItem.education_level,
    FrameworkItem.list_enumeration,
    FrameworkItem.last_change_date_time,
    FrameworkItem.extra,
)
_ASSOCIATION_COLUMNS = (
    FrameworkAssociation.identifier,
    FrameworkAssociation.association_type,
    FrameworkAssociation.origin_identifier,
    FrameworkAssociation.origin_uri,
    FrameworkAssociation.origin_title,
    FrameworkAssociation.destination_identifier,
    FrameworkAssociation.destination_uri,
    FrameworkAssociation.destination_title,
    FrameworkAssociation.uri,
    FrameworkAssociation.sequence_number,
    FrameworkAssociation.last_change_date_time,
    FrameworkAssociation.extra,
)


def case_base_uri(public_url: str) -> str:
    """Where this service serves CASE, the root of the URIs it gives new documents and items."""
    return public_url.rstrip("/") + CASE_PATH


def service_base_uri() -> str:
    """This service's CASE root: from the running app's settings, else from the environment (scripts)."""
    from flask import current_app, has_app_context

    if has_app_context():
        return case_base_uri(current_app.config["PASSPORT_SETTINGS"].public_url)
    from passport.config import load_settings

    return case_base_uri(load_settings().public_url)


def version_fallback_time(version: FrameworkVersion) -> str:
    """The lastChangeDateTime of anything in ``version`` that has none: its document's, else the time
    the version was stored here (CASE 1.1 requires one on every document, item and association)."""
    stated = (version.document_data or {}).get("last_change_date_time")
    fixed = case_date_time(stated) if isinstance(stated, str) else None
    return fixed or utc_date_time(version.created_at or utcnow())


def version_document(version: FrameworkVersion) -> CaseDocument:
    data = dict(version.document_data or {})
    data["subject"] = tuple(data.get("subject") or ())
    data.setdefault("extra", {})
    return CaseDocument(
        identifier=version.document_identifier, uri=version.document_uri, title=version.title, **data
    )


def item_from_row(row: Any) -> CaseItem:
    return CaseItem(
        identifier=row[0],
        uri=row[1],
        full_statement=row[2],
        human_coding_scheme=row[3],
        abbreviated_statement=row[4],
        cf_item_type=row[5],
        concept_keywords=tuple(row[6]) if row[6] else (),
        notes=row[7],
        language=row[8],
        education_level=tuple(row[9]) if row[9] else (),
        list_enumeration=row[10],
        last_change_date_time=row[11],
        extra=row[12] or {},
    )


def association_from_row(row: Any) -> CaseAssociation:
    extra = row[11] or {}
    return CaseAssociation(
        identifier=row[0],
        association_type=row[1],
        origin=CaseNodeLink(row[2], row[3], row[4], extra.get("origin") or {}),
        destination=CaseNodeLink(row[5], row[6], row[7], extra.get("destination") or {}),
        uri=row[8],
        sequence_number=row[9],
        last_change_date_time=row[10],
        extra=extra.get("fields") or {},
    )


def item_select() -> Any:
    return select(*_ITEM_COLUMNS)


def association_select() -> Any:
    return select(*_ASSOCIATION_COLUMNS)


def version_package(session: Session, version: FrameworkVersion) -> CasePackage:
    items = session.execute(
        item_select().where(FrameworkItem.version_id == version.id).order_by(FrameworkItem.position)
    ).all()
    associations = session.execute(
        association_select()
        .where(FrameworkAssociation.version_id == version.id)
        .order_by(FrameworkAssociation.position)
    ).all()
    return CasePackage(
        document=version_document(version),
        items=tuple(item_from_row(row) for row in items),
        associations=tuple(association_from_row(row) for row in associations),
        definitions=version.definitions or {},
        extra=version.package_extra or {},
    )


def export_case_json(
    session: Session, version: FrameworkVersion, *, base_uri: str | None = None
) -> dict[str, Any]:
    """The version as a CASE 1.1 CFPackage JSON object, valid against 1EdTech's schema; importing it
    gives the same items and links. ``base_uri`` (default: this service's) names what had no URI."""
    return conform_package(
        package_to_case_json(version_package(session, version)),
        fallback_time=version_fallback_time(version),
        base_uri=base_uri or service_base_uri(),
    )


def export_case_bytes(session: Session, version: FrameworkVersion, *, base_uri: str | None = None) -> bytes:
    with cycle_collector_paused():  # tens of thousands of dicts, no cycles: see passport/gc_pause.py
        exported = export_case_json(session, version, base_uri=base_uri)
        return json.dumps(exported, ensure_ascii=False).encode("utf-8")
