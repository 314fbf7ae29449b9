"""Drill-down below a trust (issue 14): from the trust to a directorate to a ward to a cost centre and back
by links that keep the other filters in the URL, each level's figures counted by hand, small wards and
cost centres withheld, and a directorate, ward or cost centre the trust does not have refused with the
reason."""

from __future__ import annotations

import html
import re
from datetime import date
from decimal import Decimal

import pytest

from passport.auth.models import Role
from tests.conftest import sign_in
from tests.support.factories import StaffMemberFactory, UserFactory
from tests.support.workforce_factories import AbsenceFactory, AssignmentFactory

ADULT, CHILDREN = "Adult mental health", "Children and young people"
PERIOD = "from_month=2024-01&to_month=2024-12"


def _post(trust, directorate, ward, cost_centre=None):  # type: ignore[no-untyped-def]
    return AssignmentFactory(
        staff_member=StaffMemberFactory(trust=trust),
        start_date=date(2023, 1, 1),
        contracted_fte=Decimal("1"),
        directorate=directorate,
        ward=ward,
        cost_centre=cost_centre,
    )


@pytest.fixture
def wards(session, demo_trusts):  # type: ignore[no-untyped-def]
    """RPG, everyone full time through 2024 (366 days): Adult mental health = Barefoot Lodge (8 people,
    five of them sick 2 days each in January 2024; those five in cost centre RPG1001, the other three in
    RPG1002) + Oxleas House (6); Children and young people = Atlas House (7) + Little Ward (3: too few to
    show; one sick for a day in December 2024). Six at RV5, with no directorate."""
    rpg, rv5 = demo_trusts
    barefoot = [_post(rpg, ADULT, "Barefoot Lodge", "RPG1001" if i < 5 else "RPG1002") for i in range(8)]
    for _ in range(6):
        _post(rpg, ADULT, "Oxleas House")
    for _ in range(7):
        _post(rpg, CHILDREN, "Atlas House")
    little = [_post(rpg, CHILDREN, "Little Ward") for _ in range(3)]
    for _ in range(6):
        _post(rv5, None, None)
    for post in barefoot[:5]:
        AbsenceFactory(assignment=post, first_day=date(2024, 1, 8), last_day=date(2024, 1, 9))
    # One day in December at Little Ward: the records (and the figures) reach the end of 2024.
    AbsenceFactory(assignment=little[0], first_day=date(2024, 12, 2), last_day=date(2024, 12, 2))
    return barefoot


def _rows(page: str) -> dict[str, list[str]]:
    """The drill-down table: first cell (the unit's name) -> the other cells, as read."""
    table = page[page.index('id="by-organisation-table"') :]
    table = table[: table.index("</table>")]
    rows = {}
    for body in re.findall(r'<tr class="nhsuk-table__row">(.*?)</tr>', table, re.S)[1:]:
        cells = [
            html.unescape(re.sub(r"<[^>]+>", "", c)).strip()
            for c in re.findall(r"</span>(.*?)</t[hd]>", body, re.S)
        ]
        rows[cells[0]] = cells[1:]
    return rows


def _link(page: str, text: str) -> str:
    match = re.search(rf'<a[^>]*href="([^"]+)"[^>]*>\s*{re.escape(text)}\s*</a>', page)
    assert match, f"no link {text!r}"
    return html.unescape(match.group(1))


