"""Import a CASE 1.1 package into the database: all or nothing, identifiers and URIs kept, fast.

The parser (``case_package``) finds what is wrong inside the package; this module adds what only the
database knows (identifiers already stored, hierarchy links to items it does not hold, values our
columns cannot take). Every problem is reported with its JSON path, and nothing is written unless there
are none. Rows go in with one executemany per table, which is what makes 10,000 items take a second.
"""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Iterable
from typing import Any

from sqlalchemy import insert, select, update
from sqlalchemy.orm import Session

from competencies.frameworks.case_package import (
    HIERARCHY_ASSOCIATION_TYPES,
    CaseDocument,
    CasePackage,
    CasePackageError,
    CaseProblem,
    parse_case_package,
)
from competencies.frameworks.case_upgrade import case_1_1_warnings
from competencies.frameworks.models import (
    IDENTIFIER_LENGTH,
    Framework,
    FrameworkAssociation,
    FrameworkItem,
    FrameworkVersion,
    VersionStatus,
)
from passport.audit.operations import record_event
from passport.db import new_uuid, utcnow
from passport.errors import InvalidInput
from passport.gc_pause import cycle_collector_paused

# Sequence numbers are stored as 64-bit integers.
_SEQUENCE_RANGE = (-(2**63), 2**63 - 1)
_LOOKUP_CHUNK = 500


class CaseImportRejected(InvalidInput):
    """The package cannot be imported; ``problems`` holds each JSON path and reason."""

    title = "The CASE package cannot be imported"

    def __init__(self, problems: list[CaseProblem]) -> None:
        self.problems = problems
        errors: dict[str, list[str]] = {}
        for problem in problems:
            errors.setdefault(problem.path, []).append(problem.reason)
        shown = "; ".join(f"{p.path}: {p.reason}" for p in problems[:5])
        more = f" (and {len(problems) - 5} more)" if len(problems) > 5 else ""
        super().__init__(
            f"The CASE package was not imported, nothing was written: {shown}{more}", errors=errors
        )


def _existing(session: Session, column: Any, identifiers: Iterable[str]) -> set[str]:
    wanted = list(identifiers)
    found: set[str] = set()
    for start in range(0, len(wanted), _LOOKUP_CHUNK):
        chunk = wanted[start : start + _LOOKUP_CHUNK]
        found.update(session.scalars(select(column).where(column.in_(chunk))))
    return found


def _too_long(value: str | None) -> bool:
    return value is not None and len(value) > IDENTIFIER_LENGTH


def check_against_database(session: Session, package: CasePackage) -> list[CaseProblem]:
    """What the parser cannot know: values our columns cannot take, and hierarchy links to items that
    are neither in the package nor stored here."""
    problems: list[CaseProblem] = []
    add = problems.append
    document = package.document
    if _too_long(document.identifier):
        add(CaseProblem("$.CFDocument.identifier", f"must be at most {IDENTIFIER_LENGTH} characters"))
    for index, item in enumerate(package.items):
        if _too_long(item.identifier):
            add(
                CaseProblem(
                    f"$.CFItems[{index}].identifier", f"must be at most {IDENTIFIER_LENGTH} characters"
                )
            )
    in_package = {item.identifier for item in package.items} | {document.identifier}
    outside: dict[int, str] = {}
    for index, association in enumerate(package.associations):
        path = f"$.CFAssociations[{index}]"
        for name, value in (
            ("identifier", association.identifier),
            ("associationType", association.association_type),
            ("originNodeURI.identifier", association.origin.identifier),
            ("destinationNodeURI.identifier", association.destination.identifier),
        ):
            if _too_long(value):
                add(CaseProblem(f"{path}.{name}", f"must be at most {IDENTIFIER_LENGTH} characters"))
        number = association.sequence_number
        if number is not None and not _SEQUENCE_RANGE[0] <= number <= _SEQUENCE_RANGE[1]:
            add(CaseProblem(f"{path}.sequenceNumber", "is too large"))
        origin_inside = association.origin.identifier in in_package
        destination_inside = association.destination.identifier in in_package
        if not origin_inside and not destination_inside:
            if association.association_type not in HIERARCHY_ASSOCIATION_TYPES:  # the parser reports those
                add(
                    CaseProblem(
                        path,
                        f"links {association.origin.identifier!r} to {association.destination.identifier!r}, "
                        "neither of which is in this package",
                    )
                )
        elif association.association_type in HIERARCHY_ASSOCIATION_TYPES and not destination_inside:
            outside[index] = association.destination.identifier
    if outside:
        known = _existing(session, FrameworkItem.identifier, set(outside.values())) | _existing(
            session, FrameworkVersion.document_identifier, set(outside.values())
        )
        for index, identifier in outside.items():
            if identifier not in known:
                add(
                    CaseProblem(
                        f"$.CFAssociations[{index}].destinationNodeURI",
                        f"points at unknown item {identifier!r}: neither in this package nor stored here",
                    )
                )
    return problems


