"""Workforce reference data and field rules: staff groups, AfC bands, leaving reasons, sickness reasons,
absence kinds, person types, and how ESR writes dates and FTEs.

Every lookup forgives case, spacing and punctuation ("Band 8A", "nursing & midwifery registered",
"s10 - anxiety/stress/...") and raises UnknownReferenceValue naming the value it could not place.
Lookups are memoised because an import asks the same few hundred questions millions of times.
"""

from __future__ import annotations

import re
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from enum import StrEnum
from functools import lru_cache
from typing import NamedTuple


class UnknownReferenceValue(ValueError):
    """A value that is not in the reference list; the message names the value."""


# Anything that is not a letter or digit is noise when matching labels typed by people or systems.
_NOT_ALNUM = re.compile(r"[^0-9a-z]+")


def loose_key(text: str) -> str:
    """Lower-case letters and digits only, '&' read as 'and': "Ear, Nose & Throat" -> "earnoseandthroat"."""
    return _NOT_ALNUM.sub("", text.lower().replace("&", " and "))


# --- Field values as ESR writes them ----------------------------------------------------------------
REQUIRED = "a value is required"
MIN_YEAR, MAX_YEAR = 1900, 2199  # anything outside is a typing slip, not a real staff record
MAX_FTE = Decimal("1.5")  # more than 1.5 FTE on one assignment is taken as a keying error
_MONTH_NAMES = ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec")
_MONTHS = {name: number for number, name in enumerate(_MONTH_NAMES, start=1)}  # ESR's DD-MON-YYYY


def _digits(text: str, min_len: int, max_len: int) -> bool:
    return min_len <= len(text) <= max_len and text.isascii() and text.isdigit()


def _date_parts(text: str) -> tuple[int, int, int] | None:
    """(year, month, day) from DD/MM/YYYY, YYYY-MM-DD or DD-MON-YYYY, or None if it is none of those."""
    # Spreadsheets often save a date as a midnight timestamp ("2024-04-01 00:00:00"); drop the time.
    if len(text) > 10 and text[10] == "T":
        text, time_part = text[:10], text[11:]
    else:
        text, _, time_part = text.partition(" ")
    if time_part.strip().strip("0:.") != "":
        return None
    if text.count("/") == 2:
        day, month, year = text.split("/")
    elif text.count("-") == 2:
        first, middle, last = text.split("-")
        if _digits(first, 4, 4):
            year, month, day = first, middle, last
        elif middle.lower() in _MONTHS:
            day, month, year = first, str(_MONTHS[middle.lower()]), last
        else:
            return None
    else:
        return None
    if not (_digits(day, 1, 2) and _digits(month, 1, 2) and _digits(year, 4, 4)):
        return None
    return int(year), int(month), int(day)


@lru_cache(maxsize=1 << 16)
def parse_date(value: str | date) -> date:
    """A date from DD/MM/YYYY (as ESR writes), YYYY-MM-DD, DD-MON-YYYY, or an XLSX date/datetime cell."""
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    text = value.strip()
    if not text:
        raise ValueError(REQUIRED)
    parts = _date_parts(text)
    if parts is None:
        raise ValueError(f"{text} is not a date (expected DD/MM/YYYY or YYYY-MM-DD)")
    year, month, day = parts
    if not MIN_YEAR <= year <= MAX_YEAR:
        raise ValueError(f"{text} is outside the years {MIN_YEAR} to {MAX_YEAR}")
    try:
        return date(year, month, day)
    except ValueError:
        raise ValueError(f"{text} is not a real date") from None


@lru_cache(maxsize=4096)
def parse_fte(value: str) -> Decimal:
    """Contracted FTE as a Decimal, more than 0 and at most 1.5."""
    text = value.strip()
    if not text:
        raise ValueError(REQUIRED)
    try:
        fte = Decimal(text)
    except InvalidOperation:
        raise ValueError(f"{text} is not a number") from None
    if not fte.is_finite():
        raise ValueError(f"{text} is not a number")
    if not 0 < fte <= MAX_FTE:
        raise ValueError(f"{text} is not a valid FTE: it must be more than 0 and at most {MAX_FTE}")
    return fte


