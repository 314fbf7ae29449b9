"""Figures of a directorate, a ward and a cost centre, worked by hand, and suppression at every level.

RPG in 2024 (366 days), everyone full time all year unless said:
- "Adult mental health": ward "Barefoot Lodge" 6 people (cost centre 10101) and a mover (there to 30 June,
  cost centre 10102, then at "Oxleas House"); ward "Oxleas House" 3 more. The directorate holds 10
  people, Barefoot Lodge 7, Oxleas House 4.
- "Children and young people": ward "Atlas House" 6 people (cost centre 20101), one leaving on 30 June
  2024; one sick for 10 days in May 2024 (and another for 3 days in January 2023, before the year
  counted).
Nobody at the other trust, so the partnership adds nobody to RPG.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from passport.metrics.disclosure import Selection, people_in_post
from passport.metrics.operations import scope_for
from passport.metrics.queries import Place, month_label
from passport.metrics.retention import leaver_cells
from passport.metrics.rollups import RecordRetention, RecordSickness, retention_source, sickness_source
from passport.metrics.sickness import sickness_cells
from tests.support.factories import StaffMemberFactory
from tests.support.workforce_factories import AbsenceFactory, AssignmentFactory
from tests.unit.metrics.conftest import month, period

ADULT, CHILDREN = "Adult mental health", "Children and young people"
YEAR = period("2024-01", "2024-12")


def post(trust, member, directorate, ward, cost_centre, start=date(2023, 1, 1), end=None):  # type: ignore[no-untyped-def]
    return AssignmentFactory(
        staff_member=member,
        trust=trust,
        start_date=start,
        end_date=end,
        contracted_fte=Decimal("1"),
        person_type="employee",
        staff_group="NMR",
        afc_band="5",
        directorate=directorate,
        ward=ward,
        cost_centre=cost_centre,
    )


@pytest.fixture
def world(session, demo_trusts):  # type: ignore[no-untyped-def]
    rpg = demo_trusts[0]
    for _ in range(6):
        post(rpg, StaffMemberFactory(trust=rpg), ADULT, "Barefoot Lodge", "10101")
    mover = StaffMemberFactory(trust=rpg)
    post(rpg, mover, ADULT, "Barefoot Lodge", "10102", end=date(2024, 6, 30))
    post(rpg, mover, ADULT, "Oxleas House", "10201", start=date(2024, 7, 1))
    for _ in range(3):
        post(rpg, StaffMemberFactory(trust=rpg), ADULT, "Oxleas House", "10201")
    atlas = [post(rpg, StaffMemberFactory(trust=rpg), CHILDREN, "Atlas House", "20101") for _ in range(5)]
    post(rpg, StaffMemberFactory(trust=rpg), CHILDREN, "Atlas House", "20101", end=date(2024, 6, 30))
    AbsenceFactory(
        assignment=atlas[0], first_day=date(2024, 5, 6), last_day=date(2024, 5, 15), category="SICKNESS",
        reason_code="S10",
    )  # fmt: skip
    # A year earlier, so the records begin in January 2023 and the rolling figures of 2024 are complete.
    AbsenceFactory(
        assignment=atlas[1], first_day=date(2023, 1, 9), last_day=date(2023, 1, 11), category="SICKNESS",
        reason_code="S12",
    )  # fmt: skip
    session.flush()
    return rpg


def scope(session, trust, directorate=None, ward=None, cost_centre=None):  # type: ignore[no-untyped-def]
    return scope_for(session, trust, place=Place(directorate, ward, cost_centre))


def test_a_wards_sickness_counts_its_posts_only(session, world):
    atlas = scope(session, world, CHILDREN, "Atlas House")
    [cell] = sickness_cells(session, atlas, YEAR.first_month, YEAR.last_month, [])
    # 5 people all year and one to 30 June (182 days): 5 x 366 + 182 = 2,012 FTE days; 10 lost.
    assert (cell.fte_days_lost, cell.fte_days_available) == (Decimal(10), Decimal(2012))
    assert cell.rate_percent == Decimal("0.50")
    [adult] = sickness_cells(session, scope(session, world, ADULT), YEAR.first_month, YEAR.last_month, [])
    assert (adult.fte_days_lost, adult.fte_days_available) == (Decimal(0), Decimal(10 * 366))
    [ward] = sickness_cells(
        session, scope(session, world, ADULT, "Oxleas House"), YEAR.first_month, YEAR.last_month, []
    )
    assert ward.fte_days_available == Decimal(3 * 366 + 184)  # the mover from 1 July: 184 days
    [centre] = sickness_cells(
        session, scope(session, world, cost_centre="20101"), YEAR.first_month, YEAR.last_month, []
    )
    assert (centre.fte_days_lost, centre.fte_days_available) == (Decimal(10), Decimal(2012))  # Atlas's
    [mover] = sickness_cells(
        session,
        scope(session, world, ADULT, "Barefoot Lodge", "10102"),
        YEAR.first_month,
        YEAR.last_month,
        [],
    )
    assert mover.fte_days_available == Decimal(182)  # to 30 June


def test_moving_ward_is_not_leaving_and_leaving_the_trust_is(session, world):
    barefoot = scope(session, world, ADULT, "Barefoot Lodge")
    [cell] = leaver_cells(session, barefoot, [YEAR], [])
    assert (cell.leavers, cell.start_headcount, cell.end_headcount) == (0, 7, 6)
    [atlas] = leaver_cells(session, scope(session, world, CHILDREN, "Atlas House"), [YEAR], [])
    assert (atlas.leavers, atlas.start_headcount, atlas.end_headcount) == (1, 6, 5)
    assert atlas.rate_percent == Decimal("18.18")  # 1 / 5.5


def test_a_directorate_or_ward_is_counted_from_the_records(session, world):
    ward = scope(session, world, ADULT, "Barefoot Lodge")
    assert isinstance(sickness_source(session, ward, YEAR.first_month, YEAR.last_month), RecordSickness)
    assert isinstance(retention_source(session, ward, YEAR.first_month, YEAR.last_month), RecordRetention)


@pytest.mark.parametrize(
    ("directorate", "ward", "cost_centre", "shown"),
    [
        (None, None, None, True),  # RPG: 16 people
        (ADULT, None, None, True),  # 10, and RPG adds 6
        (CHILDREN, None, None, True),  # 6, and RPG adds 10
        (CHILDREN, "Atlas House", None, True),  # 6: its directorate adds nobody, RPG 10
        (ADULT, "Barefoot Lodge", None, False),  # 7, but its directorate adds 3 (Oxleas House's own 3)
        (ADULT, "Oxleas House", None, False),  # 4 people
        (CHILDREN, "Atlas House", "20101", True),  # Atlas House's 6 again
        (None, None, "20101", True),  # the same 6, asked for without the levels above
        (ADULT, "Barefoot Lodge", "10101", False),  # 6, but the ward adds 1 (the mover, in 10102)
        (None, None, "10101", False),  # the same: widened to its ward it is 1 short
        (ADULT, "Barefoot Lodge", "10102", False),  # 1 person
    ],
)
def test_suppression_holds_at_every_level(session, world, directorate, ward, cost_centre, shown):
    people = people_in_post(session, scope_for(session, None), YEAR.first_month - 11, YEAR.last_month)
    selection = Selection.of(
        scope(session, world, directorate, ward, cost_centre), YEAR.first_month, YEAR.last_month
    )
    assert people.shown(selection) is shown


def test_people_in_post_kept_for_a_period_serves_those_inside_it_and_grows_for_one_outside(session, world):
    from passport.metrics.fingerprint import source_fingerprint

    fingerprint, partnership = source_fingerprint(session), scope_for(session, None)
    kept = people_in_post(session, partnership, month("2023-01"), YEAR.last_month, fingerprint)
    assert people_in_post(session, partnership, YEAR.first_month, YEAR.last_month, fingerprint) is kept
    earlier = people_in_post(session, partnership, month("2022-06"), month("2023-03"), fingerprint)
    assert earlier is not kept and earlier.covers(month("2022-06"), YEAR.last_month)
    assert people_in_post(session, partnership, month("2023-01"), YEAR.last_month, fingerprint) is earlier
    assert people_in_post(session, partnership, month("2023-01"), YEAR.last_month) is not earlier  # no key


def test_a_ward_beside_its_directorate_does_not_give_away_the_rest(session, world):
    """Barefoot Lodge (7) beside Adult mental health (10) would tell the other 3: one of them is withheld,
    and as the directorate is the figure more people ask for, it is the ward."""
    people = people_in_post(session, scope_for(session, None), month("2023-01"), YEAR.last_month)
    directorate = Selection.of(scope(session, world, ADULT), YEAR.first_month, YEAR.last_month)
    ward = Selection.of(scope(session, world, ADULT, "Barefoot Lodge"), YEAR.first_month, YEAR.last_month)
    assert (people.people(directorate), people.people(ward)) == (10, 7)
    assert people.shown(directorate) and not people.shown(ward)


def test_the_dashboard_counts_a_ward_and_withholds_a_small_one(session, world):
    from passport.metrics.dashboard import dashboard_data

    def rolling_sickness(directorate, ward):  # type: ignore[no-untyped-def]
        board = dashboard_data(
            session, world, YEAR.first_month, YEAR.last_month, place=Place(directorate, ward)
        )
        return {row["month"]: row for row in board.charts["sickness-trend"].rows}[
            month_label(YEAR.last_month)
        ]

    atlas = rolling_sickness(CHILDREN, "Atlas House")
    assert atlas["rolling_12_month_rate_percent"] == Decimal("0.50")  # 10 / 2,012, as counted above
    assert rolling_sickness(ADULT, "Barefoot Lodge")["rolling_12_month_rate_percent"] is None


@pytest.mark.parametrize("groups", [(), ("NMR",)], ids=["all staff", "nurses"])
@pytest.mark.parametrize("level", ["directorate", "ward", "cost_centre"])
def test_a_levels_table_counted_in_one_pass_equals_each_unit_counted_alone(session, world, level, groups):
    """The drill-down table counts every unit at once (a breakdown by the level's column); each row equals
    that unit's own figures, counted with it as the place (the mover between wards included)."""
    from dataclasses import replace

    from passport.metrics.operations import is_suppressed
    from passport.metrics.organisation import LEVELS, _rows
    from passport.metrics.retention import stability_cells

    here = scope_for(session, world, groups)
    chosen = next(unit for unit in LEVELS if unit.field == level)
    units = {"directorate": [ADULT, CHILDREN], "ward": ["Atlas House", "Barefoot Lodge", "Oxleas House"]}.get(
        level, ["10101", "10102", "10201", "20101"]
    )
    rows = _rows(session, here, chosen, units, lambda *_: True, YEAR.last_month, None)
    for row in rows:
        alone = replace(here, place=Place(**{level: row["unit"]}))
        [sick] = sickness_cells(session, alone, YEAR.first_month, YEAR.last_month, [])
        [left] = leaver_cells(session, alone, [YEAR], [])
        [stable] = stability_cells(session, alone, [YEAR], [])
        assert row["sickness_rate_percent"] == (
            None if is_suppressed(sick.fte_days_available) else sick.rate_percent
        )
        assert (row["leaver_rate_percent"], row["stability_percent"]) == (
            left.rate_percent,
            stable.stability_percent,
        ), row["unit"]


def test_a_secondees_sickness_counts_in_her_home_posts_unit_in_the_one_pass(session, world, demo_trusts):
    """Sickness recorded by the host on her secondee assignment counts at her own post's ward, whether
    the ward is counted alone or in the one pass of the table."""
    from dataclasses import replace

    from passport.metrics.organisation import LEVELS, _rows

    rv5 = demo_trusts[1]
    member = StaffMemberFactory(trust=world)
    post(world, member, ADULT, "Oxleas House", "10201")
    seconded = AssignmentFactory(
        staff_member=member, trust=rv5, start_date=date(2024, 3, 1), end_date=date(2024, 8, 31),
        contracted_fte=Decimal("1"), person_type="secondee", staff_group="NMR", afc_band="5",
    )  # fmt: skip
    AbsenceFactory(
        assignment=seconded, first_day=date(2024, 4, 8), last_day=date(2024, 4, 19), category="SICKNESS",
        reason_code="S12",
    )  # fmt: skip
    session.flush()
    here = scope_for(session, world, place=Place(ADULT))
    ward = next(level for level in LEVELS if level.field == "ward")
    rows = {
        r["unit"]: r
        for r in _rows(session, here, ward, ["Oxleas House"], lambda *_: True, YEAR.last_month, None)
    }
    [alone] = sickness_cells(
        session, replace(here, place=Place(ADULT, "Oxleas House")), YEAR.first_month, YEAR.last_month, []
    )
    assert alone.fte_days_lost == Decimal(12)  # 8-19 April, on her own post at Oxleas House
    assert rows["Oxleas House"]["sickness_rate_percent"] == alone.rate_percent


def test_every_trusts_places_read_at_once_are_each_trusts_own(session, world, demo_trusts):
    """A refresh reads every trust's places in one scan and keeps them for the records' fingerprint; each
    trust's are then exactly those its own read finds (a bank post's place among them, a post with no
    place, a trust with no posts), and a session without them kept reads each trust's own."""
    from passport.metrics.fingerprint import source_fingerprint
    from passport.metrics.organisation import keep_every_trusts_places, places_of
    from tests.support.factories import TrustFactory

    rpg, rv5 = demo_trusts
    post(rv5, StaffMemberFactory(trust=rv5), "Forensic", "Bridge House", None)
    bank = post(rv5, StaffMemberFactory(trust=rv5), "Forensic", "Bank ward", "30101")
    bank.person_type = "bank"
    post(rv5, StaffMemberFactory(trust=rv5), None, None, None)
    empty = TrustFactory(ods_code="RXY")
    session.flush()
    trusts = (rpg, rv5, empty)
    own = {trust.ods_code: sorted(places_of(session, trust), key=repr) for trust in trusts}
    assert len(own["RPG"]) == 4 and len(own["RV5"]) == 3 and own["RXY"] == []

    fingerprint = source_fingerprint(session)
    keep_every_trusts_places(session, fingerprint)
    post(rpg, StaffMemberFactory(trust=rpg), "New directorate", None, None)
    session.flush()  # not in what was kept: a later state of the records has its own fingerprint
    for trust in trusts:
        assert sorted(places_of(session, trust, fingerprint), key=repr) == own[trust.ods_code]
    assert len(places_of(session, rpg, source_fingerprint(session))) == 5  # read afresh
