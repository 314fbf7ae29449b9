"""Demo history for the dashboard: 36 months (April 2022 to March 2025: the published figures' last
year, the one before, and the twelve months the first of them needs for a complete rolling figure) of
assignments and sickness for a few hundred staff per demo trust, plus NHS England's published figures
the repository ships (data/nhs-sickness-absence/).

Idempotent: the history is made once (its staff have metrics.demo.* emails); the published import is an
upsert. Plausible, not real: each trust has its own sickness level, a winter peak and a slow fall, some
leavers and newly qualified starters, moves between the partner trusts and FTE changes.
"""

from __future__ import annotations

import random
from datetime import date, timedelta
from decimal import Decimal

from sqlalchemy import insert, select
from sqlalchemy.orm import Session

from passport.config import PROJECT_ROOT
from passport.demo import (
    _FAMILY,
    _GIVEN,
    DEMO_EXTENSIONS,
    DEMO_FINISHERS,
    DEMO_TRUSTS,
    DemoReport,
    demo_date_of_birth,
)
from passport.formatting import uk_month
from passport.metrics.benchmark import import_published_sickness
from passport.metrics.operations import set_sickness_target
from passport.metrics.refresh import refresh_figures
from passport.trusts.models import StaffMember
from passport.trusts.operations import find_trust
from passport.workforce.models import Absence, Assignment

# 36 months: the dashboard's usual 24 (April 2023 to March 2025, the published figures' last year and the
# one before) and the 12 before them, so every rolling 12-month figure it shows is complete.
FIRST, LAST = date(2022, 4, 1), date(2025, 3, 31)
STAFF_PER_TRUST = 220
# NHS England's published monthly files, April 2024 to March 2025, shipped unchanged (data/README.md).
PUBLISHED_DIR = PROJECT_ROOT / "data" / "nhs-sickness-absence"
# Share of calendar days lost the demo aims at, per trust, before the seasonal swing and the slow fall.
TARGET_RATE = {"RPG": 0.052, "RV5": 0.041, "RQY": 0.047}
# Each demo trust board's sickness absence target (%), drawn on its charts; set when the trust has none.
SICKNESS_TARGETS = {"RPG": Decimal("4.5"), "RV5": Decimal("4.0"), "RQY": Decimal("4.2")}
_JOBS = [  # (staff group, job role, band, weight)
    ("NMR", "Staff Nurse", "5", 30),
    ("NMR", "Senior Staff Nurse", "6", 22),
    ("NMR", "Ward Manager", "7", 10),
    ("NMR", "Matron", "8a", 3),
    ("ACS", "Healthcare Assistant", "3", 20),
    ("ACS", "Senior Healthcare Assistant", "4", 5),
    ("AHP", "Occupational Therapist", "6", 6),
    ("AC", "Ward Clerk", "3", 4),
]
# Directorates and their wards (or departments) per demo trust, for the drill-down below trust: enough
# staff in each ward (about 30-45) that its figures are shown.
ORGANISATION: dict[str, dict[str, tuple[str, ...]]] = {
    "RPG": {
        "Adult mental health": ("Barefoot Lodge", "Oxleas House", "Woodlands Unit"),
        "Children and young people": ("Atlas House", "Goddington Road"),
    },
    "RV5": {
        "Psychosis": ("Gresham 1", "Jim Birley Unit"),
        "Mood, anxiety and personality": ("Nelson Ward", "Tyson West", "Ladywell Unit"),
    },
    "RQY": {
        "Acute and urgent care": ("Jupiter Ward", "Ruby Ward"),
        "Community and recovery": ("Laburnum Ward", "Wisteria Ward", "Hume Ward"),
    },
}
_REASON_WEIGHTS = {
    "S10": 26,
    "S12": 10,
    "S11": 8,
    "S13": 14,
    "S25": 9,
    "S28": 4,
    "S16": 4,
    "S98": 8,
    "S99": 5,
}


def _email(ods: str, number: int) -> str:
    return f"metrics.demo.{number}@{ods.lower()}.example"


