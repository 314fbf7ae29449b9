"""What a job description may require, and how a requirement given as JSON is checked before it is kept.

Three kinds, each testable against a passport:
- ``credential``: a credential type with conditions (an enhanced DBS check; NMC registration on the
  nursing part of the register);
- ``training``: a CSTF subject at a level;
- ``competency``: a framework item (by CASE identifier or URI) at a minimum proficiency level.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from competencies.jobs.models import RequirementKind
from passport.credentials.types import CREDENTIAL_TYPES, NMC_REGISTER_PARTS
from passport.errors import InvalidInput
from passport.reference.cstf import CSTF_SUBJECTS_BY_CODE

# DBS disclosure levels, weakest first: a stronger check meets a requirement for a weaker one.
DBS_LEVELS = ("basic", "standard", "enhanced", "enhanced_with_barred_lists")
DBS_WORKFORCES = ("adult", "child", "adult_and_child")
# The nursing part of the NMC register (midwives and nursing associates are on other parts).
NURSING_PARTS = ("RNA", "RNMH", "RNLD", "RNC")
FITNESS_OUTCOMES = ("fit", "fit_with_adjustments", "not_fit_at_present")
# Benner's novice-to-expert stages: the order used when a framework has no proficiency scale of its own.
BENNER_LEVELS = ("novice", "advanced_beginner", "competent", "proficient", "expert")

CONDITION_NAMES: dict[str, tuple[str, ...]] = {
    "dbs-check": ("min_level", "workforce"),
    "professional-registration": ("register_parts",),
    "occupational-health": ("fitness_outcomes",),
}


@dataclass(frozen=True, slots=True)
class ItemRef:
    """A framework item as a requirement names it, with the proficiency scale of its framework."""

    identifier: str
    uri: str
    statement: str
    human_coding_scheme: str | None
    framework_version_identifier: str
    scale: tuple[str, ...]


def _fail(index: int, name: str, message: str) -> InvalidInput:
    return InvalidInput(message, field=f"requirements.{index}.{name}")


def find_item(session: Session, reference: str) -> ItemRef | None:
    """A framework item by its CASE identifier or URI, or None (no frameworks, or no such item)."""
    from competencies.frameworks.models import Framework, FrameworkItem, FrameworkVersion

    row = session.execute(
        select(FrameworkItem, FrameworkVersion.document_identifier, Framework)
        .join(FrameworkVersion, FrameworkVersion.id == FrameworkItem.version_id)
        .join(Framework, Framework.id == FrameworkVersion.framework_id)
        .where(or_(FrameworkItem.identifier == reference, FrameworkItem.uri == reference))
        .order_by(FrameworkVersion.id.desc())  # an item carried into a newer version: the newest
        .limit(1)
    ).first()
    if row is None:
        return None
    item, document_identifier, framework = row
    scale = tuple(level.code for level in framework.scale.levels) if framework.scale else BENNER_LEVELS
    return ItemRef(
        item.identifier,
        item.uri,
        item.full_statement,
        item.human_coding_scheme,
        document_identifier,
        scale or BENNER_LEVELS,
    )


def _conditions(index: int, credential_type: str, raw: object) -> dict[str, Any]:
    if raw is None:
        return {}
    if not isinstance(raw, Mapping):
        raise _fail(index, "conditions", "Conditions must be a JSON object.")
    allowed = CONDITION_NAMES.get(credential_type, ())
    unknown = sorted(set(raw) - set(allowed))
    if unknown:
        hint = f"it takes {', '.join(allowed)}" if allowed else "it takes no conditions"
        raise _fail(
            index, "conditions", f"{', '.join(unknown)} is not a condition of {credential_type}; {hint}."
        )
    clean: dict[str, Any] = {}
    if "min_level" in raw:
        if raw["min_level"] not in DBS_LEVELS:
            raise _fail(
                index, "conditions.min_level", f"The DBS level must be one of {', '.join(DBS_LEVELS)}."
            )
        clean["min_level"] = raw["min_level"]
    if "workforce" in raw:
        if raw["workforce"] not in DBS_WORKFORCES:
            raise _fail(
                index,
                "conditions.workforce",
                f"The DBS workforce must be one of {', '.join(DBS_WORKFORCES)}.",
            )
        clean["workforce"] = raw["workforce"]
    for name, vocabulary, shortcut in (
        ("register_parts", tuple(NMC_REGISTER_PARTS), {"nursing": NURSING_PARTS}),
        ("fitness_outcomes", FITNESS_OUTCOMES, {}),
    ):
        if name not in raw:
            continue
        value = raw[name]
        if isinstance(value, str) and value in shortcut:
            value = list(shortcut[value])
        if (
            not isinstance(value, list)
            or not value
            or not all(isinstance(v, str) and v in vocabulary for v in value)
        ):
            raise _fail(
                index, f"conditions.{name}", f"Give a list of one or more of {', '.join(vocabulary)}."
            )
        clean[name] = sorted(set(value))
    return clean


def describe(kind: str, values: Mapping[str, Any], item: ItemRef | None = None) -> str:
    """A requirement in words, for pages and the fit check's sentences."""
    if kind == RequirementKind.CREDENTIAL:
        label = CREDENTIAL_TYPES[values["credential_type"]].label
        conditions = values.get("conditions") or {}
        parts = []
        if "min_level" in conditions:
            parts.append(f"{conditions['min_level'].replace('_', ' ')} or higher")
        if "workforce" in conditions:
            parts.append(f"{conditions['workforce'].replace('_', ' and ')} workforce")
        if "register_parts" in conditions:
            if tuple(conditions["register_parts"]) == tuple(sorted(NURSING_PARTS)):
                parts.append("live on the nursing part of the register")
            else:
                names = " or ".join(NMC_REGISTER_PARTS[part].lower() for part in conditions["register_parts"])
                parts.append(f"live, as {names}")
        if "fitness_outcomes" in conditions:
            parts.append(" or ".join(o.replace("_", " ") for o in conditions["fitness_outcomes"]))
        return label + (f" ({', '.join(parts)})" if parts else "")
    if kind == RequirementKind.TRAINING:
        subject = CSTF_SUBJECTS_BY_CODE[values["cstf_subject"]]
        return f"{subject.title}, level {values['min_level']} or higher"
    name = (item.human_coding_scheme + " " if item and item.human_coding_scheme else "") + (
        item.statement if item else values.get("item_identifier", "")
    )
    return f"Competency: {name[:200]} (at least {str(values['min_proficiency']).replace('_', ' ')})"


