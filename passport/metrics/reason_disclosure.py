"""The small-number rule for the chart of sickness absence by reason (passport.metrics.disclosure decides
every other figure): which reasons may be named on their own, and which are grouped as other reasons."""

from __future__ import annotations

import functools
from dataclasses import dataclass
from itertools import combinations
from typing import Any

import numpy as np
from sqlalchemy import and_, select
from sqlalchemy.orm import Session

from passport.db import driver_rows
from passport.metrics.arrays import codes_of, positions
from passport.metrics.disclosure import (
    DIMENSIONS,
    MIN_PEOPLE,
    PeopleInPost,
    Selection,
    kept_in_session,
    kept_only,
)
from passport.metrics.queries import SECONDEE, day_number, to_day_number
from passport.workforce.models import Absence, Assignment
from passport.workforce.operations import SICKNESS


@dataclass(frozen=True)
class ReasonPeople:
    """Who was absent for which reason in a run of months: one (person, reason, trust code, group code,
    band code) per post and reason, the post being her own (a secondee's absence counts at her home
    post). Reasons as codes into ``reason_names``."""

    person: np.ndarray
    reason: np.ndarray
    reason_names: list[str]
    atom: tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]

    @functools.cached_property
    def _person_of(self) -> np.ndarray:
        """Each entry's person, numbered 0, 1, ... ."""
        return np.unique(self.person, return_inverse=True)[1].reshape(-1)

    @functools.cached_property
    def _pairs(self) -> tuple[np.ndarray, np.ndarray]:
        """Each entry's (reason, person) pair, numbered; and each pair's reason."""
        span = int(self.person.max()) + 1 if len(self.person) else 1
        pairs, pair_of = np.unique(self.reason * span + self.person, return_inverse=True)
        return pair_of.reshape(-1), pairs // span

    def heads(self, mask: np.ndarray) -> int:
        """How many people the entries of ``mask`` hold, each once."""
        return int(np.count_nonzero(np.bincount(self._person_of[mask])))

    def heads_by_reason(self, mask: np.ndarray) -> list[int]:
        """Per reason code, how many people the entries of ``mask`` hold absent for it, each once: the
        people and pairs are numbered once, so a selection counts them by bincount, not by a sort."""
        pair_of, pair_reason = self._pairs
        present = np.bincount(pair_of[mask], minlength=len(pair_reason)) > 0
        return np.bincount(pair_reason[present], minlength=len(self.reason_names)).tolist()


def reason_people(
    session: Session, people: PeopleInPost, first_day: Any, last_day: Any, fingerprint: str | None = None
) -> ReasonPeople:
    """Sickness absences overlapping first_day..last_day, each with her own post's trust, group and band
    (the post it is recorded on; for sickness recorded on a secondee assignment, her own post that
    covers its first day). Each (post, reason) once; with the records' fingerprint, kept in the session
    like ``people_in_post``, and read from the absences a refresh has kept there."""
    if fingerprint is not None:
        key = ("reasons", fingerprint, people.first_month, people.last_month, first_day, last_day)
        return kept_in_session(
            session, key, lambda: _reason_people(session, people, first_day, last_day, fingerprint)
        )
    return _reason_people(session, people, first_day, last_day, None)


def _posts_and_reasons(
    session: Session, first_day: Any, last_day: Any, fingerprint: str | None
) -> tuple[np.ndarray, np.ndarray, list[Any]]:
    """Each (post id, reason) with sickness overlapping first_day..last_day, once: the post ids, the
    reasons as codes, and the reasons the codes name."""
    # Imported here: rollups imports operations, which decides its figures with this module.
    from passport.metrics.rollups import sickness_absences

    ab = Absence
    absences = kept_only(session, ("sickness absences", fingerprint)) if fingerprint is not None else None
    if absences is None and session.get_bind().dialect.name == "postgresql":
        overlapping = and_(
            ab.category == SICKNESS,
            ab.first_day <= last_day,
            (ab.last_day.is_(None)) | (ab.last_day >= first_day),
        )
        rows = driver_rows(session, select(ab.assignment_id, ab.reason_code).where(overlapping).distinct())
        codes, names = codes_of([row[1] for row in rows])
        return np.array([row[0] for row in rows], dtype=np.int64), codes, names
    if absences is None:
        # SQLite reads every absence faster than it picks out the distinct pairs through its indexes
        # (1.0 s against 1.7 s for 700,000 sickness absences: bench/bench_dashboard.py's partnership).
        absences = sickness_absences(session, fingerprint)
    during = absences.overlapping(to_day_number(first_day), to_day_number(last_day))
    reasons = max(len(absences.reason_names), 1)
    pairs = np.unique(absences.post[during] * reasons + absences.reason[during])
    return pairs // reasons, pairs % reasons, list(absences.reason_names)


