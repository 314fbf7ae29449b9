"""The retention schedule: each kind of record, how long it is kept, where that period comes from, the
legal minimum, and what happens when it passes (issue 17).

The periods that may be changed are settings (``SETTINGS``: environment variables read by
``passport.config.load_settings``; a value shorter than the minimum stops the service from starting). The
others are fixed by the feature that keeps them and shown here so the schedule lists everything.

This module imports nothing of the service at load time: ``passport.config`` reads it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date


@dataclass(frozen=True)
class RetentionSchedule:
    """The periods in force (``Settings.retention``; the app config's ``PASSPORT_RETENTION_SCHEDULE``)."""

    staff_years_after_leaving: int = 6
    staff_age: int = 75
    notifications_days: int = 730


@dataclass(frozen=True)
class Setting:
    """One period that may be set: its environment variable, the kind of record, the unit, the default
    and the least the law (or the schedule's reason) allows."""

    env: str
    attribute: str
    kind: str
    unit: str
    minimum: int

    @property
    def default(self) -> int:
        return int(getattr(RetentionSchedule(), self.attribute))


SETTINGS: tuple[Setting, ...] = (
    Setting(
        "PASSPORT_RETENTION_STAFF_YEARS_AFTER_LEAVING",
        "staff_years_after_leaving",
        "staff records",
        "years",
        6,
    ),
    Setting("PASSPORT_RETENTION_STAFF_AGE", "staff_age", "staff records", "years of age", 75),
    Setting("PASSPORT_RETENTION_NOTIFICATIONS_DAYS", "notifications_days", "notifications", "days", 365),
)


def parse_schedule(env: dict[str, str] | object) -> RetentionSchedule:
    """The schedule from the environment; ``ValueError`` names the setting, the value and the minimum."""
    values: dict[str, int] = {}
    for setting in SETTINGS:
        raw = (env.get(setting.env) or "").strip()  # type: ignore[attr-defined]
        if not raw:
            continue
        if not raw.isdigit():
            raise ValueError(f"{setting.env} must be a whole number of {setting.unit}, not {raw!r}.")
        value = int(raw)
        if value < setting.minimum:
            raise ValueError(
                f"{setting.env} is {value} {setting.unit}, shorter than the minimum of {setting.minimum} "
                f"{setting.unit} for {setting.kind}."
            )
        values[setting.attribute] = value
    return RetentionSchedule(**values)


def anniversary(day: date, years: int) -> date:
    """The same date ``years`` later; 29 February becomes 1 March in a year without one (the later day:
    a record is never let go early)."""
    try:
        return day.replace(year=day.year + years)
    except ValueError:
        return date(day.year + years, 3, 1)


def staff_record_due_on(schedule: RetentionSchedule, date_of_birth: date, left_on: date) -> date:
    """The day a leaver's staff record is due: her 75th birthday or 6 years after leaving, whichever is
    later (with the schedule's numbers). She is due on that day."""
    return max(
        anniversary(date_of_birth, schedule.staff_age),
        anniversary(left_on, schedule.staff_years_after_leaving),
    )


@dataclass(frozen=True)
class Row:
    """One line of the schedule as the page and the command show it."""

    key: str
    what: str
    period: str
    minimum: str
    source: str
    then: str
    settings: tuple[str, ...] = ()


def schedule_rows(schedule: RetentionSchedule) -> list[Row]:
    """Every kind of record the service lets go of, with the periods in force."""
    from passport.passports.operations import KEEP_EXPIRED_SHARES
    from passport.subject_access.operations import KEEP_EXPORT

    return [
        Row(
            "staff_records",
            "Staff records: a person's staff record, posts, absences, credentials, shares, sign-offs, "
            "notifications, emails, requests and accounts",
            f"Until the person's {schedule.staff_age}th birthday or {schedule.staff_years_after_leaving} "
            "years after leaving, whichever is later",
            "75th birthday or 6 years after leaving, whichever is later",
            "NHS Records Management Code of Practice 2023, Appendix II (staff record)",
            "Anonymised by the daily job: credentials revoked, then deleted with the person's shares, "
            "sign-offs, notifications, sent emails and requests; the person's accounts closed; name, email, "
            "NMC PIN, date of birth, assignment numbers, job roles and related reasons removed. Posts and "
            "absences keep their trust, staff group, band, FTE, dates and reason codes, so every figure "
            "stays the same.",
            ("PASSPORT_RETENTION_STAFF_AGE", "PASSPORT_RETENTION_STAFF_YEARS_AFTER_LEAVING"),
        ),
        Row(
            "notifications",
            "Notifications and sent emails",
            f"{schedule.notifications_days} days after they were made (emails: sent)",
            "365 days",
            "Not named in the Code: long enough for a person to look back on what they were told",
            "Deleted by the daily job (an email not yet sent is never deleted)",
            ("PASSPORT_RETENTION_NOTIFICATIONS_DAYS",),
        ),
        Row(
            "share_links",
            "Share links and who opened them",
            f"{KEEP_EXPIRED_SHARES.days} days after the link expired (a withdrawn link too)",
            "Fixed",
            "Not named in the Code: long enough for the holder to see who opened their passport and to look "
            "into misuse",
            "Deleted by the hourly expire-shares job",
        ),
        Row(
            "data_copies",
            "Copies of a person's data (subject access)",
            f"{KEEP_EXPORT.days} days after the copy was made",
            "Fixed",
            "A copy is for downloading, not for keeping here",
            "The file is deleted by the hourly job",
        ),
    ]