def check_requirement(session: Session, index: int, spec: Mapping[str, Any]) -> dict[str, Any]:
    """Column values for one requirement; InvalidInput naming ``requirements.<i>.<field>`` if wrong."""
    if not isinstance(spec, Mapping):
        raise _fail(index, "kind", "Each requirement must be a JSON object.")
    kind = spec.get("kind")
    if kind not in {k.value for k in RequirementKind}:
        raise _fail(index, "kind", "The kind must be credential, training or competency.")
    values: dict[str, Any] = {"kind": kind, "essential": bool(spec.get("essential", True))}
    item: ItemRef | None = None
    if kind == RequirementKind.CREDENTIAL:
        credential_type = spec.get("credential_type")
        if credential_type not in CREDENTIAL_TYPES:
            raise _fail(
                index,
                "credential_type",
                f"{credential_type!r} is not a credential type; use one of {', '.join(CREDENTIAL_TYPES)}.",
            )
        values["credential_type"] = credential_type
        values["conditions"] = _conditions(index, credential_type, spec.get("conditions"))
    elif kind == RequirementKind.TRAINING:
        subject = CSTF_SUBJECTS_BY_CODE.get(str(spec.get("cstf_subject", "")).upper())
        if subject is None:
            raise _fail(
                index,
                "cstf_subject",
                f"{spec.get('cstf_subject')!r} is not a CSTF subject (such as CSTF-FIRE).",
            )
        level = spec.get("min_level", 1)
        if not isinstance(level, int) or isinstance(level, bool) or not 1 <= level <= len(subject.levels):
            raise _fail(index, "min_level", f"{subject.title} has levels 1 to {len(subject.levels)}.")
        values.update(cstf_subject=subject.code, min_level=level)
    else:
        reference = spec.get("item")
        if not isinstance(reference, str) or not reference.strip() or len(reference) > 1000:
            raise _fail(index, "item", "Name the framework item by its CASE identifier or URI.")
        item = find_item(session, reference.strip())
        if item is None:
            raise _fail(index, "item", f"There is no framework item {reference.strip()!r}.")
        proficiency = spec.get("min_proficiency", "competent")
        if proficiency not in item.scale:
            raise _fail(
                index, "min_proficiency", f"The proficiency level must be one of {', '.join(item.scale)}."
            )
        values.update(
            item_identifier=item.identifier,
            item_uri=item.uri,
            framework_version_identifier=item.framework_version_identifier,
            min_proficiency=proficiency,
        )
    values["label"] = describe(kind, values, item)[:300]
    return values
