"""The retention schedule's periods are settings, refused below the law's minimum (issue 17), and due
dates are worked by hand."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import MetaData

from passport.config import ConfigurationError, flask_config, load_settings
from passport.record_keeping.operations import DECISIONS
from passport.record_keeping.schedule import RetentionSchedule, schedule_rows, staff_record_due_on
from passport.subject_access.operations import PARTS

DEFAULT = RetentionSchedule()


def test_the_defaults_are_the_code_of_practice_s_and_carried_to_the_app_config() -> None:
    settings = load_settings({})
    assert settings.retention == RetentionSchedule(
        staff_years_after_leaving=6, staff_age=75, notifications_days=730
    )
    assert flask_config(settings)["PASSPORT_RETENTION_SCHEDULE"] is settings.retention
    longer = load_settings(
        {"PASSPORT_RETENTION_NOTIFICATIONS_DAYS": "1000", "PASSPORT_RETENTION_STAFF_YEARS_AFTER_LEAVING": "8"}
    )
    assert (longer.retention.notifications_days, longer.retention.staff_years_after_leaving) == (1000, 8)


@pytest.mark.parametrize(
    ("name", "value", "message"),
    [
        (
            "PASSPORT_RETENTION_NOTIFICATIONS_DAYS",
            "10",
            "PASSPORT_RETENTION_NOTIFICATIONS_DAYS is 10 days, shorter than the minimum of 365 days for "
            "notifications",
        ),
        (
            "PASSPORT_RETENTION_STAFF_YEARS_AFTER_LEAVING",
            "5",
            "is 5 years, shorter than the minimum of 6 years for staff records",
        ),
        (
            "PASSPORT_RETENTION_STAFF_AGE",
            "70",
            "is 70 years of age, shorter than the minimum of 75 years of age",
        ),
        (
            "PASSPORT_RETENTION_NOTIFICATIONS_DAYS",
            "two years",
            "must be a whole number of days, not 'two years'",
        ),
        ("PASSPORT_RETENTION_STAFF_AGE", "75.5", "must be a whole number"),
        ("PASSPORT_RETENTION_STAFF_AGE", "-80", "must be a whole number"),
    ],
)
def test_a_period_shorter_than_the_minimum_or_not_a_whole_number_is_refused(name, value, message) -> None:
    with pytest.raises(ConfigurationError, match=message):
        load_settings({name: value})


@pytest.mark.parametrize(
    ("born", "left", "due"),
    [
        # 75th birthday 10 March 2025; six years after leaving 30 June 2026: leaving is later.
        (date(1950, 3, 10), date(2020, 6, 30), date(2026, 6, 30)),
        # 75th birthday 15 January 2027; six years after leaving 1 January 2025: the birthday is later.
        (date(1952, 1, 15), date(2019, 1, 1), date(2027, 1, 15)),
        # Born on 29 February: the 75th birthday in a year without one is 1 March (never early).
        (date(1952, 2, 29), date(2010, 1, 1), date(2027, 3, 1)),
        # Left on 29 February 2020: six years later is 1 March 2026.
        (date(1990, 1, 1), date(2020, 2, 29), date(2065, 1, 1)),
    ],
)
def test_due_dates_worked_by_hand(born, left, due) -> None:
    assert staff_record_due_on(DEFAULT, born, left) == due
    assert staff_record_due_on(DEFAULT, date(1940, 1, 1), date(2020, 2, 29)) == date(2026, 3, 1)


def test_the_schedule_lists_every_kind_with_its_settings_and_fixed_periods() -> None:
    rows = {row.key: row for row in schedule_rows(RetentionSchedule(notifications_days=400))}
    assert set(rows) == {"staff_records", "notifications", "share_links", "data_copies"}
    assert rows["notifications"].period.startswith("400 days")
    assert "Appendix II" in rows["staff_records"].source
    assert rows["data_copies"].period.startswith("7 days")
    assert rows["share_links"].period.startswith("90 days")


def test_every_table_of_a_person_s_data_has_a_retention_decision(engine) -> None:
    """Complete by construction: a table added to a person's data (the subject access export's PARTS)
    fails here until the retention job says what happens to it."""
    metadata = MetaData()
    metadata.reflect(engine)
    tables = {part.table for part in PARTS}
    assert {"staff_member", "assignment", "issued_credential", "legal_hold"} <= tables  # the list is read
    assert sorted(tables - set(DECISIONS)) == [], "tables of a person's data without a retention decision"
    assert sorted(set(DECISIONS) - set(metadata.tables)) == [], "a decision for a table that does not exist"
    assert all(what in {"anonymised", "deleted", "kept"} and why.strip() for what, why in DECISIONS.values())