def document_data(document: CaseDocument) -> dict[str, Any]:
    """The CFDocument attributes kept as JSON beside the version's own columns."""
    data = {field.name: getattr(document, field.name) for field in dataclasses.fields(document)}
    for key in ("identifier", "uri", "title"):
        data.pop(key)
    data["subject"] = list(data["subject"])
    return {key: value for key, value in data.items() if value not in (None, [], {})}


def item_rows(version_id: int, items: Iterable[Any], start: int = 0) -> list[dict[str, Any]]:
    return [
        {
            "version_id": version_id,
            "identifier": item.identifier,
            "uri": item.uri,
            "position": position,
            "human_coding_scheme": item.human_coding_scheme,
            "full_statement": item.full_statement,
            "abbreviated_statement": item.abbreviated_statement,
            "item_type": item.cf_item_type,
            "notes": item.notes,
            "language": item.language,
            "list_enumeration": item.list_enumeration,
            "last_change_date_time": item.last_change_date_time,
            "concept_keywords": list(item.concept_keywords) if item.concept_keywords else None,
            "education_level": list(item.education_level) if item.education_level else None,
            "extra": item.extra or None,
            "predecessor_id": None,
        }
        for position, item in enumerate(items, start=start)
    ]


def _association_extra(association: Any) -> dict[str, Any] | None:
    if not (association.extra or association.origin.extra or association.destination.extra):
        return None
    extra = {
        "fields": association.extra,
        "origin": association.origin.extra,
        "destination": association.destination.extra,
    }
    return {key: value for key, value in extra.items() if value}


def association_rows(version_id: int, associations: Iterable[Any], start: int = 0) -> list[dict[str, Any]]:
    return [
        {
            "version_id": version_id,
            "identifier": association.identifier,
            "uri": association.uri,
            "position": position,
            "association_type": association.association_type,
            "origin_identifier": association.origin.identifier,
            "origin_uri": association.origin.uri,
            "origin_title": association.origin.title,
            "destination_identifier": association.destination.identifier,
            "destination_uri": association.destination.uri,
            "destination_title": association.destination.title,
            "sequence_number": association.sequence_number,
            "last_change_date_time": association.last_change_date_time,
            "extra": _association_extra(association),
        }
        for position, association in enumerate(associations, start=start)
    ]


def store_package(
    session: Session,
    package: CasePackage,
    *,
    framework: Framework,
    status: VersionStatus,
    based_on: FrameworkVersion | None = None,
    previous: FrameworkVersion | None = None,
    version_identifier: str | None = None,
) -> FrameworkVersion:
    """Write a checked package as a new version of ``framework`` (no checks here: callers check).
    Items keeping an identifier of ``previous`` are linked to their predecessors there."""
    document = package.document
    version = FrameworkVersion(
        identifier=version_identifier or new_uuid(),
        framework=framework,
        version_label=_free_label(framework, document.version),
        status=status.value,
        document_identifier=document.identifier,
        document_uri=document.uri,
        title=document.title,
        document_data=document_data(document),
        definitions=package.definitions or None,
        package_extra=package.extra or None,
        based_on=based_on,
        published_at=utcnow() if status is VersionStatus.PUBLISHED else None,
    )
    session.add(version)
    session.flush()
    # Core INSERTs on the tables: one executemany each (the ORM's bulk path here runs row by row).
    if package.items:
        session.execute(insert(FrameworkItem.__table__), item_rows(version.id, package.items))
    if package.associations:
        session.execute(
            insert(FrameworkAssociation.__table__), association_rows(version.id, package.associations)
        )
    if previous is not None:
        link_predecessors_by_identifier(session, previous, version)
    return version


def _free_label(framework: Framework, wanted: str | None) -> str:
    """The document's own version label, or the next number, never one the framework already has."""
    taken = {version.version_label for version in framework.versions}
    label = (wanted or "").strip()[:50]
    number = len(framework.versions) + 1
    while not label or label in taken:
        label, number = str(number), number + 1
    return label


