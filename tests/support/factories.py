"""factory_boy factories for every model. Users share one precomputed password hash, because hashing a
password with argon2 for every test user would dominate the suite's run time."""

from __future__ import annotations

import factory
from sqlalchemy.orm import Session

from passport.audit.models import AuditEvent
from passport.auth.models import ApiToken, Role, UserAccount, UserRole
from passport.auth.operations import _hasher
from passport.trusts.models import Partnership, StaffMember, Trust

DEFAULT_PASSWORD = "correct-horse-battery-staple"
_DEFAULT_HASH = _hasher.hash(DEFAULT_PASSWORD)


class _Base(factory.alchemy.SQLAlchemyModelFactory):
    class Meta:
        abstract = True
        sqlalchemy_session_persistence = "flush"


class PartnershipFactory(_Base):
    class Meta:
        model = Partnership
        sqlalchemy_get_or_create = ("code",)

    code = "SLP"
    name = "South London Partnership"


class TrustFactory(_Base):
    class Meta:
        model = Trust
        sqlalchemy_get_or_create = ("ods_code",)

    partnership = factory.SubFactory(PartnershipFactory)
    ods_code = factory.Sequence(lambda n: f"T{n:02d}")
    name = factory.LazyAttribute(lambda o: f"Test Trust {o.ods_code}")


class StaffMemberFactory(_Base):
    class Meta:
        model = StaffMember

    trust = factory.SubFactory(TrustFactory)
    given_name = factory.Faker("first_name")
    family_name = factory.Faker("last_name")
    email = factory.Sequence(lambda n: f"staff{n}@example.test")
    nmc_pin = factory.Sequence(lambda n: f"{n % 100:02d}A{n % 10000:04d}B")


class UserFactory(_Base):
    class Meta:
        model = UserAccount

    class Params:
        role = Role.NURSE

    email = factory.Sequence(lambda n: f"user{n}@example.test")
    display_name = factory.Faker("name")
    password_hash = _DEFAULT_HASH
    trust = factory.SubFactory(TrustFactory)
    active = True
    session_version = 1
    role_rows = factory.LazyAttribute(lambda o: [UserRole(role=o.role)])


class ApiTokenFactory(_Base):
    class Meta:
        model = ApiToken

    user = factory.SubFactory(UserFactory)
    name = "test token"
    prefix = "sp_test"
    token_hash = factory.Sequence(lambda n: f"{n:064x}")


class AuditEventFactory(_Base):
    class Meta:
        model = AuditEvent

    actor_label = "someone@example.test"
    action = "test.event"
    details = factory.LazyFunction(dict)


ALL_FACTORIES: list[type[_Base]] = [
    PartnershipFactory,
    TrustFactory,
    StaffMemberFactory,
    UserFactory,
    ApiTokenFactory,
    AuditEventFactory,
]


def register(*factories_to_bind: type[_Base]) -> None:
    """Feature test modules add their factories so ``bind`` reaches them too."""
    for item in factories_to_bind:
        if item not in ALL_FACTORIES:
            ALL_FACTORIES.append(item)


def bind(session: Session) -> None:
    for item in ALL_FACTORIES:
        item._meta.sqlalchemy_session = session


def user_with_role(role: Role, trust: Trust | None, **kwargs) -> UserAccount:  # type: ignore[no-untyped-def]
    return UserFactory(role=role, trust=trust, **kwargs)
