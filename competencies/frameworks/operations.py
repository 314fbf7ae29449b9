"""Framework rules: lookups, the proficiency scale, drafts, publishing, new versions, the diff,
crosswalks, the CSTF and each trust's refresher periods. Plain functions on a Session; never commit."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Any

from sqlalchemy import delete, func, insert, or_, select
from sqlalchemy.orm import Session

from competencies.frameworks.case_export import version_package
from competencies.frameworks.case_import import association_rows, store_package
from competencies.frameworks.case_package import CaseAssociation, CaseNodeLink, CasePackage
from competencies.frameworks.case_tree import TreeNode, item_tree
from competencies.frameworks.models import (
    Crosswalk,
    Framework,
    FrameworkAssociation,
    FrameworkItem,
    FrameworkVersion,
    ProficiencyLevel,
    ProficiencyScale,
    SignOff,
    VersionStatus,
)
from passport.audit.operations import record_event
from passport.db import new_uuid, utcnow
from passport.errors import Conflict, InvalidInput, NotFound

# Benner, From Novice to Expert (1984): the default scale of every framework.
BENNER_LEVELS = (
    ("novice", "Novice", "Follows rules; little situational judgement."),
    ("advanced_beginner", "Advanced beginner", "Recognises recurring aspects of situations with guidance."),
    ("competent", "Competent", "Plans deliberately and copes with the usual demands of the role."),
    ("proficient", "Proficient", "Sees situations as wholes and knows what is typical."),
    ("expert", "Expert", "Acts intuitively from deep understanding of the whole situation."),
)


# --- Lookups ------------------------------------------------------------------------------------------


def list_frameworks(session: Session) -> list[Framework]:
    return list(
        session.scalars(select(Framework).order_by(Framework.owner_trust_id.is_not(None), Framework.title))
    )


def get_framework(session: Session, identifier: str) -> Framework:
    framework = session.scalar(select(Framework).where(Framework.identifier == identifier))
    if framework is None:
        raise NotFound(f"There is no framework {identifier!r}.")
    return framework


def get_version(session: Session, identifier: str) -> FrameworkVersion:
    version = session.scalar(select(FrameworkVersion).where(FrameworkVersion.identifier == identifier))
    if version is None:
        raise NotFound(f"There is no framework version {identifier!r}.")
    return version


def get_item(session: Session, version: FrameworkVersion, identifier: str) -> FrameworkItem:
    item = session.scalar(
        select(FrameworkItem).where(
            FrameworkItem.version_id == version.id, FrameworkItem.identifier == identifier
        )
    )
    if item is None:
        raise NotFound(f"Version {version.version_label} of {version.title!r} has no item {identifier!r}.")
    return item


def latest_published(framework: Framework) -> FrameworkVersion | None:
    published = [v for v in framework.versions if v.is_published]
    return published[-1] if published else None


def current_draft(framework: Framework) -> FrameworkVersion | None:
    return next((v for v in framework.versions if not v.is_published), None)


def version_tree(session: Session, version: FrameworkVersion) -> list[TreeNode]:
    return item_tree(version_package(session, version))


def version_item_count(session: Session, version: FrameworkVersion) -> int:
    return session.scalar(select(func.count()).where(FrameworkItem.version_id == version.id)) or 0


def search_items(
    session: Session, version: FrameworkVersion, query: str, limit: int = 200
) -> list[FrameworkItem]:
    """Items whose code or statement holds every word of ``query`` (case-insensitive)."""
    stmt = select(FrameworkItem).where(FrameworkItem.version_id == version.id)
    for word in query.split()[:10]:
        # LIKE wildcards typed by the person are taken literally by dropping them.
        cleaned = word.replace("\\", "").replace("%", "").replace("_", "")
        if not cleaned:
            continue
        pattern = f"%{cleaned}%"
        stmt = stmt.where(
            or_(
                FrameworkItem.human_coding_scheme.ilike(pattern),
                FrameworkItem.full_statement.ilike(pattern),
            )
        )
    return list(session.scalars(stmt.order_by(FrameworkItem.position).limit(limit)))


@dataclass
class ItemLinks:
    outgoing: list[FrameworkAssociation] = field(default_factory=list)
    incoming: list[FrameworkAssociation] = field(default_factory=list)
    crosswalks: list[Crosswalk] = field(default_factory=list)
    # Items stored here that the associations name, so pages can link to them.
    known_items: dict[str, FrameworkItem] = field(default_factory=dict)


def item_links(session: Session, item: FrameworkItem) -> ItemLinks:
    """The item's associations within its version, links to it from other frameworks, its crosswalks."""
    same_version = FrameworkAssociation.version_id == item.version_id
    other_frameworks = FrameworkAssociation.version_id.in_(
        select(FrameworkVersion.id).where(FrameworkVersion.framework_id != item.version.framework_id)
    )
    order = (FrameworkAssociation.association_type, FrameworkAssociation.position)
    links = ItemLinks(
        outgoing=list(
            session.scalars(
                select(FrameworkAssociation)
                .where(same_version, FrameworkAssociation.origin_identifier == item.identifier)
                .order_by(*order)
            )
        ),
        incoming=list(
            session.scalars(
                select(FrameworkAssociation)
                .where(
                    or_(same_version, other_frameworks),
                    FrameworkAssociation.destination_identifier == item.identifier,
                )
                .order_by(*order)
            )
        ),
        crosswalks=list(
            session.scalars(
                select(Crosswalk)
                .where(or_(Crosswalk.local_item_id == item.id, Crosswalk.shared_item_id == item.id))
                .order_by(Crosswalk.id)
            )
        ),
    )
    named = {a.destination_identifier for a in links.outgoing} | {a.origin_identifier for a in links.incoming}
    if named:
        # Prefer the item of the same version when an identifier lives on in several versions.
        for found in session.scalars(
            select(FrameworkItem).where(FrameworkItem.identifier.in_(named)).order_by(FrameworkItem.id)
        ):
            current = links.known_items.get(found.identifier)
            if current is None or (
                current.version_id != item.version_id and found.version_id == item.version_id
            ):
                links.known_items[found.identifier] = found
    return links