def esr_date_text(value: date) -> str:
    """DD/MM/YYYY, as ESR writes a date: how an XLSX date cell is read as the text a CSV would hold
    (workforce.tables.cell_text), for parse_date. Never for people: they read passport.formatting.uk_date."""
    return f"{value.day:02d}/{value.month:02d}/{value.year:04d}"


# --- Staff groups ------------------------------------------------------------------------------------
class StaffGroup(NamedTuple):
    code: str
    label: str  # as ESR writes it (ESR cuts labels at 30 characters, hence "Add Prof Scientific and Technic")


# Source: NHS England (NHS Digital) NHS Workforce Statistics / ESR staff group list.
STAFF_GROUPS: tuple[StaffGroup, ...] = (
    StaffGroup("APST", "Add Prof Scientific and Technic"),
    StaffGroup("ACS", "Additional Clinical Services"),
    StaffGroup("AC", "Administrative and Clerical"),
    StaffGroup("AHP", "Allied Health Professionals"),
    StaffGroup("EA", "Estates and Ancillary"),
    StaffGroup("HS", "Healthcare Scientists"),
    StaffGroup("MD", "Medical and Dental"),
    StaffGroup("NMR", "Nursing and Midwifery Registered"),
    StaffGroup("STU", "Students"),
)
STAFF_GROUP_BY_CODE: dict[str, StaffGroup] = {group.code: group for group in STAFF_GROUPS}

# Other spellings seen in NHS publications and job-board exports for the same groups.
_STAFF_GROUP_ALIASES: dict[str, str] = {
    "Additional Professional Scientific and Technical": "APST",
    "Additional Prof Scientific and Technical": "APST",
    "Allied Health Professional": "AHP",
    "Healthcare Scientist": "HS",
    "Nursing and Midwifery": "NMR",
    "Student": "STU",
}
_STAFF_GROUP_BY_KEY: dict[str, StaffGroup] = {
    **{loose_key(group.label): group for group in STAFF_GROUPS},
    **{loose_key(group.code): group for group in STAFF_GROUPS},
    **{loose_key(alias): STAFF_GROUP_BY_CODE[code] for alias, code in _STAFF_GROUP_ALIASES.items()},
}


@lru_cache(maxsize=1024)
def parse_staff_group(text: str) -> StaffGroup:
    group = _STAFF_GROUP_BY_KEY.get(loose_key(text))
    if group is None:
        raise UnknownReferenceValue(f"{text.strip() or 'an empty value'} is not a known staff group")
    return group


# --- Agenda for Change bands -------------------------------------------------------------------------
# Source: NHS Terms and Conditions of Service (Agenda for Change) pay bands 1 to 9, band 8 split a-d.
AFC_BANDS: tuple[str, ...] = ("1", "2", "3", "4", "5", "6", "7", "8a", "8b", "8c", "8d", "9")
_AFC_BAND_SET = frozenset(AFC_BANDS)
# Prefixes people and ESR put in front of the band number ("Band 5", "AfC Band 5", "Review Body Band 5").
_BAND_PREFIXES = ("agendaforchangeband", "reviewbodyband", "afcband", "band")


@lru_cache(maxsize=256)
def parse_afc_band(text: str) -> str:
    """Return the canonical band ("5", "8a") from "5", "Band 5", "band 8A", "AfC Band 8 a"."""
    key = loose_key(text)
    for prefix in _BAND_PREFIXES:
        if key.startswith(prefix):
            key = key[len(prefix) :]
            break
    if key not in _AFC_BAND_SET:
        raise UnknownReferenceValue(f"{text.strip() or 'an empty value'} is not an Agenda for Change band")
    return key


# --- Leaving reasons ---------------------------------------------------------------------------------
class LeavingReason(NamedTuple):
    code: str
    label: str  # as ESR records it
    group: str  # resignation, retirement, end_of_contract, dismissal, redundancy, transfer, death, other
    is_voluntary_resignation: bool


def _vr(code: str, detail: str) -> LeavingReason:
    return LeavingReason(code, f"Voluntary Resignation - {detail}", "resignation", True)


