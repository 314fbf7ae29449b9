"""What removing an item from a draft would do, for its confirmation page: the associations that go with
it, the published versions that keep their own copy, and what would stop the removal (the reasons
``operations.remove_draft_item`` refuses on: items within it, sign-offs, crosswalks). Reads only; the
removal itself is ``operations.remove_draft_item``, which decides."""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from competencies.frameworks.models import (
    Crosswalk,
    FrameworkAssociation,
    FrameworkItem,
    FrameworkVersion,
    SignOff,
)

# A draft of a framework with hundreds of versions is not expected; the walk back stops here regardless.
MAX_PUBLISHED_COPIES = 50


@dataclass
class ItemRemoval:
    item: FrameworkItem
    # The associations of the draft that name the item: removed with it.
    associations: list[FrameworkAssociation] = field(default_factory=list)
    # Items of the draft and published versions that name it and are stored here, to name the other end.
    known_items: dict[str, FrameworkItem] = field(default_factory=dict)
    # Associations of other frameworks' versions naming it: theirs, so they stay.
    elsewhere: int = 0
    # The item's copies in earlier versions (its predecessor, that one's, ...), newest first.
    published_copies: list[FrameworkItem] = field(default_factory=list)
    children: int = 0
    sign_offs: int = 0
    crosswalks: int = 0

    @property
    def reasons(self) -> list[str]:
        """Why the item cannot be removed now (empty when it can)."""
        reasons = []
        if self.children:
            them = "it" if self.children == 1 else "them"
            reasons.append(
                f"{_count(self.children, 'item')} within it: remove {them} or move {them} elsewhere first"
            )
        if self.sign_offs:
            reasons.append(f"{_count(self.sign_offs, 'sign-off')} recorded against it")
        if self.crosswalks:
            them = "it" if self.crosswalks == 1 else "them"
            reasons.append(f"{_count(self.crosswalks, 'crosswalk')} mapping it: remove {them} first")
        return reasons


def _count(number: int, noun: str) -> str:
    return f"{number} {noun}{'' if number == 1 else 's'}"


def item_removal(session: Session, item: FrameworkItem) -> ItemRemoval:
    """What removing ``item`` from its draft would take with it, and what stands in the way."""
    version_id = item.version_id
    names_it = or_(
        FrameworkAssociation.origin_identifier == item.identifier,
        FrameworkAssociation.destination_identifier == item.identifier,
    )
    associations = list(
        session.scalars(
            select(FrameworkAssociation)
            .where(FrameworkAssociation.version_id == version_id, names_it)
            .order_by(FrameworkAssociation.association_type, FrameworkAssociation.position)
        )
    )
    other_ends = {
        a.destination_identifier if a.origin_identifier == item.identifier else a.origin_identifier
        for a in associations
    }
    known: dict[str, FrameworkItem] = {}
    if other_ends:
        # An identifier may live in several versions: the draft's own item first, else the latest stored.
        for found in session.scalars(
            select(FrameworkItem).where(FrameworkItem.identifier.in_(other_ends)).order_by(FrameworkItem.id)
        ):
            current = known.get(found.identifier)
            if current is None or current.version_id != version_id:
                known[found.identifier] = found
    elsewhere = session.scalar(
        select(func.count())
        .select_from(FrameworkAssociation)
        .where(
            names_it,
            FrameworkAssociation.version_id.in_(
                select(FrameworkVersion.id).where(FrameworkVersion.framework_id != item.version.framework_id)
            ),
        )
    )
    copies: list[FrameworkItem] = []
    earlier = item.predecessor
    while earlier is not None and len(copies) < MAX_PUBLISHED_COPIES:
        copies.append(earlier)
        earlier = earlier.predecessor
    return ItemRemoval(
        item=item,
        associations=associations,
        known_items=known,
        elsewhere=elsewhere or 0,
        published_copies=[copy for copy in copies if copy.version.is_published],
        children=session.scalar(
            select(func.count())
            .select_from(FrameworkAssociation)
            .where(
                FrameworkAssociation.version_id == version_id,
                FrameworkAssociation.association_type == "isChildOf",
                FrameworkAssociation.destination_identifier == item.identifier,
            )
        )
        or 0,
        sign_offs=session.scalar(select(func.count()).select_from(SignOff).where(SignOff.item_id == item.id))
        or 0,
        crosswalks=session.scalar(
            select(func.count())
            .select_from(Crosswalk)
            .where(or_(Crosswalk.local_item_id == item.id, Crosswalk.shared_item_id == item.id))
        )
        or 0,
    )
