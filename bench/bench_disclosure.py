"""What small-number suppression by people costs a dashboard at the scale of a large partnership.

Run: .venv/bin/python bench/bench_disclosure.py
70,000 posts of 60,000 people in 4 trusts, 9 staff groups and 12 bands (random, seeded); a dashboard of
24 months decides about 100 figures: each month and each rolling 12 months of a trust, and of narrow
selections (one staff group and band). Prints the time to read the posts into the month-by-month grid and
the time to decide the figures. There is no baseline to beat: this is time added to counting a dashboard
(bench_dashboard.py), which a snapshot then serves for free.
"""

from __future__ import annotations

import random
import sys
import time
from datetime import date
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from passport.metrics.disclosure import PeopleInPost, Selection  # noqa: E402
from passport.metrics.queries import month_index, to_day_number  # noqa: E402

GROUPS = ["NMR", "AC", "ADM", "AHP", "EST", "HCS", "MED", "SCI", "STU"]
BANDS = ["2", "3", "4", "5", "6", "7", "8a", "8b", "8c", "8d", "9", None]


def main() -> None:
    rng = random.Random(1)
    posts = []
    for post_id in range(70_000):
        start = to_day_number(date(rng.randint(1995, 2024), rng.randint(1, 12), 1))
        end = None if rng.random() < 0.8 else start + rng.randint(30, 4000)
        person = post_id if post_id < 60_000 else rng.randrange(60_000)
        posts.append(
            (post_id, rng.randint(1, 4), rng.choice(GROUPS), rng.choice(BANDS), start, end, 10_000, person)
        )
    last = month_index(date(2025, 3, 1))
    first = last - 23
    started = time.perf_counter()
    people = PeopleInPost(posts, [1, 2, 3, 4], first - 11, last)
    built = time.perf_counter()
    decided = 0
    for month in range(first, last + 1):
        for selection in (
            Selection(frozenset({1}), None, None, month, month),
            Selection(frozenset({1}), None, None, month - 11, month),
            Selection(None, frozenset({"NMR"}), frozenset({"5"}), month, month),
            Selection(frozenset({2}), frozenset({"SCI"}), frozenset({"9"}), month - 11, month),
        ):
            people.shown(selection)
            decided += 1
    done = time.perf_counter()
    print(f"posts into the grid: {built - started:.2f} s; {decided} figures decided: {done - built:.2f} s")


if __name__ == "__main__":
    main()
