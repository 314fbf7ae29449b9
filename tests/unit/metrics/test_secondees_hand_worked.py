"""Secondees and returners in the figures, worked by hand, counted from the records and from the roll-ups.

The rules (shared/design.md, docs/metrics.md): a secondee belongs to her employing (home) trust for every
figure. Her own post there carries on through the secondment and counts, once, at the trust and the
partnership level; sickness recorded on the secondee assignment at the host counts on that own post.
A secondment is a leave at no level, and the host's figures leave its secondees out. Stability: in post
at the period's start and at its end, whatever happened between (a returner is stable).

April 2024 has 30 days, May 31, the year 2024 366.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from passport.metrics.movement import secondment_counts
from passport.metrics.queries import Period
from passport.metrics.retention import leaver_cells, stability_cells
from passport.metrics.rollups import (
    RollupRetention,
    RollupSickness,
    rebuild_retention_rollup,
    rebuild_sickness_rollup,
)
from passport.metrics.sickness import sickness_cells, sickness_reasons
from tests.unit.metrics.conftest import month

YEAR_2024 = Period(month("2024-01"), month("2024-12"))
SECONDEE = "secondee"


def sickness(session, scope, first: str, last: str):  # type: ignore[no-untyped-def]
    """{month: (FTE days lost, available, rate)} counted from the records, checked equal to the same from
    the roll-up (rebuilt here from the same records)."""
    first_month, last_month = month(first), month(last)
    direct = {
        c.period.label: (c.fte_days_lost, c.fte_days_available, c.rate_percent)
        for c in sickness_cells(session, scope, first_month, last_month, ["month"])
    }
    rebuild_sickness_rollup(session, "hand-worked")
    monthly, _rolling = RollupSickness(session, scope).trend(first_month, last_month)
    rolled = {
        c.period.label: (c.fte_days_lost, c.fte_days_available, c.rate_percent) for c in monthly.values()
    }
    assert rolled == direct
    return direct


def sickness_by_trust(session, scope, first: str, last: str):  # type: ignore[no-untyped-def]
    """{trust id: (lost, available)} over the period, from the records and (checked equal) the roll-up."""
    first_month, last_month = month(first), month(last)
    direct = {
        c.keys["trust"]: (c.fte_days_lost, c.fte_days_available)
        for c in sickness_cells(session, scope, first_month, last_month, ["trust"])
    }
    rebuild_sickness_rollup(session, "hand-worked")
    rolled = {
        c.keys["trust"]: (c.fte_days_lost, c.fte_days_available)
        for c in RollupSickness(session, scope).by_trust(first_month, last_month)
    }
    assert rolled == direct
    return direct


def retention(session, scope, by=()):  # type: ignore[no-untyped-def]
    """{trust or None: (leavers, start headcount, end headcount, start FTE, end FTE, stability start,
    stable)} for 2024, from the records and (checked equal) from the roll-up."""

    def shaped(leavers, stable):  # type: ignore[no-untyped-def]
        found: dict[object, list] = {}
        for c in leavers:
            found.setdefault(c.keys.get("trust"), [0, 0, 0, Decimal(0), Decimal(0), 0, 0])[:5] = [
                c.leavers,
                c.start_headcount,
                c.end_headcount,
                c.start_fte,
                c.end_fte,
            ]
        for c in stable:
            found.setdefault(c.keys.get("trust"), [0, 0, 0, Decimal(0), Decimal(0), 0, 0])[5:] = [
                c.start_headcount,
                c.still_in_post,
            ]
        return {k: tuple(v) for k, v in found.items()}

    direct = shaped(
        leaver_cells(session, scope, [YEAR_2024], list(by)),
        stability_cells(session, scope, [YEAR_2024], list(by)),
    )
    rebuild_retention_rollup(session, "hand-worked")
    kept = RollupRetention(session, scope)
    assert kept._answers([YEAR_2024], list(by))  # the roll-up answers these itself
    rolled = shaped(kept.leavers([YEAR_2024], list(by)), kept.stability([YEAR_2024], list(by)))
    assert rolled == direct
    return direct


# --- Sickness ------------------------------------------------------------------------------------------
def test_the_issue_case_a_full_time_secondment_for_april_with_three_sick_days(session, people, scopes):
    rpg, rv5 = people.rpg, people.rv5
    _home, seconded = people.person(
        (rpg, date(2020, 1, 1), None, "1.0"),
        (rv5, date(2024, 4, 1), date(2024, 4, 30), "1.0", SECONDEE),
    )
    people.absence(seconded, date(2024, 4, 10), date(2024, 4, 12))  # recorded by the host
    # RPG: her own post, 1.0 x 30 = 30 available; her 3 sick days count here: 3 / 30 = 10.00%.
    assert sickness(session, scopes["RPG"], "2024-04", "2024-04") == {
        "2024-04": (Decimal("3"), Decimal("30"), Decimal("10.00"))
    }
    # RV5: her days are not there at all (was 3 of 30).
    assert sickness(session, scopes["RV5"], "2024-04", "2024-04") == {}
    # Partnership: 3 of 30, once (was 3 of 60).
    assert sickness(session, scopes["partnership"], "2024-04", "2024-04") == {
        "2024-04": (Decimal("3"), Decimal("30"), Decimal("10.00"))
    }
    assert sickness_by_trust(session, scopes["partnership"], "2024-04", "2024-04") == {
        rpg.id: (Decimal("3"), Decimal("30"))
    }
    # FTE in post: 1.0 for one person, at RPG and at the partnership level; nobody at RV5.
    april = Period(month("2024-04"), month("2024-04"))
    for name in ("RPG", "partnership"):
        (cell,) = leaver_cells(session, scopes[name], [april], [])
        assert (cell.start_headcount, cell.end_headcount, cell.start_fte, cell.end_fte) == (
            1,
            1,
            Decimal("1.0"),
            Decimal("1.0"),
        ), name
    assert leaver_cells(session, scopes["RV5"], [april], []) == []
    # The dashboard still shows her seconded in to RV5 and out of RPG, on their own.
    months = [month("2024-03"), month("2024-04"), month("2024-05")]
    partners = (rpg.id, rv5.id)
    assert [secondment_counts(session, (rv5.id,), partners, months)[m] for m in months] == [
        (0, 0),
        (1, 0),
        (0, 0),
    ]
    assert [secondment_counts(session, (rpg.id,), partners, months)[m] for m in months] == [
        (0, 0),
        (0, 1),
        (0, 0),
    ]


def test_seconded_and_sick_across_a_month_end_counts_at_home_with_her_own_fte(session, people, scopes):
    rpg, rv5 = people.rpg, people.rv5
    _home, seconded = people.person(
        (rpg, date(2020, 1, 1), None, "0.8"),  # her own post at home: FTE 0.8
        (rv5, date(2024, 4, 15), date(2024, 5, 15), "1.0", SECONDEE),  # the host's record says 1.0
    )
    people.absence(seconded, date(2024, 4, 28), date(2024, 5, 3))
    # April: available 0.8 x 30 = 24; lost 28-30 Apr 3 x 0.8 = 2.4; 10.00%.
    # May: available 0.8 x 31 = 24.8; lost 1-3 May 3 x 0.8 = 2.4; 9.677..% -> 9.68%.
    expected = {
        "2024-04": (Decimal("2.4"), Decimal("24"), Decimal("10.00")),
        "2024-05": (Decimal("2.4"), Decimal("24.8"), Decimal("9.68")),
    }
    assert sickness(session, scopes["RPG"], "2024-04", "2024-05") == expected
    assert sickness(session, scopes["partnership"], "2024-04", "2024-05") == expected
    assert sickness(session, scopes["RV5"], "2024-04", "2024-05") == {}


def test_a_secondment_ended_early_counts_the_days_inside_it_then_her_own_records(session, people, scopes):
    rpg, rv5 = people.rpg, people.rv5
    home, seconded = people.person(
        (rpg, date(2020, 1, 1), None, "1.0"),
        # Agreed to 30 June, ended early: the secondee assignment ends on 20 April.
        (rv5, date(2024, 4, 1), date(2024, 4, 20), "1.0", SECONDEE),
    )
    people.absence(seconded, date(2024, 4, 18), date(2024, 4, 25))  # only 18-20 fall inside it
    people.absence(home, date(2024, 4, 22), date(2024, 4, 23), "S12")  # back home, sick again
    # RPG April: lost 3 (18-20 Apr, from the host's record) + 2 (22-23 Apr) = 5 of 30 -> 16.67%.
    expected = {"2024-04": (Decimal("5"), Decimal("30"), Decimal("16.67"))}
    assert sickness(session, scopes["RPG"], "2024-04", "2024-04") == expected
    assert sickness(session, scopes["partnership"], "2024-04", "2024-04") == expected
    assert sickness(session, scopes["RV5"], "2024-04", "2024-04") == {}
    months = [month("2024-04"), month("2024-05")]
    into_rv5 = secondment_counts(session, (rv5.id,), (rpg.id, rv5.id), months)
    assert [into_rv5[m][0] for m in months] == [1, 0]


def test_an_extended_secondment_still_running_counts_at_home(session, people, scopes):
    rpg, rv5 = people.rpg, people.rv5
    _home, seconded = people.person(
        (rpg, date(2020, 1, 1), None, "1.0"),
        # Agreed to 30 April, extended: the secondee assignment runs on (no end yet).
        (rv5, date(2024, 4, 1), None, "1.0", SECONDEE),
    )
    people.absence(seconded, date(2024, 4, 29), date(2024, 5, 2))
    # April: 29-30 = 2 of 30 -> 6.67%; May: 1-2 = 2 of 31 -> 6.45%.
    expected = {
        "2024-04": (Decimal("2"), Decimal("30"), Decimal("6.67")),
        "2024-05": (Decimal("2"), Decimal("31"), Decimal("6.45")),
    }
    assert sickness(session, scopes["RPG"], "2024-04", "2024-05") == expected
    assert sickness(session, scopes["partnership"], "2024-04", "2024-05") == expected
    assert sickness(session, scopes["RV5"], "2024-04", "2024-05") == {}


def test_sickness_recorded_at_home_and_at_the_host_counts_once(session, people, scopes):
    rpg, rv5 = people.rpg, people.rv5
    home, seconded = people.person(
        (rpg, date(2020, 1, 1), None, "1.0"),
        (rv5, date(2024, 4, 1), date(2024, 4, 30), "1.0", SECONDEE),
    )
    people.absence(home, date(2024, 4, 10), date(2024, 4, 12), "S12")  # home's record
    people.absence(seconded, date(2024, 4, 11), date(2024, 4, 14), "S10")  # the host's, overlapping
    # Sick 10-14 April: 5 days, not 3 + 4 = 7. 5 / 30 = 16.67%.
    expected = {"2024-04": (Decimal("5"), Decimal("30"), Decimal("16.67"))}
    assert sickness(session, scopes["RPG"], "2024-04", "2024-04") == expected
    assert sickness(session, scopes["partnership"], "2024-04", "2024-04") == expected
    # Reasons: the home record's S12 for 10-12, the host's S10 for the days only it has (13-14).
    april = month("2024-04")
    shares, available = sickness_reasons(session, scopes["partnership"], april, april)
    assert [(s.reason_code, s.fte_days_lost, s.share_percent) for s in shares] == [
        ("S12", Decimal("3"), Decimal("60.00")),
        ("S10", Decimal("2"), Decimal("40.00")),
    ]
    assert available == Decimal("30")
    rebuild_sickness_rollup(session, "hand-worked")
    assert RollupSickness(session, scopes["partnership"]).reasons(april, april) == (shares, available)


def test_the_host_leaves_its_secondees_out_and_counts_its_own_staff(session, people, scopes):
    rpg, rv5 = people.rpg, people.rv5
    (own,) = people.person((rv5, date(2020, 1, 1), None, "1.0"))
    people.absence(own, date(2024, 4, 1), date(2024, 4, 6), "S11")  # RV5's own nurse: 6 days
    _home, seconded = people.person(
        (rpg, date(2020, 1, 1), None, "0.5"),
        (rv5, date(2024, 4, 1), date(2024, 4, 30), "0.5", SECONDEE),
    )
    people.absence(seconded, date(2024, 4, 1), date(2024, 4, 10))  # 10 days x 0.5 = 5, at RPG
    # Seconded in from outside the partnership: no own post here, so in no figure of it at all.
    (outsider,) = people.person((rv5, date(2024, 4, 1), date(2024, 4, 30), "1.0", SECONDEE))
    people.absence(outsider, date(2024, 4, 20), date(2024, 4, 29))
    # RV5: its own nurse only, 6 of 30 -> 20.00%.
    assert sickness(session, scopes["RV5"], "2024-04", "2024-04") == {
        "2024-04": (Decimal("6"), Decimal("30"), Decimal("20.00"))
    }
    # RPG: 5 of 0.5 x 30 = 15 -> 33.33%.
    assert sickness(session, scopes["RPG"], "2024-04", "2024-04") == {
        "2024-04": (Decimal("5"), Decimal("15"), Decimal("33.33"))
    }
    # Partnership: 11 of 45 -> 24.44%; trust by trust as above.
    assert sickness(session, scopes["partnership"], "2024-04", "2024-04") == {
        "2024-04": (Decimal("11"), Decimal("45"), Decimal("24.44"))
    }
    assert sickness_by_trust(session, scopes["partnership"], "2024-04", "2024-04") == {
        rpg.id: (Decimal("5"), Decimal("15")),
        rv5.id: (Decimal("6"), Decimal("30")),
    }


# --- Leavers and stability -------------------------------------------------------------------------------
@pytest.fixture
def host_world(people):  # type: ignore[no-untyped-def]
    """RV5's own nurses O (2020, open) and L (2020 - 30 Jun 2024); S, RPG's nurse (own post from 2020,
    open), seconded to RV5 1 Jun 2023 - 31 Mar 2024."""
    rpg, rv5 = people.rpg, people.rv5
    people.person((rv5, date(2020, 1, 1), None, "1.0"))
    people.person((rv5, date(2020, 1, 1), date(2024, 6, 30), "1.0"))
    people.person(
        (rpg, date(2020, 1, 1), None, "1.0"),
        (rv5, date(2023, 6, 1), date(2024, 3, 31), "1.0", SECONDEE),
    )


def test_stability_and_leavers_at_the_host_leave_its_secondee_out(session, host_world, scopes, demo_trusts):
    rpg, rv5 = demo_trusts
    # RV5: in post 1 Jan O, L = 2 (S is seconded in: not RV5's); 31 Dec O = 1. Leavers L = 1 (the end of
    #   S's secondment is no leave): 1 / 1.5 = 66.67%. Stability 1 of 2 = 50% (was 2 of 3, and with only
    #   O and S, 2 in post at the start, 1 at the end, 100%).
    assert retention(session, scopes["RV5"]) == {
        None: (1, 2, 1, Decimal("2"), Decimal("1"), 2, 1),
    }
    (cell,) = leaver_cells(session, scopes["RV5"], [YEAR_2024], [])
    (stable,) = stability_cells(session, scopes["RV5"], [YEAR_2024], [])
    assert (cell.rate_percent, stable.stability_percent) == (Decimal("66.67"), Decimal("50.00"))
    # RPG: S in post throughout, once, FTE 1.0; no leave; stable 1 of 1.
    assert retention(session, scopes["RPG"]) == {None: (0, 1, 1, Decimal("1"), Decimal("1"), 1, 1)}
    # Partnership: O, L, S = 3 on 1 Jan (FTE 3.0, not 4.0), O and S = 2 on 31 Dec; L leaves; 2 of 3 stable.
    assert retention(session, scopes["partnership"]) == {None: (1, 3, 2, Decimal("3"), Decimal("2"), 3, 2)}
    assert retention(session, scopes["partnership"], ["trust"]) == {
        rpg.id: (0, 1, 1, Decimal("1"), Decimal("1"), 1, 1),
        rv5.id: (1, 2, 1, Decimal("2"), Decimal("1"), 2, 1),
    }


@pytest.fixture
def movers_world(people):  # type: ignore[no-untyped-def]
    """All RPG's nurses, FTE 1.0, in post on 1 Jan 2024:
    R  left 31 Mar 2024, back at RPG 1 Jul 2024.                 a returner: a leave, and stable
    Q  left 31 Mar 2024, joined RV5 1 Jul 2024.                  a leave at both levels; stable at the
                                                                 partnership (in post there at both ends)
    M  seconded to RV5 1 Jan - 31 May 2024, her RPG post ending 31 May, and RV5's own from 1 Jun.
                                                                 a mover: leaves RPG, not the partnership
    K  seconded to RV5 from 1 Sep 2024, still there on 31 Dec.   RPG's throughout: no leave anywhere
    """
    rpg, rv5 = people.rpg, people.rv5
    people.person((rpg, date(2020, 1, 1), date(2024, 3, 31), "1.0"), (rpg, date(2024, 7, 1), None, "1.0"))
    people.person((rpg, date(2020, 1, 1), date(2024, 3, 31), "1.0"), (rv5, date(2024, 7, 1), None, "1.0"))
    people.person(
        (rpg, date(2020, 1, 1), date(2024, 5, 31), "1.0"),
        (rv5, date(2024, 1, 1), date(2024, 5, 31), "1.0", SECONDEE),
        (rv5, date(2024, 6, 1), None, "1.0"),
    )
    people.person((rpg, date(2020, 1, 1), None, "1.0"), (rv5, date(2024, 9, 1), None, "1.0", SECONDEE))


def test_returners_movers_and_secondees_together(session, movers_world, scopes, demo_trusts):
    rpg, rv5 = demo_trusts
    # RPG: 1 Jan R, Q, M, K = 4; 31 Dec R (back), K (seconded out, still RPG's) = 2.
    #   Leavers R (31 Mar), Q (31 Mar), M (31 May, to RV5) = 3: 3 / 3 = 100.00%.
    #   Stable: R (a returner), K = 2 of 4 = 50.00%.
    assert retention(session, scopes["RPG"]) == {None: (3, 4, 2, Decimal("4"), Decimal("2"), 4, 2)}
    # RV5: nobody on 1 Jan (M is seconded in: RPG's); 31 Dec Q, M = 2. No leavers, no stability cohort.
    assert retention(session, scopes["RV5"]) == {None: (0, 0, 2, Decimal("0"), Decimal("2"), 0, 0)}
    # Partnership: 1 Jan 4; 31 Dec R, Q, M, K = 4. Leavers R and Q (each a gap of three months) = 2; M moved
    #   on the next day: no leave. Stable: all 4 are in post at both ends = 100%.
    assert retention(session, scopes["partnership"]) == {None: (2, 4, 4, Decimal("4"), Decimal("4"), 4, 4)}
    # Trust by trust at the partnership level: leavers from the partnership in the trust they left from;
    #   headcounts where people are; stability in the trust held on 1 Jan.
    assert retention(session, scopes["partnership"], ["trust"]) == {
        rpg.id: (2, 4, 2, Decimal("4"), Decimal("2"), 4, 4),
        rv5.id: (0, 0, 2, Decimal("0"), Decimal("2"), 0, 0),
    }
    stable = {
        c.keys["trust"]: c for c in stability_cells(session, scopes["partnership"], [YEAR_2024], ["trust"])
    }
    assert stable[rpg.id].stability_percent == Decimal("100.00")


def test_monthly_leavers_around_a_secondment_then_a_move(session, movers_world, scopes):
    may, june = Period(month("2024-05"), month("2024-05")), Period(month("2024-06"), month("2024-06"))
    rpg = {c.period.label: c for c in leaver_cells(session, scopes["RPG"], [may, june], [])}
    rv5 = {c.period.label: c for c in leaver_cells(session, scopes["RV5"], [may, june], [])}
    # RPG in May: 1 May M, K = 2 (R and Q are away); 31 May M, K = 2 (M's last day); M leaves 31 May.
    assert (rpg["2024-05"].leavers, rpg["2024-05"].start_headcount, rpg["2024-05"].end_headcount) == (1, 2, 2)
    # RV5: M is not in post there while seconded in; she joins on 1 June.
    assert "2024-05" not in rv5
    assert (rv5["2024-06"].leavers, rv5["2024-06"].start_headcount, rv5["2024-06"].end_headcount) == (0, 1, 1)


def test_records_that_end_her_own_post_for_a_secondment_say_she_left(session, people, scopes):
    """Not how the secondments feature records a secondment (her own post carries on), but an import can:
    her own post at RPG ends on 31 Aug and a secondee assignment at RV5 starts on 1 Sep. Only her own posts
    keep her in post, so she has left RPG and the partnership on 31 Aug; the secondee assignment is in
    post nowhere and its end is no leave."""
    rpg, rv5 = people.rpg, people.rv5
    people.person(
        (rpg, date(2019, 1, 1), date(2024, 8, 31), "1.0"),
        (rv5, date(2024, 9, 1), date(2024, 12, 15), "1.0", SECONDEE),
    )
    for name in ("RPG", "partnership"):
        assert retention(session, scopes[name]) == {None: (1, 1, 0, Decimal("1"), Decimal("0"), 1, 0)}, name
    assert retention(session, scopes["RV5"]) == {}


def test_a_secondees_sickness_at_the_host_is_among_her_home_posts_people_absent_for_its_reason(
    session, people, scopes
):  # type: ignore[no-untyped-def]
    """The chart of reasons decides what it may show from the people absent for each reason, each on her
    own post: a secondee's sickness recorded at the host counts on the home post covering its first day."""
    from passport.metrics.disclosure import people_in_post
    from passport.metrics.reason_disclosure import reason_people

    rpg, rv5 = people.rpg, people.rv5
    _earlier, home, seconded = people.person(
        (rpg, date(2019, 1, 1), date(2019, 12, 31), "1.0", "employee", "NMR", "6"),  # over before April
        (rpg, date(2020, 1, 1), None, "1.0"),
        (rv5, date(2024, 4, 1), date(2024, 4, 30), "1.0", SECONDEE),
    )
    other, _other_seconded = people.person(
        (rv5, date(2020, 1, 1), None, "1.0", "employee", "AHP", "6"),
        (rpg, date(2024, 4, 1), date(2024, 4, 30), "1.0", SECONDEE),
    )
    people.absence(seconded, date(2024, 4, 10), date(2024, 4, 12), "S12")
    people.absence(other, date(2024, 4, 3), date(2024, 4, 4), "S13")
    session.flush()
    grid = people_in_post(session, scopes["partnership"], month("2024-04"), month("2024-04"))
    absent = reason_people(session, grid, date(2024, 4, 1), date(2024, 4, 30))
    found = sorted(
        (
            int(person),
            absent.reason_names[reason],
            grid.trust_ids[trust],
            grid.groups[group],
            grid.bands[band],
        )
        for person, reason, trust, group, band in zip(
            absent.person.tolist(),
            absent.reason.tolist(),
            *(code.tolist() for code in absent.atom[:3]),
            strict=True,
        )
    )
    assert found == sorted(
        [
            (home.staff_member_id, "S12", rpg.id, "NMR", "5"),
            (other.staff_member_id, "S13", rv5.id, "AHP", "6"),
        ]
    )


