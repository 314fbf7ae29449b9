"""The retention job on a small workforce (issue 17): who is due, who is kept and why, what anonymising
leaves, credentials revoked before they go, a dry run's counts equal to what the job does."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

import pytest
from sqlalchemy import func, select

from passport.audit.models import AuditEvent
from passport.auth.models import Role, UserAccount, UserRole
from passport.credentials.models import IssuedCredential, StatusList
from passport.credentials.status_list import get_bit
from passport.db import utcnow
from passport.passports.models import Share, ShareOpening
from passport.record_keeping.models import LegalHold
from passport.record_keeping.operations import apply_retention, plan_retention
from passport.record_keeping.schedule import RetentionSchedule
from passport.secondments.models import Notification, OutboxEmail
from passport.trusts.models import StaffMember
from passport.workforce.models import Absence, Assignment
from tests.support.credential_factories import issue, share_of
from tests.support.factories import StaffMemberFactory, UserFactory
from tests.support.workforce_factories import AbsenceFactory, AssignmentFactory

TODAY = date(2026, 6, 30)
SCHEDULE = RetentionSchedule()


@dataclass
class World:
    due: StaffMember  # 75th birthday 10 March 2025, left 30 June 2020: due on 30 June 2026
    not_yet: StaffMember  # left 30 June 2020 too, but 75 only on 1 July 2026
    open_post: StaffMember  # born 1940; one post ended in 2010, another still open
    no_birth_date: StaffMember  # left in 2010, date of birth not recorded
    held: StaffMember  # as due, under a legal hold
    account: UserAccount  # the due person's account
    post: Assignment
    absence: Absence
    credential: IssuedCredential
    share: Share


def _leaver(trust, born, left):  # type: ignore[no-untyped-def]
    member = StaffMemberFactory(trust=trust, date_of_birth=born)
    AssignmentFactory(
        staff_member=member, start_date=date(2001, 1, 1), end_date=left, leaving_reason="retired"
    )
    return member


@pytest.fixture
def world(session, demo_trusts) -> World:
    rpg, _ = demo_trusts
    due = StaffMemberFactory(
        trust=rpg, date_of_birth=date(1950, 3, 10), given_name="Ada", family_name="Lovelace"
    )
    post = AssignmentFactory(
        staff_member=due, start_date=date(2001, 1, 1), end_date=date(2020, 6, 30), leaving_reason="retired"
    )
    absence = AbsenceFactory(assignment=post, first_day=date(2019, 5, 1), last_day=date(2019, 5, 3))
    absence.related_reason = "Y"
    account = UserFactory(role=Role.NURSE, trust=rpg, staff_member=due, email=due.email)
    credential = issue(rpg, due)
    share, _token = share_of(due, [credential])
    session.add(ShareOpening(share_id=share.id, kind="opened", who="Someone at RV5"))
    session.add(Notification(user_id=account.id, message="Your secondment was approved"))
    session.add(OutboxEmail(to_address=due.email, subject="Hello", body="x", sent_at=utcnow()))
    not_yet = _leaver(rpg, date(1951, 7, 1), date(2020, 6, 30))
    open_post = _leaver(rpg, date(1940, 1, 1), date(2010, 1, 1))
    AssignmentFactory(staff_member=open_post, start_date=date(2010, 1, 2))
    no_birth_date = _leaver(rpg, None, date(2010, 1, 1))
    held = _leaver(rpg, date(1940, 1, 1), date(2010, 1, 1))
    session.add(LegalHold(staff_member_id=held.id, trust_id=rpg.id, reason="Employment tribunal"))
    session.flush()
    return World(due, not_yet, open_post, no_birth_date, held, account, post, absence, credential, share)


def _fresh(session, model, ident):  # type: ignore[no-untyped-def]
    return session.scalars(
        select(model).where(model.id == ident).execution_options(populate_existing=True)
    ).one_or_none()


POST_FIGURES = (
    "trust_id staff_group afc_band contracted_fte person_type start_date end_date leaving_reason updated_at"
)


def _counted(record, names):  # type: ignore[no-untyped-def]
    return tuple(getattr(record, name) for name in names.split())


def _email(to, subject, at, *, sent):  # type: ignore[no-untyped-def]
    return OutboxEmail(to_address=to, subject=subject, body="x", created_at=at, sent_at=at if sent else None)


def _count(session, model) -> int:  # type: ignore[no-untyped-def]
    return session.scalar(select(func.count()).select_from(model))


def test_the_dry_run_counts_what_the_job_then_does_and_changes_nothing(session, world) -> None:
    plan = plan_retention(session, SCHEDULE, TODAY)
    assert plan.gone == {"staff_records": 1, "credentials": 1, "notifications": 1, "emails": 1}
    assert plan.kept["staff_records_held"] == 1
    assert plan.kept["staff_records_no_date_of_birth"] == 1
    # Nothing changed by the plan.
    assert _fresh(session, StaffMember, world.due.id).given_name == "Ada"
    assert _fresh(session, IssuedCredential, world.credential.id) is not None
    assert _count(session, Notification) == 1 and _count(session, OutboxEmail) == 1

    done = apply_retention(session, SCHEDULE, TODAY)
    assert done.gone == plan.gone and done.kept == plan.kept
    events = session.scalars(select(AuditEvent).where(AuditEvent.action == "retention.applied")).all()
    assert [(e.details["gone"], e.actor_label) for e in events] == [(plan.gone, "system")]
    # A second run finds nothing more, and records nothing more.
    again = apply_retention(session, SCHEDULE, TODAY)
    assert not again.anything_gone
    assert session.scalar(select(func.count()).where(AuditEvent.action == "retention.applied")) == 1


def test_a_day_early_nobody_is_due(session, world) -> None:
    assert plan_retention(session, SCHEDULE, TODAY - timedelta(days=1)).gone["staff_records"] == 0
    assert plan_retention(session, SCHEDULE, TODAY).gone["staff_records"] == 1  # on the day itself


def test_anonymising_keeps_what_the_figures_count_and_removes_who_she_was(session, world) -> None:
    share_id = world.share.id
    post_before = _fresh(session, Assignment, world.post.id)
    kept_post = _counted(post_before, POST_FIGURES)
    absence_before = _fresh(session, Absence, world.absence.id)
    kept_absence = (absence_before.first_day, absence_before.last_day, absence_before.category,
                    absence_before.reason_code, absence_before.updated_at)  # fmt: skip
    apply_retention(session, SCHEDULE, TODAY)

    member = _fresh(session, StaffMember, world.due.id)
    assert (member.given_name, member.family_name, member.nmc_pin, member.date_of_birth) == (
        "Former", "staff member", None, None,
    )  # fmt: skip
    assert member.email == f"removed-{member.id}@retention.invalid" and member.anonymised_at is not None
    post = _fresh(session, Assignment, world.post.id)
    assert (post.assignment_number, post.job_role) == (f"removed-{post.id}", None)
    assert _counted(post, POST_FIGURES) == kept_post
    absence = _fresh(session, Absence, world.absence.id)
    assert absence.related_reason is None
    assert (absence.first_day, absence.last_day, absence.category, absence.reason_code,
            absence.updated_at) == kept_absence  # fmt: skip
    account = _fresh(session, UserAccount, world.account.id)
    assert not account.active and account.display_name == "Former staff member"
    assert account.email == f"removed-account-{account.id}@retention.invalid"
    assert session.scalar(select(func.count()).where(UserRole.user_id == account.id)) == 0
    assert _fresh(session, Share, share_id) is None
    assert _count(session, ShareOpening) == 0
    assert _count(session, Notification) == 0 and _count(session, OutboxEmail) == 0
    # The others are untouched: not yet due, a post still open, no date of birth, under a hold.
    for person in (world.not_yet, world.open_post, world.no_birth_date, world.held):
        assert _fresh(session, StaffMember, person.id).anonymised_at is None


def test_credentials_are_revoked_before_they_are_deleted(session, world) -> None:
    status_list_id, index = world.credential.revocation_list_id, world.credential.revocation_index
    credential_id = world.credential.id
    apply_retention(session, SCHEDULE, TODAY)
    assert _fresh(session, IssuedCredential, credential_id) is None
    status_list = _fresh(session, StatusList, status_list_id)
    assert get_bit(status_list.bits, index)  # a copy of the credential anyone kept checks as revoked
    revoked = session.scalars(
        select(AuditEvent).where(
            AuditEvent.action == "credential.revoked", AuditEvent.record_id == str(credential_id)
        )
    ).one()
    assert revoked.details["reason"] == "Record retention period ended"


def test_a_released_hold_no_longer_keeps_the_record(session, world) -> None:
    hold = session.scalars(select(LegalHold).where(LegalHold.staff_member_id == world.held.id)).one()
    hold.released_at = utcnow()
    session.flush()
    hold_id = hold.id
    report = apply_retention(session, SCHEDULE, TODAY)
    assert report.gone["staff_records"] == 2 and report.kept["staff_records_held"] == 0
    assert _fresh(session, StaffMember, world.held.id).anonymised_at is not None
    assert _fresh(session, LegalHold, hold_id) is None  # a released hold goes with the record


def test_old_notifications_and_sent_emails_go_but_not_unsent_ones_nor_those_under_a_hold(
    session, world
) -> None:
    long_ago = datetime(2024, 6, 1, 12, 0, tzinfo=world.credential.issued_at.tzinfo)  # over 730 days before
    someone = UserFactory(role=Role.HR, trust=world.due.trust)
    held_account = UserFactory(
        role=Role.NURSE, trust=world.due.trust, staff_member=world.held, email=world.held.email
    )
    session.add_all(
        [
            Notification(user_id=someone.id, message="old", created_at=long_ago),
            Notification(user_id=someone.id, message="recent", created_at=utcnow()),
            Notification(user_id=held_account.id, message="old but held", created_at=long_ago),
            _email("hr@example.test", "old", long_ago, sent=True),
            _email("hr@example.test", "never sent", long_ago, sent=False),
            _email(world.held.email, "held", long_ago, sent=True),
        ]
    )
    session.flush()
    plan = plan_retention(session, SCHEDULE, TODAY)
    assert (plan.gone["notifications"], plan.gone["emails"]) == (2, 2)  # hers and the old ones
    assert (plan.kept["notifications_held"], plan.kept["emails_held"]) == (1, 1)
    assert apply_retention(session, SCHEDULE, TODAY).gone == plan.gone
    left = session.scalars(select(Notification.message).execution_options(populate_existing=True)).all()
    assert sorted(left) == ["old but held", "recent"]
    subjects = session.scalars(select(OutboxEmail.subject)).all()
    assert sorted(subjects) == ["held", "never sent"]


def test_the_hourly_removal_of_expired_share_links_keeps_those_of_a_person_under_a_hold(
    session, world
) -> None:
    from passport.passports.operations import KEEP_EXPIRED_SHARES, remove_expired_shares

    credential = issue(world.held.trust, world.held)
    held_share, _ = share_of(world.held, [credential])
    held_share.expires_at = world.share.expires_at = utcnow() - KEEP_EXPIRED_SHARES - timedelta(days=1)
    session.flush()
    held_id, other_id = held_share.id, world.share.id
    assert remove_expired_shares(session) == 1
    assert _fresh(session, Share, other_id) is None and _fresh(session, Share, held_id) is not None
