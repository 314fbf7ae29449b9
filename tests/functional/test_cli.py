"""Operator commands, run through Flask's CLI runner against the test database."""

from __future__ import annotations

from decimal import Decimal

from sqlalchemy import func, select

from passport.auth.models import Role, UserAccount
from passport.trusts.models import StaffMember, Trust


def _run(app, *args, env=None):  # type: ignore[no-untyped-def]
    return app.test_cli_runner().invoke(args=["passport", *args], env=env, catch_exceptions=False)


def _count(session, model) -> int:  # type: ignore[no-untyped-def]
    return session.scalar(select(func.count()).select_from(model))


def test_seed_demo_makes_the_south_london_partnership_once(app, session):
    first = _run(app, "seed-demo")
    assert first.exit_code == 0, first.output
    trusts = {t.ods_code: t.name for t in session.scalars(select(Trust))}
    assert trusts == {
        "RPG": "Oxleas NHS Foundation Trust",
        "RV5": "South London and Maudsley NHS Foundation Trust",
        "RQY": "South West London and St George's Mental Health NHS Trust",
    }
    targets = {t.ods_code: t.sickness_target_percent for t in session.scalars(select(Trust))}
    assert targets == {"RPG": Decimal("4.50"), "RV5": Decimal("4.00"), "RQY": Decimal("4.20")}
    emails = set(session.scalars(select(UserAccount.email)))
    for ods in ("rpg", "rv5", "rqy"):
        assert {f"{role}@{ods}.example" for role in ("nurse", "hr", "assessor", "director")} <= emails
    assert "admin@partnership.example" in emails
    assert _count(session, StaffMember) >= 36
    counts = (_count(session, UserAccount), _count(session, StaffMember))
    again = _run(app, "seed-demo")
    assert again.exit_code == 0 and "0 trusts, 0 accounts and 0 staff records added" in again.output
    assert (_count(session, UserAccount), _count(session, StaffMember)) == counts


def test_demo_nurse_is_linked_to_her_staff_record(app, session):
    _run(app, "seed-demo")
    nurse = session.scalar(select(UserAccount).where(UserAccount.email == "nurse@rpg.example"))
    assert nurse.roles == {Role.NURSE}
    assert nurse.staff_member is not None and nurse.staff_member.trust.ods_code == "RPG"


def test_seed_demo_is_refused_in_production(app, session):
    settings = app.config["PASSPORT_SETTINGS"]
    app.config["PASSPORT_SETTINGS"] = settings.__class__(**{**settings.__dict__, "environment": "production"})
    try:
        result = app.test_cli_runner().invoke(args=["passport", "seed-demo"])
    finally:
        app.config["PASSPORT_SETTINGS"] = settings
    assert result.exit_code == 1
    assert "refused in production" in result.output
    assert _count(session, Trust) == 0


def test_create_trust_and_its_errors(app, session):
    assert "Added Kent Trust (RXY)" in _run(app, "create-trust", "rxy", "Kent Trust").output
    duplicate = app.test_cli_runner().invoke(args=["passport", "create-trust", "RXY", "Again"])
    assert duplicate.exit_code == 1 and "already in the partnership" in duplicate.output
    bad = app.test_cli_runner().invoke(args=["passport", "create-trust", "12345678", "Bad"])
    assert bad.exit_code == 1 and "not an ODS organisation code" in bad.output
    assert _count(session, Trust) == 1


def test_create_user_takes_the_password_from_the_environment(app, session):
    _run(app, "create-trust", "RPG", "Oxleas NHS Foundation Trust")
    result = _run(
        app,
        "create-user",
        "--email",
        "Ward.Manager@rpg.example",
        "--name",
        "Ward Manager",
        "--role",
        "hr",
        "--role",
        "assessor",
        "--trust",
        "RPG",
        env={"PASSPORT_NEW_USER_PASSWORD": "a-long-enough-password"},
    )
    assert result.exit_code == 0, result.output
    user = session.scalar(select(UserAccount).where(UserAccount.email == "ward.manager@rpg.example"))
    assert user.roles == {Role.HR, Role.ASSESSOR}
    short = app.test_cli_runner().invoke(
        args=[
            "passport",
            "create-user",
            "--email",
            "x@rpg.example",
            "--name",
            "X",
            "--role",
            "nurse",
            "--trust",
            "RPG",
        ],
        env={"PASSPORT_NEW_USER_PASSWORD": "short"},
    )
    assert short.exit_code == 1 and "at least 12 characters" in short.output


def test_deactivate_user(app, session):
    _run(app, "seed-demo")
    result = _run(app, "deactivate-user", "--email", "nurse@rv5.example")
    assert result.exit_code == 0
    user = session.scalar(select(UserAccount).where(UserAccount.email == "nurse@rv5.example"))
    assert user.active is False


def test_seed_demo_places_its_posts_in_directorates_and_wards(app, session):
    from passport.metrics.demo import ORGANISATION
    from passport.workforce.models import Assignment

    _run(app, "seed-demo")
    people = (
        select(
            Trust.ods_code,
            Assignment.directorate,
            Assignment.ward,
            func.count(Assignment.staff_member_id.distinct()),
        )
        .join(Trust, Trust.id == Assignment.trust_id)
        .where(Assignment.assignment_number.like("DM%"))
        .group_by(Trust.ods_code, Assignment.directorate, Assignment.ward)
    )
    found = {(ods, directorate, ward): n for ods, directorate, ward, n in session.execute(people)}
    expected = {(ods, d, w) for ods, by in ORGANISATION.items() for d, wards in by.items() for w in wards}
    assert set(found) == expected
    assert min(found.values()) >= 20  # every ward large enough for its figures to be shown