def test_people_absent_per_reason_are_named_whatever_order_the_absences_number_reasons_in(
    session, people, scopes
):  # type: ignore[no-untyped-def]
    """The reasons are numbered again in the order of their names, whatever order the sickness absences
    read (or kept by a refresh) number them in: here S98 is the absences' first, and each person is
    absent for her own reason."""
    from passport.db import driver_rows
    from passport.metrics.disclosure import keep_in_session, people_in_post
    from passport.metrics.reason_disclosure import reason_people
    from passport.metrics.rollups import _sickness_absences_query
    from passport.metrics.sickness_counts import SicknessAbsences

    given = ("S98", "S12", "S50", "S12")
    posts = [people.person((people.rpg, date(2020, 1, 1), None, "1.0"))[0] for _ in given]
    for post, reason in zip(posts, given, strict=True):
        people.absence(post, date(2024, 4, 2), date(2024, 4, 3), reason)
    session.flush()
    rows = sorted(driver_rows(session, _sickness_absences_query()), key=lambda row: row[3], reverse=True)
    absences = SicknessAbsences.from_rows(rows)
    assert absences.reason_names == ["S98", "S50", "S12"]
    keep_in_session(session, ("sickness absences", "as kept"), absences)
    grid = people_in_post(session, scopes["partnership"], month("2024-04"), month("2024-04"))
    absent = reason_people(session, grid, date(2024, 4, 1), date(2024, 4, 30), "as kept")
    assert absent.reason_names == ["S12", "S50", "S98"]
    found = sorted(
        (int(person), absent.reason_names[reason])
        for person, reason in zip(absent.person.tolist(), absent.reason.tolist(), strict=True)
    )
    assert found == sorted((post.staff_member_id, reason) for post, reason in zip(posts, given, strict=True))