# Source: ESR leaving reasons as published in NHS Workforce Statistics "Reasons for leaving" (NHS England).
LEAVING_REASONS: tuple[LeavingReason, ...] = (
    _vr("VR_RELOCATION", "Relocation"),
    _vr("VR_WORK_LIFE_BALANCE", "Work Life Balance"),
    _vr("VR_PROMOTION", "Promotion"),
    _vr("VR_BETTER_REWARD", "Better Reward Package"),
    _vr("VR_HEALTH", "Health"),
    _vr("VR_CHILD_DEPENDANTS", "Child Dependants"),
    _vr("VR_ADULT_DEPENDANTS", "Adult Dependants"),
    _vr("VR_LACK_OF_OPPORTUNITIES", "Lack of Opportunities"),
    _vr("VR_INCOMPATIBLE_RELATIONSHIPS", "Incompatible Working Relationships"),
    _vr("VR_EDUCATION_TRAINING", "To undertake further education or training"),
    _vr("VR_OTHER", "Other/Not Known"),
    LeavingReason(
        "MARS_LOCAL_WITH_REPAYMENT",
        "Mutually Agreed Resignation - Local Scheme with Repayment",
        "resignation",
        False,
    ),
    LeavingReason(
        "MARS_LOCAL_WITHOUT_REPAYMENT",
        "Mutually Agreed Resignation - Local Scheme without Repayment",
        "resignation",
        False,
    ),
    LeavingReason(
        "MARS_NATIONAL_WITH_REPAYMENT",
        "Mutually Agreed Resignation - National Scheme with Repayment",
        "resignation",
        False,
    ),
    LeavingReason("RETIREMENT_AGE", "Retirement Age", "retirement", False),
    LeavingReason("RETIREMENT_ILL_HEALTH", "Retirement - Ill Health", "retirement", False),
    LeavingReason("FLEXI_RETIREMENT", "Flexi Retirement", "retirement", False),
    LeavingReason(
        "VER_NO_ACTUARIAL_REDUCTION",
        "Voluntary Early Retirement - no Actuarial Reduction",
        "retirement",
        False,
    ),
    LeavingReason(
        "VER_WITH_ACTUARIAL_REDUCTION",
        "Voluntary Early Retirement - with Actuarial Reduction",
        "retirement",
        False,
    ),
    LeavingReason("INITIAL_PENSION_ENDED", "Initial Pension Ended", "retirement", False),
    LeavingReason("FTC_END", "End of Fixed Term Contract", "end_of_contract", False),
    LeavingReason(
        "FTC_TRAINING_COMPLETE",
        "End of Fixed Term Contract - Completion of Training Scheme",
        "end_of_contract",
        False,
    ),
    LeavingReason(
        "FTC_END_OF_WORK", "End of Fixed Term Contract - End of Work Requirement", "end_of_contract", False
    ),
    LeavingReason(
        "FTC_EXTERNAL_ROTATION", "End of Fixed Term Contract - External Rotation", "end_of_contract", False
    ),
    LeavingReason("FTC_OTHER", "End of Fixed Term Contract - Other", "end_of_contract", False),
    LeavingReason("EMPLOYEE_TRANSFER", "Employee Transfer", "transfer", False),
    LeavingReason("DISMISSAL_CONDUCT", "Dismissal - Conduct", "dismissal", False),
    LeavingReason("DISMISSAL_CAPABILITY", "Dismissal - Capability", "dismissal", False),
    LeavingReason("DISMISSAL_STATUTORY", "Dismissal - Statutory Reason", "dismissal", False),
    LeavingReason("DISMISSAL_SOSR", "Dismissal - Some Other Substantial Reason", "dismissal", False),
    LeavingReason("REDUNDANCY_VOLUNTARY", "Redundancy - Voluntary", "redundancy", False),
    LeavingReason("REDUNDANCY_COMPULSORY", "Redundancy - Compulsory", "redundancy", False),
    LeavingReason("DEATH_IN_SERVICE", "Death in Service", "death", False),
    LeavingReason(
        "BANK_MIN_WORK_NOT_MET", "Bank Staff not fulfilled minimum work requirement", "other", False
    ),
    LeavingReason("PREGNANCY", "Pregnancy", "other", False),
    LeavingReason("HAS_NOT_WORKED", "Has Not Worked", "other", False),
    LeavingReason("MERGED_DUPLICATE", "Merged Organisation - Duplicate Record", "other", False),
    LeavingReason("NOT_SET_IN_LEGACY", "Not Set in Legacy at Migration", "other", False),
    LeavingReason("UNKNOWN", "Unknown", "other", False),
)
LEAVING_REASON_BY_CODE: dict[str, LeavingReason] = {reason.code: reason for reason in LEAVING_REASONS}
# NHS England's recent publications call "Better Reward Package" "Pay and Reward Related".
_LEAVING_REASON_ALIASES: dict[str, str] = {
    "Voluntary Resignation - Pay and Reward Related": "VR_BETTER_REWARD",
}
_LEAVING_REASON_BY_KEY: dict[str, LeavingReason] = {
    **{loose_key(reason.label): reason for reason in LEAVING_REASONS},
    **{loose_key(reason.code): reason for reason in LEAVING_REASONS},
    **{loose_key(alias): LEAVING_REASON_BY_CODE[code] for alias, code in _LEAVING_REASON_ALIASES.items()},
}


