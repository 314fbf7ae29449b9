"""A file's rows as its check parsed them, kept for writing them so that the file is parsed once.

An import checks the whole file before it writes any of it; reading and converting a million absences
again for the writing cost 6 s of 24 (docs/benchmarks.md). The rows are kept column by column: the row
numbers as machine integers, every other column as references to values the converters share (dates,
codes, reasons), each assignment number interned. A million absences take about 75 MB kept, against
200 MB as NamedTuples; they are made again a chunk at a time as they are written (0.6 s a million).

Only an import that checks and writes in one go keeps its rows; one resumed after its worker died
parses the file again (``passport.workforce.importing.apply_file``).
"""

from __future__ import annotations

import sys
from array import array
from bisect import bisect_right
from collections.abc import Iterator, Sequence
from typing import Any, Generic, NamedTuple

from passport.workforce.tables import ParseResult, RowT

_INTERNED = ("assignment_number",)  # text that repeats down a file (an assignment's many absences)


class ReadChunk(NamedTuple, Generic[RowT]):
    """Data rows as they are written: the good ones, how many were read, and the last one's row number."""

    rows: list[RowT]
    rows_read: int
    through_row: int


class Span(NamedTuple):
    """A chunk of kept rows: its good rows are those from ``first`` to before ``end``."""

    first: int
    end: int
    rows_read: int
    through_row: int


def read_chunk(parsed: ParseResult[RowT]) -> ReadChunk[RowT] | None:
    """A parsed chunk as written (None when it holds no rows at all)."""
    numbers = [row.row_number for row in parsed.rows]  # type: ignore[attr-defined]
    numbers += [error.row_number for error in parsed.row_errors]
    if not numbers:
        return None
    return ReadChunk(parsed.rows, parsed.rows_read, max(numbers))


class ParsedRows(Generic[RowT]):
    """Every data row a check read, in file order: the good ones with their values, column by column."""

    def __init__(self, row_type: type[RowT]) -> None:
        self.row_type: Any = row_type
        self.fields: tuple[str, ...] = row_type._fields  # type: ignore[attr-defined]
        self.interned = [self.fields.index(name) for name in _INTERNED if name in self.fields]
        self.read_rows = array("q")  # the row number of every data row read, good or not
        # row_number first in every row type: held as machine integers, not a million int objects
        self.columns: list[Any] = [array("q"), *([] for _ in self.fields[1:])]
        # What the check decided for each good row, when its kind can be written from that without
        # running the rules again (passport.workforce.absence_import.CheckedAbsences); None otherwise.
        self.checked: Any = None

    def keep(self, parsed: ParseResult[RowT]) -> None:
        """Keep a chunk the check has read (in file order, after those kept before)."""
        good = [row.row_number for row in parsed.rows]  # type: ignore[attr-defined]
        if parsed.row_errors:  # rows with bad cells are read too: they count towards the chunks
            good = sorted(set(good).union(error.row_number for error in parsed.row_errors))
        self.read_rows.extend(good)
        if not parsed.rows:
            return
        for index, values in enumerate(zip(*parsed.rows, strict=True)):
            if index in self.interned:
                values = tuple(map(sys.intern, values))
            self.columns[index].extend(values)

    def keep_columns(self, row_numbers: Sequence[int], columns: Sequence[list[Any]]) -> None:
        """Keep good rows read column by column (``row_numbers``, then every other field's values), after
        those kept before."""
        self.read_rows.extend(row_numbers)
        self.columns[0].extend(row_numbers)
        for kept, values in zip(self.columns[1:], columns, strict=True):
            kept.extend(values)

    def column(self, name: str) -> Any:
        """One column's values, one per good row."""
        return self.columns[self.fields.index(name)]

    def spans(self, size: int) -> Iterator[Span]:
        """Where the chunks of ``size`` rows read (rows with bad cells counted, not given) stand among
        the good rows, as reading the file in chunks of ``size`` gives them."""
        numbers = self.columns[0]  # row_number, the first field of every row type
        good = 0
        for start in range(0, len(self.read_rows), size):
            through_row = self.read_rows[min(start + size, len(self.read_rows)) - 1]
            end = bisect_right(numbers, through_row, lo=good)
            yield Span(good, end, min(size, len(self.read_rows) - start), through_row)
            good = end

    def rows(self, first: int, end: int) -> list[RowT]:
        """The good rows from the ``first`` to before the ``end``, made again."""
        columns = (column[first:end] for column in self.columns)
        return list(map(self.row_type._make, zip(*columns, strict=True)))

    def chunks(self, size: int) -> Iterator[ReadChunk[RowT]]:
        """The rows again, ``size`` rows read at a time (rows with bad cells counted, not given), as
        reading the file in chunks of ``size`` gives them."""
        for span in self.spans(size):
            yield ReadChunk(self.rows(span.first, span.end), span.rows_read, span.through_row)
