"""The metrics through their interfaces: the JSON API, the CLI and the published-figures import."""

from __future__ import annotations

import io
import json
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
from sqlalchemy import func, select

from passport.auth.models import Role
from passport.metrics import snapshots
from passport.metrics.models import DashboardSnapshot, PublishedSickness, RollupState
from passport.metrics.queries import month_index
from passport.trusts.models import Trust
from passport.trusts.operations import find_trust
from tests.conftest import sign_in
from tests.support.factories import StaffMemberFactory, UserFactory
from tests.support.workforce_factories import AbsenceFactory, AssignmentFactory

PUBLISHED = Path(__file__).resolve().parents[2].parent / "shared" / "data" / "nhs-sickness-absence"
APRIL = PUBLISHED / "nhs_sickness_absence_2024-04.csv"


@pytest.fixture
def published_april() -> Path:
    """The real published April 2024 figures: a test needing them fails (never skips) without them."""
    assert APRIL.exists(), f"{APRIL} is missing: these tests need ../shared/data"
    return APRIL


@pytest.fixture
def records(session, demo_trusts):  # type: ignore[no-untyped-def]
    """Twelve full-time nurses at RPG from April 2024 (360 FTE days in April); one off sick 2-3 April.
    Six at RV5 (fewer, and RPG's figures would be within 1 to 4 people of the partnership's, and
    withheld), one off sick 1-10 April."""
    rpg, rv5 = demo_trusts
    made = [
        AssignmentFactory(staff_member=StaffMemberFactory(trust=rpg), start_date=date(2024, 4, 1))
        for _ in range(12)
    ]
    AbsenceFactory(
        assignment=made[0], first_day=date(2024, 4, 2), last_day=date(2024, 4, 3), reason_code="S10"
    )
    other, *_ = [
        AssignmentFactory(staff_member=StaffMemberFactory(trust=rv5), start_date=date(2024, 4, 1))
        for _ in range(6)
    ]
    AbsenceFactory(
        assignment=other, first_day=date(2024, 4, 1), last_day=date(2024, 4, 10), reason_code="S11"
    )
    return made


def _signed_in(client, role, trust):  # type: ignore[no-untyped-def]
    user = UserFactory(role=role, trust=trust)
    sign_in(client, user)
    return user


def test_api_sickness_rows_for_own_trust(client, records, demo_trusts):
    _signed_in(client, Role.DIRECTOR, demo_trusts[0])
    response = client.get("/api/v1/metrics/sickness?trust=RPG&from=2024-04&to=2024-04&by=month")
    assert response.status_code == 200
    # 2 days lost of 12 x 30 = 360 available: 0.56%
    assert response.json == [
        {
            "period": "2024-04",
            "trust": "RPG",
            "month": "2024-04",
            "fte_days_lost": 2.0,
            "fte_days_available": 360.0,
            "rate_percent": 0.56,
        }
    ]


def test_api_partnership_by_trust_suppresses_small_cells(client, records, demo_trusts):
    _signed_in(client, Role.DIRECTOR, demo_trusts[0])
    response = client.get("/api/v1/metrics/sickness?partnership=true&from=2024-04&to=2024-04&by=trust")
    assert response.status_code == 200
    rows = {row["trust"]: row for row in response.json}
    assert rows["RPG"]["rate_percent"] == 0.56
    # RV5: six nurses, 180 FTE days available: too few days, the rate suppressed.
    assert rows["RV5"] == {
        "period": "2024-04",
        "partnership": "SLP",
        "trust": "RV5",
        "fte_days_lost": None,
        "fte_days_available": 180.0,
        "rate_percent": None,
    }


@pytest.mark.parametrize(
    ("query", "field", "words"),
    [
        ("trust=RPG&from=2024-06&to=2024-04", "to", "ends"),
        ("trust=ZZZ&from=2024-04&to=2024-04", "trust", "no trust"),
        ("trust=RPG&from=2024-04&to=2024-04&by=month,ward", "by", "ward"),
        ("trust=RPG&partnership=true&from=2024-04&to=2024-04", "trust", "not both"),
        ("trust=RPG&from=2024-13&to=2024-14", "from", "YYYY-MM"),
        # Several values together could be subtracted from one another (docs/metrics.md "Small numbers").
        (
            "trust=RPG&from=2024-04&to=2024-04&staff_group=NMR&staff_group=AC",
            "staff_group",
            "one staff group",
        ),
        ("trust=RPG&from=2024-04&to=2024-04&band=5&band=6", "band", "one band at a time"),
    ],
)
def test_api_bad_input_is_a_clear_422(client, demo_trusts, query, field, words):
    _signed_in(client, Role.ADMIN, None)
    response = client.get(f"/api/v1/metrics/leavers?{query}")
    assert response.status_code == 422, response.json
    assert response.mimetype == "application/problem+json"
    problems = {item["field"]: item["message"] for item in response.json["errors"]}
    assert field in problems and words in problems[field], response.json


