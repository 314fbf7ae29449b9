"""Crosswalks: a trust's local competency mapped to the partnership's shared one (exactMatchOf or
isRelatedTo). Plain functions on a Session; never commit."""

from __future__ import annotations

from typing import Any

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from competencies.frameworks.models import Crosswalk, FrameworkItem
from passport.audit.operations import record_event
from passport.db import new_uuid
from passport.errors import Conflict, InvalidInput, NotFound

CROSSWALK_TYPES = ("exactMatchOf", "isRelatedTo")


def create_crosswalk(
    session: Session,
    *,
    local_item: FrameworkItem,
    shared_item: FrameworkItem,
    association_type: str,
    actor: Any,
) -> Crosswalk:
    """Map a trust's local competency to the partnership's shared one."""
    if association_type not in CROSSWALK_TYPES:
        raise InvalidInput("A crosswalk is exactMatchOf or isRelatedTo.", field="association_type")
    local_framework, shared_framework = local_item.version.framework, shared_item.version.framework
    if local_framework.owner_trust_id is None:
        raise Conflict(
            "The local item must belong to a trust's own framework, not a shared one.", field="local_item"
        )
    if shared_framework.owner_trust_id is not None:
        raise Conflict("The shared item must belong to a partnership-wide framework.", field="shared_item")
    existing = session.scalar(
        select(Crosswalk).where(
            Crosswalk.local_item_id == local_item.id, Crosswalk.shared_item_id == shared_item.id
        )
    )
    if existing is not None:
        raise Conflict("These two items are already mapped to each other.", field="shared_item")
    crosswalk = Crosswalk(
        identifier=new_uuid(),
        trust_id=local_framework.owner_trust_id,
        local_item=local_item,
        shared_item=shared_item,
        association_type=association_type,
        created_by_id=getattr(actor, "id", None),
    )
    session.add(crosswalk)
    session.flush()
    record_event(
        session,
        actor=actor,
        action="framework.crosswalk_added",
        record_type="framework_crosswalk",
        record_id=crosswalk.id,
        trust_id=crosswalk.trust_id,
        details={"local": local_item.identifier, "shared": shared_item.identifier, "type": association_type},
    )
    return crosswalk


def get_crosswalk(session: Session, identifier: str) -> Crosswalk:
    crosswalk = session.scalar(select(Crosswalk).where(Crosswalk.identifier == identifier))
    if crosswalk is None:
        raise NotFound(f"There is no crosswalk {identifier!r}.")
    return crosswalk


def list_crosswalks(session: Session, trust_id: int | None = None) -> list[Crosswalk]:
    stmt = select(Crosswalk).order_by(Crosswalk.id)
    if trust_id is not None:
        stmt = stmt.where(Crosswalk.trust_id == trust_id)
    return list(session.scalars(stmt))


def delete_crosswalk(session: Session, crosswalk: Crosswalk, *, actor: object) -> None:
    record_event(
        session,
        actor=actor,
        action="framework.crosswalk_removed",
        record_type="framework_crosswalk",
        record_id=crosswalk.id,
        trust_id=crosswalk.trust_id,
        details={"identifier": crosswalk.identifier},
    )
    session.delete(crosswalk)
    session.flush()


def exact_match_item_ids(session: Session, item_ids: set[int]) -> set[int]:
    """The items that count as the same competency as any of ``item_ids`` (themselves included):
    crosswalks of type exactMatchOf, either way round. The jobs fit check calls this."""
    if not item_ids:
        return set()
    rows = session.execute(
        select(Crosswalk.local_item_id, Crosswalk.shared_item_id).where(
            Crosswalk.association_type == "exactMatchOf",
            or_(Crosswalk.local_item_id.in_(item_ids), Crosswalk.shared_item_id.in_(item_ids)),
        )
    ).all()
    return set(item_ids) | {value for row in rows for value in row}
