"""Who was absent for which reason, counted for any choice of entries (passport.metrics.reason_disclosure):
each person once, overall and per reason, as plain sets count them."""

from __future__ import annotations

import numpy as np
from hypothesis import given
from hypothesis import strategies as st

from passport.metrics.reason_disclosure import ReasonPeople

REASONS = ["S10", "S12", "S13", "S99"]
entries = st.lists(
    st.tuples(st.integers(1, 40), st.integers(0, len(REASONS) - 1), st.booleans()), max_size=60
)


@given(entries)
def test_people_are_counted_once_overall_and_per_reason(chosen_entries):  # type: ignore[no-untyped-def]
    person = np.array([p for p, _r, _c in chosen_entries], dtype=np.int64)
    reason = np.array([r for _p, r, _c in chosen_entries], dtype=np.int64)
    mask = np.array([c for _p, _r, c in chosen_entries], dtype=bool)
    empty = np.zeros(len(person), dtype=np.int64)
    absent = ReasonPeople(person, reason, REASONS, (empty, empty, empty, empty))
    chosen = [(p, r) for p, r, c in chosen_entries if c]
    assert absent.heads(mask) == len({p for p, _r in chosen})
    assert absent.heads_by_reason(mask) == [
        len({p for p, r in chosen if r == code}) for code in range(len(REASONS))
    ]
    # The same absent people asked about twice (kept numbering) and for every entry.
    assert absent.heads(mask) == len({p for p, _r in chosen})
    everyone = np.ones(len(person), dtype=bool)
    assert absent.heads(everyone) == len(set(person.tolist()))
