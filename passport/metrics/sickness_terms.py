"""Sickness split into short-term and long-term, by FTE days lost and by episodes (docs/metrics.md).

An episode is one sickness absence record; it is long-term when it lasts more than 28 calendar days
(NHS Digital's definition), an open one to the end of the period counted, and all of its days are of its
term. The episodes of a month are those starting in it. Counted from the records (``sickness_terms``: the
sickness SQL with the term as more columns of the same pass) or summed from the roll-up
(``terms_from_rollup``); RecordSickness.terms and RollupSickness.terms (passport.metrics.rollups) give
the same answers.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from sqlalchemy.orm import Session

from passport.metrics.published import rate_percent
from passport.metrics.queries import E4, Scope
from passport.metrics.sickness import monthly_sums
from passport.metrics.sickness_counts import LONG, OPEN_TERM, SHORT


@dataclass(frozen=True)
class TermMonth:
    """One month's sickness by term: FTE days lost short-term and long-term (they add up to the month's
    FTE days lost), FTE days available, and the episodes starting in the month by term."""

    month: int
    fte_days_lost_short: Decimal
    fte_days_lost_long: Decimal
    fte_days_available: Decimal
    episodes_short: int
    episodes_long: int

    @property
    def fte_days_lost(self) -> Decimal:
        return self.fte_days_lost_short + self.fte_days_lost_long

    @property
    def short_rate_percent(self) -> Decimal | None:
        return (
            rate_percent(self.fte_days_lost_short, self.fte_days_available)
            if self.fte_days_available
            else None
        )

    @property
    def long_rate_percent(self) -> Decimal | None:
        return (
            rate_percent(self.fte_days_lost_long, self.fte_days_available)
            if self.fte_days_available
            else None
        )


def sickness_terms(session: Session, scope: Scope, first_month: int, last_month: int) -> dict[int, TermMonth]:
    """Per month with staff in post, the sickness of ``scope`` by term, counted from the records: an open
    episode's length runs to the end of ``last_month``."""
    found: dict[int, TermMonth] = {}
    for row in session.execute(monthly_sums(scope, first_month, last_month, (), terms=True)).mappings():
        lost, long_lost = int(row["lost_e4"] or 0), int(row["long_lost_e4"] or 0)
        episodes, long_episodes = int(row["episodes"] or 0), int(row["long_episodes"] or 0)
        found[row["month"]] = TermMonth(
            row["month"],
            Decimal(lost - long_lost) / E4,
            Decimal(long_lost) / E4,
            Decimal(int(row["available_e4"] or 0)) / E4,
            episodes - long_episodes,
            long_episodes,
        )
    return dict(sorted(found.items()))


def terms_from_rollup(rows: Iterable[Any], last_month: int) -> dict[int, TermMonth]:
    """The same from the roll-up's (month, term, lost_e4, available_e4, episodes) sums. Days and episodes
    of the term "open" (an open episode no more than 28 days old at the end of the month it began) are
    short-term in the period's last month and long-term before it: an open episode with days in an
    earlier month is more than 28 days old at the period's end (the next month's end is 28 days or more
    after that month's)."""
    sums: dict[int, list[int]] = {}  # month: short lost, long lost, available, short episodes, long episodes
    for row in rows:
        cell = sums.setdefault(row.month, [0, 0, 0, 0, 0])
        cell[2] += int(row.available_e4 or 0)
        term = row.term
        if term == OPEN_TERM:
            term = SHORT if row.month == last_month else LONG
        if term in (SHORT, LONG):
            long = term == LONG
            cell[1 if long else 0] += int(row.lost_e4 or 0)
            cell[4 if long else 3] += int(row.episodes or 0)
    return {
        month: TermMonth(
            month,
            Decimal(short) / E4,
            Decimal(long) / E4,
            Decimal(available) / E4,
            short_episodes,
            long_episodes,
        )
        for month, (short, long, available, short_episodes, long_episodes) in sorted(sums.items())
        if available  # as counted from the records: months with staff in post
    }