@lru_cache(maxsize=1024)
def parse_leaving_reason(text: str) -> LeavingReason:
    reason = _LEAVING_REASON_BY_KEY.get(loose_key(text))
    if reason is None:
        raise UnknownReferenceValue(f"{text.strip() or 'an empty value'} is not a known leaving reason")
    return reason


# --- Sickness absence reasons ------------------------------------------------------------------------
class SicknessReason(NamedTuple):
    code: str
    label: str


# Source: ESR sickness absence reasons S10-S99 as used in NHS Sickness Absence Rates (NHS England).
SICKNESS_REASONS: tuple[SicknessReason, ...] = (
    SicknessReason("S10", "Anxiety/stress/depression/other psychiatric illnesses"),
    SicknessReason("S11", "Back Problems"),
    SicknessReason("S12", "Other musculoskeletal problems"),
    SicknessReason("S13", "Cold, Cough, Flu - Influenza"),
    SicknessReason("S14", "Asthma"),
    SicknessReason("S15", "Chest & respiratory problems"),
    SicknessReason("S16", "Headache / migraine"),
    SicknessReason("S17", "Benign and malignant tumours, cancers"),
    SicknessReason("S18", "Blood disorders"),
    SicknessReason("S19", "Heart, cardiac & circulatory problems"),
    SicknessReason("S20", "Burns, poisoning, frostbite, hypothermia"),
    SicknessReason("S21", "Ear, nose, throat (ENT)"),
    SicknessReason("S22", "Dental and oral problems"),
    SicknessReason("S23", "Eye problems"),
    SicknessReason("S24", "Endocrine / glandular problems"),
    SicknessReason("S25", "Gastrointestinal problems"),
    SicknessReason("S26", "Genitourinary & gynaecological disorders"),
    SicknessReason("S27", "Infectious diseases"),
    SicknessReason("S28", "Injury, fracture"),
    SicknessReason("S29", "Nervous system disorders"),
    SicknessReason("S30", "Pregnancy related disorders"),
    SicknessReason("S31", "Skin disorders"),
    SicknessReason("S32", "Substance abuse"),
    SicknessReason("S98", "Other known causes - not elsewhere classified"),
    SicknessReason("S99", "Unknown causes / Not specified"),
)
SICKNESS_REASON_BY_CODE: dict[str, SicknessReason] = {reason.code: reason for reason in SICKNESS_REASONS}
_SICKNESS_REASON_BY_LABEL_KEY: dict[str, SicknessReason] = {
    loose_key(reason.label): reason for reason in SICKNESS_REASONS
}
# A cut-off label ("S10 Anxiety/stress/...") still has to say this much to count as the same label.
_MIN_LABEL_PREFIX = 4
_LEADING_CODE = re.compile(r"s[0-9]+")


