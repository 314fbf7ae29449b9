"""Record retention pages and command (issue 17): the admin's schedule and dry run, HR placing and releasing
a legal hold, another trust's HR refused, and ``passport retention``."""

from __future__ import annotations

from datetime import date

from sqlalchemy import select

from passport.audit.models import AuditEvent
from passport.auth.models import Role
from passport.record_keeping.models import LegalHold
from passport.trusts.models import StaffMember
from tests.conftest import sign_in
from tests.support.factories import StaffMemberFactory, UserFactory
from tests.support.workforce_factories import AssignmentFactory


def _due_leaver(trust):  # type: ignore[no-untyped-def]
    member = StaffMemberFactory(trust=trust, date_of_birth=date(1940, 1, 1))
    AssignmentFactory(staff_member=member, start_date=date(2000, 1, 1), end_date=date(2010, 1, 1))
    return member


def _holds(session, member_id):  # type: ignore[no-untyped-def]
    return session.scalars(
        select(LegalHold)
        .where(LegalHold.staff_member_id == member_id)
        .execution_options(populate_existing=True)
    ).all()


def test_an_admin_sees_the_schedule_and_what_the_job_would_do_today(client, session, demo_trusts) -> None:
    _due_leaver(demo_trusts[0])
    StaffMemberFactory(trust=demo_trusts[0], date_of_birth=None)
    session.flush()
    sign_in(client, UserFactory(role=Role.ADMIN, trust=None))
    page = client.get("/admin/retention").get_data(as_text=True)
    assert "NHS Records Management Code of Practice 2023" in page
    assert "PASSPORT_RETENTION_NOTIFICATIONS_DAYS" in page and "730 days" in page
    assert "If the job ran today" in page
    assert 'Staff records anonymised</td><td class="nhsuk-table__cell nhsuk-table__cell--numeric">1<' in page
    assert "The job has not yet anonymised or deleted anything." in page
    assert session.scalars(select(StaffMember.anonymised_at)).all() == [None, None]  # a dry run only


def test_hr_place_and_release_a_hold_which_the_job_then_respects(app, client, session, demo_trusts) -> None:
    rpg, _ = demo_trusts
    member = _due_leaver(rpg)
    session.flush()
    sign_in(client, UserFactory(role=Role.HR, trust=rpg))
    page = client.get(f"/workforce/staff/{member.id}").get_data(as_text=True)
    assert "Place a legal hold" in page
    answer = client.post(f"/workforce/staff/{member.id}/legal-hold", data={"reason": "Employment tribunal"})
    assert answer.status_code == 302
    assert [h.reason for h in _holds(session, member.id)] == ["Employment tribunal"]
    page = client.get(f"/workforce/staff/{member.id}").get_data(as_text=True)
    assert "Release the hold" in page and "Employment tribunal" in page
    # A second hold while one is on is refused, saying so.
    again = client.post(f"/workforce/staff/{member.id}/legal-hold", data={"reason": "Another"})
    assert again.status_code == 422 and "already held" in again.get_data(as_text=True)
    assert len(_holds(session, member.id)) == 1
    # The job leaves her alone.
    result = app.test_cli_runner().invoke(args=["passport", "retention", "--dry-run"])
    assert "1  staff records past their date, kept under a legal hold" in result.output
    # Releasing asks first; a POST without the confirmation changes nothing.
    confirm = client.get(f"/workforce/staff/{member.id}/legal-hold/release")
    assert "Release the legal hold" in confirm.get_data(as_text=True)
    assert client.post(f"/workforce/staff/{member.id}/legal-hold/release").status_code == 302
    assert _holds(session, member.id)[0].released_at is None
    client.post(f"/workforce/staff/{member.id}/legal-hold/release", data={"confirmed": "yes"})
    assert _holds(session, member.id)[0].released_at is not None
    actions = session.scalars(
        select(AuditEvent.action).where(
            AuditEvent.record_type == "staff_member", AuditEvent.record_id == str(member.id)
        )
    ).all()
    assert {"legal_hold.placed", "legal_hold.released"} <= set(actions)


def test_another_trust_s_hr_can_neither_see_nor_place_a_hold(client, session, demo_trusts) -> None:
    rpg, rv5 = demo_trusts
    member = _due_leaver(rpg)
    session.flush()
    sign_in(client, UserFactory(role=Role.HR, trust=rv5))
    assert client.get(f"/workforce/staff/{member.id}/legal-hold").status_code == 403
    assert client.post(f"/workforce/staff/{member.id}/legal-hold", data={"reason": "x"}).status_code == 403
    assert _holds(session, member.id) == []


def test_the_command_prints_the_schedule_and_does_what_the_dry_run_said(app, session, demo_trusts) -> None:
    member = _due_leaver(demo_trusts[0])
    session.flush()
    runner = app.test_cli_runner()
    dry = runner.invoke(args=["passport", "retention", "--dry-run", "--today", "2026-05-01"])
    assert dry.exit_code == 0, dry.output
    assert "Retention schedule:" in dry.output and "75th birthday" in dry.output
    assert "Would go on 1 May 2026:" in dry.output and "1  staff records anonymised" in dry.output
    assert "Dry run: nothing was changed." in dry.output
    assert session.scalar(select(StaffMember.anonymised_at).where(StaffMember.id == member.id)) is None
    done = runner.invoke(args=["passport", "retention", "--today", "2026-05-01"])
    assert (
        done.exit_code == 0
        and "Went on 1 May 2026:" in done.output
        and "1  staff records anonymised" in done.output
    )
    fresh = select(StaffMember).where(StaffMember.id == member.id).execution_options(populate_existing=True)
    assert session.scalars(fresh).one().given_name == "Former"
    bad = runner.invoke(args=["passport", "retention", "--dry-run", "--today", "1 May"])
    assert bad.exit_code == 2 and "is not a date: give it as YYYY-MM-DD" in bad.output
