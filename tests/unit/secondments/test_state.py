"""The pure state machine: every step from every status, by every party; what is allowed and why the
rest is refused."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, timedelta

import pytest

from passport.secondments.state import (
    BY,
    FROM,
    Party,
    Refused,
    Snapshot,
    Status,
    Step,
    WrongParty,
    decide,
    effective_status,
    waiting_on,
)

START = date(2027, 4, 1)
END = date(2027, 9, 30)
BEFORE = START - timedelta(days=10)
DURING = START + timedelta(days=10)
AFTER = END + timedelta(days=1)


def snap(status: Status, **kw) -> Snapshot:  # type: ignore[no-untyped-def]
    return Snapshot(status=status, start_date=START, end_date=END, **kw)


# (step, party, status, today, extra snapshot fields, step arguments) -> the status after
ALLOWED = [
    (Step.APPROVE, Party.HOME, Status.PROPOSED, BEFORE, {}, {}, Status.PROPOSED),
    (Step.APPROVE, Party.HOME, Status.PROPOSED, BEFORE, {"nurse_consented": True}, {}, Status.AGREED),
    (Step.CONSENT, Party.NURSE, Status.PROPOSED, BEFORE, {}, {}, Status.PROPOSED),
    (Step.CONSENT, Party.NURSE, Status.PROPOSED, BEFORE, {"home_approved": True}, {}, Status.AGREED),
    (Step.DECLINE, Party.HOME, Status.PROPOSED, BEFORE, {}, {}, Status.DECLINED),
    (Step.DECLINE, Party.HOME, Status.PROPOSED, BEFORE, {"nurse_consented": True}, {}, Status.DECLINED),
    (Step.REFUSE, Party.NURSE, Status.PROPOSED, BEFORE, {}, {}, Status.DECLINED),
    (Step.REFUSE, Party.NURSE, Status.PROPOSED, BEFORE, {"home_approved": True}, {}, Status.DECLINED),
    (Step.ACTIVATE, Party.SYSTEM, Status.AGREED, START, {}, {}, Status.ACTIVE),
    (Step.ACTIVATE, Party.SYSTEM, Status.AGREED, DURING, {}, {}, Status.ACTIVE),
    *[
        (
            Step.REQUEST_EXTENSION,
            party,
            status,
            BEFORE if status is Status.AGREED else DURING,
            {},
            {"new_end_date": END + timedelta(days=30)},
            status,
        )
        for party in (Party.HOST, Party.HOME)
        for status in (Status.AGREED, Status.ACTIVE)
    ],
    *[
        (
            step,
            answerer,
            Status.ACTIVE,
            DURING,
            {"pending_end_date": END + timedelta(days=30), "extension_requested_by": asker},
            {},
            Status.ACTIVE,
        )
        for asker, answerer in ((Party.HOST, Party.HOME), (Party.HOME, Party.HOST))
        for step in (Step.AGREE_EXTENSION, Step.DECLINE_EXTENSION)
    ],
    (
        Step.DECLINE_EXTENSION,
        Party.HOST,
        Status.AGREED,
        BEFORE,
        {"pending_end_date": END + timedelta(days=30), "extension_requested_by": Party.HOST},
        {},
        Status.AGREED,
    ),
    *[
        (Step.END_EARLY, p, Status.ACTIVE, DURING, {}, {"ended_on": DURING}, Status.ENDED_EARLY)
        for p in (Party.HOST, Party.HOME)
    ],
    (
        Step.END_EARLY,
        Party.HOST,
        Status.ACTIVE,
        DURING,
        {},
        {"ended_on": END - timedelta(days=1)},
        Status.ENDED_EARLY,
    ),
    *[
        (Step.COMPLETE, p, Status.ACTIVE, END, {}, {}, Status.COMPLETED)
        for p in (Party.HOST, Party.HOME, Party.SYSTEM)
    ],
    (Step.COMPLETE, Party.SYSTEM, Status.ACTIVE, AFTER, {}, {}, Status.COMPLETED),
    *[
        (Step.CANCEL, p, s, BEFORE, {}, {}, Status.CANCELLED)
        for p in (Party.HOST, Party.HOME)
        for s in (Status.PROPOSED, Status.AGREED)
    ],
    (
        Step.CANCEL,
        Party.HOST,
        Status.PROPOSED,
        DURING,
        {},
        {},
        Status.CANCELLED,
    ),  # never agreed: withdrawn late
]


@pytest.mark.parametrize(("step", "party", "status", "today", "extra", "args", "after"), ALLOWED)
def test_allowed_transitions(step, party, status, today, extra, args, after):  # type: ignore[no-untyped-def]
    result = decide(snap(status, **extra), step, party, today, **args)
    assert result.status is after


def test_every_step_from_every_status_outside_its_table_is_refused():
    manual = [s for s in Step if s is not Step.PROPOSE]
    for step in manual:
        party = sorted(BY[step])[0]
        for status in Status:
            if status in FROM[step]:
                continue
            with pytest.raises(Refused) as refused:
                decide(
                    snap(status), step, party, DURING, new_end_date=END + timedelta(days=5), ended_on=DURING
                )
            assert not isinstance(refused.value, WrongParty)
            assert refused.value.message


def test_every_step_by_a_party_not_its_own_is_refused_as_wrong_party():
    for step in Step:
        if step is Step.PROPOSE:
            continue
        for party in set(Party) - BY[step]:
            status = sorted(FROM[step])[0]
            with pytest.raises(WrongParty):
                decide(snap(status), step, party, DURING)


def test_propose_is_never_a_later_step():
    with pytest.raises(Refused):
        decide(snap(Status.PROPOSED), Step.PROPOSE, Party.HOST, BEFORE)


@pytest.mark.parametrize(
    ("step", "party", "status", "today", "extra", "args", "words"),
    [
        (Step.APPROVE, Party.HOME, Status.PROPOSED, BEFORE, {"home_approved": True}, {}, "already approved"),
        (
            Step.CONSENT,
            Party.NURSE,
            Status.PROPOSED,
            BEFORE,
            {"nurse_consented": True},
            {},
            "already consented",
        ),
        (Step.DECLINE, Party.HOME, Status.PROPOSED, BEFORE, {"home_approved": True}, {}, "cancel it instead"),
        (
            Step.REFUSE,
            Party.NURSE,
            Status.PROPOSED,
            BEFORE,
            {"nurse_consented": True},
            {},
            "already consented",
        ),
        (Step.ACTIVATE, Party.SYSTEM, Status.AGREED, BEFORE, {}, {}, "starts on 1 April 2027"),
        (Step.REQUEST_EXTENSION, Party.HOST, Status.ACTIVE, DURING, {}, {}, "Enter the new end date"),
        (
            Step.REQUEST_EXTENSION,
            Party.HOST,
            Status.ACTIVE,
            DURING,
            {},
            {"new_end_date": END},
            "after the current end date",
        ),
        (
            Step.REQUEST_EXTENSION,
            Party.HOST,
            Status.ACTIVE,
            AFTER,
            {},
            {"new_end_date": AFTER + timedelta(days=9)},
            "has passed",
        ),
        (
            Step.REQUEST_EXTENSION,
            Party.HOME,
            Status.ACTIVE,
            DURING,
            {"pending_end_date": END + timedelta(days=3), "extension_requested_by": Party.HOST},
            {"new_end_date": END + timedelta(days=9)},
            "already waiting",
        ),
        (
            Step.REQUEST_EXTENSION,
            Party.HOST,
            Status.COMPLETED,
            AFTER,
            {},
            {"new_end_date": END + timedelta(days=60)},
            "A completed secondment cannot be extended",
        ),
        (Step.AGREE_EXTENSION, Party.HOME, Status.ACTIVE, DURING, {}, {}, "No extension is waiting"),
        (Step.DECLINE_EXTENSION, Party.HOME, Status.ACTIVE, DURING, {}, {}, "No extension is waiting"),
        (Step.END_EARLY, Party.HOST, Status.ACTIVE, DURING, {}, {}, "Enter the last day"),
        (
            Step.END_EARLY,
            Party.HOST,
            Status.ACTIVE,
            DURING,
            {},
            {"ended_on": BEFORE},
            "before the secondment started",
        ),
        (
            Step.END_EARLY,
            Party.HOST,
            Status.ACTIVE,
            DURING,
            {},
            {"ended_on": END},
            "before the agreed end date",
        ),
        (Step.END_EARLY, Party.HOST, Status.AGREED, BEFORE, {}, {"ended_on": DURING}, "cancel it instead"),
        (Step.COMPLETE, Party.HOST, Status.ACTIVE, DURING, {}, {}, "end it early"),
        (Step.CANCEL, Party.HOST, Status.AGREED, DURING, {}, {}, "has started"),
        (Step.CANCEL, Party.HOST, Status.ACTIVE, DURING, {}, {}, "has started"),
        (Step.APPROVE, Party.HOME, Status.DECLINED, BEFORE, {}, {}, "no longer waiting"),
    ],
)
def test_refusals_say_why(step, party, status, today, extra, args, words):  # type: ignore[no-untyped-def]
    with pytest.raises(Refused) as refused:
        decide(snap(status, **extra), step, party, today, **args)
    assert words in refused.value.message


def test_the_party_that_asked_for_an_extension_cannot_agree_it_herself():
    asked = snap(Status.ACTIVE, pending_end_date=END + timedelta(days=3), extension_requested_by=Party.HOST)
    with pytest.raises(WrongParty):
        decide(asked, Step.AGREE_EXTENSION, Party.HOST, DURING)


def test_an_agreed_extension_moves_the_end_date_and_a_declined_one_does_not():
    new_end = END + timedelta(days=30)
    asked = decide(snap(Status.ACTIVE), Step.REQUEST_EXTENSION, Party.HOME, DURING, new_end_date=new_end)
    assert (asked.pending_end_date, asked.extension_requested_by, asked.end_date) == (
        new_end,
        Party.HOME,
        END,
    )
    assert decide(asked, Step.AGREE_EXTENSION, Party.HOST, DURING).end_date == new_end
    declined = decide(asked, Step.DECLINE_EXTENSION, Party.HOST, DURING)
    assert (declined.end_date, declined.pending_end_date, declined.extension_requested_by) == (
        END,
        None,
        None,
    )


def test_agreed_only_when_all_three_agree_in_either_order():
    first = decide(snap(Status.PROPOSED), Step.CONSENT, Party.NURSE, BEFORE)
    assert first.status is Status.PROPOSED
    assert decide(first, Step.APPROVE, Party.HOME, BEFORE).status is Status.AGREED


def test_a_due_agreed_secondment_shows_as_active():
    agreed = snap(Status.AGREED)
    assert effective_status(agreed, BEFORE) is Status.AGREED
    assert effective_status(agreed, START) is Status.ACTIVE
    assert effective_status(snap(Status.PROPOSED), DURING) is Status.PROPOSED


def test_who_is_waiting():
    assert waiting_on(snap(Status.PROPOSED), BEFORE) == {Party.HOME, Party.NURSE}
    assert waiting_on(snap(Status.PROPOSED, home_approved=True), BEFORE) == {Party.NURSE}
    asked = replace(
        snap(Status.ACTIVE), pending_end_date=END + timedelta(days=1), extension_requested_by=Party.HOST
    )
    assert waiting_on(asked, DURING) == {Party.HOME}
    assert waiting_on(snap(Status.ACTIVE), DURING) == frozenset()
    assert waiting_on(snap(Status.COMPLETED), AFTER) == frozenset()
