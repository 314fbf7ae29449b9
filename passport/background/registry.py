"""The kinds of job and the periodic work, each registered by its feature's ``tasks`` module.

``passport.app.TASK_MODULES`` lists those modules; ``create_app`` imports them, in the web instances and
in the workers alike, so both know every kind.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from sqlalchemy.orm import Session

if TYPE_CHECKING:
    from passport.background.runner import JobContext

JobHandler = Callable[["JobContext"], dict[str, Any] | None]
PeriodicWork = Callable[[Session], str | None]


@dataclass(frozen=True)
class JobKind:
    name: str
    handler: JobHandler
    # How many times the job is started in all: after a dead worker, or a transient database error.
    max_attempts: int = 3
    # A partial template that shows a finished job's ``result`` on the job's page, in the kind's own
    # words (it is given ``job`` and ``result``); None: the page shows only the generic facts.
    result_template: str | None = None


@dataclass(frozen=True)
class Periodic:
    name: str
    work: PeriodicWork
    every_minutes: int


JOB_KINDS: dict[str, JobKind] = {}
PERIODIC: dict[str, Periodic] = {}


def job_kind(
    name: str, *, max_attempts: int = 3, result_template: str | None = None
) -> Callable[[JobHandler], JobHandler]:
    """Register ``handler`` as the work of jobs of kind ``name`` (``result_template``: see ``JobKind``)."""

    def register(handler: JobHandler) -> JobHandler:
        JOB_KINDS[name] = JobKind(name, handler, max_attempts, result_template)
        return handler

    return register


def result_template_of(kind: str) -> str | None:
    """The partial template showing a finished job of ``kind``'s result, if the kind names one (a job
    whose kind is no longer registered has none)."""
    found = JOB_KINDS.get(kind)
    return found.result_template if found else None


def periodic(name: str, *, every_minutes: int) -> Callable[[PeriodicWork], PeriodicWork]:
    """Register ``work`` to run every ``every_minutes`` minutes on some worker (committed after)."""

    def register(work: PeriodicWork) -> PeriodicWork:
        PERIODIC[name] = Periodic(name, work, every_minutes)
        return work

    return register
