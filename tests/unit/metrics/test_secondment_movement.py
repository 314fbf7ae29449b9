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
