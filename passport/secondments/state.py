"""The secondment state machine, as pure functions: no database, no clock, no users.

``decide`` takes what a secondment is now, the step someone wants to take, as which party, and today's
date, and answers what the secondment becomes, or raises ``Refused`` saying why not. Operations ask it
before changing anything, so a refused step leaves everything as it was.

    proposed --(home HR approves + nurse consents, either order)--> agreed --(start date)--> active
    proposed --(home HR declines | nurse declines)--> declined
    proposed | agreed --(cancel, before the start)--> cancelled
    active --(end early)--> ended_early          active --(on or after the end date)--> completed
    agreed | active: one trust asks to extend to a later end date, the other trust agrees or declines
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, replace
from datetime import date

from passport.formatting import uk_date


class Status(enum.StrEnum):
    PROPOSED = "proposed"
    DECLINED = "declined"
    AGREED = "agreed"
    ACTIVE = "active"
    COMPLETED = "completed"
    ENDED_EARLY = "ended_early"
    CANCELLED = "cancelled"

    @property
    def label(self) -> str:
        return self.value.replace("_", " ").capitalize()

    @property
    def is_open(self) -> bool:
        """Still going, or still to come: it holds her dates against another secondment."""
        return self in (Status.PROPOSED, Status.AGREED, Status.ACTIVE)


class Step(enum.StrEnum):
    PROPOSE = "propose"
    APPROVE = "approve"
    DECLINE = "decline"
    CONSENT = "consent"
    REFUSE = "refuse"
    ACTIVATE = "activate"
    REQUEST_EXTENSION = "request_extension"
    AGREE_EXTENSION = "agree_extension"
    DECLINE_EXTENSION = "decline_extension"
    END_EARLY = "end_early"
    COMPLETE = "complete"
    CANCEL = "cancel"

    @property
    def label(self) -> str:
        return STEP_LABELS[self]


STEP_LABELS = {
    Step.PROPOSE: "Proposed by the host trust",
    Step.APPROVE: "Approved by the home trust",
    Step.DECLINE: "Declined by the home trust",
    Step.CONSENT: "Consented to by the nurse",
    Step.REFUSE: "Declined by the nurse",
    Step.ACTIVATE: "Started",
    Step.REQUEST_EXTENSION: "Extension asked for",
    Step.AGREE_EXTENSION: "Extension agreed",
    Step.DECLINE_EXTENSION: "Extension declined",
    Step.END_EARLY: "Ended early",
    Step.COMPLETE: "Completed",
    Step.CANCEL: "Cancelled",
}


class Party(enum.StrEnum):
    HOST = "host"  # HR of the host trust
    HOME = "home"  # HR of the home trust
    NURSE = "nurse"  # the seconded nurse herself
    SYSTEM = "system"  # the daily tick

    @property
    def label(self) -> str:
        return {
            "host": "HR of the host trust",
            "home": "HR of the home trust",
            "nurse": "the nurse",
            "system": "the service",
        }[self.value]


TRUSTS = frozenset({Party.HOST, Party.HOME})

# Steps after which the secondment is over for good (declined, cancelled, ended early or completed): no
# step leads out of those statuses, so the pages ask the person to confirm them first.
FINAL_STEPS = frozenset({Step.DECLINE, Step.REFUSE, Step.CANCEL, Step.END_EARLY, Step.COMPLETE})

# Which statuses each step may be taken from, and by whom.
FROM: dict[Step, frozenset[Status]] = {
    Step.APPROVE: frozenset({Status.PROPOSED}),
    Step.DECLINE: frozenset({Status.PROPOSED}),
    Step.CONSENT: frozenset({Status.PROPOSED}),
    Step.REFUSE: frozenset({Status.PROPOSED}),
    Step.ACTIVATE: frozenset({Status.AGREED}),
    Step.REQUEST_EXTENSION: frozenset({Status.AGREED, Status.ACTIVE}),
    Step.AGREE_EXTENSION: frozenset({Status.AGREED, Status.ACTIVE}),
    Step.DECLINE_EXTENSION: frozenset({Status.AGREED, Status.ACTIVE}),
    Step.END_EARLY: frozenset({Status.ACTIVE}),
    Step.COMPLETE: frozenset({Status.ACTIVE}),
    Step.CANCEL: frozenset({Status.PROPOSED, Status.AGREED}),
}
BY: dict[Step, frozenset[Party]] = {
    Step.PROPOSE: frozenset({Party.HOST}),
    Step.APPROVE: frozenset({Party.HOME}),
    Step.DECLINE: frozenset({Party.HOME}),
    Step.CONSENT: frozenset({Party.NURSE}),
    Step.REFUSE: frozenset({Party.NURSE}),
    Step.ACTIVATE: frozenset({Party.SYSTEM}),
    Step.REQUEST_EXTENSION: TRUSTS,
    Step.AGREE_EXTENSION: TRUSTS,
    Step.DECLINE_EXTENSION: TRUSTS,
    Step.END_EARLY: TRUSTS,
    Step.COMPLETE: TRUSTS | {Party.SYSTEM},
    Step.CANCEL: TRUSTS,
}


class Refused(Exception):
    """The step is not allowed now; the message says why, for the person who tried."""

    def __init__(self, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.field = field


class WrongParty(Refused):
    """The step is not this party's to take."""


