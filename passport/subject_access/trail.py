"""Recording who opened a person's records, and the list she reads (issue 17).

Every view of a person's staff record (with her assignments and absences, and for HR of her trust her
sickness reasons and Bradford factor) and every appearance in the Bradford list, by anyone but her, is one
``RecordView`` row, written as the page or API answer is made (an access trail: kept though the request is
a GET). She sees role, trust and when, never the viewer's name.
"""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import func, insert, select
from sqlalchemy.orm import Session

from passport.auth.models import UserAccount
from passport.db import allow_access_trail, utcnow
from passport.subject_access.models import RecordView

VIEWED_WORDS: dict[str, str] = {
    "staff_record": "Your staff record: posts and absences",
    "staff_record_with_sickness": "Your staff record with your sickness reasons and Bradford factor",
    "bradford_list": "Your Bradford factor, in the trust's Bradford list",
    "correction_request": "A correction you asked for, with the value it is about",
}


def record_views(session: Session, viewer: UserAccount, staff_ids: Iterable[int], what: str) -> None:
    """One row per person whose record ``viewer`` is shown (not the viewer's own)."""
    if what not in VIEWED_WORDS:
        raise ValueError(f"no words for a view of {what!r}")
    own = getattr(viewer, "staff_member_id", None)
    people = sorted({staff_id for staff_id in staff_ids if staff_id != own})
    if not people:
        return
    roles = ", ".join(role.label for role in sorted(viewer.roles))
    now = utcnow()
    allow_access_trail(session)
    session.execute(
        insert(RecordView),
        [
            {
                "staff_member_id": staff_id,
                "viewer_user_id": viewer.id,
                "viewer_roles": roles[:100],
                "viewer_trust_id": viewer.trust_id,
                "what": what,
                "viewed_at": now,
            }
            for staff_id in people
        ],
    )


def views_of(
    session: Session, staff_member_id: int, *, limit: int, offset: int
) -> tuple[list[RecordView], int]:
    """The views of her records, newest first, a page at a time, and how many there are."""
    where = RecordView.staff_member_id == staff_member_id
    total = session.scalar(select(func.count()).select_from(RecordView).where(where)) or 0
    rows = session.scalars(
        select(RecordView)
        .where(where)
        .order_by(RecordView.viewed_at.desc(), RecordView.id.desc())
        .limit(limit)
        .offset(offset)
    )
    return list(rows), total
