"""The moments of workforce records that other features react to (blinker signals, as Flask uses).

``records_changed`` is sent after a change to assignments or absences has been committed (an import's
last chunk, a form, an API call), with ``session`` (to start follow-up work in) and ``trust_ids`` (the
trusts whose records changed). The metrics listen, to bring their roll-ups up to date.
"""

from __future__ import annotations

from blinker import Namespace

_signals = Namespace()
records_changed = _signals.signal("workforce-records-changed")
