"""The demo partnership: the South London Partnership with synthetic people.

Idempotent: running it again adds only what is missing. Features add their demo data through
``DEMO_EXTENSIONS`` so this module stays ignorant of them.
"""

from __future__ import annotations

import hashlib
import random
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from passport.auth.models import Role, UserAccount
from passport.auth.operations import create_user, find_user_by_email
from passport.trusts.models import StaffMember, Trust
from passport.trusts.operations import create_staff_member, create_trust, find_trust

DEMO_TRUSTS = [
    ("RPG", "Oxleas NHS Foundation Trust"),
    ("RV5", "South London and Maudsley NHS Foundation Trust"),
    ("RQY", "South West London and St George's Mental Health NHS Trust"),
]
ADMIN_EMAIL = "admin@partnership.example"
NURSES_PER_TRUST = 12

_GIVEN = [
    "Amara",
    "Bethany",
    "Chloe",
    "Dami",
    "Esther",
    "Fatima",
    "Grace",
    "Hannah",
    "Ifeoma",
    "Joanne",
    "Kemi",
    "Laura",
    "Mei",
    "Niamh",
    "Olivia",
    "Priya",
    "Rosa",
    "Sade",
    "Tomasz",
    "Uche",
    "Victor",
    "Wendy",
    "Yusuf",
    "Zofia",
    "Aaron",
    "Ben",
    "Callum",
    "Daniel",
]
_FAMILY = [
    "Adeyemi",
    "Brown",
    "Campbell",
    "Dlamini",
    "Evans",
    "Fernandes",
    "Green",
    "Hughes",
    "Ibrahim",
    "Jones",
    "Kowalski",
    "Lewis",
    "Mensah",
    "Nowak",
    "Okafor",
    "Patel",
    "Quinn",
    "Reid",
    "Singh",
    "Taylor",
    "Usman",
    "Varga",
    "Williams",
    "Yilmaz",
]


@dataclass
class DemoReport:
    trusts_added: int = 0
    users_added: int = 0
    staff_added: int = 0
    notes: list[str] = field(default_factory=list)


DemoExtension = Callable[[Session, DemoReport], None]
DEMO_EXTENSIONS: list[DemoExtension] = []
# Steps that need every extension's data in place first (such as counting the dashboards).
DEMO_FINISHERS: list[DemoExtension] = []


def demo_email(role: Role, ods_code: str) -> str:
    return f"{role.value}@{ods_code.lower()}.example"


def _nmc_pin(rng: random.Random) -> str:
    letters = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
    return f"{rng.randint(0, 99):02d}{rng.choice(letters)}{rng.randint(0, 9999):04d}{rng.choice(letters)}"


def _ensure_trust(session: Session, ods_code: str, name: str, report: DemoReport) -> Trust:
    trust = find_trust(session, ods_code)
    if trust is None:
        trust = create_trust(session, ods_code, name, actor="seed-demo")
        report.trusts_added += 1
    return trust


def demo_date_of_birth(email: str) -> date:
    """A plausible date of birth for a demo person (aged 21 to 66 in 2026), the same on every run: taken
    from the email address, so the demo's other random choices are unchanged."""
    seed = int.from_bytes(hashlib.sha256(email.encode()).digest()[:4], "big")
    return date(1960 + seed % 45, 1, 1).replace(month=1 + seed // 45 % 12, day=1 + seed // 540 % 28)


def _ensure_staff(
    session: Session, trust: Trust, email: str, given: str, family: str, pin: str | None, report: DemoReport
) -> StaffMember:
    member = session.scalar(select(StaffMember).where(StaffMember.email == email))
    if member is None:
        member = create_staff_member(
            session,
            trust=trust,
            given_name=given,
            family_name=family,
            email=email,
            nmc_pin=pin,
            actor="seed-demo",
        )
        member.date_of_birth = demo_date_of_birth(email)
        report.staff_added += 1
    return member


def _ensure_user(
    session: Session,
    *,
    email: str,
    name: str,
    roles: set[Role],
    trust: Trust | None,
    password: str,
    report: DemoReport,
    staff: StaffMember | None = None,
) -> UserAccount:
    user = find_user_by_email(session, email)
    if user is None:
        user = create_user(
            session,
            email=email,
            display_name=name,
            password=password,
            roles=roles,
            trust_id=trust.id if trust else None,
            staff_member_id=staff.id if staff else None,
            actor="seed-demo",
        )
        report.users_added += 1
    return user


def seed_demo(session: Session, password: str) -> DemoReport:
    report = DemoReport()
    rng = random.Random(20261123)  # fixed seed: the same demo people on every machine
    _ensure_user(
        session,
        email=ADMIN_EMAIL,
        name="Partnership Admin",
        roles={Role.ADMIN},
        trust=None,
        password=password,
        report=report,
    )
    for ods_code, trust_name in DEMO_TRUSTS:
        trust = _ensure_trust(session, ods_code, trust_name, report)
        for role in Role:
            if role is Role.ADMIN:
                continue
            email = demo_email(role, ods_code)
            staff = None
            if role in (Role.NURSE, Role.ASSESSOR):
                given, family = rng.choice(_GIVEN), rng.choice(_FAMILY)
                staff = _ensure_staff(session, trust, email, given, family, _nmc_pin(rng), report)
                name = staff.full_name
            else:
                name = f"{role.label} at {ods_code}"
            _ensure_user(
                session,
                email=email,
                name=name,
                roles={role},
                trust=trust,
                password=password,
                report=report,
                staff=staff,
            )
        for number in range(1, NURSES_PER_TRUST + 1):
            given, family = rng.choice(_GIVEN), rng.choice(_FAMILY)
            email = f"{given.lower()}.{family.lower()}.{number}@{ods_code.lower()}.example"
            _ensure_staff(session, trust, email, given, family, _nmc_pin(rng), report)
    for extend in DEMO_EXTENSIONS:
        extend(session, report)
    for finish in DEMO_FINISHERS:
        finish(session, report)
    return report
