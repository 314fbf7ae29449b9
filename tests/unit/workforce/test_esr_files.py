import csv
import io
import zipfile
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path

import openpyxl
import pytest
from hypothesis import given
from hypothesis import strategies as st

from passport.reference.workforce import MAX_YEAR, MIN_YEAR, PersonType, parse_date
from passport.workforce import tables
from passport.workforce.esr_files import AbsenceRow, iter_absence_chunks, read_absences, read_assignments
from tests.support.esr_csv import ABSENCE_HEADER, ASSIGNMENT_HEADER


def nurse(number: str = "10001", **changes: str) -> list[str]:
    values = {
        "Assignment Number": number,
        "Employee Email": "Ann.Nurse@NHS.net",
        "First Name": "Ann",
        "Last Name": "Nurse",
        "Org Code": "rpg",
        "Staff Group": "Nursing and Midwifery Registered",
        "Job Role": "Staff Nurse",
        "AfC Band": "Band 5",
        "Contracted FTE": "0.8",
        "Assignment Start Date": "01/04/2024",
        "Assignment End Date": "",
        "Leaving Reason": "",
    }
    values.update(changes)
    return [values[column] for column in ASSIGNMENT_HEADER]


def write_csv(path: Path, header: list[str], rows: list[list[str]], *, bom: bool = False) -> Path:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(header)
    writer.writerows(rows)
    path.write_bytes((b"\xef\xbb\xbf" if bom else b"") + buffer.getvalue().encode("utf-8"))
    return path


def write_xlsx(path: Path, header: list[object], rows: list[list[object]]) -> Path:
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.append(header)
    for row in rows:
        sheet.append(row)
    workbook.save(path)
    return path


def assignments(path: Path, **kwargs):
    with path.open("rb") as stream:
        return read_assignments(stream, filename=path.name, **kwargs)


def absences(path: Path, **kwargs):
    with path.open("rb") as stream:
        return read_absences(stream, filename=path.name, **kwargs)


def messages(result) -> list[tuple[int, str, str]]:
    return [(e.row_number, e.column, e.message) for e in result.row_errors]


# --- Assignments: reading the file -------------------------------------------------------------------
def test_csv_assignment_is_parsed_into_typed_row(tmp_path):
    result = assignments(write_csv(tmp_path / "a.csv", ASSIGNMENT_HEADER, [nurse()]))
    assert result.ok and result.rows_read == 1
    row = result.rows[0]
    assert row.row_number == 2
    assert row.assignment_number == "10001"
    assert row.employee_email == "ann.nurse@nhs.net"
    assert row.org_code == "RPG"
    assert row.staff_group == "NMR"
    assert row.afc_band == "5"
    assert row.contracted_fte == Decimal("0.8") and isinstance(row.contracted_fte, Decimal)
    assert row.start_date == date(2024, 4, 1)
    assert row.end_date is None and row.leaving_reason is None
    assert row.person_type is PersonType.EMPLOYEE and row.nmc_pin is None


def test_utf8_bom_does_not_hide_the_first_column(tmp_path):
    result = assignments(write_csv(tmp_path / "bom.csv", ASSIGNMENT_HEADER, [nurse()], bom=True))
    assert result.file_errors == []
    assert result.rows[0].assignment_number == "10001"


def test_headers_forgive_order_case_spacing_underscores_and_ignore_extra_columns(tmp_path):
    messy = {
        "Assignment Number": "ASSIGNMENT_NUMBER",
        "Employee Email": "  employee   email ",
        "AfC Band": "afc_band",
        "Contracted FTE": "CONTRACTED\tFTE",
    }
    header = [messy.get(column, column) for column in ASSIGNMENT_HEADER]
    order = list(reversed(range(len(header))))
    row = nurse()
    path = write_csv(
        tmp_path / "messy.csv",
        [*(header[i] for i in order), "Payroll Number"],
        [[*(row[i] for i in order), "999"]],
    )
    result = assignments(path)
    assert result.ok
    assert result.rows[0].assignment_number == "10001" and result.rows[0].contracted_fte == Decimal("0.8")


def test_missing_required_columns_reject_the_file_naming_them(tmp_path):
    header = [c for c in ASSIGNMENT_HEADER if c not in ("Org Code", "Contracted FTE")]
    result = assignments(write_csv(tmp_path / "short.csv", header, []))
    assert result.rows == [] and len(result.file_errors) == 1
    assert "Org Code" in result.file_errors[0] and "Contracted FTE" in result.file_errors[0]
    assert "short.csv" in result.file_errors[0]