@dataclass(frozen=True)
class Snapshot:
    status: Status
    start_date: date
    end_date: date
    home_approved: bool = False
    nurse_consented: bool = False
    pending_end_date: date | None = None
    extension_requested_by: Party | None = None
    ended_on: date | None = None


def effective_status(snapshot: Snapshot, today: date) -> Status:
    """What people are shown: an agreed secondment whose start date has come is active, even before
    the daily tick has recorded it."""
    if snapshot.status is Status.AGREED and snapshot.start_date <= today:
        return Status.ACTIVE
    return snapshot.status


def _why_not_from(step: Step, status: Status, snapshot: Snapshot) -> str:
    if step is Step.REQUEST_EXTENSION and status is Status.COMPLETED:
        return (
            f"A completed secondment cannot be extended: it ended on {uk_date(snapshot.end_date)}. "
            "Propose a new secondment instead."
        )
    if step in (Step.APPROVE, Step.DECLINE, Step.CONSENT, Step.REFUSE):
        return f"This secondment is {status.label.lower()}: it is no longer waiting for that decision."
    if step is Step.CANCEL and status is Status.ACTIVE:
        return "This secondment has started: end it early instead of cancelling it."
    if step is Step.END_EARLY and status is Status.AGREED:
        return "This secondment has not started yet: cancel it instead."
    return f"A secondment that is {status.label.lower()} cannot be {STEP_PAST[step]}."


STEP_PAST = {
    Step.ACTIVATE: "started",
    Step.REQUEST_EXTENSION: "extended",
    Step.AGREE_EXTENSION: "extended",
    Step.DECLINE_EXTENSION: "changed",
    Step.END_EARLY: "ended early",
    Step.COMPLETE: "completed",
    Step.CANCEL: "cancelled",
}


def decide(
    snapshot: Snapshot,
    step: Step,
    party: Party,
    today: date,
    *,
    new_end_date: date | None = None,
    ended_on: date | None = None,
) -> Snapshot:
    """The secondment after ``party`` takes ``step`` today, or ``Refused`` saying why not."""
    if step is Step.PROPOSE:
        raise Refused("A secondment is proposed once, when it is made.")
    if party not in BY[step]:
        allowed = " or ".join(sorted(p.label for p in BY[step]))
        raise WrongParty(f"Only {allowed} can do that.")
    status = snapshot.status
    if status not in FROM[step]:
        raise Refused(_why_not_from(step, status, snapshot))
    handler = _HANDLERS[step]
    return handler(snapshot, party, today, new_end_date, ended_on)


def _approve(s: Snapshot, _party: Party, _today: date, *_: object) -> Snapshot:
    if s.home_approved:
        raise Refused("The home trust has already approved this secondment.")
    return replace(s, home_approved=True, status=Status.AGREED if s.nurse_consented else Status.PROPOSED)


def _consent(s: Snapshot, _party: Party, _today: date, *_: object) -> Snapshot:
    if s.nurse_consented:
        raise Refused("You have already consented to this secondment.")
    return replace(s, nurse_consented=True, status=Status.AGREED if s.home_approved else Status.PROPOSED)


def _decline(s: Snapshot, _party: Party, _today: date, *_: object) -> Snapshot:
    if s.home_approved:
        raise Refused("The home trust has already approved this secondment; cancel it instead.")
    return replace(s, status=Status.DECLINED)


def _refuse(s: Snapshot, _party: Party, _today: date, *_: object) -> Snapshot:
    if s.nurse_consented:
        raise Refused("You have already consented; ask HR to cancel it instead.")
    return replace(s, status=Status.DECLINED)


