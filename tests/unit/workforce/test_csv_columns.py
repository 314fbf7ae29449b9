"""The column engine reads a CSV as the row engine does, or leaves it to the row engine."""

from __future__ import annotations

import io

import pytest

from passport.workforce.tables import Column, FileSpec, csv_columns, iter_parsed_chunks

COLUMNS = (
    Column("Code", lambda text: text.strip().upper()),
    Column("Note", lambda text: text or None, required=False),
)
SPEC = FileSpec(COLUMNS, lambda: lambda number, values, errors: errors or (number, *values))


def by_rows(content: bytes) -> list[list[object]]:
    rows = [
        row
        for chunk in iter_parsed_chunks(
            io.BytesIO(content), SPEC, filename="x.csv", max_bytes=1000, chunk_size=2
        )
        for row in chunk.rows
    ]
    return [[row[1] for row in rows], [row[2] for row in rows]]


@pytest.mark.parametrize(
    "content",
    [
        b"Code,Note\na1,one\nb2,\n",
        b'\xef\xbb\xbfCode,Note\r\na1,"one, two"\r\nb2,"say ""hi"""\r\n',  # a BOM, quoted cells, CRLF
        b"Note,Code,Other\nx,a1,\n,b2,z\n",  # other columns and order; a trailing newline or none
        b"Code\na1\nb2",  # an optional column missing: its default
        b"Code,Note\na\x001,one\n",  # a NUL, which Python's CSV parser reads (3.11 and later)
    ],
)
def test_read_as_the_row_engine_reads(content: bytes) -> None:
    assert csv_columns(content, COLUMNS, filename="x.csv", max_bytes=1000) == by_rows(content)


@pytest.mark.parametrize(
    "content",
    [
        b"Code,Note\na1,one\n,\nb2,two\n",  # a blank row, which the row engine passes over
        b"Code,Note\na1,one\n\nb2,two\n",  # an empty line
        b"Code,Note\na1,one,extra\n",  # a ragged row
        b"Code,Note\na1\n",  # a short one
        b"Code,Note\n\xff1,one\n",  # not UTF-8
        b"Note\nx\n",  # a required column missing
        b"Code,Note\n",  # no rows
        b"PK\x03\x04",  # a workbook
        b"Code,Note\n" + b"a1,one\n" * 200,  # over the size allowed
    ],
)
def test_left_to_the_row_engine(content: bytes) -> None:
    assert csv_columns(content, COLUMNS, filename="x.csv", max_bytes=1000) is None


def test_a_bad_cell_leaves_the_file_to_the_row_engine() -> None:
    def code(text: str) -> str:
        if not text.isalnum():
            raise ValueError(f"{text} is not a code")
        return text

    assert csv_columns(b"Code\na1\nb-2\n", (Column("Code", code),), filename="x.csv", max_bytes=1000) is None
    assert csv_columns(b"Code\na1\nb2\n", (Column("Code", code),), filename="x.csv", max_bytes=1000) == [
        ["a1", "b2"]
    ]
