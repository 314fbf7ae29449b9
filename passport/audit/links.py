"""Links from the audit log to the records its events are about.

A feature registers the page of each kind of record it owns (``register_record_page``) when its views
load, as it registers its home links; the audit log stays ignorant of the features. An event's record is
linked only when its page would open for the viewer: the record still exists, and the viewer may take the
page's action for the record's trust (or the event's, for records without one of their own); one query
per kind of record on the page of events.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from flask import url_for
from sqlalchemy import select
from sqlalchemy.orm import Session

from passport.audit.models import AuditEvent
from passport.auth.models import UserAccount
from passport.auth.policy import Action, allows


@dataclass(frozen=True, slots=True)
class RecordPage:
    endpoint: str
    argument: str  # the endpoint's argument the record's identifier fills
    action: Action  # what the viewer must be allowed, for the record's (or the event's) trust
    key: Any  # the model column the event's record_id names (an integer id or a text identifier)
    # The record's own trust column, where the page's access turns on it (a staff record opens for HR of
    # the person's current trust, whichever trust the event was recorded for); else the event's trust.
    trust_key: Any = None
    numeric: bool = True  # the identifier is an integer id (else text, such as a UUID)


RECORD_PAGES: dict[str, RecordPage] = {}


def register_record_page(record_type: str, page: RecordPage) -> None:
    RECORD_PAGES[record_type] = page


def _identifier(page: RecordPage, record_id: str | None) -> Any:
    if record_id is None:
        return None
    if not page.numeric:
        return record_id
    return int(record_id) if record_id.isdigit() and len(record_id) < 10 else None


def record_links(session: Session, user: UserAccount, events: Iterable[AuditEvent]) -> dict[int, str]:
    """The address of each event's record that the viewer can open, by event id."""
    wanted: dict[str, list[tuple[AuditEvent, Any]]] = defaultdict(list)
    for event in events:
        page = RECORD_PAGES.get(event.record_type or "")
        if page is None:
            continue
        identifier = _identifier(page, event.record_id)
        if identifier is not None:
            wanted[event.record_type].append((event, identifier))
    links: dict[int, str] = {}
    for record_type, pairs in wanted.items():
        page = RECORD_PAGES[record_type]
        trust_column = page.trust_key if page.trust_key is not None else page.key
        asked = {identifier for _, identifier in pairs}
        rows = session.execute(select(page.key, trust_column.label("trust")).where(page.key.in_(asked)))
        existing = {row[0]: row[1] for row in rows}
        for event, identifier in pairs:
            if identifier not in existing:
                continue
            trust_id = existing[identifier] if page.trust_key is not None else event.trust_id
            if allows(user, page.action, trust_id):
                links[event.id] = url_for(page.endpoint, **{page.argument: identifier})
    return links
