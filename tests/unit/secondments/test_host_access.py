"""The temporary access HR of the host trust has while a secondment is on (decided by the policy, asked of
the secondments' provider), and the email outbox: printed in development, sent over SMTP when set."""

from __future__ import annotations

import logging
import socketserver
import threading
from datetime import date, timedelta

import pytest
from sqlalchemy import select

from passport.auth.policy import TEMPORARY_ACCESS_PROVIDERS, Action, allows_for_person
from passport.secondments import notifications, operations
from passport.secondments.models import OutboxEmail
from passport.secondments.state import Step
from tests.support.secondment_factories import active, make_world, propose, step


@pytest.fixture
def world(session):  # type: ignore[no-untyped-def]
    return make_world(session)


def _may(session, user, action, world):  # type: ignore[no-untyped-def]
    return allows_for_person(session, user, action, world.nurse.id, world.nurse.trust_id)


def test_the_provider_is_registered_with_the_policy(app):
    assert operations.host_access in TEMPORARY_ACCESS_PROVIDERS


def test_host_hr_sees_her_passport_and_issues_credentials_only_while_the_secondment_is_on(session, world):
    today = date.today()
    assert not _may(session, world.host_hr, Action.VIEW_SECONDED_STAFF, world)
    assert not _may(session, world.host_hr, Action.ISSUE_CREDENTIALS, world)
    secondment = propose(session, world, today=today, start=0, days=30)
    assert not _may(session, world.host_hr, Action.VIEW_SECONDED_STAFF, world)  # proposed is not on
    step(
        session, world, secondment, Step.APPROVE, world.home_hr, on=today, override_reason="checks to follow"
    )
    step(session, world, secondment, Step.CONSENT, world.nurse_user, on=today)
    assert secondment.status == "active"
    assert _may(session, world.host_hr, Action.VIEW_SECONDED_STAFF, world)
    assert _may(session, world.host_hr, Action.ISSUE_CREDENTIALS, world)
    # Never her sickness detail, never another trust's HR, never anything outside the grantable actions.
    assert not _may(session, world.host_hr, Action.VIEW_SICKNESS_DETAIL, world)
    assert not _may(session, world.host_hr, Action.CHANGE_CREDENTIAL_STATUS, world)
    assert not _may(session, world.third_hr, Action.VIEW_SECONDED_STAFF, world)
    assert not _may(session, world.nurse_user, Action.VIEW_SECONDED_STAFF, world)
    # Home HR keeps her standing rights over her own staff.
    assert _may(session, world.home_hr, Action.ISSUE_CREDENTIALS, world)


def test_the_access_ends_by_itself_with_the_secondment(session, world):
    today = date.today()
    secondment = propose(
        session, world, today=today - timedelta(days=40), start=0, days=39
    )  # ended yesterday
    step(
        session, world, secondment, Step.APPROVE, world.home_hr, on=secondment.start_date, override_reason="x"
    )
    step(session, world, secondment, Step.CONSENT, world.nurse_user, on=secondment.start_date)
    assert secondment.status == "active" and secondment.end_date == today - timedelta(days=1)
    # Nobody ran the tick or completed it: the dates alone end the access.
    assert not _may(session, world.host_hr, Action.VIEW_SECONDED_STAFF, world)


def test_an_early_end_ends_the_access_after_her_last_day(session, world):
    today = date.today()
    secondment = active(session, world, today=today - timedelta(days=10), start=0, days=100)
    step(session, world, secondment, Step.END_EARLY, world.host_hr, on=today, ended_on=today)
    assert operations.host_access(session, world.host_hr, Action.VIEW_SECONDED_STAFF, world.nurse.id, today)
    tomorrow = today + timedelta(days=1)
    assert not operations.host_access(
        session, world.host_hr, Action.VIEW_SECONDED_STAFF, world.nurse.id, tomorrow
    )


# --- The outbox ----------------------------------------------------------------------------------------


def test_without_smtp_the_outbox_prints_to_the_log_and_marks_sent(session, world, caplog):
    propose(session, world)
    with caplog.at_level(logging.WARNING, logger="passport.outbox"):
        report = notifications.deliver_outbox(session, None)
    assert (report.printed, report.sent, report.failed) == (2, 0, 0)
    assert world.home_hr.email in caplog.text and "proposes seconding" in caplog.text
    assert notifications.deliver_outbox(session, None).printed == 0  # nothing is printed twice


class _SmtpHandler(socketserver.StreamRequestHandler):
    """Just enough SMTP (RFC 5321) to accept mail: the received messages are kept on the server."""

    def handle(self) -> None:
        self.wfile.write(b"220 test ESMTP\r\n")
        while line := self.rfile.readline():
            command = line.decode().strip().upper()
            if command.startswith(("EHLO", "HELO")):
                self.wfile.write(b"250 test\r\n")
            elif command == "DATA":
                self.wfile.write(b"354 go on\r\n")
                body = []
                while (data := self.rfile.readline()) not in (b".\r\n", b""):
                    body.append(data.decode())
                self.server.received.append("".join(body))  # type: ignore[attr-defined]
                self.wfile.write(b"250 queued\r\n")
            elif command == "QUIT":
                self.wfile.write(b"221 bye\r\n")
                return
            else:
                self.wfile.write(b"250 ok\r\n")


@pytest.fixture
def smtp_server():  # type: ignore[no-untyped-def]
    server = socketserver.ThreadingTCPServer(("127.0.0.1", 0), _SmtpHandler)
    server.received = []  # type: ignore[attr-defined]
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()


def test_with_smtp_the_outbox_sends_each_email_once(session, world, smtp_server):
    propose(session, world)
    port = smtp_server.server_address[1]
    url = f"smtp://127.0.0.1:{port}?from=passport@partnership.example&starttls=0"
    report = notifications.deliver_outbox(session, url)
    assert (report.sent, report.failed) == (2, 0)
    assert len(smtp_server.received) == 2
    assert any(world.nurse_user.email in message for message in smtp_server.received)
    assert all("From: passport@partnership.example" in message for message in smtp_server.received)
    assert notifications.deliver_outbox(session, url).sent == 0
    assert all(e.sent_at is not None for e in session.scalars(select(OutboxEmail)))


def test_an_unreachable_mail_server_keeps_the_emails_for_the_next_run(session, world):
    propose(session, world)
    with socketserver.TCPServer(("127.0.0.1", 0), _SmtpHandler) as closed:
        port = closed.server_address[1]  # bound, then closed: nothing listens there
    report = notifications.deliver_outbox(session, f"smtp://127.0.0.1:{port}?starttls=0")
    assert (report.sent, report.failed) == (0, 2)
    emails = list(session.scalars(select(OutboxEmail)))
    assert all(e.sent_at is None and e.attempts == 1 and "could not reach" in e.last_error for e in emails)


def test_smtp_url_settings():
    settings = notifications.parse_smtp_url("smtps://ann%40x:p%2Fw@mail.example?from=a@b.org")
    assert (settings.host, settings.port, settings.tls, settings.starttls) == (
        "mail.example",
        465,
        True,
        False,
    )
    assert (settings.username, settings.password, settings.sender) == ("ann@x", "p/w", "a@b.org")
    assert notifications.parse_smtp_url("smtp://mail.example").starttls is True
