"""The email outbox: printed in development, sent over SMTP when set, by claim, so two senders (two
workers, or a worker and the command) never send one email; a dead sender's claim is taken again."""

from __future__ import annotations

import logging
import socketserver
import threading
import time
from datetime import timedelta

import pytest
from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from passport.background import runner
from passport.background.models import JobLock
from passport.background.registry import PERIODIC
from passport.db import utcnow
from passport.secondments import outbox
from passport.secondments.models import OutboxEmail
from tests.support.secondment_factories import make_world, propose


@pytest.fixture
def world(session):  # type: ignore[no-untyped-def]
    return make_world(session)


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
                time.sleep(self.server.delay)  # type: ignore[attr-defined]
                with self.server.lock:  # type: ignore[attr-defined]
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
    server.daemon_threads = True
    server.received = []  # type: ignore[attr-defined]
    server.lock = threading.Lock()  # type: ignore[attr-defined]
    server.delay = 0.0  # type: ignore[attr-defined]
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()


def _url(server) -> str:  # type: ignore[no-untyped-def]
    return f"smtp://127.0.0.1:{server.server_address[1]}?from=passport@partnership.example&starttls=0"


def _subjects(server) -> list[str]:  # type: ignore[no-untyped-def]
    return [
        line.removeprefix("Subject: ").strip()
        for message in server.received
        for line in message.splitlines()
        if line.startswith("Subject: ")
    ]


def test_without_smtp_the_outbox_prints_to_the_log_and_marks_sent(session, world, caplog):
    propose(session, world)
    with caplog.at_level(logging.WARNING, logger="passport.outbox"):
        report = outbox.send_outbox(session, None)
    assert (report.printed, report.sent, report.failed) == (2, 0, 0)
    assert world.home_hr.email in caplog.text and "proposes seconding" in caplog.text
    assert outbox.send_outbox(session, None).printed == 0  # nothing is printed twice


def test_with_smtp_the_outbox_sends_each_email_once(session, world, smtp_server):
    propose(session, world)
    report = outbox.send_outbox(session, _url(smtp_server))
    assert (report.sent, report.failed) == (2, 0)
    assert len(smtp_server.received) == 2
    assert any(world.nurse_user.email in message for message in smtp_server.received)
    assert all("From: passport@partnership.example" in message for message in smtp_server.received)
    assert outbox.send_outbox(session, _url(smtp_server)).sent == 0
    emails = list(session.scalars(select(OutboxEmail)))
    assert all(e.sent_at is not None and e.claimed_by is None and e.attempts == 1 for e in emails)


def test_an_unreachable_mail_server_keeps_the_emails_for_the_next_run(session, world):
    propose(session, world)
    with socketserver.TCPServer(("127.0.0.1", 0), _SmtpHandler) as closed:
        port = closed.server_address[1]  # bound, then closed: nothing listens there
    report = outbox.send_outbox(session, f"smtp://127.0.0.1:{port}?starttls=0")
    assert (report.sent, report.failed) == (0, 2)
    emails = list(session.scalars(select(OutboxEmail)))
    # One attempt each in a run (not tried again at once), and given back for the next run.
    assert all(e.sent_at is None and e.attempts == 1 and "could not reach" in e.last_error for e in emails)
    assert all(e.claimed_by is None for e in emails)


def test_an_email_claimed_by_a_live_sender_is_not_taken_by_another(session, world):
    propose(session, world)
    first = outbox.claim_batch(session, "sender-a")
    assert len(first) == 2
    assert outbox.claim_batch(session, "sender-b") == []
    assert outbox.send_outbox(session, None, holder="sender-b").printed == 0
    assert outbox.renew_claim(session, first[0], "sender-a")
    assert not outbox.renew_claim(session, first[0], "sender-b")


def test_a_dead_senders_claim_is_taken_again_after_the_timeout(session, world):
    propose(session, world)
    claimed_at = utcnow()
    assert len(outbox.claim_batch(session, "died-after-claiming", now=claimed_at)) == 2
    soon = claimed_at + outbox.CLAIM_TIMEOUT - timedelta(seconds=1)
    assert outbox.send_outbox(session, None, now=soon).printed == 0
    later = claimed_at + outbox.CLAIM_TIMEOUT + timedelta(seconds=1)
    assert outbox.send_outbox(session, None, now=later).printed == 2
    # The dead sender's claim counted as an attempt: a crash-looping email stops after MAX_ATTEMPTS.
    assert {e.attempts for e in session.scalars(select(OutboxEmail))} == {2}


def test_an_email_that_failed_every_attempt_is_left_with_its_error(session, world):
    propose(session, world)
    for email in session.scalars(select(OutboxEmail)):
        email.attempts = outbox.MAX_ATTEMPTS
        email.last_error = "550 no such mailbox"
    session.flush()
    assert outbox.send_outbox(session, None).printed == 0


def test_the_outbox_is_periodic_work_of_the_workers(app, session, world):
    assert PERIODIC["send-outbox"].every_minutes == 1
    propose(session, world)
    runner.run_periodic(app, "send-outbox")  # as a worker runs it: its own session, committed after
    emails = list(session.scalars(select(OutboxEmail).execution_options(populate_existing=True)))
    assert len(emails) == 2 and all(e.sent_at is not None for e in emails)


def test_two_senders_at_once_send_each_email_once(engine, smtp_server):
    """Two senders on the real engine (two connections, committed rows), as two workers would be."""
    smtp_server.delay = 0.01  # both senders are busy at the same time
    count = 60
    with Session(engine) as setup:
        rows = [
            OutboxEmail(to_address=f"nurse{n}@example.test", subject=f"outbox-race {n}", body="Hello.")
            for n in range(count)
        ]
        setup.add_all(rows)
        setup.commit()
        ids = [row.id for row in rows]
    reports: dict[str, outbox.DeliveryReport] = {}
    errors: list[BaseException] = []
    start = threading.Barrier(2)

    def sender(name: str) -> None:
        try:
            with Session(engine, expire_on_commit=False) as own:
                start.wait()
                reports[name] = outbox.send_outbox(own, _url(smtp_server), holder=name)
        except BaseException as error:  # reported below, in the test's thread
            errors.append(error)

    threads = [threading.Thread(target=sender, args=(name,)) for name in ("worker-1", "worker-2")]
    try:
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=60)
        assert not errors, errors
        subjects = _subjects(smtp_server)
        assert sorted(subjects) == sorted(f"outbox-race {n}" for n in range(count))  # each exactly once
        assert sum(r.sent for r in reports.values()) == count
        assert all(r.sent > 0 for r in reports.values()), reports  # both really sent, side by side
        with Session(engine) as check:
            stored = list(check.scalars(select(OutboxEmail).where(OutboxEmail.id.in_(ids))))
            assert all(e.sent_at is not None and e.attempts == 1 for e in stored)
    finally:
        with engine.begin() as connection:
            connection.execute(delete(OutboxEmail).where(OutboxEmail.id.in_(ids)))
            connection.execute(delete(JobLock).where(JobLock.name == outbox.LOCK_NAME))


def test_smtp_url_settings():
    settings = outbox.parse_smtp_url("smtps://ann%40x:p%2Fw@mail.example?from=a@b.org")
    assert (settings.host, settings.port, settings.tls, settings.starttls) == (
        "mail.example",
        465,
        True,
        False,
    )
    assert (settings.username, settings.password, settings.sender) == ("ann@x", "p/w", "a@b.org")
    assert outbox.parse_smtp_url("smtp://mail.example").starttls is True
