"""Pages that belong to no one feature: the home page per role and the offline API reference."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, current_app, render_template, request, url_for
from flask_login import current_user, login_required

from passport.extensions import api
from passport.navigation import current_entry_state, links_for, navigation_for, todos_for

blueprint = Blueprint("core", __name__)


@blueprint.app_context_processor
def _header_navigation() -> dict[str, Any]:
    return {"header_navigation": header_navigation}


def header_navigation() -> list[dict[str, Any]]:
    """The header navigation's items (nhsuk-frontend's header macro) for whoever is signed in: the
    entries her roles' home page links make, the one for this page marked; nothing for anyone else."""
    if not current_user.is_authenticated:
        return []
    items = []
    for entry in navigation_for(current_user.roles):
        state = current_entry_state(entry, request.endpoint)
        items.append(
            {
                "href": url_for(entry.endpoint),
                "text": entry.title,
                "current": state == "page",
                "active": state == "section",
            }
        )
    return items


@blueprint.get("/")
@login_required
def home():  # type: ignore[no-untyped-def]
    user = current_user._get_current_object()
    return render_template("home.html", sections=links_for(user.roles), todos=todos_for(user))


@blueprint.get("/api/v1/reference")
def api_reference():  # type: ignore[no-untyped-def]
    """A readable page of the OpenAPI document, drawn here so it needs nothing from the internet."""
    spec = api.spec.to_dict()
    operations = []
    for path, item in sorted(spec.get("paths", {}).items()):
        for method, operation in item.items():
            if method not in {"get", "post", "put", "patch", "delete"}:
                continue
            operations.append(
                {
                    "method": method.upper(),
                    "path": path,
                    "summary": operation.get("summary", ""),
                    "description": operation.get("description", ""),
                    "tag": (operation.get("tags") or ["general"])[0],
                    "parameters": operation.get("parameters", []),
                    "responses": sorted(operation.get("responses", {}).items()),
                    "request_schema": _request_schema_name(operation),
                }
            )
    schemas = spec.get("components", {}).get("schemas", {})
    return render_template(
        "api_reference.html",
        operations=operations,
        schemas=sorted(schemas.items()),
        title=current_app.config["API_TITLE"],
    )


def _request_schema_name(operation: dict) -> str | None:
    content = operation.get("requestBody", {}).get("content", {})
    for media in content.values():
        ref = media.get("schema", {}).get("$ref", "")
        if ref:
            return ref.rsplit("/", 1)[-1]
    return None
