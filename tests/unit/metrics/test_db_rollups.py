"""The sickness roll-up gives exactly the figures counted from the records, and is only used while it is
current and covers the months asked about."""

from __future__ import annotations

from datetime import date

import pytest

from passport.metrics.fingerprint import source_fingerprint
from passport.metrics.models import RollupState, SicknessRollup
from passport.metrics.operations import scope_for
from passport.metrics.rollups import (
    RecordSickness,
    RollupSickness,
    rebuild_sickness_rollup,
    sickness_source,
)
from tests.unit.metrics.conftest import month
from tests.unit.metrics.test_sickness_hand_worked import sickness_world  # noqa: F401 (a fixture)


@pytest.fixture
def built(session, sickness_world):  # type: ignore[no-untyped-def]  # noqa: F811
    return rebuild_sickness_rollup(session, scope_for(session, None), source_fingerprint(session))


def _scopes(session, demo_trusts):  # type: ignore[no-untyped-def]
    rpg = next(t for t in demo_trusts if t.ods_code == "RPG")
    return {
        "partnership": scope_for(session, None),
        "RPG": scope_for(session, rpg),
        "nurses at RPG": scope_for(session, rpg, ["NMR"]),
        "band 5 everywhere": scope_for(session, None, (), ["5"]),
    }


def test_every_sickness_series_from_the_rollup_equals_the_records(session, demo_trusts, built):
    first, last = month("2023-06"), month("2024-04")
    for name, scope in _scopes(session, demo_trusts).items():
        counted, summed = RecordSickness(session, scope), RollupSickness(session, scope)
        assert summed.trend(first, last) == counted.trend(first, last), name
        assert summed.reasons(first, last) == counted.reasons(first, last), name
        assert summed.by_trust(first, last) == counted.by_trust(first, last), name


def test_the_rollup_holds_february_by_hand(session, built):
    # RPG, February 2024 (see test_sickness_hand_worked): 13 FTE days lost of 60.4 available.
    rows = session.query(SicknessRollup).filter_by(month=month("2024-02")).all()
    lost = sum(r.fte_days_lost_e4 for r in rows)
    available = sum(r.fte_days_available_e4 for r in rows)
    # RPG 13 lost + RV5 2 (28-29 Feb); RPG 60.4 available + RV5 29.
    assert (lost, available) == (150_000, 894_000)
    reasons = {r.reason_code for r in rows if r.fte_days_lost_e4}
    assert reasons == {"S10", "S11", "S12", "S13"}


def test_the_rollup_is_used_only_while_current_and_covering(session, people, built):
    scope = scope_for(session, None)
    assert isinstance(sickness_source(session, scope, month("2024-01"), month("2024-12")), RollupSickness)
    state = session.get(RollupState, "sickness")
    too_early = state.first_month  # its rolling months would start before the roll-up does
    assert isinstance(sickness_source(session, scope, too_early, month("2024-12")), RecordSickness)
    assert isinstance(sickness_source(session, scope, month("2024-01"), state.last_month + 1), RecordSickness)
    (n9,) = people.person((people.rpg, date(2024, 1, 1), None, "1.0"))
    people.absence(n9, date(2024, 3, 1), date(2024, 3, 3), "S10")
    session.flush()
    assert isinstance(sickness_source(session, scope, month("2024-01"), month("2024-12")), RecordSickness)
