"""One place that turns errors into answers: RFC 9457 problem details under ``/api/``, NHS.UK pages
elsewhere, and the body a standard binding prescribes under its own prefix (CASE's imsx_StatusInfo under
/ims/case/v1p1/, registered by that blueprint). Operations raise the domain errors below; they know
nothing of HTTP."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import Flask, Response, current_app, jsonify, render_template, request
from flask_wtf.csrf import CSRFError
from marshmallow import ValidationError
from sqlalchemy.exc import IntegrityError, OperationalError
from werkzeug.exceptions import HTTPException, InternalServerError


class DomainError(Exception):
    """A rule of the service was broken; the message is for the person who broke it."""

    status = 400
    title = "Bad request"

    def __init__(self, message: str, *, field: str | None = None, errors: dict[str, Any] | None = None):
        super().__init__(message)
        self.message = message
        self.errors = errors or ({field: [message]} if field else {})


class InvalidInput(DomainError):
    status = 422
    title = "The request has invalid fields"


class NotFound(DomainError):
    status = 404
    title = "Not found"


class AccessDenied(DomainError):
    status = 403
    title = "Forbidden"


class Conflict(DomainError):
    status = 409
    title = "Conflict"


def wants_problem_json() -> bool:
    return request.path.startswith("/api/") or request.path.startswith("/ims/")


# Path prefix -> what builds an error answer there from (status, detail): for clients of a standard that
# defines its own error body, which every error under the prefix must take (unmatched routes and the
# checks made before any view included).
_ERROR_BODIES: dict[str, Callable[[int, str], Response]] = {}


def answer_errors_under(prefix: str, build: Callable[[int, str], Response]) -> None:
    _ERROR_BODIES[prefix] = build


def _error_body_for_path() -> Callable[[int, str], Response] | None:
    return next((build for prefix, build in _ERROR_BODIES.items() if request.path.startswith(prefix)), None)


def problem_response(
    status: int,
    title: str,
    detail: str,
    errors: dict[str, Any] | None = None,
    headers: dict[str, str] | None = None,
) -> Response:
    build = _error_body_for_path()
    if build is not None:
        response = build(status, detail)
        for name, value in (headers or {}).items():
            response.headers[name] = value
        return response
    body: dict[str, Any] = {
        "type": "about:blank",
        "title": title,
        "status": status,
        "detail": detail,
        "instance": request.path,
    }
    if errors:
        body["errors"] = [{"field": field, "message": message} for field, message in _flatten_errors(errors)]
    response = jsonify(body)
    response.status_code = status
    response.mimetype = "application/problem+json"
    for name, value in (headers or {}).items():
        response.headers[name] = value
    return response


def _flatten_errors(errors: Any, prefix: str = "") -> list[tuple[str, str]]:
    """marshmallow and webargs nest errors by location and field; flatten to dotted field paths."""
    flat: list[tuple[str, str]] = []
    if isinstance(errors, dict):
        for key, value in errors.items():
            # webargs puts the location (json, query, form) first; it is not part of the field's name.
            name = (
                ""
                if (not prefix and key in {"json", "query", "form", "files", "headers", "path", "view_args"})
                else str(key)
            )
            path = ".".join(part for part in (prefix, name) if part)
            flat.extend(_flatten_errors(value, path))
    elif isinstance(errors, list | tuple):
        if all(isinstance(item, str) for item in errors):
            flat.extend((prefix or "(body)", item) for item in errors)
        else:
            for item in errors:
                flat.extend(_flatten_errors(item, prefix))
    else:
        flat.append((prefix or "(body)", str(errors)))
    return flat


def _describe(errors: dict[str, Any]) -> str:
    pairs = _flatten_errors(errors)
    if not pairs:
        return "The request could not be processed."
    return "; ".join(f"{field}: {message}" for field, message in pairs[:5])


def html_error(status: int, title: str, message: str) -> tuple[str, int]:
    return render_template("errors/error.html", status=status, title=title, message=message), status


def error_response(status: int, title: str, detail: str) -> Response:
    """An error answered as problem details under /api/ and /ims/, as an NHS.UK page elsewhere."""
    if wants_problem_json():
        return problem_response(status, title, detail)
    return current_app.make_response(html_error(status, title, detail))


def handle_domain_error(error: DomainError):  # type: ignore[no-untyped-def]
    if wants_problem_json():
        detail = error.message if not error.errors else error.message
        return problem_response(error.status, error.title, detail, error.errors)
    return html_error(error.status, error.title, error.message)


def handle_validation_error(error: ValidationError):  # type: ignore[no-untyped-def]
    messages = error.messages if isinstance(error.messages, dict) else {"(body)": error.messages}
    return handle_domain_error(InvalidInput(_describe(messages), errors=messages))


HUMAN_MESSAGES = {
    400: "The request could not be understood.",
    401: "You need to sign in to see this page.",
    403: "You do not have permission to see this page.",
    404: "Page not found. If you typed the web address, check it is correct.",
    405: "This page does not accept that kind of request.",
    413: "The file or request is too large.",
    415: "That type of content is not accepted here.",
    429: "Too many attempts. Wait a few minutes and try again.",
    500: "Sorry, there is a problem with the service. Try again later.",
    503: "Sorry, the service is unavailable. Try again later.",
}


def handle_http_exception(error: HTTPException):  # type: ignore[no-untyped-def]
    status = error.code or 500
    data = getattr(error, "data", None) or {}
    errors = data.get("errors") or data.get("messages")
    headers = dict(data.get("headers") or {})
    if wants_problem_json():
        if errors:
            detail = _describe(errors)
        elif status == 400 and request.is_json is False and request.method in {"POST", "PUT", "PATCH"}:
            detail = "The request body must be JSON (Content-Type: application/json)."
        else:
            detail = data.get("message") or error.description or HUMAN_MESSAGES.get(status, error.name)
        response = problem_response(status, error.name, detail, errors, headers)
        if status == 405 and error.get_response().headers.get("Allow"):
            response.headers["Allow"] = error.get_response().headers["Allow"]
        return response
    message = HUMAN_MESSAGES.get(status, error.description or error.name)
    body, code = html_error(status, error.name, message)
    response = current_app.make_response((body, code))
    if status == 405 and error.get_response().headers.get("Allow"):
        response.headers["Allow"] = error.get_response().headers["Allow"]
    return response


def handle_csrf_error(error: CSRFError):  # type: ignore[no-untyped-def]
    message = (
        "The form had expired or was not sent from this service. Go back, reload the page and try again."
    )
    if wants_problem_json():
        return problem_response(400, "CSRF check failed", error.description or message)
    return html_error(400, "Your form could not be sent", message)


def handle_unexpected(error: Exception):  # type: ignore[no-untyped-def]
    current_app.logger.exception("Unhandled error on %s %s", request.method, request.path)
    return handle_http_exception(InternalServerError())


def _discarding_changes(handler):  # type: ignore[no-untyped-def]
    """An error answered is a request that did nothing: its changes are undone before the answer."""

    def handle(error):  # type: ignore[no-untyped-def]
        from passport.db import discard_request_changes

        discard_request_changes()
        return handler(error)

    return handle


# What each constraint a concurrent writer can trip means, in words (the database, not the application's
# own check, refused the write: two people or imports wrote at the same moment).
CONFLICT_MESSAGES = {
    "ex_absence_sickness_overlap": "A sickness absence overlapping this one was saved at the same moment.",
    "uq_absence_assignment_id": (
        "The same absence (assignment, start date and category) was saved at the same moment."
    ),
}


def write_conflict(error: BaseException) -> str | None:
    """The words for a write refused by a uniqueness or exclusion constraint (another writer got there
    first), or None for any other error."""
    if not isinstance(error, IntegrityError):
        return None
    cause = error.orig
    state = getattr(cause, "sqlstate", None) or getattr(getattr(cause, "diag", None), "sqlstate", None)
    text = str(cause)
    if state not in {"23505", "23P01"} and "UNIQUE constraint failed" not in text:
        return None
    constraint = getattr(getattr(cause, "diag", None), "constraint_name", None) or ""
    known = next((words for name, words in CONFLICT_MESSAGES.items() if constraint.startswith(name)), None)
    return known or "A record with the same key was saved at the same moment."


def handle_integrity_error(error: IntegrityError) -> Response:
    words = write_conflict(error)
    if words is None:
        raise error  # a broken rule of our own: a bug, answered as one
    return error_response(
        409, "Conflict", f"{words} Nothing of this request was saved: reload the page and try again."
    )


# PostgreSQL's words for a write that lost a race for a lock: a serialization failure, a deadlock, a lock
# not had within lock_timeout.
_BUSY_SQLSTATES = {"40001", "40P01", "55P03"}
BUSY_RETRY_SECONDS = 5


def database_busy(error: BaseException) -> bool:
    """Whether a write waited its turn too long: SQLite's "database is locked" once its busy timeout has
    passed (another writer, an import's chunk or a recount, held the one write lock), or PostgreSQL's
    ``_BUSY_SQLSTATES``. The same request a few seconds later goes through."""
    if not isinstance(error, OperationalError):
        return False
    cause = error.orig
    state = getattr(cause, "sqlstate", None)
    return state in _BUSY_SQLSTATES or "database is locked" in str(cause)


def handle_operational_error(error: OperationalError) -> Response:
    if not database_busy(error):
        raise error  # a lost connection, a broken query: answered as the error it is
    current_app.logger.warning("Database busy on %s %s: %s", request.method, request.path, error.orig)
    response = error_response(
        503,
        "Service busy",
        "The service was busy saving other changes and could not save yours in time. Nothing of this "
        f"request was saved: wait {BUSY_RETRY_SECONDS} seconds and try again.",
    )
    response.headers["Retry-After"] = str(BUSY_RETRY_SECONDS)
    return response


def init_app(app: Flask) -> None:
    app.register_error_handler(IntegrityError, _discarding_changes(handle_integrity_error))
    app.register_error_handler(OperationalError, _discarding_changes(handle_operational_error))
    app.register_error_handler(DomainError, _discarding_changes(handle_domain_error))
    app.register_error_handler(ValidationError, _discarding_changes(handle_validation_error))
    app.register_error_handler(CSRFError, _discarding_changes(handle_csrf_error))
    app.register_error_handler(HTTPException, _discarding_changes(handle_http_exception))
    if not app.testing:
        app.register_error_handler(Exception, _discarding_changes(handle_unexpected))
