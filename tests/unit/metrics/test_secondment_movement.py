"""Secondments in the figures: never a leave, and counted in and out per trust per month.

Fixture, worked by hand: Nia's home trust is RPG (her own assignment there never ends). She is seconded
to RV5 from 15 May 2024 to 31 July 2024 (a secondee assignment at RV5).
- RV5 leavers, May-Aug 2024: none. The secondee assignment ends 31 July with nothing at RV5 the next
  day, which would be a leave, but the end of a secondment is never a leave.
- Seconded in to RV5: May, June, July = 1 each; April and August = 0.
- Seconded out of RPG: May, June, July = 1 each; RPG seconds nobody in.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from passport.metrics.movement import secondment_counts
from passport.metrics.operations import scope_for
from passport.metrics.queries import Period, month_index
from passport.metrics.retention import leaver_cells
from tests.support.factories import StaffMemberFactory
from tests.support.workforce_factories import AssignmentFactory


def test_a_secondment_is_counted_in_and_out_and_never_as_a_leave(session, demo_trusts):
    rpg, rv5 = demo_trusts
    nia = StaffMemberFactory(trust=rpg)
    AssignmentFactory(staff_member=nia, trust=rpg, start_date=date(2020, 1, 1))
    AssignmentFactory(
        staff_member=nia,
        trust=rv5,
        person_type="secondee",
        start_date=date(2024, 5, 15),
        end_date=date(2024, 7, 31),
        contracted_fte=Decimal("1.0"),
    )
    # Someone who really leaves RV5, so the query is shown to find leavers at all.
    AssignmentFactory(
        trust=rv5,
        staff_member=StaffMemberFactory(trust=rv5),
        start_date=date(2020, 1, 1),
        end_date=date(2024, 6, 30),
        leaving_reason="VR_RELOCATION",
    )
    session.flush()

    april, august = month_index(date(2024, 4, 1)), month_index(date(2024, 8, 1))
    months = list(range(april, august + 1))
    partners = (rpg.id, rv5.id)
    into_rv5 = secondment_counts(session, (rv5.id,), partners, months)
    out_of_rpg = secondment_counts(session, (rpg.id,), partners, months)
    assert [into_rv5[m][0] for m in months] == [0, 1, 1, 1, 0]
    assert [out_of_rpg[m][1] for m in months] == [0, 1, 1, 1, 0]
    assert [out_of_rpg[m][0] for m in months] == [0, 0, 0, 0, 0]

    (cell,) = leaver_cells(session, scope_for(session, rv5), [Period(april + 1, august)], [])
    assert cell.leavers == 1  # the real leaver only, not the end of Nia's secondment


def test_counted_from_the_secondees_read_once_as_the_sql_counts(session, demo_trusts):
    """With no place chosen, the counts are made from the secondee assignments read once (no statement
    to compile for each question); on generated secondments they equal the SQL's, month by month, for
    each trust, both together and the partnership: people seconded twice in a month, to each trust in
    turn, open secondments, secondments starting or ending on a month's first or last day, and a host
    outside the partnership."""
    import random

    from passport.metrics.movement import placed_secondment_counts
    from tests.support.factories import TrustFactory

    rpg, rv5 = demo_trusts
    elsewhere = TrustFactory(ods_code="RXX")  # not among the partners asked about: never counted
    rng = random.Random(13)
    edges = [date(2024, m, 1) for m in range(1, 13)] + [date(2024, m, 28) for m in range(1, 13)]
    for _ in range(40):
        home = rng.choice((rpg, rv5))
        person = StaffMemberFactory(trust=home)
        AssignmentFactory(staff_member=person, trust=home, start_date=date(2020, 1, 1))
        for _ in range(rng.randint(1, 3)):
            start = rng.choice(edges)
            end = rng.choice([None, start, *[day for day in edges if day > start]])
            AssignmentFactory(
                staff_member=person,
                trust=rng.choice((rpg, rv5, rv5, elsewhere)),
                person_type="secondee",
                start_date=start,
                end_date=end,
            )
    session.flush()

    months = list(range(month_index(date(2023, 12, 1)), month_index(date(2025, 1, 1)) + 1))
    partners = (rpg.id, rv5.id)
    counted = {}
    for trust_ids in ((rpg.id,), (rv5.id,), partners):
        counted[trust_ids] = secondment_counts(session, trust_ids, partners, months)
        assert counted[trust_ids] == placed_secondment_counts(session, trust_ids, partners, months)
    assert sum(ins + outs for ins, outs in counted[(rpg.id,)].values()) > 20  # the world seconds people
    assert any(outs for _ins, outs in counted[(rv5.id,)].values())