def test_a_column_given_twice_rejects_the_file(tmp_path):
    result = assignments(
        write_csv(tmp_path / "twice.csv", [*ASSIGNMENT_HEADER, "org_code"], [[*nurse(), "RV5"]])
    )
    assert result.file_errors == ["twice.csv has the column Org Code more than once"]


def test_empty_file_is_a_file_error(tmp_path):
    path = tmp_path / "empty.csv"
    path.write_bytes(b"")
    assert assignments(path).file_errors == ["empty.csv is empty"]


@pytest.mark.parametrize("good_rows_first", [0, 2000])
def test_non_utf8_csv_is_a_file_error(tmp_path, good_rows_first):
    path = write_csv(
        tmp_path / "latin1.csv", ASSIGNMENT_HEADER, [nurse(str(n)) for n in range(good_rows_first)]
    )
    with path.open("ab") as stream:
        stream.write(",".join(nurse("x", **{"Last Name": "Müller"})).encode("latin-1"))
    result = assignments(path)
    assert result.file_errors == ["latin1.csv is not UTF-8 text; save it as CSV UTF-8"]
    assert not result.ok


def test_blank_lines_are_skipped_but_keep_row_numbers(tmp_path):
    path = write_csv(tmp_path / "gaps.csv", ASSIGNMENT_HEADER, [nurse("1"), [], [""] * 12, nurse("2")])
    result = assignments(path)
    assert [(r.row_number, r.assignment_number) for r in result.rows] == [(2, "1"), (5, "2")]
    assert result.rows_read == 2


def test_short_rows_are_padded_so_trailing_optional_cells_may_be_left_off(tmp_path):
    path = write_csv(tmp_path / "short_rows.csv", ASSIGNMENT_HEADER, [nurse()[:10]])
    result = assignments(path)
    assert result.ok and result.rows[0].end_date is None


# --- XLSX --------------------------------------------------------------------------------------------
def test_xlsx_with_date_cells_numbers_and_text(tmp_path):
    rows: list[list[object]] = [
        [
            10001,
            "a@nhs.net",
            "Ann",
            "Nurse",
            "rv5",
            "Allied Health Professionals",
            "Physio",
            "6",
            0.8,
            datetime(2024, 4, 1),
            date(2025, 3, 31),
            "Voluntary Resignation - Promotion",
        ],
        [
            "10002",
            "b@nhs.net",
            "Bo",
            "Bee",
            "RQY",
            "Medical and Dental",
            "Consultant",
            None,
            1,
            "2024-05-01",
            None,
            None,
        ],
    ]
    result = assignments(write_xlsx(tmp_path / "a.xlsx", ASSIGNMENT_HEADER, rows))
    assert result.ok, result.row_errors
    first, second = result.rows
    assert first.assignment_number == "10001"
    assert first.contracted_fte == Decimal("0.8")
    assert (first.start_date, first.end_date) == (date(2024, 4, 1), date(2025, 3, 31))
    assert first.leaving_reason == "VR_PROMOTION" and first.org_code == "RV5"
    assert second.afc_band is None and second.contracted_fte == Decimal(1)
    assert second.start_date == date(2024, 5, 1)


def test_xlsx_errors_carry_sheet_row_numbers(tmp_path):
    rows: list[list[object]] = [nurse("1"), nurse("2", **{"Contracted FTE": "abc"})]
    result = assignments(write_xlsx(tmp_path / "bad.xlsx", ASSIGNMENT_HEADER, rows))
    assert messages(result) == [(3, "Contracted FTE", "abc is not a number")]


def test_xlsx_absences(tmp_path):
    rows: list[list[object]] = [["10001", datetime(2024, 4, 1), datetime(2024, 4, 3), "Sickness", "S11"]]
    result = absences(write_xlsx(tmp_path / "abs.xlsx", ABSENCE_HEADER, rows))
    assert result.rows == [
        AbsenceRow(2, "10001", date(2024, 4, 1), date(2024, 4, 3), "SICKNESS", True, "S11")
    ]


def test_a_zip_that_is_not_a_workbook_is_a_file_error(tmp_path):
    path = tmp_path / "fake.xlsx"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("word/document.xml", "<doc/>")
    assert assignments(path).file_errors == ["fake.xlsx is not an Excel workbook"]


def test_a_broken_zip_is_a_file_error(tmp_path):
    path = tmp_path / "broken.xlsx"
    path.write_bytes(b"PK\x03\x04 this is not really a zip")
    assert assignments(path).file_errors == ["broken.xlsx is not an Excel workbook"]


