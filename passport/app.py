"""The application factory."""

from __future__ import annotations

import importlib
from pathlib import Path
from typing import Any

from flask import Flask, Response, current_app, g, jsonify, request, send_from_directory
from flask_login import current_user
from jinja2 import ChainableUndefined, ChoiceLoader, FileSystemLoader, PackageLoader
from sqlalchemy import text
from werkzeug.middleware.proxy_fix import ProxyFix
from werkzeug.routing import IntegerConverter

from passport import db, errors, log_redaction
from passport.config import PROJECT_ROOT, flask_config, load_settings
from passport.credentials.proofs import VERIFIED_SIGNATURES
from passport.extensions import api, csrf, limiter, login_manager
from passport.formatting import iso, plain_number, uk_date, uk_date_time, uk_month

STATIC_DIR = Path(__file__).resolve().parent / "static"
NHSUK_ASSETS_DIR = STATIC_DIR / "vendor" / "nhsuk"


def create_app(config: dict[str, Any] | None = None) -> Flask:
    settings = load_settings()
    app = Flask(
        __name__,
        instance_path=str(PROJECT_ROOT / "instance"),
        template_folder=str(PROJECT_ROOT / "templates"),
        static_folder=str(STATIC_DIR),
    )
    app.url_map.converters["int"] = RecordIdConverter
    app.config.update(flask_config(settings))
    if config:
        app.config.update(config)
        if "PASSPORT_DATABASE_URL" in config:
            settings = settings.__class__(
                **{**settings.__dict__, "database_url": config["PASSPORT_DATABASE_URL"]}
            )
            app.config["PASSPORT_SETTINGS"] = settings
    # The public verifier takes JSON from anyone, signed in or not: no form, no session to protect.
    app.config["PASSPORT_CSRF_EXEMPT_ENDPOINTS"] = {
        *app.config.get("PASSPORT_CSRF_EXEMPT_ENDPOINTS", set()),
        "credentials_api.Verify",
    }
    _configure_templates(app)
    if app.testing and not (config and "PASSPORT_QUEUE_URL" in config):
        # Tests run jobs where they start, unless a test asks for a real broker.
        app.config["PASSPORT_QUEUE_URL"] = "immediate"
    db.init_app(app, app.config.get("PASSPORT_DATABASE_URL", settings.database_url))
    VERIFIED_SIGNATURES.resize(settings.verified_signatures_kept)
    errors.init_app(app)
    for name in TASK_MODULES:
        importlib.import_module(name)
    from passport.background import queue

    queue.init_app(app)
    _init_extensions(app)
    _register_blueprints(app)
    _register_core_routes(app)
    from passport.cli import passport_cli

    for name in CLI_MODULES:
        for command in importlib.import_module(name).commands:
            passport_cli.add_command(command)
    app.cli.add_command(passport_cli)
    app.after_request(_security_headers)
    log_redaction.install()  # the development server's request log, as gunicorn's (gunicorn.conf.py)
    hops = app.config["PASSPORT_SETTINGS"].trusted_proxy_hops
    if hops:
        # Behind the trust's proxy every connection comes from the proxy: the client is who it says.
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops)  # type: ignore[method-assign]
    return app


