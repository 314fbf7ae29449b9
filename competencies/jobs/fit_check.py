"""The fit check, as a pure function: a nurse's credentials (as verified facts) against a job
description's requirements.

Nothing here touches the database or the verifier: ``facts.py`` turns stored credentials into ``Fact``
values (with ``verified`` from the verifier or the issuer's register) and requirements into ``Need``
values (with the items an exact-match crosswalk accepts). That keeps the rules testable with hand-made
facts, and lets the "who is ready" list evaluate thousands of nurses from a few queries.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, Literal

from passport.formatting import uk_date

Outcome = Literal["met", "expiring", "missing", "below_level"]
Verdict = Literal["ready", "ready_with_expiring", "not_ready"]
DEFAULT_EXPIRING_DAYS = 42

DBS_ORDER = {"basic": 1, "standard": 2, "enhanced": 3, "enhanced_with_barred_lists": 4}


# Fact and RequirementResult are made hundreds of thousands of times by the "who is ready" list, so they
# are plain slotted dataclasses (a frozen one's __init__ costs several times more); treat them as values.
@dataclass(slots=True)
class Fact:
    """One credential of the nurse, reduced to what a requirement can test.

    ``attributes`` is the credential's claim as written in the VC (camelCase: ``level``, ``workforce``,
    ``registerPart``, ``cstfSubject``, ``itemIdentifier``, ``itemUri``, ``proficiency``). ``verified``
    is False for a revoked, suspended, expired or untrusted credential; ``problem`` says which.
    """

    credential_id: str
    credential_type: str
    title: str
    attributes: Mapping[str, Any]
    valid_until: datetime | None
    verified: bool
    problem: str | None = None
    # Position on its framework's proficiency scale (competencies only; 1 = lowest).
    proficiency_rank: int | None = None


@dataclass(frozen=True, slots=True)
class Need:
    """One requirement of a job description version, ready to test."""

    key: str
    kind: Literal["credential", "training", "competency"]
    label: str
    essential: bool = True
    credential_type: str | None = None
    conditions: Mapping[str, Any] = field(default_factory=dict)
    cstf_subject: str | None = None
    min_level: int | None = None
    # Item identifiers and URIs that meet it, each with how: "" for the item itself, or the crosswalk.
    items: Mapping[str, str] = field(default_factory=dict)
    min_rank: int | None = None
    min_proficiency: str | None = None


@dataclass(slots=True)
class RequirementResult:
    key: str
    label: str
    essential: bool
    outcome: Outcome
    credential_id: str | None = None
    credential_title: str | None = None
    valid_until: datetime | None = None
    via: str | None = None  # how a competency was matched, when not directly
    detail: str | None = None  # below level: what she holds; missing: why what she holds does not count
    days_left: int | None = None  # expiring: whole days until it lapses

    @property
    def sentence(self) -> str:
        """The outcome in words; built when read, so a list of thousands of nurses never pays for it."""
        through = f" (through {self.via})" if self.via else ""
        if self.outcome == "expiring" and self.valid_until is not None:
            days = self.days_left or 0
            return (
                f"Met by {self.credential_title}{through}, but it expires on {_day(self.valid_until)} "
                f"(in {days} day{'s' if days != 1 else ''}): renew it before the start date."
            )
        if self.outcome == "met":
            until = f", valid until {_day(self.valid_until)}" if self.valid_until else ""
            return f"Met by {self.credential_title}{through}{until}."
        if self.outcome == "below_level":
            return f"Below the level needed: {self.credential_title} ({self.detail})."
        return f"Missing: no verified credential for {self.label}." + (
            f" {self.detail}." if self.detail else ""
        )

    def to_dict(self) -> dict[str, Any]:
        return {
            "requirement": self.key,
            "label": self.label,
            "essential": self.essential,
            "outcome": self.outcome,
            "sentence": self.sentence,
            "credential_id": self.credential_id,
            "credential_title": self.credential_title,
            "valid_until": self.valid_until.isoformat() if self.valid_until else None,
            "via": self.via,
        }


@dataclass(frozen=True, slots=True)
class FitResult:
    verdict: Verdict
    results: tuple[RequirementResult, ...]

    @property
    def missing(self) -> list[RequirementResult]:
        """What stands between her and the job: essential requirements missing or below level."""
        return [r for r in self.results if r.essential and r.outcome in ("missing", "below_level")]

    @property
    def expiring(self) -> list[RequirementResult]:
        return [r for r in self.results if r.outcome == "expiring"]

    def to_dict(self) -> dict[str, Any]:
        return {
            "verdict": self.verdict,
            "missing": [r.label for r in self.missing],
            "expiring": [r.label for r in self.expiring],
            "requirements": [r.to_dict() for r in self.results],
        }


def _day(moment: datetime) -> str:
    return uk_date(moment)


class FactIndex:
    """A nurse's facts grouped the way requirements look them up, built once per nurse."""

    __slots__ = ("by_type", "by_subject", "by_item")

    def __init__(self, facts: Iterable[Fact]) -> None:
        self.by_type: dict[str, list[Fact]] = defaultdict(list)
        self.by_subject: dict[str, list[Fact]] = defaultdict(list)
        self.by_item: dict[str, list[Fact]] = defaultdict(list)
        for fact in facts:
            self.by_type[fact.credential_type].append(fact)
            attributes = fact.attributes
            if fact.credential_type == "mandatory-training" and attributes.get("cstfSubject"):
                self.by_subject[attributes["cstfSubject"]].append(fact)
            if fact.credential_type == "competency":
                for key in {attributes.get("itemIdentifier"), attributes.get("itemUri")} - {None}:
                    self.by_item[key].append(fact)

    def candidates(self, need: Need) -> list[Fact]:
        if need.kind == "training":
            return self.by_subject.get(need.cstf_subject or "", [])
        if need.kind == "competency":
            found: list[Fact] = []
            for key in need.items:
                facts = self.by_item.get(key)
                if facts:
                    found.extend(fact for fact in facts if fact not in found)
            return found
        return self.by_type.get(need.credential_type or "", [])