def test_a_workbook_that_expands_past_the_limit_is_refused_before_any_sheet_is_read(tmp_path, monkeypatch):
    monkeypatch.setattr(tables, "MAX_XLSX_EXPANDED_BYTES", 2 * 1024 * 1024)
    path = write_xlsx(tmp_path / "bomb.xlsx", ASSIGNMENT_HEADER, [nurse()])
    with zipfile.ZipFile(path, "a", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("xl/media/padding.bin", b"\0" * (3 * 1024 * 1024))  # 3 MB of zeros: a few KB zipped
    assert path.stat().st_size < 100_000
    opened: list[object] = []
    monkeypatch.setattr("openpyxl.load_workbook", lambda *args, **kwargs: opened.append(args))
    assert assignments(path).file_errors == [
        "bomb.xlsx expands to 3 MB when unzipped: at most 2 MB is allowed (save it as CSV and import that)"
    ]
    assert opened == []


def test_a_workbook_that_takes_too_long_to_read_is_refused(tmp_path, monkeypatch):
    class Clock:  # one second passes each time it is read
        now = 0.0

        def monotonic(self) -> float:
            self.now += 1
            return self.now

    path = write_xlsx(tmp_path / "slow.xlsx", ASSIGNMENT_HEADER, [nurse(str(10_000 + n)) for n in range(20)])
    assert assignments(path).ok
    monkeypatch.setattr(tables, "MAX_XLSX_READ_SECONDS", 5)
    monkeypatch.setattr(tables, "time", Clock())
    assert assignments(path).file_errors == [
        "slow.xlsx took more than 5 s to read: save it as CSV and import that"
    ]


def test_an_old_xls_is_a_file_error(tmp_path):
    path = tmp_path / "old.xls"
    path.write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 100)
    assert "old .xls workbook" in assignments(path).file_errors[0]


# --- Size limit --------------------------------------------------------------------------------------
def test_file_over_the_size_limit_is_refused_before_reading(tmp_path):
    path = write_csv(tmp_path / "big.csv", ASSIGNMENT_HEADER, [nurse(str(n)) for n in range(50)])
    size = path.stat().st_size
    assert assignments(path, max_bytes=size).ok
    result = assignments(path, max_bytes=size - 1)
    assert result.rows == [] and len(result.file_errors) == 1
    assert result.file_errors[0].startswith("big.csv is larger than the")


class OneWayStream(io.RawIOBase):
    """A stream that cannot seek, like a socket; counts what was read from it."""

    def __init__(self, data: bytes):
        self._data = io.BytesIO(data)
        self.bytes_read = 0

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:
        chunk = self._data.read(len(buffer))
        buffer[: len(chunk)] = chunk
        self.bytes_read += len(chunk)
        return len(chunk)


def test_size_limit_on_a_stream_that_cannot_seek_stops_reading_early(tmp_path):
    data = write_csv(tmp_path / "s.csv", ASSIGNMENT_HEADER, [nurse(str(n)) for n in range(5000)]).read_bytes()
    stream = OneWayStream(data)
    result = read_assignments(stream, filename="s.csv", max_bytes=10_000)
    assert result.file_errors and stream.bytes_read <= 10_001
    assert read_assignments(OneWayStream(data), filename="s.csv").rows_read == 5000


# --- Assignment values -------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("change", "column", "message"),
    [
        ({"Assignment Start Date": "31/02/2025"}, "Assignment Start Date", "31/02/2025 is not a real date"),
        ({"Assignment Start Date": "next week"}, "Assignment Start Date", "next week is not a date"),
        ({"Assignment Start Date": ""}, "Assignment Start Date", "a value is required"),
        ({"Contracted FTE": "abc"}, "Contracted FTE", "abc is not a number"),
        ({"Contracted FTE": "0"}, "Contracted FTE", "0 is not a valid FTE"),
        ({"Contracted FTE": "1.51"}, "Contracted FTE", "1.51 is not a valid FTE"),
        ({"Contracted FTE": "-0.5"}, "Contracted FTE", "-0.5 is not a valid FTE"),
        ({"Contracted FTE": "NaN"}, "Contracted FTE", "NaN is not a number"),
        ({"Staff Group": "Nurses"}, "Staff Group", "Nurses is not a known staff group"),
        ({"AfC Band": "Band 10"}, "AfC Band", "Band 10 is not an Agenda for Change band"),
        (
            {"Leaving Reason": "Fired", "Assignment End Date": "01/05/2024"},
            "Leaving Reason",
            "Fired is not a known leaving reason",
        ),
        ({"Employee Email": "not-an-email"}, "Employee Email", "not-an-email is not an email address"),
        ({"First Name": "  "}, "First Name", "a value is required"),
        ({"Org Code": "R-PG"}, "Org Code", "R-PG is not an organisation code"),
        (
            {"Assignment End Date": "31/03/2024"},
            "Assignment End Date",
            "end date 31 March 2024 is before start date 1 April 2024",
        ),
        (
            {"Leaving Reason": "Retirement Age"},
            "Leaving Reason",
            "a leaving reason needs an assignment end date",
        ),
    ],
)
def test_bad_assignment_values_are_row_errors_naming_the_value(tmp_path, change, column, message):
    result = assignments(
        write_csv(tmp_path / "bad.csv", ASSIGNMENT_HEADER, [nurse("1"), nurse("2", **change)])
    )
    assert [r.assignment_number for r in result.rows] == ["1"]
    assert len(result.row_errors) == 1
    error = result.row_errors[0]
    assert (error.row_number, error.column) == (3, column)
    assert message in error.message
    assert result.rejected_row_numbers == {3}