def test_api_period_after_the_records_is_refused(client, records, demo_trusts):
    _signed_in(client, Role.DIRECTOR, demo_trusts[0])
    # The records end in April 2024 (the assignments start and the absences fall then).
    response = client.get("/api/v1/metrics/sickness?trust=RPG&from=2024-05&to=2024-06")
    assert response.status_code == 422, response.json
    problems = {item["field"]: item["message"] for item in response.json["errors"]}
    assert problems == {"from": "The records end in April 2024: choose a period that starts by then."}
    partnership = client.get("/api/v1/metrics/leavers?partnership=true&from=2025-01&to=2025-01")
    assert partnership.status_code == 422
    # A period that starts by then may run past it.
    assert client.get("/api/v1/metrics/sickness?trust=RPG&from=2024-04&to=2024-06").status_code == 200


def test_api_period_is_not_refused_while_nothing_is_recorded(client, demo_trusts):
    _signed_in(client, Role.DIRECTOR, demo_trusts[0])
    response = client.get("/api/v1/metrics/sickness?trust=RPG&from=2030-01&to=2030-01")
    assert response.status_code == 200, response.json


def test_api_partnership_refused_to_hr(client, demo_trusts):
    _signed_in(client, Role.HR, demo_trusts[0])
    response = client.get("/api/v1/metrics/stability?partnership=true&from=2024-04&to=2024-04")
    assert response.status_code == 403


def _run(app, *args):  # type: ignore[no-untyped-def]
    return app.test_cli_runner().invoke(args=["passport", *args], catch_exceptions=False)


def test_cli_metrics_json_and_csv(app, records):
    result = _run(app, "metrics", "sickness", "--trust", "RPG", "--from", "2024-04", "--to", "2024-04")
    assert result.exit_code == 0, result.output
    assert json.loads(result.output) == [
        {
            "period": "2024-04",
            "trust": "RPG",
            "fte_days_lost": 2.0,
            "fte_days_available": 360.0,
            "rate_percent": 0.56,
        }
    ]
    result = _run(
        app,
        "metrics",
        "leavers",
        "--partnership",
        "--from",
        "2024-04",
        "--to",
        "2024-04",
        "--by",
        "trust",
        "--format",
        "csv",
    )
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert lines[0] == (
        "period,partnership,trust,leavers,average_headcount,rate_percent,leavers_fte,average_fte,fte_rate_percent"
    )
    assert "2024-04,SLP,RPG,0,12.0,0.0,0.0,12.0,0.0" in lines


def test_cli_metrics_period_after_the_records(app, records):
    result = app.test_cli_runner().invoke(
        args=["passport", "metrics", "sickness", "--trust", "RPG", "--from", "2025-01", "--to", "2025-02"]
    )
    assert result.exit_code == 1
    assert "The records end in April 2024: choose a period that starts by then." in result.output


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--trust", "RPG", "--from", "2024-05", "--to", "2024-04"], "ends (2024-04) before it starts"),
        (["--trust", "NOPE", "--from", "2024-04", "--to", "2024-04"], "no trust 'NOPE'"),
        (
            ["--partnership", "--from", "2024-04", "--to", "2024-04", "--by", "ward"],
            "ward is not a breakdown",
        ),
    ],
)
def test_cli_metrics_bad_input(app, demo_trusts, args, message):
    result = app.test_cli_runner().invoke(args=["passport", "metrics", "stability", *args])
    assert result.exit_code == 1
    assert message in result.output


def _published_count(session) -> int:  # type: ignore[no-untyped-def]
    return session.scalar(select(func.count()).select_from(PublishedSickness))


@pytest.mark.usefixtures("published_april")
def test_import_published_sickness_twice_is_harmless(app, session):
    first = _run(app, "import-published-sickness", str(APRIL))
    assert first.exit_code == 0, first.output
    count = _published_count(session)
    assert count > 200 and "added" in first.output
    oxleas = session.scalar(select(PublishedSickness).where(PublishedSickness.org_code == "RPG"))
    assert (oxleas.month, oxleas.fte_days_lost, oxleas.fte_days_available) == (
        date(2024, 4, 1),
        Decimal("6113.036260"),
        Decimal("129753.810810"),
    )
    again = _run(app, "import-published-sickness", str(APRIL))
    assert again.exit_code == 0 and f"0 added, 0 updated, {count} unchanged" in again.output
    assert _published_count(session) == count


@pytest.mark.parametrize(
    ("mangle", "message"),
    [
        (lambda text: text.replace(",FTE_DAYS_LOST", ",DAYS_LOST", 1), "missing the column FTE_DAYS_LOST"),
        (lambda text: text.replace("6113.03626", "lots", 1), "lots is not a number"),
    ],
)
@pytest.mark.usefixtures("published_april")
def test_bad_published_file_writes_nothing(app, session, tmp_path, mangle, message):
    bad = tmp_path / "bad.csv"
    bad.write_text(mangle(APRIL.read_text(encoding="utf-8")), encoding="utf-8")
    result = app.test_cli_runner().invoke(
        args=["passport", "import-published-sickness", str(APRIL), str(bad)]
    )
    assert result.exit_code == 1
    assert message in result.output and "Nothing was imported" in result.output
    assert _published_count(session) == 0