class _Maker:
    def __init__(self, session: Session, rng: random.Random):
        self.session, self.rng = session, rng
        self.assignments: list[dict] = []
        self.absences: list[dict] = []
        self.number = 0
        self.ods_of: dict[int, str] = {}

    def assignment(
        self,
        member: StaffMember,
        trust_id: int,
        job: tuple,
        start: date,
        end: date | None,
        fte: str,
        kind: str = "employee",
    ) -> dict:  # noqa: E501
        self.number += 1
        directorate, ward, cost_centre = _placement(member.email, self.ods_of[trust_id])
        row = {
            "staff_member_id": member.id,
            "trust_id": trust_id,
            "assignment_number": f"DM{self.number:07d}-1",
            "staff_group": job[0],
            "job_role": job[1],
            "afc_band": job[2],
            "contracted_fte": Decimal(fte),
            "person_type": kind,
            "start_date": start,
            "end_date": end,
            "leaving_reason": None if end is None else "VR_WORK_LIFE_BALANCE",
            "directorate": directorate,
            "ward": ward,
            "cost_centre": cost_centre,
        }
        self.assignments.append(row)
        return row

    def sickness(
        self, assignment_number: str, trust_id: int, ods: str, start: date, end: date | None
    ) -> None:
        """Spells through the assignment's days in the demo period, never overlapping."""
        rng = self.rng
        day = max(start, FIRST)
        last = min(end or LAST, LAST)
        base = TARGET_RATE[ods]
        while day <= last:
            months_in = (day.year - FIRST.year) * 12 + day.month - FIRST.month
            winter = 1.35 if day.month in (12, 1, 2) else (0.8 if day.month in (6, 7, 8) else 1.0)
            falling = 1.0 - 0.008 * months_in  # the partnership's work paying off, slowly
            length = rng.choice([1, 1, 2, 2, 3, 3, 4, 5, 5, 7, 10, 14, 21, 35, 60])
            if rng.random() < base * winter * falling / 9.5:  # 9.5: the mean spell length above
                spell_end = min(day + timedelta(days=length - 1), last)
                open_ = end is None and spell_end == LAST and rng.random() < 0.5
                reason = rng.choices(list(_REASON_WEIGHTS), weights=list(_REASON_WEIGHTS.values()))[0]
                self.absences.append(
                    {
                        "assignment_number": assignment_number,
                        "trust_id": trust_id,
                        "first_day": day,
                        "last_day": None if open_ else spell_end,
                        "category": "SICKNESS",
                        "reason_code": reason,
                    }
                )
                day = spell_end + timedelta(days=rng.randint(2, 40))
            else:
                day += timedelta(days=1)


def _placement(email: str, ods: str) -> tuple[str, str, str]:
    """A person's directorate, ward and cost centre at a trust, the same for each of her posts there.
    Drawn from its own generator, so the rest of the demo history is what it was before wards existed.
    Each ward has two cost centres, about two thirds of its staff in the first (so a director drilling to
    cost centres finds figures that differ, both large enough to show)."""
    wards = [(d, w) for d, names in ORGANISATION[ods].items() for w in names]
    draw = random.Random(f"{email}/{ods}")
    index = draw.randrange(len(wards))
    directorate, ward = wards[index]
    second = int(draw.random() >= 0.65)
    return directorate, ward, f"{ods}{(100 + index) * 10 + second:05d}"


def _random_day(rng: random.Random, first: date, last: date) -> date:
    return first + timedelta(days=rng.randint(0, (last - first).days))


def seed_metrics_history(session: Session, report: DemoReport) -> None:
    trusts = [find_trust(session, ods) for ods, _name in DEMO_TRUSTS]
    if any(t is None for t in trusts):
        return
    if (
        session.scalar(select(StaffMember.id).where(StaffMember.email == _email(DEMO_TRUSTS[0][0], 1)))
        is None
    ):
        _make_history(session, [t for t in trusts if t is not None], report)
    _import_published(session, report)
    for trust in trusts:
        if trust is not None and trust.sickness_target_percent is None:
            set_sickness_target(session, trust, SICKNESS_TARGETS[trust.ods_code], actor="seed-demo")


