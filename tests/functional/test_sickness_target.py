"""A trust's sickness absence target (issue 14): its nursing director (or an admin) sets it on a page or
through the API; a value outside 0 to 100, or with more than 2 decimal places, is refused with the reason
and nothing is written. What was written is read back in a session of its own, on the connection the
requests used: never in the test's session, whose identity map could show what a request undid."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from passport.audit.models import AuditEvent
from passport.auth.models import Role
from passport.metrics.operations import check_sickness_target
from passport.trusts.operations import list_trusts
from tests.conftest import sign_in
from tests.functional.test_form_error_pattern import assert_error_pattern
from tests.support.factories import UserFactory

PAGE = "/metrics/sickness-target"
FIELD = "sickness_target_percent"
TARGET_EVENTS = ("trust.sickness_target_set", "trust.sickness_target_cleared")


def stored(connection: Any) -> dict[str, Decimal | None]:
    """Every trust's target as the dashboard reads the trusts (list_trusts), in a fresh session."""
    with Session(bind=connection, join_transaction_mode="create_savepoint") as fresh:
        return {trust.ods_code: trust.sickness_target_percent for trust in list_trusts(fresh)}


def target_events(connection: Any) -> list[tuple[str, str, dict[str, Any]]]:
    with Session(bind=connection, join_transaction_mode="create_savepoint") as fresh:
        rows = fresh.execute(
            select(AuditEvent.action, AuditEvent.actor_label, AuditEvent.details)
            .where(AuditEvent.action.in_(TARGET_EVENTS))
            .order_by(AuditEvent.id)
        )
        return [(action, actor, details) for action, actor, details in rows]


def signed_in(client: Any, role: Role, trust: Any) -> Any:
    user = UserFactory(role=role, trust=trust)
    sign_in(client, user)
    return user


def test_a_director_sets_and_clears_the_target_and_the_dashboard_has_it(client, connection, demo_trusts):
    rpg, _rv5 = demo_trusts
    director = signed_in(client, Role.DIRECTOR, rpg)
    page = client.get(PAGE)
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "Oxleas NHS Foundation Trust" in html and "There is no target." in html
    assert "Leave empty for no target." in html and 'href="/metrics?scope=RPG"' in html  # the back link

    answer = client.post(PAGE, data={FIELD: "4.5"})
    assert answer.status_code == 302 and answer.headers["Location"] == "/metrics?scope=RPG"
    assert stored(connection) == {"RPG": Decimal("4.50"), "RV5": None}
    dashboard = client.get(answer.headers["Location"])
    assert dashboard.status_code == 200
    assert "The sickness absence target for Oxleas NHS Foundation Trust is now 4.5%." in dashboard.get_data(
        as_text=True
    )
    shown = client.get(PAGE).get_data(as_text=True)
    assert 'value="4.5"' in shown and "The target is <strong>4.5%</strong>." in shown

    cleared = client.post(f"{PAGE}?scope=RPG", data={FIELD: ""})
    assert cleared.status_code == 302 and cleared.headers["Location"] == "/metrics?scope=RPG"
    assert stored(connection) == {"RPG": None, "RV5": None}
    assert "has no sickness absence target now" in client.get("/metrics?scope=RPG").get_data(as_text=True)

    assert target_events(connection) == [
        (
            "trust.sickness_target_set",
            director.email,
            {"ods_code": "RPG", "sickness_target_percent": "4.50", "previous": None},
        ),
        (
            "trust.sickness_target_cleared",
            director.email,
            {"ods_code": "RPG", "sickness_target_percent": None, "previous": "4.50"},
        ),
    ]
    # Saving the target it already has changes and records nothing.
    assert client.post(PAGE, data={FIELD: ""}).status_code == 302
    assert len(target_events(connection)) == 2