def ensure_can_manage(user: Any, owner_trust_id: int | None) -> None:
    """Shared frameworks are the partnership admin's; a trust's own framework is also its HR's."""
    from passport.auth.policy import Action, ensure

    if owner_trust_id is None:
        ensure(user, Action.MANAGE_SHARED_FRAMEWORKS)
    else:
        ensure(user, Action.MANAGE_TRUST_FRAMEWORKS, owner_trust_id)


# --- Scale --------------------------------------------------------------------------------------------


def add_default_scale(session: Session, framework: Framework) -> ProficiencyScale:
    scale = ProficiencyScale(
        framework=framework,
        title="Benner's stages of clinical competence",
        levels=[
            ProficiencyLevel(position=position, code=code, label=label, description=description)
            for position, (code, label, description) in enumerate(BENNER_LEVELS, start=1)
        ],
    )
    session.add(scale)
    return scale


def scale_levels(framework: Framework) -> list[ProficiencyLevel]:
    return list(framework.scale.levels) if framework.scale else []


# --- Drafts and publishing ------------------------------------------------------------------------------


def ensure_draft(version: FrameworkVersion) -> None:
    if version.is_published:
        raise Conflict(
            f"Version {version.version_label} of {version.title!r} is published and never changes; "
            "start a new version to make changes.",
            field="version",
        )


def _clean(value: str | None, name: str, *, required: bool = False, max_length: int = 10_000) -> str | None:
    text = (value or "").strip()
    if required and not text:
        raise InvalidInput(f"Enter the {name.replace('_', ' ')}.", field=name)
    if len(text) > max_length:
        raise InvalidInput(
            f"The {name.replace('_', ' ')} must be {max_length} characters or fewer.", field=name
        )
    return text or None


