"""Editing a framework's proficiency scale: its title and its levels (code, label, description), lowest
first. Plain functions on a Session; they never commit, and they check everything before they change
anything, so a refused change leaves nothing behind.

Sign-offs record the level they were made at by its code (``SignOff.proficiency_level`` is the code's
text, not a link to the level), so a level that sign-offs of the framework record keeps its code and
stays on the scale: changing its code or removing it is refused, naming how many sign-offs record it.
Its label, description and place on the scale can still change.
"""

from __future__ import annotations

import re

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from competencies.frameworks.models import (
    Framework,
    FrameworkVersion,
    ProficiencyLevel,
    ProficiencyScale,
    SignOff,
)
from passport.audit.operations import record_event
from passport.errors import Conflict, InvalidInput, NotFound

MAX_TITLE = 200  # ProficiencyScale.title
MAX_CODE = 64  # ProficiencyLevel.code and SignOff.proficiency_level
MAX_LABEL = 200  # ProficiencyLevel.label
MAX_DESCRIPTION = 2000
# Job descriptions and the fit check compare levels by code after lower-casing and turning spaces and
# hyphens into underscores, so a code is written that way to begin with (like Benner's advanced_beginner).
CODE_PATTERN = re.compile(r"[a-z0-9_]+")


# --- Lookups ------------------------------------------------------------------------------------------


def get_level(session: Session, framework: Framework, level_id: int) -> ProficiencyLevel:
    """A level of this framework's scale (a level of another framework's scale is not found here)."""
    level = session.get(ProficiencyLevel, level_id)
    if level is None or framework.scale is None or level.scale_id != framework.scale.id:
        raise NotFound(f"The proficiency scale of {framework.title!r} has no level {level_id}.")
    return level


def sign_off_counts(session: Session, framework: Framework) -> dict[str, int]:
    """How many sign-offs against the framework's versions record each level code (withdrawn ones too:
    their records still name the level)."""
    rows = session.execute(
        select(SignOff.proficiency_level, func.count())
        .join(FrameworkVersion, FrameworkVersion.id == SignOff.version_id)
        .where(FrameworkVersion.framework_id == framework.id)
        .group_by(SignOff.proficiency_level)
    ).all()
    return {code: count for code, count in rows}


def sign_offs_recording(session: Session, level: ProficiencyLevel) -> int:
    return (
        session.scalar(
            select(func.count())
            .select_from(SignOff)
            .join(FrameworkVersion, FrameworkVersion.id == SignOff.version_id)
            .where(
                FrameworkVersion.framework_id == level.scale.framework_id,
                SignOff.proficiency_level == level.code,
            )
        )
        or 0
    )


def _lock_scale(session: Session, scale: ProficiencyScale) -> None:
    """Hold the scale's row until this transaction ends (PostgreSQL; SQLite's writers take turns anyway),
    so two people changing one scale's levels at once take turns as well."""
    session.execute(select(ProficiencyScale.id).where(ProficiencyScale.id == scale.id).with_for_update())


def _recorded_by(count: int) -> str:
    """ "1 sign-off of this framework records", "3 sign-offs of this framework record"."""
    if count == 1:
        return "1 sign-off of this framework records"
    return f"{count} sign-offs of this framework record"


# --- Checking what was typed ----------------------------------------------------------------------------


def _text(value: str | None) -> str:
    return (value or "").strip()


def _check_title(title: str) -> dict[str, list[str]]:
    if not title:
        return {"title": ["Enter the scale title"]}
    if len(title) > MAX_TITLE:
        return {"title": [f"The scale title must be {MAX_TITLE} characters or fewer"]}
    return {}


def _check_level(
    scale: ProficiencyScale,
    *,
    code: str,
    label: str,
    description: str,
    level: ProficiencyLevel | None = None,
) -> dict[str, list[str]]:
    errors: dict[str, list[str]] = {}
    if not code:
        errors["code"] = ["Enter a code"]
    elif len(code) > MAX_CODE:
        errors["code"] = [f"The code must be {MAX_CODE} characters or fewer"]
    elif not CODE_PATTERN.fullmatch(code):
        errors["code"] = [
            "The code must use only lower-case letters, numbers and underscores, like advanced_beginner"
        ]
    elif any(other.code == code for other in scale.levels if other is not level):
        errors["code"] = [f"Another level of this scale has the code {code}; choose a different code"]
    if not label:
        errors["label"] = ["Enter a label"]
    elif len(label) > MAX_LABEL:
        errors["label"] = [f"The label must be {MAX_LABEL} characters or fewer"]
    if len(description) > MAX_DESCRIPTION:
        errors["description"] = [f"The description must be {MAX_DESCRIPTION:,} characters or fewer"]
    return errors


def _refuse(errors: dict[str, list[str]]) -> None:
    if errors:
        first = next(iter(errors.values()))[0]
        raise InvalidInput(first, errors=errors)


def _renumber(ordered: list[ProficiencyLevel]) -> None:
    for position, level in enumerate(ordered, start=1):
        if level.position != position:
            level.position = position


def _ordered(scale: ProficiencyScale) -> list[ProficiencyLevel]:
    return sorted(scale.levels, key=lambda level: (level.position, level.id or 0))