@pytest.mark.parametrize(
    ("typed", "kept"),
    [
        ("0", Decimal("0.00")),
        ("100", Decimal("100.00")),
        ("-0", Decimal("0.00")),
        ("4.25%", Decimal("4.25")),
        ("4.500", Decimal("4.50")),
    ],
)
def test_the_ends_of_the_range_and_two_places_are_accepted(client, connection, demo_trusts, typed, kept):
    signed_in(client, Role.DIRECTOR, demo_trusts[0])
    assert client.post(PAGE, data={FIELD: typed}).status_code == 302
    assert stored(connection)["RPG"] == kept


@pytest.mark.parametrize(
    ("typed", "words"),
    [
        ("-0.1", "Enter a target between 0 and 100"),
        ("100.01", "Enter a target between 0 and 100"),
        ("abc", "Enter the target as a number"),
        ("NaN", "Enter the target as a number"),
        ("4.555", "no more than 2 decimal places"),
    ],
)
def test_a_bad_target_is_refused_with_the_reason_and_nothing_is_written(
    client, session, connection, demo_trusts, typed, words
):
    rpg, _rv5 = demo_trusts
    signed_in(client, Role.DIRECTOR, rpg)
    assert client.post(PAGE, data={FIELD: "3.5"}).status_code == 302
    before = target_events(connection)

    answer = client.post(PAGE, data={FIELD: typed})
    assert_error_pattern(answer, {FIELD: words}, {FIELD: typed})
    assert stored(connection) == {"RPG": Decimal("3.50"), "RV5": None}
    assert target_events(connection) == before


def test_another_trust_s_director_is_refused(client, connection, demo_trusts):
    rpg, rv5 = demo_trusts
    signed_in(client, Role.DIRECTOR, rv5)
    assert client.get(f"{PAGE}?scope=RPG").status_code == 403
    assert client.post(f"{PAGE}?scope=RPG", data={FIELD: "4"}).status_code == 403
    assert client.post(PAGE, data={"scope": "RPG", FIELD: "4"}).status_code == 403  # the form's field too
    assert client.put("/api/v1/trusts/RPG/sickness-target", json={FIELD: 4}).status_code == 403
    assert client.get("/api/v1/trusts/RPG/sickness-target").status_code == 403
    assert stored(connection) == {"RPG": None, "RV5": None}
    assert client.post(PAGE, data={FIELD: "3.9"}).status_code == 302  # its own trust, RV5
    assert stored(connection) == {"RPG": None, "RV5": Decimal("3.90")}


@pytest.mark.parametrize("role", [Role.HR, Role.NURSE, Role.ASSESSOR])
def test_hr_and_staff_are_refused(client, connection, demo_trusts, role):
    signed_in(client, role, demo_trusts[0])
    assert client.get(PAGE).status_code == 403
    assert client.post(PAGE, data={FIELD: "4"}).status_code == 403
    assert client.put("/api/v1/trusts/RPG/sickness-target", json={FIELD: 4}).status_code == 403
    assert stored(connection) == {"RPG": None, "RV5": None}
    # HR see their trust's figures, the target among them; nurses and assessors do not.
    expected = 200 if role is Role.HR else 403
    assert client.get("/api/v1/trusts/RPG/sickness-target").status_code == expected


def test_an_admin_sets_any_trust_s_target_and_chooses_the_trust(client, connection, demo_trusts):
    signed_in(client, Role.ADMIN, None)
    page = client.get(PAGE).get_data(as_text=True)
    assert 'name="scope"' in page  # the trusts to choose from
    assert client.get(f"{PAGE}?scope=rv5").status_code == 200
    answer = client.post(f"{PAGE}?scope=RV5", data={FIELD: "4"})
    assert answer.status_code == 302 and answer.headers["Location"] == "/metrics?scope=RV5"
    assert client.get(f"{PAGE}?scope=XYZ").status_code == 404
    assert stored(connection) == {"RPG": None, "RV5": Decimal("4.00")}