def _activate(s: Snapshot, _party: Party, today: date, *_: object) -> Snapshot:
    if today < s.start_date:
        raise Refused(f"This secondment starts on {uk_date(s.start_date)}, not before.")
    return replace(s, status=Status.ACTIVE)


def _request_extension(s: Snapshot, party: Party, today: date, new_end: date | None, _e: object) -> Snapshot:
    if s.pending_end_date is not None:
        raise Refused(
            f"An extension to {uk_date(s.pending_end_date)} is already waiting for an answer.",
            field="new_end_date",
        )
    if new_end is None:
        raise Refused("Enter the new end date.", field="new_end_date")
    if new_end <= s.end_date:
        raise Refused(
            f"The new end date must be after the current end date, {uk_date(s.end_date)}.",
            field="new_end_date",
        )
    if s.status is Status.ACTIVE and s.end_date < today:
        raise Refused(
            f"This secondment's end date, {uk_date(s.end_date)}, has passed: it is due to complete.",
            field="new_end_date",
        )
    return replace(s, pending_end_date=new_end, extension_requested_by=party)


def _answer_extension(s: Snapshot, party: Party, *, agree: bool) -> Snapshot:
    if s.pending_end_date is None or s.extension_requested_by is None:
        raise Refused("No extension is waiting for an answer.")
    if agree and party is s.extension_requested_by:
        raise WrongParty("The other trust must agree the extension you asked for.")
    end = s.pending_end_date if agree else s.end_date
    return replace(s, end_date=end, pending_end_date=None, extension_requested_by=None)


def _agree_extension(s: Snapshot, party: Party, *_: object) -> Snapshot:
    return _answer_extension(s, party, agree=True)


def _decline_extension(s: Snapshot, party: Party, *_: object) -> Snapshot:
    return _answer_extension(s, party, agree=False)


def _end_early(s: Snapshot, _party: Party, _today: date, _n: object, ended_on: date | None) -> Snapshot:
    if ended_on is None:
        raise Refused("Enter the last day of work for the host trust.", field="ended_on")
    if ended_on < s.start_date:
        raise Refused(
            f"The last day cannot be before the secondment started ({uk_date(s.start_date)}).",
            field="ended_on",
        )
    if ended_on >= s.end_date:
        raise Refused(
            f"The last day must be before the agreed end date ({uk_date(s.end_date)}); "
            "on that date the secondment completes.",
            field="ended_on",
        )
    return replace(
        s, status=Status.ENDED_EARLY, ended_on=ended_on, pending_end_date=None, extension_requested_by=None
    )


def _complete(s: Snapshot, _party: Party, today: date, *_: object) -> Snapshot:
    if today < s.end_date:
        raise Refused(f"This secondment runs until {uk_date(s.end_date)}; to stop it sooner, end it early.")
    return replace(s, status=Status.COMPLETED, pending_end_date=None, extension_requested_by=None)


def _cancel(s: Snapshot, _party: Party, today: date, *_: object) -> Snapshot:
    if s.status is Status.AGREED and today >= s.start_date:
        raise Refused("This secondment has started: end it early instead of cancelling it.")
    return replace(s, status=Status.CANCELLED, pending_end_date=None, extension_requested_by=None)


_HANDLERS = {
    Step.APPROVE: _approve,
    Step.DECLINE: _decline,
    Step.CONSENT: _consent,
    Step.REFUSE: _refuse,
    Step.ACTIVATE: _activate,
    Step.REQUEST_EXTENSION: _request_extension,
    Step.AGREE_EXTENSION: _agree_extension,
    Step.DECLINE_EXTENSION: _decline_extension,
    Step.END_EARLY: _end_early,
    Step.COMPLETE: _complete,
    Step.CANCEL: _cancel,
}


def waiting_on(snapshot: Snapshot, today: date) -> frozenset[Party]:
    """Who has something to do on this secondment now (the to-do lists)."""
    waiting: set[Party] = set()
    if snapshot.status is Status.PROPOSED:
        if not snapshot.home_approved:
            waiting.add(Party.HOME)
        if not snapshot.nurse_consented:
            waiting.add(Party.NURSE)
    if snapshot.status in (Status.AGREED, Status.ACTIVE) and snapshot.extension_requested_by:
        waiting |= TRUSTS - {snapshot.extension_requested_by}
    if snapshot.status in (Status.AGREED, Status.ACTIVE) and today > snapshot.end_date:
        waiting.add(Party.HOST)  # due to be completed
    return frozenset(waiting)