def update_draft_item(
    session: Session,
    item: FrameworkItem,
    *,
    actor: object,
    full_statement: str | None = None,
    human_coding_scheme: str | None = None,
    item_type: str | None = None,
    notes: str | None = None,
) -> FrameworkItem:
    """Change a draft item's wording; ``None`` leaves a field as it is, an empty string clears it."""
    ensure_draft(item.version)
    if full_statement is not None:
        item.full_statement = _clean(full_statement, "full_statement", required=True)  # type: ignore[assignment]
    if human_coding_scheme is not None:
        item.human_coding_scheme = _clean(human_coding_scheme, "human_coding_scheme", max_length=100)
    if item_type is not None:
        item.item_type = _clean(item_type, "item_type", max_length=100)
    if notes is not None:
        item.notes = _clean(notes, "notes")
    item.last_change_date_time = utcnow().isoformat(timespec="seconds")
    session.flush()
    record_event(
        session,
        actor=actor,
        action="framework.item_edited",
        record_type="framework_item",
        record_id=item.id,
        trust_id=item.version.framework.owner_trust_id,
        details={"identifier": item.identifier},
    )
    return item


def add_draft_item(
    session: Session,
    version: FrameworkVersion,
    *,
    base_uri: str,
    actor: object,
    full_statement: str,
    human_coding_scheme: str | None = None,
    item_type: str | None = None,
    notes: str | None = None,
    parent_identifier: str | None = None,
) -> FrameworkItem:
    """Add an item to a draft, under ``parent_identifier`` (an item of the draft) or at the top."""
    ensure_draft(version)
    parent_id, parent_uri, parent_title = version.document_identifier, version.document_uri, version.title
    if parent_identifier:
        parent = session.scalar(
            select(FrameworkItem).where(
                FrameworkItem.identifier == parent_identifier, FrameworkItem.version_id == version.id
            )
        )
        if parent is None:
            raise NotFound(f"The draft has no item {parent_identifier!r} to add under.", field="parent")
        parent_id, parent_uri = parent.identifier, parent.uri
        parent_title = parent.human_coding_scheme or parent.full_statement[:80]
    identifier = new_uuid()
    root = base_uri.rstrip("/")
    now = utcnow().isoformat(timespec="seconds")
    position = (
        session.scalar(select(func.max(FrameworkItem.position)).where(FrameworkItem.version_id == version.id))
        or 0
    ) + 1
    item = FrameworkItem(
        version=version,
        identifier=identifier,
        uri=f"{root}/CFItems/{identifier}",
        position=position,
        full_statement=_clean(full_statement, "full_statement", required=True),
        human_coding_scheme=_clean(human_coding_scheme, "human_coding_scheme", max_length=100),
        item_type=_clean(item_type, "item_type", max_length=100),
        notes=_clean(notes, "notes"),
        language="en",
        last_change_date_time=now,
    )
    session.add(item)
    session.flush()
    association_id = new_uuid()
    link = CaseAssociation(
        identifier=association_id,
        uri=f"{root}/CFAssociations/{association_id}",
        association_type="isChildOf",
        origin=CaseNodeLink(identifier, item.uri, item.human_coding_scheme or item.full_statement[:80]),
        destination=CaseNodeLink(parent_id, parent_uri, parent_title),
        last_change_date_time=now,
    )
    _append_associations(session, version, [link])
    record_event(
        session,
        actor=actor,
        action="framework.item_added",
        record_type="framework_item",
        record_id=item.id,
        trust_id=version.framework.owner_trust_id,
        details={"identifier": identifier, "version": version.document_identifier},
    )
    return item


def _append_associations(session: Session, version: FrameworkVersion, links: list[CaseAssociation]) -> None:
    start = (
        session.scalar(
            select(func.max(FrameworkAssociation.position)).where(
                FrameworkAssociation.version_id == version.id
            )
        )
        or 0
    ) + 1
    session.execute(insert(FrameworkAssociation.__table__), association_rows(version.id, links, start))


