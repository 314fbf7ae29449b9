"""Choosing a person by name: the one way HR pick whom a credential, a fit check or a secondment is for.

A person types a name (any part of the given and family names, in any order: "smith jo", "Jo Smi") or an
email address. An email address is looked up exactly, as before, and the operation that follows decides
whether the user may act on that person. A name is searched only among the people the task is about
(``PersonScope``), so a search never shows anyone the user could not already reach:

- ``OWN_STAFF``: the staff records of the user's trust (issuing a credential, a fit check). People seconded
  into the trust are reached by their email address, as their home trust owns their record.
- ``PARTNER_STAFF``: the staff records of the partnership's other trusts (proposing a secondment into
  the user's trust is about someone employed elsewhere). Names and trusts only, never more of the record.

One match is the person; several are offered as a choice (``SeveralPeople``: the form shows them as
radios, which needs no JavaScript); none is a field error naming what was typed. With JavaScript, the
field suggests names as they are typed (``suggestions``, served at /people/suggestions), at most
``MAX_SUGGESTIONS`` from ``MIN_SEARCH`` characters.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass

from sqlalchemy import Select, false, func, or_, select
from sqlalchemy.orm import Session, joinedload

from passport.auth.models import UserAccount
from passport.errors import InvalidInput
from passport.trusts.models import StaffMember

MAX_SUGGESTIONS = 10
MAX_CHOICES = 20
MIN_SEARCH = 2


class PersonScope(enum.StrEnum):
    OWN_STAFF = "own-staff"
    PARTNER_STAFF = "partner-staff"

    @property
    def words(self) -> str:
        return "your trust's staff" if self is PersonScope.OWN_STAFF else "the partner trusts' staff"


@dataclass(frozen=True, slots=True)
class Candidate:
    """A person as a picker shows them: enough to tell two people of one name apart, nothing more."""

    staff_member_id: int
    name: str
    email: str
    trust_name: str

    @classmethod
    def of(cls, member: StaffMember) -> Candidate:
        return cls(member.id, member.full_name, member.email, member.trust.name)


class SeveralPeople(InvalidInput):
    """More than one person matches: the form offers them (``candidates``) to choose from."""

    def __init__(self, message: str, *, field: str, candidates: list[Candidate]):
        super().__init__(message, field=field)
        self.candidates = candidates


def _in_scope(user: UserAccount, scope: PersonScope) -> Select:
    query = select(StaffMember).options(joinedload(StaffMember.trust))
    if user.trust_id is None:  # partnership accounts hold no staff of their own and propose nothing
        return query.where(false())
    if scope is PersonScope.OWN_STAFF:
        return query.where(StaffMember.trust_id == user.trust_id)
    return query.where(StaffMember.trust_id != user.trust_id)


def _name_matches(text: str) -> list:
    """Each word typed appears in the given or the family name (case-insensitive)."""
    conditions = []
    for word in text.split():
        pattern = "%" + word.lower().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
        conditions.append(
            or_(
                func.lower(StaffMember.given_name).like(pattern, escape="\\"),
                func.lower(StaffMember.family_name).like(pattern, escape="\\"),
            )
        )
    return conditions


def matching_people(
    session: Session, user: UserAccount, scope: PersonScope, text: str, *, limit: int
) -> list[StaffMember]:
    """People in ``scope`` whose name holds every word of ``text``, by family then given name."""
    words = (text or "").strip()
    if len(words) < MIN_SEARCH:
        return []
    if "@" in words:  # the start of an email address
        query = _in_scope(user, scope).where(StaffMember.email.startswith(words.lower(), autoescape=True))
    else:
        query = _in_scope(user, scope).where(*_name_matches(words))
    return list(
        session.scalars(
            query.order_by(StaffMember.family_name, StaffMember.given_name, StaffMember.id).limit(limit)
        )
    )


def suggestions(session: Session, user: UserAccount, scope: PersonScope, text: str) -> list[Candidate]:
    return [Candidate.of(m) for m in matching_people(session, user, scope, text, limit=MAX_SUGGESTIONS)]


def choose_person(
    session: Session, user: UserAccount, scope: PersonScope, text: str, *, field: str
) -> StaffMember:
    """The one person ``text`` names (see the module's note), or an error on ``field`` saying why not."""
    typed = (text or "").strip()
    if not typed:
        raise InvalidInput("Enter the person's name or email address.", field=field)
    if "@" in typed:
        member = session.scalar(select(StaffMember).where(StaffMember.email == typed.lower()))
        if member is None:
            raise InvalidInput(f"There is no staff record for {typed}.", field=field)
        return member
    if len(typed) < MIN_SEARCH:
        raise InvalidInput(f"Enter at least {MIN_SEARCH} letters of the person's name.", field=field)
    found = matching_people(session, user, scope, typed, limit=MAX_CHOICES + 1)
    if not found:
        raise InvalidInput(
            f"No one in {scope.words} has a name matching {typed}. Check the spelling, or enter their email "
            "address.",
            field=field,
        )
    if len(found) == 1:
        return found[0]
    if len(found) > MAX_CHOICES:
        raise InvalidInput(
            f"More than {MAX_CHOICES} people in {scope.words} match {typed}: enter more of the name, or "
            "their email address.",
            field=field,
        )
    raise SeveralPeople(
        f"{len(found)} people in {scope.words} match {typed}: choose one.",
        field=field,
        candidates=[Candidate.of(m) for m in found],
    )