def test_a_director_drills_from_trust_to_directorate_to_ward_to_cost_centre_and_back(
    client, wards, demo_trusts
):
    sign_in(client, UserFactory(role=Role.DIRECTOR, trust=demo_trusts[0]))
    trust_page = client.get(f"/metrics?{PERIOD}&staff_group=NMR").get_data(as_text=True)
    by_directorate = _rows(trust_page)
    assert list(by_directorate) == [ADULT, CHILDREN]
    # Adult mental health: 5 x 2 = 10 FTE days lost of 14 x 366 = 5,124 available: 0.195..%.
    assert by_directorate[ADULT][0] == "0.20"
    assert by_directorate[CHILDREN][0] == "0.03"  # 1 of 10 x 366 = 3,660
    # The link keeps the period and the staff group, and adds the directorate.
    directorate_url = _link(trust_page, ADULT)
    assert "staff_group=NMR" in directorate_url and "from_month=2024-01" in directorate_url
    directorate_page = client.get(directorate_url).get_data(as_text=True)
    assert "<h1>Retention and sickness: Adult mental health" in directorate_page
    by_ward = _rows(directorate_page)
    assert list(by_ward) == ["Barefoot Lodge", "Oxleas House"]
    assert by_ward["Barefoot Lodge"][0] == "0.34"  # 10 of 8 x 366 = 2,928 FTE days
    assert by_ward["Oxleas House"][0] == "0.00"
    ward_url = _link(directorate_page, "Barefoot Lodge")
    assert "directorate=Adult+mental+health" in ward_url and "ward=Barefoot+Lodge" in ward_url
    ward_page = client.get(ward_url).get_data(as_text=True)
    assert "<h1>Retention and sickness: Barefoot Lodge" in ward_page
    # Its cost centres: 5 and 3 people, each too few or too few short of the ward's 8 to show.
    assert _rows(ward_page) == {"RPG1001": ["–", "–", "–"], "RPG1002": ["–", "–", "–"]}
    cost_centre_url = _link(ward_page, "RPG1001")
    assert "directorate=Adult" in cost_centre_url and "ward=Barefoot" in cost_centre_url
    cost_centre_page = client.get(cost_centre_url).get_data(as_text=True)
    assert "<h1>Retention and sickness: Cost centre RPG1001" in cost_centre_page
    assert "Barefoot Lodge, Adult mental health, Oxleas NHS Foundation Trust</span></h1>" in cost_centre_page
    assert 'id="by-organisation-table"' not in cost_centre_page  # the bottom level
    assert "cost_centre=" not in _link(cost_centre_page, "Barefoot Lodge")
    # Back up: the breadcrumb leads to the directorate and to the trust, filters kept.
    assert "ward=" not in _link(ward_page, ADULT) and "directorate=Adult" in _link(ward_page, ADULT)
    back_to_trust = _link(ward_page, "Oxleas NHS Foundation Trust")
    assert "directorate" not in back_to_trust and "staff_group=NMR" in back_to_trust
    # The ward's own figures: the rolling 12 months to December 2024, 10 of 2,928 FTE days = 0.34% (a
    # single month, 248 FTE days available, is too few to show a rate).
    trend = ward_page[ward_page.index('id="sickness-trend-table"') :]
    december = trend[: trend.index("</table>")].split("December 2024")[1].split("</tr>")[0]
    assert "0.34" in december


def test_a_ward_of_too_few_people_and_its_neighbour_show_no_figures(client, wards, demo_trusts):
    sign_in(client, UserFactory(role=Role.DIRECTOR, trust=demo_trusts[0]))
    page = client.get(f"/metrics?{PERIOD}&directorate={CHILDREN}").get_data(as_text=True)
    rows = _rows(page)
    assert rows["Little Ward"] == ["–", "–", "–"]  # 3 people
    # Atlas House's 7 are 3 short of the directorate's 10: shown, they would give Little Ward away.
    assert rows["Atlas House"] == ["–", "–", "–"]
    trust_page = client.get(f"/metrics?{PERIOD}").get_data(as_text=True)
    assert _rows(trust_page)[CHILDREN][0] == "0.03"  # the directorate itself is shown


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ("directorate=Nowhere", "There is no directorate called Nowhere at Oxleas NHS Foundation Trust"),
        (f"directorate={ADULT}&ward=Atlas House", "There is no ward or department called Atlas House in"),
        ("scope=partnership&directorate=Adult mental health", "Choose a trust first"),
        (
            "ward=Oxleas House&cost_centre=RPG1001",
            "There is no cost centre called RPG1001 in Oxleas House, Oxleas NHS Foundation Trust",
        ),
        ("cost_centre=RPG9999", "There is no cost centre called RPG9999 at Oxleas NHS Foundation Trust"),
    ],
)
def test_a_place_the_trust_does_not_have_is_refused(client, wards, demo_trusts, query, message):
    sign_in(client, UserFactory(role=Role.DIRECTOR, trust=demo_trusts[0]))
    response = client.get(f"/metrics?{PERIOD}&{query}")
    assert response.status_code == 422
    said = html.unescape(response.get_data(as_text=True))
    assert "There is a problem" in said and message in said


