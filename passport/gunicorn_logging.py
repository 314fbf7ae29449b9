"""gunicorn's logger with share tokens taken out of every access-log field (``passport/log_redaction.py``).
Named by ``logger_class`` in ``gunicorn.conf.py``."""

from __future__ import annotations

from typing import Any

from gunicorn.glogging import Logger

from passport.log_redaction import redact


class RedactingLogger(Logger):
    def atoms(self, resp: Any, req: Any, environ: Any, request_time: Any) -> dict[str, Any]:
        return {
            key: redact(value) if isinstance(value, str) else value
            for key, value in super().atoms(resp, req, environ, request_time).items()
        }