def _audit(
    session: Session, scale: ProficiencyScale, *, actor: object, action: str, **details: object
) -> None:
    framework = scale.framework
    record_event(
        session,
        actor=actor,
        action=action,
        record_type="proficiency_scale",
        record_id=scale.id,
        trust_id=framework.owner_trust_id,
        details={"framework": framework.identifier, **details},
    )


# --- The scale ------------------------------------------------------------------------------------------


def create_scale(session: Session, framework: Framework, *, title: str, actor: object) -> ProficiencyScale:
    """Give a framework that has none a proficiency scale, with no levels yet."""
    if framework.scale is not None:
        raise Conflict(f"{framework.title!r} already has a proficiency scale.", field="title")
    text = _text(title)
    _refuse(_check_title(text))
    scale = ProficiencyScale(framework=framework, title=text, levels=[])
    session.add(scale)
    session.flush()
    _audit(session, scale, actor=actor, action="framework.scale_created", title=text)
    return scale


def rename_scale(session: Session, scale: ProficiencyScale, *, title: str, actor: object) -> ProficiencyScale:
    text = _text(title)
    _refuse(_check_title(text))
    if text != scale.title:
        before, scale.title = scale.title, text
        session.flush()
        _audit(
            session, scale, actor=actor, action="framework.scale_renamed", title={"from": before, "to": text}
        )
    return scale


# --- Levels ---------------------------------------------------------------------------------------------


def add_level(
    session: Session,
    scale: ProficiencyScale,
    *,
    code: str,
    label: str,
    description: str | None,
    actor: object,
) -> ProficiencyLevel:
    """Add a level at the top of the scale (the highest); it can then be moved down to its place."""
    _lock_scale(session, scale)
    code, label, text = _text(code), _text(label), _text(description)
    _refuse(_check_level(scale, code=code, label=label, description=text))
    ordered = _ordered(scale)
    _renumber(ordered)
    level = ProficiencyLevel(position=len(ordered) + 1, code=code, label=label, description=text or None)
    scale.levels.append(level)
    session.flush()
    _audit(
        session,
        scale,
        actor=actor,
        action="framework.scale_level_added",
        code=code,
        label=label,
        position=level.position,
    )
    return level


def update_level(
    session: Session,
    level: ProficiencyLevel,
    *,
    code: str,
    label: str,
    description: str | None,
    actor: object,
) -> ProficiencyLevel:
    """Change a level's code, label and description. A level that sign-offs record keeps its code (they
    record it by code) and its label (the credentials issued from them name it by label, and a fit check
    reads the level from that)."""
    scale = level.scale
    _lock_scale(session, scale)
    code, label, text = _text(code), _text(label), _text(description)
    _refuse(_check_level(scale, code=code, label=label, description=text, level=level))
    if code != level.code:
        used = sign_offs_recording(session, level)
        if used:
            raise Conflict(
                f"The code of {level.label} cannot change: {_recorded_by(used)} the level by its code, "
                f"{level.code}. You can still change its description and place.",
                field="code",
            )
    if label != level.label:
        used = sign_offs_recording(session, level)
        if used:
            raise Conflict(
                f"The label of {level.label} cannot change: the credentials issued from "
                f"{used} sign-off{'' if used == 1 else 's'} of this framework name the level by its label. "
                "You can still change "
                "its description and place.",
                field="label",
            )
    changes = {
        name: {"from": before, "to": after}
        for name, before, after in (
            ("code", level.code, code),
            ("label", level.label, label),
            ("description", level.description, text or None),
        )
        if before != after
    }
    if changes:
        level.code, level.label, level.description = code, label, text or None
        session.flush()
        _audit(
            session,
            scale,
            actor=actor,
            action="framework.scale_level_changed",
            level=level.id,
            changes=changes,
        )
    return level


def move_level(
    session: Session, level: ProficiencyLevel, *, direction: str, actor: object
) -> ProficiencyLevel:
    """Swap a level with the one below it (``down``) or above it (``up``); the first level is the lowest."""
    if direction not in ("up", "down"):
        raise InvalidInput("Choose to move the level up or down.", field="direction")
    scale = level.scale
    _lock_scale(session, scale)
    ordered = _ordered(scale)
    index = ordered.index(level)
    other = index - 1 if direction == "up" else index + 1
    if not 0 <= other < len(ordered):
        where = "first" if direction == "up" else "last"
        raise InvalidInput(f"{level.label} is already the {where} level, so it cannot move {direction}.")
    ordered[index], ordered[other] = ordered[other], ordered[index]
    _renumber(ordered)
    session.flush()
    _audit(
        session,
        scale,
        actor=actor,
        action="framework.scale_level_moved",
        code=level.code,
        position=level.position,
    )
    return level


def remove_level(session: Session, level: ProficiencyLevel, *, actor: object) -> None:
    """Take a level off the scale; refused while sign-offs of the framework record it."""
    scale = level.scale
    _lock_scale(session, scale)
    used = sign_offs_recording(session, level)
    if used:
        raise Conflict(f"{level.label} cannot be removed: {_recorded_by(used)} this level.")
    code, label = level.code, level.label
    remaining = [other for other in _ordered(scale) if other is not level]
    scale.levels.remove(level)  # delete-orphan: the row goes at the flush
    _renumber(remaining)
    session.flush()
    _audit(session, scale, actor=actor, action="framework.scale_level_removed", code=code, label=label)
