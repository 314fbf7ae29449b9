"""Small ESR-style extracts for the workforce tests, written as CSV (or XLSX) bytes."""

from __future__ import annotations

import csv
import io

ASSIGNMENT_HEADER = [
    "Assignment Number",
    "Employee Email",
    "First Name",
    "Last Name",
    "Org Code",
    "Staff Group",
    "Job Role",
    "AfC Band",
    "Contracted FTE",
    "Assignment Start Date",
    "Assignment End Date",
    "Leaving Reason",
]
ABSENCE_HEADER = [
    "Assignment Number",
    "Absence Start Date",
    "Absence End Date",
    "Absence Category",
    "Attendance Reason",
]


def assignment(
    number: str = "20000001-1", email: str = "amy.one@rpg.example", **changes: str
) -> dict[str, str]:
    row = {
        "Assignment Number": number,
        "Employee Email": email,
        "First Name": "Amy",
        "Last Name": "One",
        "Org Code": "RPG",
        "Staff Group": "Nursing and Midwifery Registered",
        "Job Role": "Staff Nurse",
        "AfC Band": "Band 5",
        "Contracted FTE": "1",
        "Assignment Start Date": "01/04/2023",
        "Assignment End Date": "",
        "Leaving Reason": "",
    }
    row.update(changes)
    return row


def absence(
    number: str = "20000001-1", start: str = "01/05/2024", end: str = "03/05/2024", **changes: str
) -> dict[str, str]:
    row = {
        "Assignment Number": number,
        "Absence Start Date": start,
        "Absence End Date": end,
        "Absence Category": "Sickness",
        "Attendance Reason": "S10 Anxiety/stress/depression/other psychiatric illnesses",
    }
    row.update(changes)
    return row


def csv_bytes(rows: list[dict[str, str]], header: list[str] | None = None) -> bytes:
    header = header or list(rows[0])
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(header)
    for row in rows:
        writer.writerow([row.get(column, "") for column in header])
    return out.getvalue().encode("utf-8")


def xlsx_bytes(rows: list[dict[str, str]]) -> bytes:
    import openpyxl

    workbook = openpyxl.Workbook()
    sheet = workbook.active
    header = list(rows[0])
    sheet.append(header)
    for row in rows:
        sheet.append([row[column] for column in header])
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()
