"""A fingerprint of the records the metrics are counted from: kept beside anything counted from them
(dashboard snapshots, the sickness roll-up), so that what no longer matches the records is never shown."""

from __future__ import annotations

import hashlib
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from passport.metrics.models import PublishedSickness
from passport.trusts.models import StaffMember, Trust
from passport.workforce.models import Absence, Assignment

# The tables a dashboard's figures are counted from, each with the columns whose highest value moves
# whenever a row is added (the id) or changed (its change time). Rows of these tables are never deleted.
_SOURCES = (
    (Assignment.id, Assignment.updated_at),
    (Absence.id, Absence.updated_at),
    (StaffMember.id,),
    (PublishedSickness.id, PublishedSickness.imported_at),
)


def source_fingerprint(session: Session) -> str:
    """A digest of the state of the records the metrics read: it changes whenever they do. Each part is
    the end of an index, so this costs the same at any size."""
    parts: list[Any] = []
    # One scalar subquery per column: SQLite reads a MAX() from the end of an index only when it is the
    # query's single aggregate; two in one SELECT would scan the whole table.
    ends = [select(func.max(column)).scalar_subquery() for columns in _SOURCES for column in columns]
    parts.extend(str(value) for value in session.execute(select(*ends)).one())
    # The few trusts are read whole: a renamed trust or a new partner changes titles and totals.
    parts.extend(
        str(tuple(row))
        for row in session.execute(
            select(Trust.id, Trust.ods_code, Trust.name, Trust.partnership_id).order_by(Trust.id)
        )
    )
    return hashlib.sha256("|".join(parts).encode()).hexdigest()


def records_changed_at(session: Session) -> Any:
    """When the workforce records were last changed (an assignment or absence added or changed): the
    figures that match the fingerprint include every change up to then. Ends of indexes, as above."""
    columns = (Assignment.updated_at, Absence.updated_at)
    ends = [select(func.max(column)).scalar_subquery() for column in columns]
    found = [value for value in session.execute(select(*ends)).one() if value is not None]
    return max(found) if found else None
