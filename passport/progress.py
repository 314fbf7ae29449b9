"""How far a long piece of work started from a page has got, for that page to poll.

The page makes a random key, sends it with the form, and polls a small JSON route with it while the
request does the work; the work publishes its figures under the key after each chunk. The figures live
in this process's memory (the last few hundred pieces of work), and only the person who started the work
can read them. A feature whose work may run in another worker process keeps a copy in its own table
too (the workforce imports do, on PostgreSQL).
"""

from __future__ import annotations

import re
import secrets
import threading
from collections import OrderedDict
from typing import Any

KEY_PATTERN = re.compile(r"^[A-Za-z0-9_-]{16,64}$")
_KEEP = 200
_PROGRESS: OrderedDict[str, dict[str, Any]] = OrderedDict()
_LOCK = threading.Lock()


def new_key() -> str:
    return secrets.token_urlsafe(24)


def is_key(text: str | None) -> bool:
    return bool(text) and KEY_PATTERN.match(text or "") is not None


def publish(key: str | None, **values: Any) -> None:
    """Add or update what is known of the work under ``key`` (nothing happens without a key)."""
    if not key:
        return
    with _LOCK:
        _PROGRESS.setdefault(key, {}).update(values)
        _PROGRESS.move_to_end(key)
        while len(_PROGRESS) > _KEEP:
            _PROGRESS.popitem(last=False)


def read(key: str, user_id: int | None) -> dict[str, Any] | None:
    """What is known of the work under ``key`` when ``user_id`` started it, else None."""
    with _LOCK:
        known = dict(_PROGRESS.get(key, {}))
    return known if known and known.get("user_id") == user_id else None
