"""Actions that cannot be undone ask first, as the NHS.UK confirmation pattern does: the action's GET is a
confirmation page naming the record and what will happen, and a POST acts only with that page's
``confirmed=yes``; a POST without it changes nothing and is sent to the confirmation page. The JSON API
acts at once (a program has asked on purpose)."""

from __future__ import annotations

from flask import request

CONFIRMED = "yes"


def confirmed() -> bool:
    """Whether this POST came from the confirmation page's button."""
    return request.form.get("confirmed") == CONFIRMED
