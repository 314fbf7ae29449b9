import io
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest

from passport.metrics.published import (
    PublishedSicknessRow,
    aggregate_sickness_rates,
    by_england,
    by_org_type,
    by_region,
    rate_percent,
    read_published_sickness,
)

DATA = Path("/work/shared/data/nhs-sickness-absence")
PUBLISHED_FILES = sorted(DATA.glob("*.csv"))
HEADER = (
    "DATE,NHSE_REGION_CODE,NHSE_REGION_NAME,ICS_CODE,ICS_NAME,ORG_CODE,ORG_NAME,ORG_TYPE,"
    "FTE_DAYS_LOST,FTE_DAYS_AVAILABLE,SICKNESS_ABSENCE_RATE_PERCENT"
)


def parse(text: str, name: str = "sample.csv"):
    return read_published_sickness(io.BytesIO(text.encode("utf-8")), filename=name)


def line(
    org: str = "RPG",
    lost: str = "6113.03626",
    available: str = "129753.81081",
    rate: str = "4.71",
    when: str = "30/04/2024",
    region: str = "Y56",
    org_type: str = "Mental Health",
) -> str:
    place = f'{region},London,QKK,South East London,{org},"Oxleas, NHS FT",{org_type}'
    return f"{when},{place},{lost},{available},{rate}"


def test_a_row_becomes_month_and_exact_decimals():
    result = parse("\n".join([HEADER, line(lost="1737.45988", available="45625.478970000004")]))
    assert result.ok
    row = result.rows[0]
    assert row.row_number == 2
    assert row.month == date(2024, 4, 1)
    assert row.org_name == "Oxleas, NHS FT"
    assert row.fte_days_available == Decimal("45625.478970000004")
    assert row.published_rate_percent == Decimal("4.71")


def test_missing_column_is_a_file_error_naming_it():
    header = HEADER.replace(",FTE_DAYS_LOST", "")
    result = parse(f"{header}\n30/04/2024,Y56,London,QKK,SEL,RPG,Oxleas,Mental Health,1,2")
    assert result.rows == []
    assert result.file_errors == ["sample.csv is missing the column FTE_DAYS_LOST"]


@pytest.mark.parametrize(
    ("row", "column", "message"),
    [
        (line(lost="n/a"), "FTE_DAYS_LOST", "n/a is not a number"),
        (line(available="*"), "FTE_DAYS_AVAILABLE", "* is not a number"),
        (line(available="0"), "FTE_DAYS_AVAILABLE", "0 days available must be more than 0"),
        (line(lost="-1"), "FTE_DAYS_LOST", "-1 days lost cannot be negative"),
        (line(lost=""), "FTE_DAYS_LOST", "a value is required"),
        (line(when="31/02/2024"), "DATE", "31/02/2024 is not a real date"),
        (line(rate="high"), "SICKNESS_ABSENCE_RATE_PERCENT", "high is not a number"),
        (line(org="RV5").split(",RV5,")[0], "ORG_CODE", "a value is required"),  # row cut short
    ],
)
def test_bad_values_are_row_errors_with_row_numbers(row, column, message):
    result = parse("\n".join([HEADER, line(org="RQY"), row]))
    assert [r.org_code for r in result.rows] == ["RQY"]
    assert [(e.row_number, e.column) for e in result.row_errors][0] == (3, column)
    assert result.row_errors[0].message == message


def test_the_same_organisation_twice_in_a_month_is_an_error():
    result = parse("\n".join([HEADER, line(), line(), line(when="31/05/2024")]))
    assert [(e.row_number, e.message) for e in result.row_errors] == [
        (3, "RPG already has figures for this month on row 2")
    ]
    assert len(result.rows) == 2


def test_empty_published_rate_is_allowed_and_recomputed():
    row = parse("\n".join([HEADER, line(rate="")])).rows[0]
    assert row.published_rate_percent is None
    assert row.recomputed_rate_percent == Decimal("4.71")


def test_rate_rounds_half_up_to_two_places():
    assert rate_percent(Decimal("1.125"), Decimal(100)) == Decimal("1.13")
    assert rate_percent(Decimal("1.135"), Decimal(100)) == Decimal("1.14")
    assert rate_percent(Decimal(1), Decimal(3)) == Decimal("33.33")