def _configure_templates(app: Flask) -> None:
    # nhsuk-frontend-jinja's macros rely on ChainableUndefined for optional nested parameters.
    app.jinja_env.undefined = ChainableUndefined
    # Every template autoescapes, the NHS.UK macros' .jinja files included: Flask alone escapes only
    # .html, .htm, .xml, .xhtml and .svg, so their "text" parameters reached pages as markup. Markup of
    # our own goes to "html" parameters only as {% set %} blocks (see docs/security.md, "Escaping").
    app.jinja_env.autoescape = True
    app.jinja_loader = ChoiceLoader(
        [
            FileSystemLoader(str(PROJECT_ROOT / "templates")),
            PackageLoader("nhsuk_frontend_jinja", "templates"),
        ]
    )
    app.jinja_env.trim_blocks = True
    app.jinja_env.lstrip_blocks = True
    app.jinja_env.filters["number"] = plain_number
    # Dates one way on every page (passport/formatting.py): 2 December 2026, 2 December 2026 at 14:05 (UK
    # time), April 2024; "iso" only for machines, in a <time datetime="..."> attribute.
    app.jinja_env.filters["uk_date"] = uk_date
    app.jinja_env.filters["uk_date_time"] = uk_date_time
    app.jinja_env.filters["uk_month"] = uk_month
    app.jinja_env.filters["iso"] = iso

    @app.context_processor
    def _template_globals() -> dict[str, Any]:
        from passport.auth.policy import Action, allows

        return {"service_name": "Staff Passport", "allows": allows, "Action": Action}


def compile_templates(app: Flask) -> list[str]:
    """Compile every page template now (about a second) instead of at its first use: called by each
    gunicorn process before it takes requests (gunicorn.conf.py), so that the first people after a
    deploy or a process recycle are not the ones who wait (a cold dashboard: 350 ms; warm: 10-40 ms)."""
    names = [name for name in app.jinja_env.list_templates() if name.endswith((".html", ".jinja"))]
    for name in names:
        app.jinja_env.get_template(name)
    return names


class RecordIdConverter(IntegerConverter):
    """``<int:...>`` in every route: bounded to the range of our integer primary keys, so an id no row
    can have is a plain 404 instead of an out-of-range error from the database."""

    def __init__(self, url_map, *args, **kwargs):  # type: ignore[no-untyped-def]
        kwargs.setdefault("max", MAX_RECORD_ID)
        super().__init__(url_map, *args, **kwargs)


MAX_RECORD_ID = 2**31 - 1


def _init_extensions(app: Flask) -> None:
    from passport.auth.operations import load_user_for_session, user_for_api_token

    login_manager.init_app(app)
    login_manager.login_view = "auth.login"
    login_manager.login_message = "Sign in to see this page."
    login_manager.login_message_category = "info"
    login_manager.session_protection = "basic"

    @login_manager.user_loader
    def _load_user(session_id: str):  # type: ignore[no-untyped-def]
        return load_user_for_session(db.get_session(), session_id)

    @login_manager.request_loader
    def _load_user_from_token(req):  # type: ignore[no-untyped-def]
        header = req.headers.get("Authorization", "")
        scheme, _, raw = header.partition(" ")
        if scheme.lower() != "bearer" or not raw:
            return None
        user = user_for_api_token(db.get_session(), raw.strip())
        if user is not None:
            g.authenticated_by_token = True
        return user

    @login_manager.unauthorized_handler
    def _unauthorised():  # type: ignore[no-untyped-def]
        from flask import flash, redirect, url_for

        if errors.wants_problem_json():
            return errors.problem_response(
                401,
                "Unauthorized",
                "Sign in, or send an API token as 'Authorization: Bearer <token>'.",
                headers={"WWW-Authenticate": 'Bearer realm="passport"'},
            )
        flash(login_manager.login_message, "info")
        return redirect(url_for("auth.login", next=request.full_path.rstrip("?")))

    csrf.init_app(app)
    limiter.init_app(app)
    api.init_app(app)
    api.register_converter(
        RecordIdConverter, lambda _converter: {"type": "integer", "minimum": 0, "maximum": MAX_RECORD_ID}
    )
    app.before_request(_check_request_text)
    _token_requests_skip_csrf(app)


# Every JSON body is bounded before any view reads it (issue 18): views that take more (a CASE package, a
# presentation to verify) say so with a ``max_json_bytes`` attribute on their class.
MAX_JSON_BYTES = 1024 * 1024
MAX_JSON_DEPTH = 32


def _json_body_limit() -> int:
    view = current_app.view_functions.get(request.endpoint or "")
    return getattr(getattr(view, "view_class", view), "max_json_bytes", MAX_JSON_BYTES)