def test_the_api_reads_sets_and_clears_the_target(client, connection, demo_trusts):
    rpg, _rv5 = demo_trusts
    director = signed_in(client, Role.DIRECTOR, rpg)
    url = "/api/v1/trusts/RPG/sickness-target"
    assert client.get(url).get_json() == {"trust": "RPG", FIELD: None}
    answer = client.put(url, json={FIELD: 4.5})
    assert answer.status_code == 200 and answer.get_json() == {"trust": "RPG", FIELD: 4.5}
    assert client.get(url).get_json() == {"trust": "RPG", FIELD: 4.5}
    assert stored(connection)["RPG"] == Decimal("4.50")
    assert client.put(url.lower(), json={FIELD: 0}).get_json() == {"trust": "RPG", FIELD: 0.0}
    assert client.put(url, json={FIELD: None}).get_json() == {"trust": "RPG", FIELD: None}
    assert stored(connection)["RPG"] is None
    assert [(action, actor) for action, actor, _details in target_events(connection)] == [
        ("trust.sickness_target_set", director.email),
        ("trust.sickness_target_set", director.email),
        ("trust.sickness_target_cleared", director.email),
    ]
    assert client.put("/api/v1/trusts/ZZZ/sickness-target", json={FIELD: 4}).status_code == 404


@pytest.mark.parametrize(
    ("body", "words"),
    [
        ({FIELD: -0.1}, "between 0 and 100"),
        ({FIELD: 100.01}, "between 0 and 100"),
        ({FIELD: 4.555}, "no more than 2 decimal places"),
        ({FIELD: "abc"}, "as a number"),
        ({FIELD: "4.5"}, "as a number"),
        ({FIELD: True}, "as a number"),
        ({}, "Missing data"),
        ({FIELD: 4, "other": 1}, ""),
    ],
)
def test_the_api_refuses_a_bad_target_naming_the_field(client, connection, demo_trusts, body, words):
    signed_in(client, Role.DIRECTOR, demo_trusts[0])
    url = "/api/v1/trusts/RPG/sickness-target"
    assert client.put(url, json={FIELD: 3}).status_code == 200
    before = target_events(connection)
    answer = client.put(url, json=body)
    assert answer.status_code == 422, answer.get_json()
    problem = answer.get_json()
    assert answer.mimetype == "application/problem+json" and problem["status"] == 422
    fields = {error["field"]: error["message"] for error in problem["errors"]}
    name = "other" if "other" in body else FIELD
    assert name in fields and words in fields[name], problem
    assert stored(connection)["RPG"] == Decimal("3.00")
    assert target_events(connection) == before


def test_the_database_refuses_a_target_outside_0_to_100(session, demo_trusts):
    """The check constraint the migration made, on SQLite as on PostgreSQL: the last guard."""
    from passport.trusts.models import Trust

    for bad in (Decimal("-0.01"), Decimal("100.01")):
        with pytest.raises(IntegrityError), session.begin_nested():
            session.execute(update(Trust).where(Trust.ods_code == "RPG").values(sickness_target_percent=bad))
    session.execute(update(Trust).where(Trust.ods_code == "RPG").values(sickness_target_percent=Decimal(100)))
    assert session.scalar(select(func.max(Trust.sickness_target_percent))) == Decimal("100.00")


@pytest.mark.parametrize(
    ("given", "kept"),
    [
        (None, None),
        (Decimal("0"), Decimal("0.00")),
        (Decimal("-0"), Decimal("0.00")),
        (Decimal("1E+2"), Decimal("100.00")),
        (Decimal("4.500"), Decimal("4.50")),
        (Decimal("99.99"), Decimal("99.99")),
    ],
)
def test_check_sickness_target_keeps_hundredths(given, kept):
    assert check_sickness_target(given) == kept


@pytest.mark.parametrize("given", ["-0.01", "100.001", "4.555", "0.001", "NaN", "sNaN", "Infinity", "1E+3"])
def test_check_sickness_target_refuses_naming_the_field(given):
    from passport.errors import InvalidInput

    with pytest.raises(InvalidInput) as refused:
        check_sickness_target(Decimal(given))
    assert list(refused.value.errors) == [FIELD]