def _row(month: date, region: str, org_type: str, lost: str, available: str) -> PublishedSicknessRow:
    return PublishedSicknessRow(
        2, month, region, "", "", "", "X", "", org_type, Decimal(lost), Decimal(available), None
    )


def test_aggregation_is_a_ratio_of_sums_not_an_average_of_rates():
    april = date(2024, 4, 1)
    rows = [
        _row(april, "Y56", "Acute", "10", "100"),  # 10 %
        _row(april, "Y56", "Mental Health", "1", "1000"),  # 0.1 %
        _row(april, "Y60", "Acute", "30", "200"),  # 15 %
    ]
    london = aggregate_sickness_rates(rows, by_region)[(april, "Y56")]
    assert (london.fte_days_lost, london.fte_days_available, london.organisations) == (11, 1100, 2)
    assert london.rate_percent == Decimal("1.00")  # an average of rates would say 5.05
    assert aggregate_sickness_rates(rows, by_org_type)[(april, "Acute")].rate_percent == Decimal("13.33")
    england = aggregate_sickness_rates(rows, by_england)
    assert list(england) == [(april, "England")]
    assert england[(april, "England")].organisations == 3
    assert england[(april, "England")].rate_percent == Decimal("3.15")  # 41 / 1300


def test_small_cells_are_suppressed():
    april = date(2024, 4, 1)
    aggregate = aggregate_sickness_rates([_row(april, "Y56", "Acute", "3", "330")], by_region)[(april, "Y56")]
    assert aggregate.is_suppressed
    bigger = aggregate_sickness_rates([_row(april, "Y56", "Acute", "3", "330.01")], by_region)[(april, "Y56")]
    assert not bigger.is_suppressed


# --- The real published files ------------------------------------------------------------------------
def test_the_twelve_months_april_2024_to_march_2025_are_present():
    assert len(PUBLISHED_FILES) == 12


@pytest.mark.parametrize("path", PUBLISHED_FILES, ids=lambda p: p.name)
def test_every_real_published_file_parses_cleanly_and_rates_recompute(path):
    with path.open("rb") as stream:
        result = read_published_sickness(stream, filename=path.name)
    assert result.file_errors == [] and result.row_errors == []
    assert len(result.rows) > 250
    month = date(int(path.stem[-7:-3]), int(path.stem[-2:]), 1)
    assert {row.month for row in result.rows} == {month}
    assert {"RPG", "RV5", "RQY"} <= {row.org_code for row in result.rows}
    # Every row: the rate recomputed from the day counts is exactly the published rate.
    mismatches = [r.org_code for r in result.rows if r.recomputed_rate_percent != r.published_rate_percent]
    assert mismatches == []


def test_south_london_partnership_april_2024_figures():
    with (DATA / "nhs_sickness_absence_2024-04.csv").open("rb") as stream:
        rows = {row.org_code: row for row in read_published_sickness(stream, filename="april.csv").rows}
    oxleas = rows["RPG"]
    assert (oxleas.region_code, oxleas.ics_code, oxleas.org_type) == ("Y56", "QKK", "Mental Health")
    assert (oxleas.fte_days_lost, oxleas.fte_days_available) == (
        Decimal("6113.03626"),
        Decimal("129753.81081"),
    )
    partnership = aggregate_sickness_rates([rows[c] for c in ("RPG", "RV5", "RQY")], lambda r: r.month)
    assert partnership[date(2024, 4, 1)].rate_percent == rate_percent(
        Decimal("6113.03626") + Decimal("6630.21841") + Decimal("3436.67248"),
        Decimal("129753.81081") + Decimal("177365.94527") + Decimal("84434.11436"),
    )


def test_the_shipped_figures_are_the_published_files_unchanged():
    """data/nhs-sickness-absence/ (what seed-demo loads) holds the same files, byte for byte, as the
    partnership's copies of NHS England's publication."""
    shipped = Path(__file__).resolve().parents[3] / "data" / "nhs-sickness-absence"
    assert PUBLISHED_FILES, f"{DATA} is missing: this test needs ../shared/data"
    assert [path.name for path in sorted(shipped.glob("*.csv"))] == [path.name for path in PUBLISHED_FILES]
    for published in PUBLISHED_FILES:
        assert (shipped / published.name).read_bytes() == published.read_bytes(), published.name