def test_every_bad_cell_in_a_row_is_reported(tmp_path):
    row = nurse(**{"Contracted FTE": "0", "Staff Group": "Wizards", "Assignment Start Date": "31/02/2025"})
    result = assignments(write_csv(tmp_path / "bad.csv", ASSIGNMENT_HEADER, [row]))
    assert {e.column for e in result.row_errors} == {"Contracted FTE", "Staff Group", "Assignment Start Date"}


def test_valid_edges_and_forgiving_values(tmp_path):
    row = nurse(
        **{
            "Contracted FTE": "1.5",
            "AfC Band": "band 8A",
            "Assignment Start Date": "2024-04-01",
            "Assignment End Date": "01/04/2024",
            "Leaving Reason": "end of fixed term contract",
            "Staff Group": "add prof scientific and technic",
            "Job Role": "",
        }
    )
    result = assignments(write_csv(tmp_path / "ok.csv", ASSIGNMENT_HEADER, [row]))
    assert result.ok
    parsed = result.rows[0]
    assert parsed.contracted_fte == Decimal("1.5") and parsed.afc_band == "8a"
    assert parsed.start_date == parsed.end_date == date(2024, 4, 1)
    assert parsed.leaving_reason == "FTC_END" and parsed.staff_group == "APST" and parsed.job_role is None


def test_repeated_assignment_number_is_an_error_naming_the_first_row(tmp_path):
    result = assignments(
        write_csv(tmp_path / "dup.csv", ASSIGNMENT_HEADER, [nurse("7"), nurse("8"), nurse("7")])
    )
    assert messages(result) == [(4, "Assignment Number", "7 already appears on row 2")]


def test_optional_person_type_and_nmc_pin_columns(tmp_path):
    header = [*ASSIGNMENT_HEADER, "Person Type", "NMC PIN"]
    rows = [
        [*nurse("1"), "Bank", "12a3456e"],
        [*nurse("2"), "", ""],
        [*nurse("3"), "secondee", "12 A 3456 E"],
        [*nurse("4"), "agency", "123"],
    ]
    result = assignments(write_csv(tmp_path / "p.csv", header, rows))
    assert [(r.person_type, r.nmc_pin) for r in result.rows] == [
        (PersonType.BANK, "12A3456E"),
        (PersonType.EMPLOYEE, None),
        (PersonType.SECONDEE, "12A3456E"),
    ]
    assert [(e.row_number, e.column) for e in result.row_errors] == [(5, "Person Type"), (5, "NMC PIN")]


# --- Absences ----------------------------------------------------------------------------------------
def test_absence_rows_and_rules(tmp_path):
    rows = [
        ["1", "01/04/2024", "03/04/2024", "Sickness", "S10 Anxiety/stress/..."],
        ["1", "2024-05-01", "", "Annual Leave", ""],
        ["1", "01/06/2024", "02/06/2024", "Maternity", "Maternity Leave - Paid"],
        ["1", "01/07/2024", "", "Sickness", ""],
        ["1", "01/08/2024", "", "Sickness", "S33"],
        ["1", "01/09/2024", "", "Sickness", "S11 Headache"],
        ["1", "01/10/2024", "30/09/2024", "Study Leave", ""],
        ["1", "01/11/2024", "", "Gardening Leave", ""],
        ["", "31/02/2025", "", "Sickness", "S12"],
    ]
    result = absences(write_csv(tmp_path / "abs.csv", ABSENCE_HEADER, rows))
    assert result.rows == [
        AbsenceRow(2, "1", date(2024, 4, 1), date(2024, 4, 3), "SICKNESS", True, "S10"),
        AbsenceRow(3, "1", date(2024, 5, 1), None, "ANNUAL_LEAVE", False, None),
        AbsenceRow(4, "1", date(2024, 6, 2 - 1), date(2024, 6, 2), "MATERNITY", False, None),
    ]
    assert messages(result) == [
        (5, "Attendance Reason", "sickness absence needs a reason code from S10 to S99"),
        (6, "Attendance Reason", "S33 is not a known sickness absence reason code"),
        (7, "Attendance Reason", "S11 Headache does not match S11 Back Problems"),
        (8, "Absence End Date", "end date 30 September 2024 is before start date 1 October 2024"),
        (9, "Absence Category", "Gardening Leave is not a known absence category"),
        (10, "Assignment Number", "a value is required"),
        (10, "Absence Start Date", "31/02/2025 is not a real date"),
    ]
    assert result.rows_read == 9


