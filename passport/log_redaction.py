"""Share links are bearer secrets: whoever holds one sees a nurse's passport until it expires. No log line
may carry one, so every logger that writes request lines (Flask's development server here, gunicorn's
access log in ``passport/gunicorn_logging.py``) passes its text through ``redact``. The Referer of a
shared page's own assets carries the token too, hence every field, not only the request line."""

from __future__ import annotations

import logging
import re

# /v/<token> and anything under it: the shared passport, its presentation, its QR codes.
_SHARE_PATH = re.compile(r"(/v/)[^/?#\s\"']+")
REDACTED = "[share-token]"


def redact(text: str) -> str:
    return _SHARE_PATH.sub(rf"\g<1>{REDACTED}", text) if "/v/" in text else text


class RedactShareTokens(logging.Filter):
    """A logging filter that takes share tokens out of a record's message and arguments."""

    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.msg, str):
            record.msg = redact(record.msg)
        if isinstance(record.args, tuple):
            record.args = tuple(redact(arg) if isinstance(arg, str) else arg for arg in record.args)
        elif isinstance(record.args, dict):
            record.args = {k: redact(v) if isinstance(v, str) else v for k, v in record.args.items()}
        return True


def install() -> None:
    """Filter the development server's request log (``werkzeug``); idempotent."""
    logger = logging.getLogger("werkzeug")
    if not any(isinstance(existing, RedactShareTokens) for existing in logger.filters):
        logger.addFilter(RedactShareTokens())
