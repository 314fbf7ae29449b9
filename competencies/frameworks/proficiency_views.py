"""The page to edit a framework's proficiency scale: its title, and its levels (change, add, move up or
down, remove). Plain forms, each answered by a redirect back to the page (POST-redirect-GET) or, when
something was wrong, by the page again with the NHS.UK error summary and what was typed.

Only whoever may manage the framework (``operations.ensure_can_manage``: admins for shared frameworks,
also HR for their own trust's) sees or changes the page; the rules are in ``proficiency``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_login import current_user, login_required
from flask_wtf import FlaskForm
from sqlalchemy.orm import Session

from competencies.frameworks import operations, proficiency
from competencies.frameworks.models import Framework, ProficiencyLevel, ProficiencyScale
from competencies.frameworks.proficiency_forms import (
    LevelActionForm,
    LevelForm,
    ScaleTitleForm,
    level_form,
    new_level_form,
    title_form,
)
from passport.db import get_session
from passport.errors import DomainError, InvalidInput, NotFound
from passport.forms import attach_domain_error

blueprint = Blueprint("framework_scale", __name__, url_prefix="/frameworks")

PAGE = "/<string:framework_id>/proficiency-scale"
LEVEL = PAGE + "/levels/<int:level_id>"


def _user():  # type: ignore[no-untyped-def]
    return current_user._get_current_object()


def _framework_to_change(framework_id: str) -> tuple[Session, Framework]:
    """The framework, once the user may manage it (else 403)."""
    session = get_session()
    framework = operations.get_framework(session, framework_id)
    operations.ensure_can_manage(_user(), framework.owner_trust_id)
    return session, framework


def _scale(framework: Framework) -> ProficiencyScale:
    if framework.scale is None:
        raise NotFound(f"{framework.title!r} has no proficiency scale yet; add one first.")
    return framework.scale


def _page_url(framework: Framework, level: ProficiencyLevel | None = None) -> str:
    anchor = f"level-{level.id}" if level is not None and level.id is not None else None
    return url_for("framework_scale.edit", framework_id=framework.identifier, _anchor=anchor)


def _problems(form: FlaskForm, anchor: str) -> list[dict[str, str]]:
    """The error summary's list: each field's messages link to the field; the rest to ``anchor``."""
    found = [{"text": message, "href": f"#{anchor}"} for message in form.form_errors]
    for field in form:
        if field.errors and field.short_name != "csrf_token":
            found += [{"text": message, "href": f"#{field.id}"} for message in field.errors]
    return found


def _check_submitted(form: FlaskForm) -> None:
    """These forms have nothing but the CSRF token to check here (``proficiency`` checks the rest)."""
    if not form.validate_on_submit():
        raise InvalidInput("The form had expired. Try again.")


def _render(
    session: Session,
    framework: Framework,
    *,
    status: int = 200,
    problems: list[dict[str, str]] | None = None,
    title: ScaleTitleForm | None = None,
    new: LevelForm | None = None,
    edited: tuple[int, LevelForm] | None = None,
    refused: tuple[int, list[str]] | None = None,
) -> ResponseReturnValue:
    """The page. A form passed in, as typed and with its errors, takes the place of the one filled from
    the database: ``title``, ``new`` (add a level) or ``edited`` (a level's id and its form). ``refused``
    names a level and why moving or removing it was refused, shown in its section."""
    scale = framework.scale
    levels = sorted(scale.levels, key=lambda level: level.position) if scale else []
    used = proficiency.sign_off_counts(session, framework) if scale else {}
    edited_id, edited_form = edited or (None, None)
    refused_id, refusal = refused or (None, [])
    rows = [
        (
            level,
            edited_form if edited_form is not None and level.id == edited_id else level_form(level),
            used.get(level.code, 0),
            refusal if level.id == refused_id else [],
        )
        for level in levels
    ]
    page = render_template(
        "frameworks/proficiency_scale.html",
        framework=framework,
        scale=scale,
        title_form=title if title is not None else title_form(title=scale.title if scale else ""),
        rows=rows,
        new_form=new if new is not None else new_level_form(),
        problems=problems or [],
    )
    return page, status


def _level_anchor(level: ProficiencyLevel) -> str:
    return f"level-{level.id}"


@blueprint.get(PAGE)
@login_required
def edit(framework_id: str):  # type: ignore[no-untyped-def]
    session, framework = _framework_to_change(framework_id)
    return _render(session, framework)


@blueprint.post(PAGE)
@login_required
def save_title(framework_id: str):  # type: ignore[no-untyped-def]
    """Add the scale (to a framework without one) or change its title."""
    session, framework = _framework_to_change(framework_id)
    form = title_form(submitted=True)
    try:
        _check_submitted(form)
        if framework.scale is None:
            proficiency.create_scale(session, framework, title=form.title.data or "", actor=_user())
            message = "Proficiency scale added. Now add its levels, lowest first."
        else:
            proficiency.rename_scale(session, framework.scale, title=form.title.data or "", actor=_user())
            message = "Scale title saved."
    except DomainError as error:
        attach_domain_error(form, error)
        problems = _problems(form, "scale-title")
        return _render(session, framework, status=error.status, problems=problems, title=form)
    flash(message, "success")
    return redirect(_page_url(framework))


def _level_fields(form: Any) -> dict[str, Any]:
    """A level form's code, label and description, as the operations take them."""
    data = form.code.data, form.label.data, form.description.data
    return {"code": data[0] or "", "label": data[1] or "", "description": data[2]}


@blueprint.post(PAGE + "/levels")
@login_required
def add_level(framework_id: str):  # type: ignore[no-untyped-def]
    session, framework = _framework_to_change(framework_id)
    scale = _scale(framework)
    form = new_level_form(submitted=True)
    try:
        _check_submitted(form)
        level = proficiency.add_level(session, scale, **_level_fields(form), actor=_user())
    except DomainError as error:
        attach_domain_error(form, error)
        problems = _problems(form, "add-level")
        return _render(session, framework, status=error.status, problems=problems, new=form)
    flash(f"{level.label} added as the highest level. Move it down if it belongs lower.", "success")
    return redirect(_page_url(framework, level))


@blueprint.post(LEVEL)
@login_required
def save_level(framework_id: str, level_id: int):  # type: ignore[no-untyped-def]
    session, framework = _framework_to_change(framework_id)
    level = proficiency.get_level(session, framework, level_id)
    form = level_form(level, submitted=True)
    try:
        _check_submitted(form)
        proficiency.update_level(session, level, **_level_fields(form), actor=_user())
    except DomainError as error:
        attach_domain_error(form, error)
        problems = _problems(form, _level_anchor(level))
        return _render(session, framework, status=error.status, problems=problems, edited=(level.id, form))
    flash(f"{level.label} saved.", "success")
    return redirect(_page_url(framework, level))


def _act_on_level(
    framework_id: str, level_id: int, act: Callable[[Session, ProficiencyLevel], str]
) -> ResponseReturnValue:
    """Move or remove a level: ``act`` does it and says what it did; a refusal is shown in the level's
    section and in the error summary."""
    session, framework = _framework_to_change(framework_id)
    level = proficiency.get_level(session, framework, level_id)
    form = LevelActionForm()
    try:
        _check_submitted(form)
        done = act(session, level)
    except DomainError as error:
        attach_domain_error(form, error)
        problems = _problems(form, _level_anchor(level))
        refusal = [problem["text"] for problem in problems]
        return _render(
            session, framework, status=error.status, problems=problems, refused=(level.id, refusal)
        )
    flash(done, "success")
    # Back to the level, unless it was removed (then it is no longer in the session).
    return redirect(_page_url(framework, level if level in session else None))


@blueprint.post(LEVEL + "/move")
@login_required
def move_level(framework_id: str, level_id: int):  # type: ignore[no-untyped-def]
    """Move a level one place: the button pressed sends ``direction``, up or down."""
    direction = request.form.get("direction", "")

    def move(session: Session, level: ProficiencyLevel) -> str:
        proficiency.move_level(session, level, direction=direction, actor=_user())
        return f"{level.label} moved {direction}: it is now level {level.position} of the scale."

    return _act_on_level(framework_id, level_id, move)


@blueprint.post(LEVEL + "/remove")
@login_required
def remove_level(framework_id: str, level_id: int):  # type: ignore[no-untyped-def]
    def remove(session: Session, level: ProficiencyLevel) -> str:
        proficiency.remove_level(session, level, actor=_user())
        return f"{level.label} removed from the scale."

    return _act_on_level(framework_id, level_id, remove)