def _json_too_deep(value: object) -> bool:
    """Whether a parsed JSON value nests objects and arrays more than MAX_JSON_DEPTH levels deep: read
    level by level (no recursion; one list comprehension per level: a third of the time of a walk node by
    node, which was a tenth of a presentation's verification)."""
    level = [value]
    for _depth in range(MAX_JSON_DEPTH):
        containers = [item for item in level if type(item) is dict or type(item) is list]
        if not containers:
            return False
        level = [child for item in containers for child in (item.values() if type(item) is dict else item)]
    return any(type(item) is dict or type(item) is list for item in level)


def _json_strings(value: object) -> list[str]:
    """Every key and string in a parsed JSON value, walked without recursion."""
    strings: list[str] = []
    pending: list[object] = [value]
    while pending:
        item = pending.pop()
        if isinstance(item, str):
            strings.append(item)
        elif isinstance(item, dict):
            strings.extend(str(key) for key in item)
            pending.extend(item.values())
        elif isinstance(item, list):
            pending.extend(item)
    return strings


def _check_request_text() -> Response | None:
    """Before any work: a JSON body over its size or depth limit is refused (413, 400), and no text we
    keep may hold a NUL character (PostgreSQL refuses it: 400)."""
    if "\x00" in request.path:  # no record's identifier holds one, and PostgreSQL cannot compare it
        return errors.error_response(404, "Not Found", "No record has an identifier holding a NUL character.")
    values: list[str] = list(request.args.values())
    if request.mimetype in {"application/x-www-form-urlencoded", "multipart/form-data"}:
        values += list(request.form.values())
    elif request.is_json:
        limit = _json_body_limit()
        too_large = f"The request body is larger than {limit // (1024 * 1024)} MB."
        if request.content_length is not None and request.content_length > limit:
            return errors.error_response(413, "Payload too large", too_large)
        raw = request.get_data(cache=True)
        if len(raw) > limit:  # sent without a length: MAX_CONTENT_LENGTH bounds it
            return errors.error_response(413, "Payload too large", too_large)
        try:
            parsed = request.get_json(silent=True)
            too_deep = _json_too_deep(parsed)
        except RecursionError:  # the parser's own recursion, on far deeper nesting
            parsed, too_deep = None, True
        if too_deep:
            return errors.error_response(
                400,
                "Bad Request",
                f"The JSON is nested too deeply: at most {MAX_JSON_DEPTH} levels of objects and arrays.",
            )
        # The parser refuses raw control characters inside strings, so a NUL can only arrive escaped:
        # the strings are read only when the body holds that escape (cheap for a 2 MB presentation).
        if b"\\u0000" in raw:
            values += _json_strings(parsed)
    if not any("\x00" in value for value in values):
        return None
    return errors.error_response(400, "Bad Request", "Text may not contain NUL characters.")


def _token_requests_skip_csrf(app: Flask) -> None:
    """API clients with a bearer token are not browsers riding a cookie, so CSRF does not apply to them;
    a browser calling the API with its session cookie still needs the CSRF token header."""
    app.config["WTF_CSRF_CHECK_DEFAULT"] = False

    @app.before_request
    def _csrf_unless_token() -> None:
        if request.method in {"GET", "HEAD", "OPTIONS", "TRACE"} or not app.config.get(
            "WTF_CSRF_ENABLED", True
        ):
            return
        if current_user.is_authenticated and g.get("authenticated_by_token"):
            return
        if request.endpoint in app.config.get("PASSPORT_CSRF_EXEMPT_ENDPOINTS", set()):
            return
        csrf.protect()