@pytest.mark.usefixtures("published_april")
def test_admin_upload_page(client, session):
    _signed_in(client, Role.ADMIN, None)
    bad = APRIL.read_bytes().replace(b"6113.03626", b"n/a", 1)
    response = client.post(
        "/admin/published-sickness",
        data={"file": (io.BytesIO(bad), "april.csv")},
        content_type="multipart/form-data",
    )
    assert response.status_code == 422
    assert b"n/a is not a number" in response.data
    assert _published_count(session) == 0
    # Several months at once: one bad file refuses them all, naming the file's problem.
    may = PUBLISHED / "nhs_sickness_absence_2024-05.csv"
    response = client.post(
        "/admin/published-sickness",
        data={"file": [(io.BytesIO(may.read_bytes()), "may.csv"), (io.BytesIO(bad), "april.csv")]},
        content_type="multipart/form-data",
    )
    assert response.status_code == 422
    assert b"n/a is not a number" in response.data
    assert _published_count(session) == 0
    response = client.post(
        "/admin/published-sickness",
        data={
            "file": [(io.BytesIO(APRIL.read_bytes()), "april.csv"), (io.BytesIO(may.read_bytes()), "may.csv")]
        },
        content_type="multipart/form-data",
    )
    assert response.status_code == 302
    months = session.scalars(select(PublishedSickness.month).distinct().order_by(PublishedSickness.month))
    assert list(months) == [date(2024, 4, 1), date(2024, 5, 1)]
    assert _published_count(session) > 400
    page = client.get("/admin/published-sickness").data
    assert b"2024-04" in page and b"2024-05" in page


def test_cli_refresh_dashboards_keeps_the_usual_dashboards(app, session, records):
    result = _run(app, "refresh-dashboards")
    assert result.exit_code == 0, result.output
    kept = session.scalar(select(func.count()).select_from(DashboardSnapshot))
    # The partnership's, and each of its trusts' alone and side by side.
    trusts = session.scalar(select(func.count()).select_from(Trust))
    assert kept == 1 + 2 * trusts
    assert f"Counted and kept {kept} dashboards" in result.output


def test_cli_refresh_dashboards_all_counts_the_rollups_again_even_when_current(app, session, records):
    assert _run(app, "refresh-dashboards").exit_code == 0
    built = {state.name: state.built_at for state in session.scalars(select(RollupState))}
    again = _run(app, "refresh-dashboards")  # current: the roll-ups are left as they are
    assert again.exit_code == 0, again.output
    session.expire_all()
    assert {state.name: state.built_at for state in session.scalars(select(RollupState))} == built
    recounted = _run(app, "refresh-dashboards", "--all")
    assert recounted.exit_code == 0, recounted.output
    session.expire_all()
    after = {state.name: state.built_at for state in session.scalars(select(RollupState))}
    assert after.keys() == built.keys() and all(after[name] > built[name] for name in built)


def test_cli_refresh_dashboards_keeps_a_trusts_dashboard_over_a_chosen_period(app, session, records):
    result = _run(app, "refresh-dashboards", "--trust", "rpg", "--from", "2024-04", "--to", "2024-04")
    assert result.exit_code == 0, result.output
    trusts = session.scalar(select(func.count()).select_from(Trust))
    kept = session.scalar(select(func.count()).select_from(DashboardSnapshot))
    assert kept == 1 + 2 * trusts + 2  # the usual ones, and RPG's April alone and side by side
    assert f"Counted and kept {kept} dashboards" in result.output
    april = month_index(date(2024, 4, 1))
    shown = snapshots.dashboard(session, find_trust(session, "RPG"), april, april)
    assert shown.counted_at is not None and shown.current, "served from the dashboard kept"
    assert (shown.board.period.first_month, shown.board.period.last_month) == (april, april)


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("--trust", "XYZ"), "There is no trust 'XYZ' in the partnership."),
        (("--trust", "RPG", "--from", "2025-01"), "The records end in April 2024"),
        (("--trust", "RPG", "--from", "2024-04", "--to", "2024-03"), "The period ends (2024-03) before"),
        (("--trust", "RPG", "--from", "April"), "'April' is not a month"),
        (("--from", "2024-04"), "give --trust too"),
        (("--trust", "RPG", "--queue"), "leave out --queue"),
    ],
)
def test_cli_refresh_dashboards_refuses_a_trust_or_period_it_cannot_count(
    app, session, records, args, message
):
    result = app.test_cli_runner().invoke(args=["passport", "refresh-dashboards", *args])
    assert result.exit_code == 1
    assert message in result.output
    session.expire_all()
    assert session.scalar(select(func.count()).select_from(DashboardSnapshot)) == 0
    assert session.scalar(select(func.count()).select_from(RollupState)) == 0
