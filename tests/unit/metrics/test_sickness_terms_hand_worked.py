"""Short-term and long-term sickness checked against sums worked out by hand, from the records and from the
roll-up (passport.metrics.sickness_terms; docs/metrics.md).

Five nurses at RPG, each FTE 1.0 from 1 January 2023, open:
  A  sick 1 - 28 Feb 2025: 28 days, short-term.
  B  sick 1 - 29 Jan 2025: 29 days, long-term.
  C  sick 20 Mar - 28 Apr 2025: 40 days, long-term in both months (12 in March, 28 in April).
  D  sick from 21 Apr 2025, still open: 10 days at the end of April, short-term.
  E  sick from 22 Mar 2025, still open: 40 days at the end of April, long-term; 10 days at the end of
     March, so short-term in a period that ends with March.
Days available: January 5 x 31 = 155, February 5 x 28 = 140, March 155, April 5 x 30 = 150.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from passport.metrics.fingerprint import source_fingerprint
from passport.metrics.rollups import RecordSickness, RollupSickness, rebuild_sickness_rollup
from passport.metrics.sickness import sickness_cells
from tests.unit.metrics.conftest import month


@pytest.fixture
def term_world(people):  # type: ignore[no-untyped-def]
    rpg = people.rpg
    sick = {
        "A": (date(2025, 2, 1), date(2025, 2, 28)),
        "B": (date(2025, 1, 1), date(2025, 1, 29)),
        "C": (date(2025, 3, 20), date(2025, 4, 28)),
        "D": (date(2025, 4, 21), None),
        "E": (date(2025, 3, 22), None),
    }
    for first, last in sick.values():
        (post,) = people.person((rpg, date(2023, 1, 1), None, "1.0"))
        people.absence(post, first, last, "S10")


def _both(session, scope, first: str, last: str):  # type: ignore[no-untyped-def]
    """The figures from the records, checked equal to those from the roll-up."""
    counted = RecordSickness(session, scope).terms(month(first), month(last))
    rebuild_sickness_rollup(session, source_fingerprint(session))
    assert RollupSickness(session, scope).terms(month(first), month(last)) == counted
    return {
        m: (
            t.fte_days_lost_short,
            t.fte_days_lost_long,
            t.fte_days_available,
            t.episodes_short,
            t.episodes_long,
        )
        for m, t in counted.items()
    }


def test_the_split_by_term_january_to_april(session, term_world, scopes):
    got = _both(session, scopes["RPG"], "2025-01", "2025-04")
    assert got == {
        # B's 29 days are long-term; its episode starts in January.
        month("2025-01"): (Decimal(0), Decimal(29), Decimal(155), 0, 1),
        # A's 28 days are short-term.
        month("2025-02"): (Decimal(28), Decimal(0), Decimal(140), 1, 0),
        # C 20-31 March: 12 long-term days; E 22-31 March: 10, long-term (40 days by 30 April).
        month("2025-03"): (Decimal(0), Decimal(22), Decimal(155), 0, 2),
        # C 1-28 April: 28 long-term; E all of April: 30 long-term; D 21-30 April: 10 short-term.
        month("2025-04"): (Decimal(10), Decimal(58), Decimal(150), 1, 0),
    }


def test_an_open_episode_is_as_long_as_the_period_lets_it_be(session, term_world, scopes):
    # Ending with March, E is 10 days old (22-31 March): short-term, and so is its episode.
    got = _both(session, scopes["RPG"], "2025-01", "2025-03")
    assert got[month("2025-03")] == (Decimal(10), Decimal(12), Decimal(155), 1, 1)
    # April alone: the days are April's only, but C and E are still 40 days long; their episodes began in
    # March, so only D's starts in April.
    got = _both(session, scopes["RPG"], "2025-04", "2025-04")
    assert got == {month("2025-04"): (Decimal(10), Decimal(58), Decimal(150), 1, 0)}


def test_short_and_long_add_up_to_the_days_lost(session, term_world, scopes):
    for scope in scopes.values():
        for last in ("2025-02", "2025-03", "2025-04", "2025-06"):
            terms = RecordSickness(session, scope).terms(month("2024-12"), month(last))
            cells = sickness_cells(session, scope, month("2024-12"), month(last), ["month"])
            assert {c.period.last_month: c.fte_days_lost for c in cells} == {
                m: t.fte_days_lost_short + t.fte_days_lost_long for m, t in terms.items()
            }
            assert {c.period.last_month: c.fte_days_available for c in cells} == {
                m: t.fte_days_available for m, t in terms.items()
            }
    # The rates: long-term April 58 / 150 = 38.67%, short-term 10 / 150 = 6.67%.
    april = RecordSickness(session, scopes["RPG"]).terms(month("2025-04"), month("2025-04"))[month("2025-04")]
    assert (april.short_rate_percent, april.long_rate_percent) == (Decimal("6.67"), Decimal("38.67"))


def test_an_episode_starting_on_a_months_last_day_starts_in_that_month(session, people, scopes):
    """One nurse sick 31 January to 2 February 2025 (3 days, short-term): the episode is January's,
    though two of its days are February's; a second sick on 1 February alone starts February's."""
    for first, last in ((date(2025, 1, 31), date(2025, 2, 2)), (date(2025, 2, 1), date(2025, 2, 1))):
        (post,) = people.person((people.rpg, date(2023, 1, 1), None, "1.0"))
        people.absence(post, first, last, "S10")
    got = _both(session, scopes["RPG"], "2025-01", "2025-02")
    assert got == {
        month("2025-01"): (Decimal(1), Decimal(0), Decimal(62), 1, 0),
        month("2025-02"): (Decimal(3), Decimal(0), Decimal(56), 1, 0),
    }