def _reason_people(
    session: Session, people: PeopleInPost, first_day: Any, last_day: Any, fingerprint: str | None
) -> ReasonPeople:
    a, ab = Assignment, Absence
    overlapping = and_(
        ab.category == SICKNESS,
        ab.first_day <= last_day,
        (ab.last_day.is_(None)) | (ab.last_day >= first_day),
    )
    post_ids, reason_codes, reason_names = _posts_and_reasons(session, first_day, last_day, fingerprint)
    where, own = positions(people.post_id, post_ids)
    # Each (post, reason) of her own posts by index and code, kept as arrays: lists of the pairs and of
    # their reasons' names cost a full recount 0.04 s.
    own_index, own_codes = where[own], reason_codes[own]
    found: list[int] = []
    reasons: list[Any] = []
    # Imported here: rollups imports operations, which decides its figures with this module.
    from passport.metrics.rollups import id_batches

    # Secondee assignments are few: their ids first (the person_type index), then their absences by
    # index; joined in one statement, PostgreSQL scanned every absence (50 ms a period at 60,000 staff).
    seconded: list[tuple[Any, ...]] = []
    for batch in id_batches(list(session.scalars(select(a.id).where(a.person_type == SECONDEE)))):
        seconded += driver_rows(
            session,
            select(a.staff_member_id, day_number(ab.first_day), ab.reason_code)
            .join(a, a.id == ab.assignment_id)
            .where(overlapping, ab.assignment_id.in_(batch)),
        )
    # Each person's posts, in the order they are held: her own post covering the absence's first day.
    by_person = np.argsort(people.person, kind="stable")
    person_sorted = people.person[by_person]
    for person, day, reason in seconded:  # few: a secondee's sickness is recorded by the host
        hers = by_person[
            np.searchsorted(person_sorted, person) : np.searchsorted(person_sorted, person, "right")
        ]
        home = hers[(people.start_day[hers] <= day) & (people.end_day[hers] >= day)]
        if len(home):
            found.append(int(home[0]))
            reasons.append(reason)
    # Reasons named as text, in order: those of her own posts' absences, then the secondees'.
    named = [str(reason_names[c]) for c in np.unique(own_codes).tolist()]
    names = sorted({*named, *(str(r) for r in reasons)})
    code = {name: i for i, name in enumerate(names)}
    renumbered = np.array([code.get(str(name), -1) for name in reason_names], dtype=np.int64)
    index = np.concatenate([own_index, np.array(found, dtype=np.int64)])
    return ReasonPeople(
        people.person[index],
        np.concatenate([renumbered[own_codes], np.array([code[str(r)] for r in reasons], dtype=np.int64)]),
        names,
        (people.trust[index], people.group[index], people.band[index], people.place[index]),
    )


def reasons_shown(people: PeopleInPost, absent: ReasonPeople, s: Selection) -> tuple[set[str], set[str]]:
    """Which reasons a chart of sickness by reason for this selection may name on their own, and which it
    groups as "Other reasons" (both empty: fewer than MIN_PEOPLE people were absent, show none).

    A reason stands alone when at least MIN_PEOPLE people in the selection were absent for it, and
    widening the selection's trust, staff group or band to all adds nobody absent for it or at least
    MIN_PEOPLE. "Other reasons" must hold at least MIN_PEOPLE people too: while it holds 1 to 4, the
    reason with the fewest people joins it."""
    if not len(absent.person):
        return set(), set()
    trust, group, band, place = absent.atom

    def inside(selection: Selection) -> np.ndarray:
        in_t, in_g, in_b, in_p = people.masks(selection)
        return in_t[trust] & in_g[group] & in_b[band] & in_p[place]

    here = inside(s)
    if absent.heads(here) < MIN_PEOPLE:
        return set(), set()
    narrowed = [dim for dim in DIMENSIONS if getattr(s, dim) is not None]
    added_by_reason = [
        absent.heads_by_reason(inside(s.widened(widened)) & ~here)
        for size in range(1, len(narrowed) + 1)
        for widened in combinations(narrowed, size)
    ]
    alone: dict[int, int] = {}
    other: set[int] = set()
    here_by_reason = absent.heads_by_reason(here)
    for reason in np.flatnonzero(here_by_reason).tolist():
        count = here_by_reason[reason]
        added = [of_widening[reason] for of_widening in added_by_reason]
        if count >= MIN_PEOPLE and all(n == 0 or n >= MIN_PEOPLE for n in added):
            alone[reason] = count
        else:
            other.add(reason)
    while other and alone:
        if absent.heads(here & np.isin(absent.reason, list(other))) >= MIN_PEOPLE:
            break
        fewest = min(alone, key=lambda r: (alone[r], absent.reason_names[r]))
        other.add(fewest)
        del alone[fewest]
    return {absent.reason_names[r] for r in alone}, {absent.reason_names[r] for r in other}
