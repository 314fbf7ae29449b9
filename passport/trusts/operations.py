"""The partnership, its trusts and staff records."""

from __future__ import annotations

import re

from sqlalchemy import select
from sqlalchemy.orm import Session

from passport.audit.operations import record_event
from passport.errors import Conflict, InvalidInput, NotFound
from passport.trusts.models import Partnership, StaffMember, Trust

# ODS codes of NHS trusts are three characters (letter then two letters or digits); sites add two digits.
ODS_CODE = re.compile(r"^[A-Z][A-Z0-9]{2}([A-Z0-9]{2})?$")
NMC_PIN = re.compile(r"^\d{2}[A-Z]\d{4}[A-Z]$")
DEFAULT_PARTNERSHIP = ("SLP", "South London Partnership")


def the_partnership(session: Session) -> Partnership:
    """The service runs one partnership; it is made on first use."""
    partnership = session.scalar(select(Partnership).order_by(Partnership.id).limit(1))
    if partnership is None:
        code, name = DEFAULT_PARTNERSHIP
        partnership = Partnership(code=code, name=name)
        session.add(partnership)
        session.flush()
    return partnership


def normalise_ods_code(ods_code: str) -> str:
    code = ods_code.strip().upper()
    if not ODS_CODE.match(code):
        raise InvalidInput(f"{ods_code!r} is not an ODS organisation code (such as RPG).", field="ods_code")
    return code


def find_trust(session: Session, ods_code: str) -> Trust | None:
    return session.scalar(select(Trust).where(Trust.ods_code == ods_code.strip().upper()))


def get_trust(session: Session, ods_code: str) -> Trust:
    trust = find_trust(session, ods_code)
    if trust is None:
        raise NotFound(f"There is no trust with ODS code {ods_code.strip().upper()!r} in the partnership.")
    return trust


def list_trusts(session: Session) -> list[Trust]:
    return list(session.scalars(select(Trust).order_by(Trust.ods_code)))


def create_trust(session: Session, ods_code: str, name: str, *, actor: object = "system") -> Trust:
    code = normalise_ods_code(ods_code)
    name = name.strip()
    if not name or len(name) > 200:
        raise InvalidInput("A trust needs a name of 1 to 200 characters.", field="name")
    if find_trust(session, code) is not None:
        raise Conflict(f"Trust {code} is already in the partnership.", field="ods_code")
    trust = Trust(ods_code=code, name=name, partnership=the_partnership(session))
    session.add(trust)
    session.flush()
    record_event(
        session,
        actor=actor,
        action="trust.created",
        record_type="trust",
        record_id=trust.id,
        trust_id=trust.id,
        details={"ods_code": code, "name": name},
    )
    return trust


def normalise_nmc_pin(pin: str | None) -> str | None:
    if pin is None or not pin.strip():
        return None
    value = pin.strip().upper().replace(" ", "")
    if not NMC_PIN.match(value):
        raise InvalidInput(
            f"{pin!r} is not an NMC PIN (two digits, a letter, four digits, a letter).", field="nmc_pin"
        )
    return value


def create_staff_member(
    session: Session,
    *,
    trust: Trust,
    given_name: str,
    family_name: str,
    email: str,
    nmc_pin: str | None = None,
    actor: object = "system",
) -> StaffMember:
    email = email.strip().lower()
    if session.scalar(select(StaffMember.id).where(StaffMember.email == email)) is not None:
        raise Conflict(f"There is already a staff record for {email}.", field="email")
    pin = normalise_nmc_pin(nmc_pin)
    if pin and session.scalar(select(StaffMember.id).where(StaffMember.nmc_pin == pin)) is not None:
        raise Conflict(f"NMC PIN {pin} already belongs to another staff record.", field="nmc_pin")
    member = StaffMember(
        trust_id=trust.id,
        given_name=given_name.strip(),
        family_name=family_name.strip(),
        email=email,
        nmc_pin=pin,
    )
    session.add(member)
    session.flush()
    record_event(
        session,
        actor=actor,
        action="staff.created",
        record_type="staff_member",
        record_id=member.id,
        trust_id=trust.id,
    )
    return member