# Each feature adds its modules here: views modules expose `blueprint` (a Flask Blueprint), API modules
# expose `blueprint` (a flask-smorest Blueprint, mounted under /api/v1), CLI modules expose `commands`.
VIEW_MODULES = [
    "passport.core_views",
    "passport.background.views",
    "passport.auth.views",
    "passport.audit.views",
    "passport.trusts.views",
    "passport.credentials.views",
    "passport.passports.views",
    "passport.workforce.views",
    "competencies.jobs.views",
    "competencies.frameworks.views",
    "competencies.frameworks.proficiency_views",
    "competencies.frameworks.case_api",
    "passport.secondments.views",
    "passport.metrics.views",
    "passport.subject_access.views",
    "passport.subject_access.request_views",
    "passport.record_keeping.views",
    "passport.corrections.views",
]
API_MODULES = [
    "passport.background.api",
    "passport.auth.api",
    "passport.trusts.api",
    "passport.credentials.api",
    "passport.passports.api",
    "passport.workforce.api",
    "competencies.jobs.api",
    "competencies.frameworks.api",
    "passport.secondments.api",
    "passport.metrics.api",
]
CLI_MODULES: list[str] = [
    "passport.background.cli",
    "competencies.jobs.cli",
    "passport.credentials.cli",
    "passport.passports.cli",
    "passport.workforce.cli",
    "competencies.frameworks.cli",
    "passport.secondments.cli",
    "passport.metrics.cli",
    "passport.subject_access.cli",
    "passport.record_keeping.cli",
]

# Each feature's tasks module registers its kinds of job and periodic work (passport.background.registry).
TASK_MODULES: list[str] = [
    "passport.background.tasks",
    "passport.auth.tasks",
    "passport.workforce.tasks",
    "passport.credentials.tasks",
    "passport.metrics.tasks",
    "passport.secondments.tasks",
    "passport.subject_access.tasks",
    "passport.record_keeping.tasks",
    "passport.passports.tasks",
    "competencies.frameworks.tasks",
    "competencies.jobs.tasks",
]


def _register_blueprints(app: Flask) -> None:
    for name in VIEW_MODULES:
        app.register_blueprint(importlib.import_module(name).blueprint)
    for name in API_MODULES:
        api.register_blueprint(importlib.import_module(name).blueprint, url_prefix="/api/v1")


def _register_core_routes(app: Flask) -> None:
    @app.get("/healthz")
    def healthz() -> tuple[Response, int]:
        try:
            db.get_session().execute(text("SELECT 1"))
        except Exception as error:  # any failure to reach the database means unhealthy
            app.logger.warning("health check: database unreachable: %s", error)
            return jsonify(status="unavailable", database="unreachable"), 503
        return jsonify(status="ok", database="reachable"), 200

    @app.get("/assets/<path:filename>")
    def nhsuk_assets(filename: str) -> Response:
        """The NHS.UK frontend's built files, served by us (its CSS refers to /assets/images/...)."""
        response = send_from_directory(NHSUK_ASSETS_DIR, filename, max_age=86400)
        return response


_SECURITY_HEADERS = {
    "Content-Security-Policy": (
        "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
        "font-src 'self'; connect-src 'self'; object-src 'none'; base-uri 'none'; "
        "form-action 'self'; frame-ancestors 'none'"
    ),
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    "X-Frame-Options": "DENY",
    "Cross-Origin-Opener-Policy": "same-origin",
    "Permissions-Policy": "camera=(), microphone=(), geolocation=(), payment=()",
}


def _security_headers(response: Response) -> Response:
    from flask import current_app

    for name, value in _SECURITY_HEADERS.items():
        response.headers.setdefault(name, value)
    if current_app.config["PASSPORT_SETTINGS"].is_production:
        response.headers["Strict-Transport-Security"] = "max-age=31536000; includeSubDomains"
    # plotly's bundle and stylesheet (/metrics/assets/) hold no personal data and are fetched by signed-in
    # directors only: kept by the browser as the routes say (a year, the links carrying the bundle's hash).
    is_asset = request.path.startswith(("/assets/", "/static/", "/metrics/assets/"))
    if not is_asset and ("Cache-Control" not in response.headers or current_user.is_authenticated):
        # Pages and API answers may carry personal data: never kept by a browser or a proxy.
        response.headers["Cache-Control"] = "no-store"
    return response
