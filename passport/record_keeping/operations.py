"""Letting records go when the retention schedule says so (issue 17). Plain functions taking a Session;
they never commit.

``plan_retention`` counts, by kind, what would go today and what is kept and why; ``apply_retention`` does
it and writes one audit event with the counts. Both walk the same steps (``_run``), the plan counting
where the other deletes, so a dry run's counts are what the job then does.

A staff record that is due is anonymised, never deleted: her posts and absences stay with their trust,
staff group, band, FTE, person type, dates, leaving reason, category and reason code, which is all the
figures count (passport/metrics), so every figure stays the same, even counted again from the records.
The columns the figures do not read are cleared with set-based statements that leave ``updated_at``
alone: the metrics' fingerprint does not move, and the roll-ups are not counted again. Her credentials
are revoked first (their status list bits stay set), then deleted. ``DECISIONS`` says, for every table
of a person's data (``passport.subject_access.operations.PARTS``), what happens to her rows.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from sqlalchemy import String, Table, and_, bindparam, cast, delete, func, literal, or_, select, update
from sqlalchemy.orm import Session

from passport.audit.models import AuditEvent
from passport.audit.operations import record_event
from passport.db import Base, utcnow
from passport.record_keeping.holds import held_people
from passport.record_keeping.schedule import RetentionSchedule, staff_record_due_on
from passport.workforce.models import assignment_number_digest

APPLIED = "retention.applied"
REVOKE_REASON = "Record retention period ended"
# People anonymised per statement: keeps every IN list well inside SQLite's and PostgreSQL's limits.
BATCH = 500

GONE_WORDS: dict[str, str] = {
    "staff_records": "staff records anonymised",
    "credentials": "credentials revoked and deleted with them",
    "notifications": "notifications deleted",
    "emails": "sent emails deleted",
}
KEPT_WORDS: dict[str, str] = {
    "staff_records_held": "staff records past their date, kept under a legal hold",
    "staff_records_no_date_of_birth": "leavers' staff records kept: date of birth not recorded",
    "notifications_held": "notifications past their date, kept under a legal hold",
    "emails_held": "sent emails past their date, kept under a legal hold",
}

ANONYMISED, DELETED, KEPT = "anonymised", "deleted", "kept"
# What happens to a due person's rows of each table of her data, and why.
DECISIONS: dict[str, tuple[str, str]] = {
    "staff_member": (ANONYMISED, "name, email, NMC PIN and date of birth removed; the row stays for posts"),
    "user_account": (ANONYMISED, "closed: name, email and password removed; other records name the account"),
    "user_role": (DELETED, "the closed account's roles"),
    "signed_in_session": (DELETED, "where and when the person was signed in"),
    "api_token": (DELETED, "the closed account's tokens"),
    "assignment": (ANONYMISED, "assignment number and job role removed; the rest is what the figures count"),
    "absence": (ANONYMISED, "the related reason removed; dates, category and reason code are counted"),
    "issued_credential": (DELETED, "revoked first (the status list bit stays set), then deleted"),
    "job_credential_fact": (DELETED, "what the person's credentials said, with them"),
    "passport_share": (DELETED, "the person's share links"),
    "share_credential": (DELETED, "which credentials those links shared"),
    "share_opening": (DELETED, "who opened the person's links (openings of others' links stay with theirs)"),
    "secondment": (ANONYMISED, "reasons and the fit check removed; the dashboard counts secondments"),
    "secondment_step": (ANONYMISED, "notes removed; the steps show how the secondment went"),
    "notification": (DELETED, "notifications to the person's accounts"),
    "email_outbox": (DELETED, "emails sent to the person's addresses (one not yet sent goes out first)"),
    "competency_sign_off": (DELETED, "sign-offs of the person's competencies"),
    "sign_in_throttle": (KEPT, "failed sign-ins are forgotten within a day by the hourly job anyway"),
    "record_view": (DELETED, "who opened the person's records"),
    "subject_access_request": (DELETED, "the person's requests for a copy of their data"),
    "correction_request": (DELETED, "the person's requests to correct their records"),
    "legal_hold": (DELETED, "released holds (a held record is never due); the audit log keeps them"),
    "audit_event": (KEPT, "the service's record of what was done, this anonymising included"),
}  # fmt: skip


@dataclass
class RetentionReport:
    """What went (or would go), by kind, and what was kept and why; counts only."""

    today: date
    dry_run: bool
    gone: dict[str, int] = field(default_factory=lambda: dict.fromkeys(GONE_WORDS, 0))
    kept: dict[str, int] = field(default_factory=lambda: dict.fromkeys(KEPT_WORDS, 0))

    @property
    def anything_gone(self) -> bool:
        return any(self.gone.values())

    def gone_lines(self) -> list[tuple[str, int]]:
        return [(GONE_WORDS[key], count) for key, count in self.gone.items()]

    def kept_lines(self) -> list[tuple[str, int]]:
        return [(KEPT_WORDS[key], count) for key, count in self.kept.items()]


def _t(name: str) -> Table:
    return Base.metadata.tables[name]


def _years_before(day: date, years: int) -> date:
    try:
        return day.replace(year=day.year - years)
    except ValueError:  # 29 February
        return date(day.year - years, 2, 28)


def _start_of(day: date) -> datetime:
    return datetime.combine(day, time.min, tzinfo=UTC)


def _accounts_of(people: Any) -> Any:
    users, staff = _t("user_account"), _t("staff_member")
    return select(users.c.id).where(
        or_(
            users.c.staff_member_id.in_(people),
            users.c.email.in_(select(staff.c.email).where(staff.c.id.in_(people))),
        )
    )


def _addresses_of(session: Session, people: Any) -> list[str]:
    users, staff = _t("user_account"), _t("staff_member")
    found = set(session.scalars(select(staff.c.email).where(staff.c.id.in_(people))))
    found |= set(session.scalars(select(users.c.email).where(users.c.id.in_(_accounts_of(people)))))
    return sorted(found)


@dataclass
class _Survey:
    due: list[int]
    held: int
    no_date_of_birth: int


def _survey_staff(session: Session, schedule: RetentionSchedule, today: date) -> _Survey:
    """Leavers (every post ended) whose record is due today, and those kept: held, or no date of birth."""
    staff, posts = _t("staff_member"), _t("assignment")
    left_on = func.max(posts.c.end_date)
    rows = session.execute(
        select(staff.c.id, staff.c.date_of_birth, left_on)
        .join(posts, posts.c.staff_member_id == staff.c.id)
        .where(staff.c.anonymised_at.is_(None))
        .group_by(staff.c.id, staff.c.date_of_birth)
        .having(func.count(posts.c.id) == func.count(posts.c.end_date))  # no post open
        .having(left_on <= _years_before(today, schedule.staff_years_after_leaving))  # narrows; exact below
        .order_by(staff.c.id)
    ).all()
    held = set(session.scalars(held_people()))
    survey = _Survey([], 0, 0)
    for person, born, left in rows:
        if born is None:
            survey.no_date_of_birth += 1  # the 75th birthday cannot be known: never due
        elif staff_record_due_on(schedule, born, left) <= today:
            if person in held:
                survey.held += 1
            else:
                survey.due.append(person)
    return survey


def plan_retention(session: Session, schedule: RetentionSchedule, today: date) -> RetentionReport:
    """What the job would do today, by kind and count, and what it would keep and why. Changes nothing."""
    return _run(session, schedule, today, apply=False)


def apply_retention(
    session: Session, schedule: RetentionSchedule, today: date, actor: Any | None = None
) -> RetentionReport:
    """Let go of what is due today; one audit event with the counts when anything went."""
    report = _run(session, schedule, today, apply=True, actor=actor or "system")
    if report.anything_gone:
        record_event(
            session,
            actor=actor or "system",
            action=APPLIED,
            details={"today": today.isoformat(), "gone": report.gone, "kept": report.kept},
        )
    return report


def _run(
    session: Session, schedule: RetentionSchedule, today: date, *, apply: bool, actor: Any = None
) -> RetentionReport:
    report = RetentionReport(today=today, dry_run=not apply)
    survey = _survey_staff(session, schedule, today)
    report.kept["staff_records_held"] = survey.held
    report.kept["staff_records_no_date_of_birth"] = survey.no_date_of_birth
    report.gone["staff_records"] = len(survey.due)
    cutoff = _start_of(today - timedelta(days=schedule.notifications_days))
    notes, outbox = _t("notification"), _t("email_outbox")
    held_accounts = _accounts_of(held_people())
    held_addresses = _addresses_of(session, held_people())
    old_notes = notes.c.created_at < cutoff
    old_sent = and_(outbox.c.sent_at.is_not(None), outbox.c.sent_at < cutoff)
    overlap_notes = overlap_emails = 0
    for start in range(0, len(survey.due), BATCH):
        people = survey.due[start : start + BATCH]
        accounts = list(session.scalars(_accounts_of(people)))
        addresses = _addresses_of(session, people)
        hers_sent = and_(outbox.c.sent_at.is_not(None), outbox.c.to_address.in_(addresses))
        if apply:
            report.gone["credentials"] += _revoke_and_delete_credentials(session, people, actor)
            report.gone["notifications"] += session.execute(
                delete(notes).where(notes.c.user_id.in_(accounts))
            ).rowcount
            report.gone["emails"] += session.execute(delete(outbox).where(hers_sent)).rowcount
            _anonymise(session, people, accounts)
        else:
            creds = _t("issued_credential")
            report.gone["credentials"] += _count(session, creds, creds.c.staff_member_id.in_(people))
            report.gone["notifications"] += _count(session, notes, notes.c.user_id.in_(accounts))
            report.gone["emails"] += _count(session, outbox, hers_sent)
            overlap_notes += _count(session, notes, and_(old_notes, notes.c.user_id.in_(accounts)))
            overlap_emails += _count(session, outbox, and_(old_sent, outbox.c.to_address.in_(addresses)))
    # Old notifications and sent emails of everyone else, but for people under a hold.
    notes_gone = and_(old_notes, notes.c.user_id.not_in(held_accounts))
    emails_gone = and_(old_sent, outbox.c.to_address.not_in(held_addresses)) if held_addresses else old_sent
    if apply:
        report.gone["notifications"] += session.execute(delete(notes).where(notes_gone)).rowcount
        report.gone["emails"] += session.execute(delete(outbox).where(emails_gone)).rowcount
    else:
        report.gone["notifications"] += _count(session, notes, notes_gone) - overlap_notes
        report.gone["emails"] += _count(session, outbox, emails_gone) - overlap_emails
    report.kept["notifications_held"] = _count(
        session, notes, and_(old_notes, notes.c.user_id.in_(held_accounts))
    )
    report.kept["emails_held"] = (
        _count(session, outbox, and_(old_sent, outbox.c.to_address.in_(held_addresses)))
        if held_addresses
        else 0
    )
    if apply and report.anything_gone:
        session.expire_all()  # the statements went round the identity map
    return report


def _count(session: Session, table: Table, condition: Any) -> int:
    return int(session.scalar(select(func.count()).select_from(table).where(condition)) or 0)


def _revoke_and_delete_credentials(session: Session, people: list[int], actor: Any) -> int:
    """Revoke each of their credentials not yet revoked (one call each: the status list bit is set and
    stays set), then delete them with the rows that hang off them and their share links."""
    from passport.credentials.models import CredentialState, IssuedCredential
    from passport.credentials.operations import revoke_credential

    credentials = list(
        session.scalars(select(IssuedCredential).where(IssuedCredential.staff_member_id.in_(people)))
    )
    for credential in credentials:
        if credential.state in (CredentialState.ACTIVE, CredentialState.SUSPENDED):
            revoke_credential(session, credential, actor=actor, reason=REVOKE_REASON)
    session.flush()
    ids = [credential.id for credential in credentials]
    for credential in credentials:
        session.expunge(credential)
    shares = select(_t("passport_share").c.id).where(_t("passport_share").c.staff_member_id.in_(people))
    facts, links, openings = _t("job_credential_fact"), _t("share_credential"), _t("share_opening")
    session.execute(delete(facts).where(facts.c.credential_id.in_(ids)))
    session.execute(delete(links).where(or_(links.c.share_id.in_(shares), links.c.credential_id.in_(ids))))
    session.execute(delete(openings).where(openings.c.share_id.in_(shares)))
    session.execute(delete(_t("passport_share")).where(_t("passport_share").c.staff_member_id.in_(people)))
    signoffs = _t("competency_sign_off")
    session.execute(delete(signoffs).where(signoffs.c.staff_member_id.in_(people)))
    creds = _t("issued_credential")
    session.execute(delete(creds).where(creds.c.id.in_(ids)))
    return len(ids)


def _removed(table: Table, domain: str | None = None) -> Any:
    """'removed-<id>' (with ``@domain``: a unique address nobody can receive at)."""
    text = literal("removed-") + cast(table.c.id, String)
    return text + literal("@" + domain) if domain else text


def _anonymise(session: Session, people: list[int], accounts: list[int]) -> None:
    staff, posts, absences = _t("staff_member"), _t("assignment"), _t("absence")
    their_posts = select(posts.c.id).where(posts.c.staff_member_id.in_(people))
    for name in ("record_view", "subject_access_request", "correction_request"):
        session.execute(delete(_t(name)).where(_t(name).c.staff_member_id.in_(people)))
    holds = _t("legal_hold")
    session.execute(
        delete(holds).where(holds.c.staff_member_id.in_(people), holds.c.released_at.is_not(None))
    )
    secondments, steps = _t("secondment"), _t("secondment_step")
    theirs = secondments.c.staff_member_id.in_(people)
    session.execute(
        update(steps)
        .where(steps.c.secondment_id.in_(select(secondments.c.id).where(theirs)))
        .values(note=None)
    )
    session.execute(
        update(secondments)
        .where(theirs)
        .values(reason="Removed: the record retention period ended", fit_override_reason=None, fit_check=None)
    )
    # updated_at is set to itself: the columns cleared are not counted, so the figures' fingerprint stays.
    session.execute(
        update(absences)
        .where(absences.c.assignment_id.in_(their_posts))
        .values(related_reason=None, updated_at=absences.c.updated_at)
    )
    # The digest of each ESR number first: a later extract listing the post is then left alone.
    numbers = session.execute(
        select(posts.c.id, posts.c.assignment_number).where(posts.c.staff_member_id.in_(people))
    ).all()
    if numbers:
        session.execute(
            update(posts)
            .where(posts.c.id == bindparam("_id"))
            .values(anonymised_number_digest=bindparam("_digest"), updated_at=posts.c.updated_at),
            [{"_id": post, "_digest": assignment_number_digest(number)} for post, number in numbers],
        )
    session.execute(
        update(posts)
        .where(posts.c.staff_member_id.in_(people))
        .values(assignment_number=_removed(posts), job_role=None, updated_at=posts.c.updated_at)
    )
    users = _t("user_account")
    for name in ("user_role", "signed_in_session", "api_token"):
        session.execute(delete(_t(name)).where(_t(name).c.user_id.in_(accounts)))
    session.execute(
        update(users)
        .where(users.c.id.in_(accounts))
        .values(
            display_name="Former staff member",
            email=literal("removed-account-") + cast(users.c.id, String) + literal("@retention.invalid"),
            password_hash="!removed",  # noqa: S106 (matches no password)
            active=False,
            session_version=users.c.session_version + 1,
        )
    )
    session.execute(
        update(staff)
        .where(staff.c.id.in_(people))
        .values(
            given_name="Former",
            family_name="staff member",
            email=_removed(staff, "retention.invalid"),
            nmc_pin=None,
            date_of_birth=None,
            anonymised_at=utcnow(),
        )
    )


def last_applied(session: Session) -> AuditEvent | None:
    """The audit log's latest ``retention.applied`` event: when the job last let anything go."""
    return session.scalars(
        select(AuditEvent).where(AuditEvent.action == APPLIED).order_by(AuditEvent.id.desc()).limit(1)
    ).first()