def _via(need: Need, fact: Fact) -> str:
    """How a competency credential meets the need: directly (""), or through which crosswalk."""
    if need.kind != "competency":
        return ""
    attributes = fact.attributes
    via = need.items.get(attributes.get("itemIdentifier", ""))
    return via if via is not None else need.items.get(attributes.get("itemUri", ""), "")


def _applies(need: Need, fact: Fact) -> str | None:
    """None if the fact is the right kind of thing for the need, else why not (a different part of the
    register, a DBS check for another workforce): such a fact is no evidence at all."""
    conditions, attributes = need.conditions, fact.attributes
    if "register_parts" in conditions and attributes.get("registerPart") not in conditions["register_parts"]:
        return f"registration on part {attributes.get('registerPart')} of the register, not the part required"
    if "workforce" in conditions:
        held = attributes.get("workforce")
        if held != conditions["workforce"] and held != "adult_and_child":
            return f"a DBS check for the {str(held).replace('_', ' and ')} workforce"
    if (
        "fitness_outcomes" in conditions
        and attributes.get("fitnessOutcome") not in conditions["fitness_outcomes"]
    ):
        return f"an outcome of {str(attributes.get('fitnessOutcome')).replace('_', ' ')}"
    return None


def _level_gap(need: Need, fact: Fact) -> str | None:
    """None if the fact reaches the level the need asks for, else what she holds."""
    if need.kind == "training":
        held = fact.attributes.get("level")
        if not isinstance(held, int) or held < (need.min_level or 1):
            return f"level {held} held, level {need.min_level} needed"
    elif need.kind == "competency" and need.min_rank is not None:
        if fact.proficiency_rank is None or fact.proficiency_rank < need.min_rank:
            held = str(fact.attributes.get("proficiency") or "no level").replace("_", " ")
            return f"assessed as {held}, {str(need.min_proficiency).replace('_', ' ')} needed"
    elif "min_level" in need.conditions:
        held = fact.attributes.get("level")
        if DBS_ORDER.get(str(held), 0) < DBS_ORDER[need.conditions["min_level"]]:
            needed = need.conditions["min_level"].replace("_", " ")
            return f"{str(held).replace('_', ' ')} check held, {needed} needed"
    return None


def _lasts_longer(fact: Fact, than: Fact) -> bool:
    if than.valid_until is None:
        return False
    return fact.valid_until is None or fact.valid_until > than.valid_until


def evaluate_need(
    need: Need, index: FactIndex, now: datetime, expiring_within: timedelta
) -> RequirementResult:
    best: Fact | None = None
    below: tuple[Fact, str] | None = None
    not_counted: list[str] = []
    for fact in index.candidates(need):
        if not fact.verified or (fact.valid_until is not None and fact.valid_until <= now):
            not_counted.append(f"{fact.title} does not count: {fact.problem or 'it has expired'}")
            continue
        if need.conditions and (reason := _applies(need, fact)) is not None:
            not_counted.append(f"{fact.title} is {reason}")
            continue
        gap = _level_gap(need, fact)
        if gap is None:
            if best is None or _lasts_longer(fact, best):
                best = fact
        elif below is None:
            below = (fact, gap)
    if best is not None:
        until = best.valid_until
        expiring = until is not None and until - now <= expiring_within
        return RequirementResult(
            need.key,
            need.label,
            need.essential,
            "expiring" if expiring else "met",
            best.credential_id,
            best.title,
            until,
            _via(need, best) or None,
            None,
            (until - now).days if expiring and until is not None else None,
        )
    if below is not None:
        fact, gap = below
        return RequirementResult(
            need.key, need.label, need.essential, "below_level", fact.credential_id, fact.title,
            fact.valid_until, _via(need, fact) or None, gap,
        )  # fmt: skip
    detail = "; ".join(not_counted[:3]) if not_counted else None
    return RequirementResult(need.key, need.label, need.essential, "missing", detail=detail)


def evaluate(
    needs: Iterable[Need],
    facts: Iterable[Fact] | FactIndex,
    *,
    now: datetime,
    expiring_within_days: int = DEFAULT_EXPIRING_DAYS,
) -> FitResult:
    """Every requirement's outcome and the verdict: not ready if an essential requirement is missing or
    below level; ready with expiring items if anything that meets a requirement lapses within the window."""
    index = facts if isinstance(facts, FactIndex) else FactIndex(facts)
    window = timedelta(days=expiring_within_days)
    results = tuple(evaluate_need(need, index, now, window) for need in needs)
    if any(r.essential and r.outcome in ("missing", "below_level") for r in results):
        verdict: Verdict = "not_ready"
    elif any(r.outcome == "expiring" for r in results):
        verdict = "ready_with_expiring"
    else:
        verdict = "ready"
    return FitResult(verdict, results)
