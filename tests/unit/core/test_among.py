"""``passport.db.among``: a column matched against many values, as one array on PostgreSQL (written as the
array's text for numbers and text), as one JSON text on SQLite (numbers and text) and an expanding IN
otherwise, finds exactly the values given."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import Date, Integer, String, column, literal, select, union_all
from sqlalchemy.orm import Session

from passport.db import among

# Each one a character the array's text must escape or keep: quotes, backslashes, separators, braces, a
# word the server reads as NULL when bare, spaces at the ends, nothing at all, and letters beyond ASCII.
AWKWARD = ['a"b', "c\\d", "e,f", "{g}", "NULL", " h ", "", "é", "i'j", 'k\\"', "l m"]


def _found(session: Session, kind, stored: list, wanted: list) -> set:  # type: ignore[no-untyped-def,type-arg]
    """The ``stored`` values (a union of one-row selects, which both databases take) that ``among`` finds."""
    table = union_all(*(select(literal(value, kind).label("k")) for value in stored)).subquery()
    dialect = session.get_bind().dialect.name
    return set(session.execute(select(table.c.k).where(among(table.c.k, wanted, dialect))).scalars())


def test_text_with_awkward_characters_is_matched_exactly(session: Session) -> None:
    stored = [*AWKWARD, "other", 'a"', "b", "c", "d", "NUL"]
    assert _found(session, String(20), stored, [*AWKWARD, "missing", "a"]) == set(AWKWARD)


def test_one_awkward_value_at_a_time(session: Session) -> None:
    for value in AWKWARD:
        assert _found(session, String(20), [*AWKWARD, "plain"], [value]) == {value}, value


def test_whole_numbers(session: Session) -> None:
    assert _found(session, Integer, [1, 2, 3, -4, 10**9], [1, 3, -4, 10**9, 99]) == {1, 3, -4, 10**9}


def test_other_values_go_as_a_list(session: Session) -> None:
    days = [date(2024, 4, 1), date(2024, 4, 2), date(2024, 5, 1)]
    wanted = [date(2024, 4, 2), date(2024, 5, 1), date(2025, 1, 1)]
    assert _found(session, Date, days, wanted) == set(days[1:])


@pytest.mark.parametrize("kind", [String(20), Integer])
def test_nothing_wanted_finds_nothing(session: Session, kind) -> None:  # type: ignore[no-untyped-def]
    assert _found(session, kind, ["x"] if isinstance(kind, String) else [1], []) == set()


@pytest.mark.parametrize(("wanted", "written"), [([3, -4], "{3,-4}"), (['a"b', "c"], '{"a\\"b","c"}')])
def test_postgresql_takes_numbers_and_text_as_the_arrays_text(wanted: list, written: str) -> None:  # type: ignore[type-arg]
    """Not a list for psycopg to dump element by element (the reason for the written text: speed)."""
    from sqlalchemy.dialects import postgresql

    key = column("k", Integer if type(wanted[0]) is int else String(20))
    compiled = among(key, wanted, "postgresql").compile(dialect=postgresql.psycopg.dialect())
    assert list(compiled.params.values()) == [written]


@pytest.mark.parametrize(("wanted", "written"), [([3, -4], "[3, -4]"), (['a"b', "é"], '["a\\"b", "é"]')])
def test_sqlite_takes_numbers_and_text_as_one_json_text(wanted: list, written: str) -> None:  # type: ignore[type-arg]
    """Not an IN that SQLAlchemy expands placeholder by placeholder (the reason for the JSON text: speed)."""
    from sqlalchemy.dialects import sqlite

    key = column("k", Integer if type(wanted[0]) is int else String(20))
    compiled = among(key, wanted, "sqlite").compile(dialect=sqlite.dialect())
    assert "json_each" in str(compiled)
    assert list(compiled.params.values()) == [written]
