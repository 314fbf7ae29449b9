"""Small helpers about URLs that several features share."""

from __future__ import annotations

from urllib.parse import urlsplit


def is_safe_local_path(target: str | None) -> bool:
    """Only a path on this site may be a redirect target: ``//evil``, ``/\\evil``, ``https://evil``,
    ``javascript:`` and anything with a scheme or host are refused."""
    if not target or not target.startswith("/") or target.startswith(("//", "/\\")):
        return False
    if any(ch in target for ch in ("\\", "\r", "\n", "\t")) or any(ord(ch) < 32 for ch in target):
        return False
    parts = urlsplit(target)
    return not parts.scheme and not parts.netloc