def test_missing_absence_column_is_a_file_error(tmp_path):
    result = absences(
        write_csv(tmp_path / "abs.csv", ABSENCE_HEADER[:-1], [["1", "01/04/2024", "", "Sickness"]])
    )
    assert result.file_errors == ["abs.csv is missing the column Attendance Reason"]


def test_absences_come_in_chunks_with_file_row_numbers(tmp_path):
    rows = [[str(n), "01/04/2024", "", "Annual Leave", ""] for n in range(7)]
    rows[4][1] = "99/99/2024"
    path = write_csv(tmp_path / "abs.csv", ABSENCE_HEADER, rows)
    with path.open("rb") as stream:
        chunks = list(iter_absence_chunks(stream, filename="abs.csv", chunk_size=3))
    assert [c.rows_read for c in chunks] == [3, 3, 1]
    assert [[r.row_number for r in c.rows] for c in chunks] == [[2, 3, 4], [5, 7], [8]]
    assert [e.row_number for e in chunks[1].row_errors] == [6]


# --- Date parser -------------------------------------------------------------------------------------
@given(st.dates(min_value=date(MIN_YEAR, 1, 1), max_value=date(MAX_YEAR, 12, 31)))
def test_any_real_date_round_trips_in_uk_and_iso_form(day):
    assert parse_date(day.strftime("%d/%m/%Y")) == day
    assert parse_date(day.isoformat()) == day
    assert parse_date(f"{day.day}/{day.month}/{day.year}") == day


def _is_real(year: int, month: int, day: int) -> bool:
    try:
        date(year, month, day)
    except ValueError:
        return False
    return True


@given(st.integers(MIN_YEAR, MAX_YEAR), st.integers(0, 99), st.integers(0, 99))
def test_impossible_day_month_combinations_are_errors(year, month, day):
    uk, iso = f"{day:02d}/{month:02d}/{year}", f"{year}-{month:02d}-{day:02d}"
    if _is_real(year, month, day):
        assert parse_date(uk) == parse_date(iso) == date(year, month, day)
    else:
        for text in (uk, iso):
            with pytest.raises(ValueError, match=f"^{text} is not a real date$"):
                parse_date(text)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("01-APR-2024", date(2024, 4, 1)),
        ("2024-04-01 00:00:00", date(2024, 4, 1)),
        ("2024-04-01T00:00:00", date(2024, 4, 1)),
        (" 1/4/2024 ", date(2024, 4, 1)),
    ],
)
def test_other_forms_spreadsheets_and_esr_write(text, expected):
    assert parse_date(text) == expected


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("01/04/24", "is not a date"),
        ("2024/04/01", "is not a date"),
        ("01.04.2024", "is not a date"),
        ("2024-04-01 09:30", "is not a date"),
        ("01/04/0224", "outside the years"),
    ],
)
def test_malformed_dates_are_errors(text, message):
    with pytest.raises(ValueError, match=message):
        parse_date(text)


def test_a_one_way_stream_is_spooled_and_parsed_like_a_file(tmp_path):
    data = write_xlsx(tmp_path / "a.xlsx", ASSIGNMENT_HEADER, [nurse("1"), nurse("2")]).read_bytes()
    result = read_assignments(OneWayStream(data), filename="a.xlsx")
    assert result.ok and [r.assignment_number for r in result.rows] == ["1", "2"]


def test_caller_stream_is_left_open(tmp_path):
    path = write_csv(tmp_path / "a.csv", ASSIGNMENT_HEADER, [nurse()])
    with path.open("rb") as stream:
        assert read_assignments(stream, filename="a.csv").ok
        assert not stream.closed
