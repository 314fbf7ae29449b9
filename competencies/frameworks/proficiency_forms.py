"""Web forms of the proficiency scale page (Flask-WTF: CSRF token on every form).

The rules on what may be typed live in ``competencies.frameworks.proficiency``, which checks every field
at once; these forms carry the fields and show its messages beside them. One page holds a form per level,
so each form has a prefix of its own and its fields get ids unique on the page.
"""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import StringField, TextAreaField

from competencies.frameworks.models import ProficiencyLevel
from competencies.frameworks.proficiency import MAX_DESCRIPTION


class ScaleTitleForm(FlaskForm):
    title = StringField("Scale title", description="For example, Benner's stages of clinical competence.")


class LevelForm(FlaskForm):
    code = StringField(
        "Code",
        description="Lower-case letters, numbers and underscores, for example advanced_beginner. Sign-offs "
        "and job descriptions record a level by its code.",
    )
    label = StringField("Label", description="What people see, for example Advanced beginner.")
    description = TextAreaField(
        "Description (optional)", description=f"Up to {MAX_DESCRIPTION:,} characters."
    )


class LevelActionForm(FlaskForm):
    """Moving and removing a level: nothing to type, the CSRF token only (the move's direction comes from
    the button pressed)."""


NEW_LEVEL_PREFIX = "new-level"


def title_form(*, submitted: bool = False, title: str = "") -> ScaleTitleForm:
    if submitted:
        return ScaleTitleForm(prefix="scale")
    return ScaleTitleForm(formdata=None, prefix="scale", title=title)


def level_prefix(level_id: int) -> str:
    return f"level-{level_id}"


def level_form(level: ProficiencyLevel, *, submitted: bool = False) -> LevelForm:
    if submitted:
        return LevelForm(prefix=level_prefix(level.id))
    return LevelForm(formdata=None, prefix=level_prefix(level.id), obj=level)


def new_level_form(*, submitted: bool = False) -> LevelForm:
    return (
        LevelForm(prefix=NEW_LEVEL_PREFIX) if submitted else LevelForm(formdata=None, prefix=NEW_LEVEL_PREFIX)
    )
