"""The secondment commands (``secondments-tick``, ``send-outbox``, which sends as the outbox job does) and
the demo secondments."""

from __future__ import annotations

import re
from datetime import timedelta

from sqlalchemy import select

from passport.demo import DemoReport
from passport.secondments.demo import seed_secondments
from passport.secondments.models import OutboxEmail, Secondment
from passport.secondments.outbox import claim_batch
from passport.secondments.state import Status
from passport.workforce.models import Assignment
from tests.support.factories import StaffMemberFactory, TrustFactory
from tests.support.secondment_factories import agreed, make_world, propose


def _run(app, *args):  # type: ignore[no-untyped-def]
    return app.test_cli_runner().invoke(args=["passport", *args], catch_exceptions=False)


def test_the_tick_starts_and_completes_secondments_and_send_outbox_sends_what_queued(app, session):
    world = make_world(session)
    secondment = agreed(session, world)
    early = _run(app, "secondments-tick", "--today", (secondment.start_date - timedelta(days=1)).isoformat())
    assert early.exit_code == 0 and "0 secondments started, 0 completed" in early.output
    queued = len(session.scalars(select(OutboxEmail)).all())
    sent = _run(app, "send-outbox")
    assert sent.output == f"Emails: 0 sent, {queued} printed to the log, 0 failed.\n"
    stored = session.scalars(select(OutboxEmail).execution_options(populate_existing=True)).all()
    assert all(e.sent_at is not None for e in stored)
    due = _run(app, "secondments-tick", "--today", secondment.start_date.isoformat())
    assert "1 secondments started" in due.output
    session.refresh(secondment)
    assert secondment.status == Status.ACTIVE
    host_assignment = session.get(Assignment, secondment.host_assignment_id)
    assert host_assignment.person_type == "secondee"
    done = _run(app, "secondments-tick", "--today", (secondment.end_date + timedelta(days=1)).isoformat())
    assert "0 secondments started, 1 completed" in done.output
    assert re.fullmatch(
        r"Emails: 0 sent, [1-9]\d* printed to the log, 0 failed.\n", _run(app, "send-outbox").output
    )
    completion = session.scalars(
        select(OutboxEmail)
        .where(OutboxEmail.subject.contains("is complete"))
        .execution_options(populate_existing=True)
    ).all()
    assert completion and all(e.sent_at is not None for e in completion)
    assert _run(app, "send-outbox").output.startswith("Emails: 0 sent, 0 printed")


def test_send_outbox_leaves_emails_a_worker_is_sending(app, session):
    world = make_world(session)
    propose(session, world)
    claimed = claim_batch(session, "worker-1")
    session.commit()  # the worker's claim is committed before it sends
    assert len(claimed) == 2
    assert _run(app, "send-outbox").output.startswith("Emails: 0 sent, 0 printed")
    assert all(e.sent_at is None for e in session.scalars(select(OutboxEmail)))


def test_demo_secondments_in_every_state_once(app, session):
    result = _run(app, "seed-demo")
    assert result.exit_code == 0, result.output
    assert "9 demo secondments added" in result.output
    statuses = set(session.scalars(select(Secondment.status)))
    assert statuses == {s.value for s in Status}
    asked = session.scalars(select(Secondment).where(Secondment.pending_end_date.is_not(None))).all()
    assert len(asked) == 1
    again = _run(app, "seed-demo")
    assert "demo secondments added" not in again.output
    assert len(session.scalars(select(Secondment)).all()) == 9


def test_demo_secondments_are_skipped_with_a_note_without_job_descriptions(session):
    for code in ("RPG", "RV5", "RQY"):
        StaffMemberFactory(trust=TrustFactory(ods_code=code), email=f"ann.lee.1@{code.lower()}.example")
    report = DemoReport()
    seed_secondments(session, report)
    assert session.scalars(select(Secondment)).first() is None
    assert any("skipped" in note for note in report.notes), report.notes