def link_predecessors_by_identifier(
    session: Session, older: FrameworkVersion, newer: FrameworkVersion
) -> None:
    """An item that keeps its identifier in the next version is the same item: link it to its predecessor."""
    old_ids = dict(
        session.execute(
            select(FrameworkItem.identifier, FrameworkItem.id).where(FrameworkItem.version_id == older.id)
        ).all()
    )
    pairs = [
        {"id": item_id, "predecessor_id": old_ids[identifier]}
        for identifier, item_id in session.execute(
            select(FrameworkItem.identifier, FrameworkItem.id).where(FrameworkItem.version_id == newer.id)
        )
        if identifier in old_ids
    ]
    if pairs:
        session.execute(update(FrameworkItem), pairs)  # bulk UPDATE by primary key, one executemany


def read_json_object(data: bytes | str | dict[str, Any]) -> dict[str, Any] | None:
    """The package as parsed JSON, read once for the parser and the warnings; None when it is not a JSON
    object (the parser then says why)."""
    if isinstance(data, dict):
        return data
    try:
        text = data.decode("utf-8-sig") if isinstance(data, bytes | bytearray) else data
        loaded = json.loads(text)
    except (UnicodeDecodeError, ValueError, TypeError, AttributeError):
        return None
    return loaded if isinstance(loaded, dict) else None


def import_case_package(
    session: Session,
    data: bytes | str | dict[str, Any],
    *,
    actor: object,
    owner_trust_id: int | None = None,
    publish: bool = False,
    version_identifier: str | None = None,
    warnings: list[CaseProblem] | None = None,
) -> FrameworkVersion:
    """Import a CASE package as a new framework (shared when ``owner_trust_id`` is None).

    A package whose CFDocument is already stored becomes that framework's next version; its items that
    keep their identifiers are linked to their predecessors. Raises ``CaseImportRejected`` naming every
    problem; then nothing has been added to the session. ``version_identifier`` names the new version
    (a job derives it from itself, so a second run finds what the first made). ``warnings``, when given,
    receives a warning per field that CASE 1.1 exports and answers write differently from how it was sent
    (``case_upgrade``); they never stop the import.
    """
    from competencies.frameworks.operations import add_default_scale

    try:
        with cycle_collector_paused():  # tens of thousands of small objects, no cycles: see gc_pause.py
            loaded = read_json_object(data)
            package = parse_case_package(data if loaded is None else loaded)
    except CasePackageError as error:
        raise CaseImportRejected(error.problems) from None
    problems = check_against_database(session, package)
    if problems:
        raise CaseImportRejected(problems)
    if warnings is not None:
        warnings.extend(case_1_1_warnings(loaded))
    framework = session.scalar(
        select(Framework)
        .join(FrameworkVersion, FrameworkVersion.framework_id == Framework.id)
        .where(FrameworkVersion.document_identifier == package.document.identifier)
        .order_by(FrameworkVersion.id.desc())
        .limit(1)
    )
    previous = None
    if framework is None:
        framework = Framework(
            identifier=new_uuid(),
            owner_trust_id=owner_trust_id,
            title=package.document.title,
            source_identifier=package.document.identifier,
            source_uri=package.document.uri,
        )
        session.add(framework)
        add_default_scale(session, framework)
    else:
        if framework.owner_trust_id != owner_trust_id:
            raise CaseImportRejected(
                [
                    CaseProblem(
                        "$.CFDocument.identifier",
                        f"this document is already stored as {framework.title!r}, owned by "
                        f"{framework.owner_trust.ods_code if framework.owner_trust else 'the partnership'}; "
                        "a new version must have the same owner",
                    )
                ]
            )
        previous = framework.versions[-1]
    with cycle_collector_paused():  # a row dict per item and association
        version = store_package(
            session,
            package,
            framework=framework,
            status=VersionStatus.PUBLISHED if publish else VersionStatus.DRAFT,
            based_on=previous,
            previous=previous,
            version_identifier=version_identifier,
        )
    if previous is not None and any(
        v.version_label == version.version_label for v in framework.versions[:-1]
    ):
        version.version_label = str(len(framework.versions))
    record_event(
        session,
        actor=actor,
        action="framework.imported",
        record_type="framework_version",
        record_id=version.id,
        trust_id=owner_trust_id,
        details={
            "document_identifier": version.document_identifier,
            "title": version.title,
            "items": len(package.items),
            "associations": len(package.associations),
            "published": publish,
            "new_version_of_existing": previous is not None,
            **({"case_1_1_warnings": len(warnings)} if warnings is not None else {}),
        },
    )
    return version