def _make_history(session: Session, trusts: list, report: DemoReport) -> None:
    rng = random.Random(7_2026)
    maker = _Maker(session, rng)
    maker.ods_of = {t.id: t.ods_code for t in trusts}
    members: list[tuple[StaffMember, object]] = []
    for trust in trusts:
        for number in range(1, STAFF_PER_TRUST + 1):
            member = StaffMember(
                trust_id=trust.id,
                given_name=rng.choice(_GIVEN),
                family_name=rng.choice(_FAMILY),
                email=_email(trust.ods_code, number),
                date_of_birth=demo_date_of_birth(_email(trust.ods_code, number)),
            )
            session.add(member)
            members.append((member, trust))
    session.flush()
    others = {t.id: [o for o in trusts if o.id != t.id] for t in trusts}
    for member, trust in members:
        job = rng.choices(_JOBS, weights=[j[3] for j in _JOBS])[0]
        fte = rng.choice(["1.0", "1.0", "1.0", "0.8", "0.6"])
        newly_qualified = rng.random() < 0.12
        if newly_qualified:
            job, start = _JOBS[0], _random_day(rng, FIRST, date(2024, 9, 30))
        else:
            start = _random_day(rng, date(2010, 1, 1), FIRST - timedelta(days=1))
        leaves = rng.random() < (0.30 if newly_qualified else 0.20)  # over three years
        end = _random_day(rng, max(start, FIRST) + timedelta(days=30), LAST) if leaves else None
        if end is not None and end >= LAST:
            end = None
        moves = end is not None and rng.random() < 0.25
        earliest_change = max(start, FIRST) + timedelta(days=60)
        if not leaves and earliest_change < LAST - timedelta(days=60) and rng.random() < 0.08:
            # An FTE change: the old assignment ends and a new one starts the next day.
            change = _random_day(rng, earliest_change, LAST - timedelta(days=60))
            first = maker.assignment(member, trust.id, job, start, change, fte)
            second = maker.assignment(
                member, trust.id, job, change + timedelta(days=1), None, rng.choice(["0.6", "0.8"])
            )
            spans = [first, second]
        else:
            spans = [maker.assignment(member, trust.id, job, start, end, fte)]
        # (assignment, first day, last day) of the days whose sickness is recorded on it.
        sick_on = [(span, span["start_date"], span["end_date"]) for span in spans]
        if moves:
            host = rng.choice(others[trust.id])
            kind = "secondee" if rng.random() < 0.3 else "employee"
            if kind == "secondee":
                # A secondment as the secondments feature records it: her own post carries on (no end, no
                # leaver), the host holds a secondee assignment for a while and records her sickness then.
                home = spans[-1]
                home["end_date"], home["leaving_reason"] = None, None
                seconded_from = end + timedelta(days=1)
                seconded_to = min(seconded_from + timedelta(days=rng.randint(90, 270)), LAST)
                seconded = maker.assignment(member, host.id, job, seconded_from, seconded_to, fte, kind)
                seconded["leaving_reason"] = None
                sick_on[-1] = (home, home["start_date"], end)
                sick_on.append((seconded, seconded_from, seconded_to))
                if seconded_to < LAST:
                    sick_on.append((home, seconded_to + timedelta(days=1), None))
            else:
                moved = maker.assignment(member, host.id, job, end + timedelta(days=1), None, fte, kind)
                sick_on.append((moved, moved["start_date"], None))
        for span, sick_from, sick_to in sick_on:
            ods = next(t.ods_code for t in trusts if t.id == span["trust_id"])
            maker.sickness(span["assignment_number"], span["trust_id"], ods, sick_from, sick_to)
    session.execute(insert(Assignment), maker.assignments)
    ids = {
        number: assignment_id
        for number, assignment_id in session.execute(
            select(Assignment.assignment_number, Assignment.id).where(
                Assignment.assignment_number.like("DM%")
            )
        )
    }
    session.execute(
        insert(Absence),
        [
            {
                **{k: v for k, v in a.items() if k != "assignment_number"},
                "assignment_id": ids[a["assignment_number"]],
            }
            for a in maker.absences
        ],
    )
    session.flush()
    report.staff_added += len(members)
    report.notes.append(
        f"Metrics history: {len(maker.assignments)} assignments and {len(maker.absences)} sickness absences, "
        f"{uk_month(FIRST)} to {uk_month(LAST)}."
    )


def _import_published(session: Session, report: DemoReport) -> None:
    if not PUBLISHED_DIR.is_dir():
        return
    paths = sorted(PUBLISHED_DIR.glob("*.csv"))
    if not paths:
        return
    handles = [path.open("rb") for path in paths]
    try:
        summary = import_published_sickness(
            session, [(p.name, h) for p, h in zip(paths, handles, strict=True)], actor="seed-demo"
        )
    finally:
        for handle in handles:
            handle.close()
    report.notes.append(
        f"Published sickness figures: {summary.added} rows added for {len(summary.months)} months."
    )


def _refresh_after_demo(session: Session, report: DemoReport) -> None:
    """Count the roll-ups and the usual dashboards here, in the seed-demo command's transaction, so the
    first dashboard of ``make run`` is ready without waiting for the worker (a second or two here)."""
    outcome = refresh_figures(session, "seed-demo")
    report.notes.append(f"Dashboards counted and kept: {outcome['dashboards']}.")


if seed_metrics_history not in DEMO_EXTENSIONS:
    DEMO_EXTENSIONS.append(seed_metrics_history)
if _refresh_after_demo not in DEMO_FINISHERS:
    DEMO_FINISHERS.append(_refresh_after_demo)
