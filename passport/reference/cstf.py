"""Core Skills Training Framework (England): the 11 statutory and mandatory training subjects, their
levels and default refresher periods, as plain reference data.

It lives in the core because credentials (training credentials expire by it), frameworks (the CSTF is
loaded as a shared framework) and job descriptions all need it. Refresher periods are the commonly
recommended defaults; each trust may configure its own (competencies.frameworks.refresher).
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from types import MappingProxyType


@dataclass(frozen=True, slots=True)
class CstfLevel:
    level: int
    refresher_months: int


@dataclass(frozen=True, slots=True)
class CstfSubject:
    code: str
    title: str
    levels: tuple[CstfLevel, ...]


def _levels(*refresher_months: int) -> tuple[CstfLevel, ...]:
    """Levels numbered from 1, given each level's refresher period in months."""
    return tuple(CstfLevel(level, months) for level, months in enumerate(refresher_months, start=1))


# Refresher periods: the figures commonly quoted from the CSTF subject guide (3 years for awareness-level
# subjects, yearly for resuscitation and data security). Fire safety and the level 2 practical subjects
# vary most between trusts; the values here are the common recommendation, not a national rule.
CSTF_SUBJECTS: tuple[CstfSubject, ...] = (
    CstfSubject("CSTF-EDHR", "Equality, Diversity and Human Rights", _levels(36)),
    CstfSubject("CSTF-HSW", "Health, Safety and Welfare", _levels(36)),
    CstfSubject("CSTF-CONFLICT", "NHS Conflict Resolution (England)", _levels(36)),
    # Common recommendation: every 2 years; many trusts make it yearly for inpatient clinical staff.
    CstfSubject("CSTF-FIRE", "Fire Safety", _levels(24)),
    # Common recommendation: level 1 every 3 years, level 2 (clinical staff) yearly.
    CstfSubject("CSTF-IPC", "Infection Prevention and Control", _levels(36, 12)),
    # Common recommendation: level 1 every 3 years, level 2 (patient handling) every 2 years.
    CstfSubject("CSTF-MH", "Moving and Handling", _levels(36, 24)),
    # Intercollegiate guidance: refresh every 3 years at every level.
    CstfSubject("CSTF-SGA", "Safeguarding Adults", _levels(36, 36, 36)),
    CstfSubject("CSTF-PREVENT", "Preventing Radicalisation", _levels(36)),
    CstfSubject("CSTF-SGC", "Safeguarding Children", _levels(36, 36, 36)),
    # Resuscitation Council UK practice: yearly at every level.
    CstfSubject("CSTF-RESUS", "Resuscitation", _levels(12, 12, 12)),
    # The Data Security and Protection Toolkit expects yearly training for all staff.
    CstfSubject("CSTF-IGDS", "Information Governance and Data Security", _levels(12)),
)
CSTF_SUBJECTS_BY_CODE = MappingProxyType({subject.code: subject for subject in CSTF_SUBJECTS})

CSTF_DOCUMENT_CODE = "CSTF-ENGLAND"
CSTF_DOCUMENT_TITLE = "Core Skills Training Framework (England)"
CSTF_OFFICIAL_SOURCE_URL = "https://www.skillsforhealth.org.uk/core-skills-training-framework/"
# Fixed so the exported package is byte-for-byte stable; bump it when the reference data above changes.
CSTF_LAST_CHANGED = "2026-11-22T00:00:00+00:00"
# Namespace for the UUIDv5 identifiers. Never change it: stored frameworks and credentials refer to them.
CSTF_UUID_NAMESPACE = uuid.uuid5(uuid.NAMESPACE_URL, "urn:staff-passport:frameworks:cstf-england")


def cstf_level_code(subject_code: str, level: int) -> str:
    return f"{subject_code}-L{level}"


def cstf_identifier(code: str) -> str:
    """The stable CASE identifier for a CSTF code (document, subject or level code)."""
    return str(uuid.uuid5(CSTF_UUID_NAMESPACE, code))


def refresher_months(subject_code: str, level: int) -> int:
    """Default refresher period for a subject level; raises KeyError for an unknown code or level."""
    for subject_level in CSTF_SUBJECTS_BY_CODE[subject_code].levels:
        if subject_level.level == level:
            return subject_level.refresher_months
    raise KeyError(f"{subject_code} has no level {level}")


def describe_period(months: int) -> str:
    if months % 12 == 0:
        years = months // 12
        return "every year" if years == 1 else f"every {years} years"
    return f"every {months} months"