@lru_cache(maxsize=1024)
def parse_sickness_reason(text: str) -> SicknessReason:
    """Accept "S10", "s10", "S10 Anxiety/stress/depression/...", "S10 - Anxiety..." or the label alone.

    Text after the code must match that code's label loosely (case, spacing and punctuation ignored) or be a
    cut-off start of it; otherwise the code and label disagree and the row is wrong.
    """
    stripped = text.strip()
    key = loose_key(stripped)
    code_match = _LEADING_CODE.match(key)
    if code_match is not None:
        reason = SICKNESS_REASON_BY_CODE.get(code_match.group(0).upper())
        if reason is None:
            raise UnknownReferenceValue(f"{stripped} is not a known sickness absence reason code")
        given_label = key[code_match.end() :]
        if not given_label:
            return reason
        official = loose_key(reason.label)
        if given_label == official or (
            len(given_label) >= _MIN_LABEL_PREFIX and official.startswith(given_label)
        ):
            return reason
        raise UnknownReferenceValue(f"{stripped} does not match {reason.code} {reason.label}")
    reason = _SICKNESS_REASON_BY_LABEL_KEY.get(key)
    if reason is None:
        raise UnknownReferenceValue(f"{stripped or 'an empty value'} is not a known sickness absence reason")
    return reason


# --- Absence categories ------------------------------------------------------------------------------
class AbsenceCategory(NamedTuple):
    code: str
    label: str
    counts_as_sickness: bool


# Source: ESR absence types; only sickness counts towards the NHS sickness absence rate.
ABSENCE_CATEGORIES: tuple[AbsenceCategory, ...] = (
    AbsenceCategory("SICKNESS", "Sickness", True),
    AbsenceCategory("ANNUAL_LEAVE", "Annual Leave", False),
    AbsenceCategory("MATERNITY", "Maternity", False),
    AbsenceCategory("PATERNITY", "Paternity", False),
    AbsenceCategory("SPECIAL_LEAVE", "Special Leave", False),
    AbsenceCategory("STUDY_LEAVE", "Study Leave", False),
    AbsenceCategory("UNPAID_LEAVE", "Unpaid Leave", False),
    AbsenceCategory("INDUSTRIAL_ACTION", "Industrial Action", False),
    AbsenceCategory("OTHER", "Other", False),
)
ABSENCE_CATEGORY_BY_CODE: dict[str, AbsenceCategory] = {cat.code: cat for cat in ABSENCE_CATEGORIES}
_ABSENCE_CATEGORY_ALIASES: dict[str, str] = {
    "Sickness Absence": "SICKNESS",
    "Sick Leave": "SICKNESS",
    "Sick": "SICKNESS",
    "Maternity Leave": "MATERNITY",
    "Paternity Leave": "PATERNITY",
    "Annual": "ANNUAL_LEAVE",
}
_ABSENCE_CATEGORY_BY_KEY: dict[str, AbsenceCategory] = {
    **{loose_key(cat.label): cat for cat in ABSENCE_CATEGORIES},
    **{loose_key(cat.code): cat for cat in ABSENCE_CATEGORIES},
    **{loose_key(alias): ABSENCE_CATEGORY_BY_CODE[code] for alias, code in _ABSENCE_CATEGORY_ALIASES.items()},
}


@lru_cache(maxsize=256)
def parse_absence_category(text: str) -> AbsenceCategory:
    category = _ABSENCE_CATEGORY_BY_KEY.get(loose_key(text))
    if category is None:
        raise UnknownReferenceValue(f"{text.strip() or 'an empty value'} is not a known absence category")
    return category


# --- Person types ------------------------------------------------------------------------------------
class PersonType(StrEnum):
    """How a person holds an assignment; bank and secondees are counted apart from substantive staff."""

    EMPLOYEE = "employee"
    BANK = "bank"
    SECONDEE = "secondee"


_PERSON_TYPE_BY_KEY: dict[str, PersonType] = {
    **{member.value: member for member in PersonType},
    "substantive": PersonType.EMPLOYEE,
    "bankstaff": PersonType.BANK,
    "seconded": PersonType.SECONDEE,
    "secondment": PersonType.SECONDEE,
}


@lru_cache(maxsize=64)
def parse_person_type(text: str) -> PersonType:
    person_type = _PERSON_TYPE_BY_KEY.get(loose_key(text))
    if person_type is None:
        raise UnknownReferenceValue(
            f"{text.strip() or 'an empty value'} is not a person type (employee, bank or secondee)"
        )
    return person_type
