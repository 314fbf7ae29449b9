"""The moments of workforce records that other features react to (blinker signals, as Flask uses).

``records_changed`` is sent by the operations that change assignments or absences (a form, an API
call, an import's last chunk, a secondment starting or ending), with ``session`` (the transaction of
the change, to start follow-up work in) and ``trust_ids`` (the trusts whose records changed). The
metrics listen, to bring their roll-ups up to date; listeners queue work for when that transaction
commits, so sending before the commit is safe.
"""

from __future__ import annotations

from collections.abc import Iterable

from blinker import Namespace
from sqlalchemy.orm import Session

_signals = Namespace()
records_changed = _signals.signal("workforce-records-changed")
# Sent before bulk writes (an import's chunk) change these people's assignments or absences, with
# ``session`` and ``staff_member_ids``: the metrics count their contribution to the roll-ups as it stands
# (passport.metrics.upkeep). Changes through the ORM need no signal: a flush hook sees them.
records_changing = _signals.signal("workforce-records-changing")

SENDER = "passport.workforce"


def announce_records_changed(session: Session, trust_ids: Iterable[int]) -> None:
    """Tell the listeners that these trusts' records change in this session's transaction."""
    changed = sorted({trust_id for trust_id in trust_ids if trust_id is not None})
    if changed:
        records_changed.send(SENDER, session=session, trust_ids=changed)


def announce_records_changing(session: Session, staff_member_ids: Iterable[int | None]) -> None:
    """Tell the listeners that bulk writes in this session's transaction are about to change these
    people's records."""
    people = sorted({person for person in staff_member_ids if person is not None})
    records_changing.send(SENDER, session=session, staff_member_ids=people)