def test_another_trusts_directorate_is_refused(client, wards, demo_trusts):
    sign_in(client, UserFactory(role=Role.HR, trust=demo_trusts[1]))  # HR of RV5
    response = client.get(f"/metrics?{PERIOD}&scope=RPG&directorate={ADULT}")
    assert response.status_code == 403


def test_the_api_and_the_command_line_count_a_directorate_or_ward(app, client, wards, demo_trusts):
    sign_in(client, UserFactory(role=Role.DIRECTOR, trust=demo_trusts[0]))
    answer = client.get(
        "/api/v1/metrics/sickness",
        query_string={"trust": "RPG", "from": "2024-01", "to": "2024-12", "directorate": ADULT},
    )
    assert answer.status_code == 200
    (row,) = answer.json
    # 5 x 2 days lost; 14 people x 366 days available.
    assert (row["fte_days_lost"], row["fte_days_available"], row["rate_percent"]) == (10, 5124, 0.2)
    ward = client.get(
        "/api/v1/metrics/sickness",
        query_string={"trust": "RPG", "from": "2024-01", "to": "2024-12", "ward": "Barefoot Lodge"},
    )
    assert ward.json[0]["fte_days_available"] == 2928  # 8 x 366
    # A cost centre's: its 5 people are 3 short of their ward's 8, so the figure is withheld.
    cost_centre = client.get(
        "/api/v1/metrics/sickness",
        query_string={"trust": "RPG", "from": "2024-01", "to": "2024-12", "cost_centre": "RPG1001"},
    )
    assert cost_centre.status_code == 200, cost_centre.json
    assert cost_centre.json[0]["rate_percent"] is None
    for query, field, message in (
        ({"trust": "RPG", "directorate": "Nowhere"}, "directorate", "There is no directorate called Nowhere"),
        ({"partnership": "true", "ward": "Barefoot Lodge"}, "ward", "Choose a trust first"),
        ({"trust": "RPG", "cost_centre": "RPG9999"}, "cost_centre", "There is no cost centre called RPG9999"),
    ):
        refused = client.get(
            "/api/v1/metrics/sickness", query_string={"from": "2024-01", "to": "2024-12", **query}
        )
        assert refused.status_code == 422
        assert refused.json["errors"][0]["field"] == field and message in refused.json["detail"]
    result = app.test_cli_runner().invoke(
        args=[
            "passport",
            "metrics",
            "sickness",
            "--trust",
            "RPG",
            "--from",
            "2024-01",
            "--to",
            "2024-12",
            "--directorate",
            CHILDREN,
            "--format",
            "csv",
        ]
    )
    assert result.exit_code == 0, result.output
    assert result.output.splitlines()[1].startswith("2024-01/2024-12,RPG,1.0,3660.0,0.03")


def test_the_command_line_counts_a_cost_centre_small_cells_shown(app, wards):
    """With --show-small-cells (for checking the arithmetic): RPG1001's 5 people, 2 days each of them
    lost, of 5 x 366 = 1,830 FTE days available: 0.55%."""
    result = app.test_cli_runner().invoke(
        args=[
            "passport", "metrics", "sickness", "--trust", "RPG", "--from", "2024-01", "--to", "2024-12",
            "--cost-centre", "RPG1001", "--format", "csv", "--show-small-cells",
        ]
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    assert result.output.splitlines()[1].startswith("2024-01/2024-12,RPG,10.0,1830.0,0.55")