def remove_draft_item(session: Session, item: FrameworkItem, *, actor: object) -> None:
    """Take an item out of a draft with the associations that name it; refused while it has children
    or anything (a sign-off, a crosswalk) refers to it."""
    version = item.version
    ensure_draft(version)
    children = session.scalar(
        select(func.count()).where(
            FrameworkAssociation.version_id == version.id,
            FrameworkAssociation.association_type == "isChildOf",
            FrameworkAssociation.destination_identifier == item.identifier,
        )
    )
    if children:
        raise Conflict("Remove or move this item's children first.", field="item")
    referred = session.scalar(select(func.count()).where(SignOff.item_id == item.id)) or session.scalar(
        select(func.count()).where(
            or_(Crosswalk.local_item_id == item.id, Crosswalk.shared_item_id == item.id)
        )
    )
    if referred:
        raise Conflict("Sign-offs or crosswalks refer to this item, so it stays.", field="item")
    session.execute(
        delete(FrameworkAssociation).where(
            FrameworkAssociation.version_id == version.id,
            or_(
                FrameworkAssociation.origin_identifier == item.identifier,
                FrameworkAssociation.destination_identifier == item.identifier,
            ),
        )
    )
    record_event(
        session,
        actor=actor,
        action="framework.item_removed",
        record_type="framework_item",
        record_id=item.id,
        trust_id=version.framework.owner_trust_id,
        details={"identifier": item.identifier},
    )
    session.delete(item)
    session.flush()


def publish_version(session: Session, version: FrameworkVersion, *, actor: object) -> FrameworkVersion:
    ensure_draft(version)
    version.status = VersionStatus.PUBLISHED.value
    version.published_at = utcnow()
    session.flush()
    record_event(
        session,
        actor=actor,
        action="framework.published",
        record_type="framework_version",
        record_id=version.id,
        trust_id=version.framework.owner_trust_id,
        details={"document_identifier": version.document_identifier, "version": version.version_label},
    )
    return version


def start_new_version(
    session: Session, framework: Framework, *, version_label: str, base_uri: str, actor: object
) -> FrameworkVersion:
    """A draft copy of the latest published version: new identifiers, each item linked to its
    predecessor (stored, and as a CASE ``replacedBy`` association from the old item to the new)."""
    label = _clean(version_label, "version_label", required=True, max_length=50)
    if current_draft(framework) is not None:
        raise Conflict(
            "This framework already has a draft; publish it before starting another.", field="version"
        )
    base = latest_published(framework)
    if base is None:
        raise Conflict("Publish the first version before starting a new one.", field="version")
    if any(v.version_label == label for v in framework.versions):
        raise Conflict(f"Version {label} already exists.", field="version_label")
    assert label is not None
    old = version_package(session, base)
    root = base_uri.rstrip("/")
    now = utcnow().isoformat(timespec="seconds")
    new_ids = {item.identifier: new_uuid() for item in old.items}
    new_ids[old.document.identifier] = new_uuid()
    document_id = new_ids[old.document.identifier]
    new_uri = {old_id: f"{root}/CFItems/{new_id}" for old_id, new_id in new_ids.items()}
    new_uri[old.document.identifier] = f"{root}/CFDocuments/{document_id}"

    def relink(link: CaseNodeLink) -> CaseNodeLink:
        if link.identifier not in new_ids:
            return link  # outside the framework: still the same item
        return CaseNodeLink(new_ids[link.identifier], new_uri[link.identifier], link.title, link.extra)

    items = tuple(
        replace(
            item, identifier=new_ids[item.identifier], uri=new_uri[item.identifier], last_change_date_time=now
        )
        for item in old.items
    )
    copied = []
    for association in old.associations:
        if association.association_type == "replacedBy":
            continue  # the previous version's own succession links stay with it
        association_id = new_uuid()
        copied.append(
            replace(
                association,
                identifier=association_id,
                uri=f"{root}/CFAssociations/{association_id}",
                origin=relink(association.origin),
                destination=relink(association.destination),
                last_change_date_time=now,
            )
        )
    for item in old.items:
        association_id = new_uuid()
        copied.append(
            CaseAssociation(
                identifier=association_id,
                uri=f"{root}/CFAssociations/{association_id}",
                association_type="replacedBy",
                origin=CaseNodeLink(item.identifier, item.uri, item.human_coding_scheme),
                destination=CaseNodeLink(
                    new_ids[item.identifier], new_uri[item.identifier], item.human_coding_scheme
                ),
                last_change_date_time=now,
            )
        )
    document = replace(
        old.document,
        identifier=document_id,
        uri=new_uri[old.document.identifier],
        version=label,
        last_change_date_time=now,
    )
    package = CasePackage(document, items, tuple(copied), old.definitions, old.extra)
    version = store_package(session, package, framework=framework, status=VersionStatus.DRAFT, based_on=base)
    predecessor_ids = dict(
        session.execute(
            select(FrameworkItem.identifier, FrameworkItem.id).where(FrameworkItem.version_id == base.id)
        ).all()
    )
    by_new = {new_ids[old_id]: item_id for old_id, item_id in predecessor_ids.items()}
    for item in session.scalars(select(FrameworkItem).where(FrameworkItem.version_id == version.id)):
        item.predecessor_id = by_new.get(item.identifier)
    session.flush()
    record_event(
        session,
        actor=actor,
        action="framework.version_started",
        record_type="framework_version",
        record_id=version.id,
        trust_id=framework.owner_trust_id,
        details={"version": label, "based_on": base.document_identifier},
    )
    return version


