"""The moments of workforce records that other features react to (blinker signals, as Flask uses).

``records_changed`` is sent by the operations that change assignments or absences (a form, an API
call, an import's last chunk, a secondment starting or ending), with ``session`` (the transaction of
the change, to start follow-up work in) and ``trust_ids`` (the trusts whose records changed). The
metrics listen, to bring their roll-ups up to date; listeners queue work for when that transaction
commits, so sending before the commit is safe.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

from blinker import Namespace
from sqlalchemy.orm import Session

_signals = Namespace()
records_changed = _signals.signal("workforce-records-changed")
# Sent before bulk writes (an import's chunk) change these people's assignments or absences, with
# ``session`` and ``staff_member_ids``: the metrics count their contribution to the roll-ups as it stands
# (passport.metrics.upkeep). Changes through the ORM need no signal: a flush hook sees them.
records_changing = _signals.signal("workforce-records-changing")
# Sent by an import before it writes its first chunk, with ``session`` and ``people`` (a callable giving
# the staff member ids of every record in the file, read only if a listener asks), and after its last
# chunk is committed, in a transaction that writes nothing else: listeners may carry work across the
# import's chunk transactions (the metrics count the file's people before and after the whole import,
# once, instead of before and after every chunk).
import_writing = _signals.signal("workforce-import-writing")
import_written = _signals.signal("workforce-import-written")

SENDER = "passport.workforce"


def announce_records_changed(session: Session, trust_ids: Iterable[int]) -> None:
    """Tell the listeners that these trusts' records change in this session's transaction."""
    changed = sorted({trust_id for trust_id in trust_ids if trust_id is not None})
    if changed:
        records_changed.send(SENDER, session=session, trust_ids=changed)


def announce_records_changing(session: Session, staff_member_ids: Iterable[int | None], records: str) -> None:
    """Tell the listeners that bulk writes in this session's transaction are about to change these
    people's ``records`` ("assignments" or "absences")."""
    people = sorted({person for person in staff_member_ids if person is not None})
    records_changing.send(SENDER, session=session, staff_member_ids=people, records=records)


def announce_import_writing(session: Session, people: Callable[[], Iterable[int]], records: str) -> None:
    """An import of ``records`` ("assignments" or "absences") is about to write its chunks, each
    committed on its own, in this session."""
    import_writing.send(SENDER, session=session, people=people, records=records)


def announce_import_written(session: Session) -> None:
    """The import's last chunk is committed: listeners settle what they carried across the chunks, in this
    new transaction, before anything else is written in it."""
    import_written.send(SENDER, session=session)