# --- Diff ---------------------------------------------------------------------------------------------


@dataclass
class VersionDiff:
    older: FrameworkVersion
    newer: FrameworkVersion
    added: list[FrameworkItem] = field(default_factory=list)
    removed: list[FrameworkItem] = field(default_factory=list)
    reworded: list[tuple[FrameworkItem, FrameworkItem]] = field(default_factory=list)
    unchanged: int = 0


def diff_versions(session: Session, older: FrameworkVersion, newer: FrameworkVersion) -> VersionDiff:
    """Added, removed and reworded items between two versions of one framework.

    An item of ``newer`` matches the item of ``older`` it descends from through predecessor links; an
    item that carries the same identifier in both (two imports of one source) matches too.
    """
    if older.framework_id != newer.framework_id:
        raise InvalidInput("Both versions must belong to the same framework.", field="against")
    old_items = list(
        session.scalars(
            select(FrameworkItem).where(FrameworkItem.version_id == older.id).order_by(FrameworkItem.position)
        )
    )
    new_items = list(
        session.scalars(
            select(FrameworkItem).where(FrameworkItem.version_id == newer.id).order_by(FrameworkItem.position)
        )
    )
    old_by_id = {item.id: item for item in old_items}
    predecessor_of = dict(
        session.execute(
            select(FrameworkItem.id, FrameworkItem.predecessor_id)
            .join(FrameworkVersion, FrameworkItem.version_id == FrameworkVersion.id)
            .where(
                FrameworkVersion.framework_id == older.framework_id, FrameworkItem.predecessor_id.is_not(None)
            )
        ).all()
    )
    result = VersionDiff(older=older, newer=newer)
    matched: set[int] = set()
    for item in new_items:
        ancestor, steps = predecessor_of.get(item.id), 0
        while ancestor is not None and ancestor not in old_by_id and steps < 1000:
            ancestor, steps = predecessor_of.get(ancestor), steps + 1
        if ancestor is None:
            result.added.append(item)
            continue
        matched.add(ancestor)
        before = old_by_id[ancestor]
        if (before.full_statement, before.human_coding_scheme) != (
            item.full_statement,
            item.human_coding_scheme,
        ):
            result.reworded.append((before, item))
        else:
            result.unchanged += 1
    result.removed = [item for item in old_items if item.id not in matched]
    return result


# Crosswalks and the CSTF live in their own modules; these names are part of this module's interface.
from competencies.frameworks.crosswalks import (  # noqa: E402
    CROSSWALK_TYPES,
    create_crosswalk,
    delete_crosswalk,
    exact_match_item_ids,
    get_crosswalk,
    list_crosswalks,
)
from competencies.frameworks.refresher import (  # noqa: E402
    MAX_REFRESHER_MONTHS,
    RefresherRow,
    cstf_version,
    load_cstf,
    refresher_months_for,
    refresher_table,
    set_refresher_months,
)

__all__ = [
    "CROSSWALK_TYPES",
    "MAX_REFRESHER_MONTHS",
    "RefresherRow",
    "create_crosswalk",
    "cstf_version",
    "delete_crosswalk",
    "exact_match_item_ids",
    "get_crosswalk",
    "list_crosswalks",
    "load_cstf",
    "refresher_months_for",
    "refresher_table",
    "set_refresher_months",
]
