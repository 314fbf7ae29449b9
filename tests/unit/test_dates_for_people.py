"""Dates shown one way (issue 19): 2 December 2026; 2 December 2026 at 14:05 (UK time); April 2024.

passport/formatting.py is the one place that writes a date for people. These tests scan every template
and the Python under passport/ and competencies/ for any other date format: a strftime pattern (in a
call, an f-string's format spec or a plain string), a date built by hand from .day, .month and .year, or
a template calling strftime/isoformat itself. Machine formats (ISO 8601 for JSON, CSV, the command line,
key ids; DD/MM/YYYY as ESR writes it) are allowed only where ALLOWED names them, each with its reason.
A new divergent format fails here: write it with uk_date, uk_date_time or uk_month instead (in a
template: the filters of the same names), or, if machines read it, add it to ALLOWED saying why.
"""

from __future__ import annotations

import ast
import re
from datetime import UTC, date, datetime
from pathlib import Path

import pytest

from passport.formatting import iso, uk_date, uk_date_time, uk_month
from tests.support.source_text import docstring_constants

ROOT = Path(__file__).resolve().parents[2]
FORMATTING = "passport/formatting.py"

# A strftime directive that makes a date or a time: %Y, %y, %B, %b, %m, %H (with %-d and friends caught
# by the strings that also hold one of these). "%s", "%d of %d" and "%r" (logging) do not match.
DATE_DIRECTIVE = re.compile(r"%-?[YyBbmH]")
# In a template: formatting a date in place instead of through a filter.
TEMPLATE_DATE_CODE = re.compile(r"\.strftime\(|\.isoformat\(|%-?[YyBbmH]")
# The machine filter belongs in a <time datetime="..."> attribute only.
ISO_FILTER = re.compile(r"\|\s*iso\b")
ISO_IN_ATTRIBUTE = re.compile(r'datetime="\{\{[^}]*\|\s*iso\s*\}\}"')

# Dates people read in templates another piece of work is changing at the time of writing: each is to be
# written with the uk_date filter, and its entry removed (the last test here says when one is done).
PENDING_TEMPLATES: dict[tuple[str, str], str] = {}

# (file, what was found) -> why machines, not people, read it.
ALLOWED: dict[tuple[str, str], str] = {
    ("passport/credentials/proofs.py", "%Y-%m-%dT%H:%M:%SZ"): (
        "XML Schema dateTime in a signed Verifiable Credential (validFrom, validUntil, proof created)"
    ),
    ("passport/credentials/keys.py", "%Y%m%d"): "the day in a signing key's id (key-20261202-...)",
    ("passport/metrics/benchmark.py", "%Y-%m"): (
        "ISO months of the published figures: the command line's import summary and the months held, "
        "which the published page writes with uk_month"
    ),
    ("passport/secondments/cli.py", "%Y-%m-%d"): "the command line's --today option is read as ISO 8601",
    ("passport/metrics/queries.py", "f-string of .month/.year"): (
        "month_label: the ISO month (2024-04) of the API, CSV downloads and chart axes; pages use "
        "Period.words and the uk_month filter"
    ),
    ("passport/reference/workforce.py", "f-string of .day/.month/.year"): (
        "esr_date_text: an XLSX date cell read as ESR's DD/MM/YYYY text, for parse_date; never shown"
    ),
    ("competencies/frameworks/case_conformance.py", "%Y-%m-%dT%H:%M:%SZ"): (
        "CASE 1.1 JSON dateTime (lastChangeDateTime) served under /ims/case/v1p1/"
    ),
}


def _parts_built_by_hand(node: ast.JoinedStr) -> set[str]:
    """The .day, .month and .year read in one f-string: a date written without formatting.py."""
    return {
        part.value.attr
        for part in node.values
        if isinstance(part, ast.FormattedValue)
        and isinstance(part.value, ast.Attribute)
        and part.value.attr in ("day", "month", "year")
    }


def date_formats_in_python(source: str) -> list[tuple[int, str]]:
    """Each date format written in this Python source, with its line: strftime patterns in strings and
    f-string format specs, strftime called with a pattern that is not written out, and f-strings that
    build a date from two or more of .day, .month and .year."""
    tree = ast.parse(source)
    docstrings = docstring_constants(tree)
    found: list[tuple[int, str]] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Constant) and isinstance(node.value, str) and id(node) not in docstrings:
            if DATE_DIRECTIVE.search(node.value):
                found.append((node.lineno, node.value))
        elif isinstance(node, ast.JoinedStr):
            parts = _parts_built_by_hand(node)
            if len(parts) >= 2:
                order = [name for name in ("day", "month", "year") if name in parts]
                found.append((node.lineno, "f-string of ." + "/.".join(order)))
        elif (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Attribute)
            and node.func.attr == "strftime"
            and not (node.args and isinstance(node.args[0], ast.Constant))
        ):
            found.append((node.lineno, "strftime with a pattern not written out"))
    return found


def _python_files() -> list[Path]:
    return [
        path for package in ("passport", "competencies") for path in sorted((ROOT / package).rglob("*.py"))
    ]


def _python_findings() -> list[tuple[str, int, str]]:
    findings = []
    for path in _python_files():
        name = path.relative_to(ROOT).as_posix()
        if name == FORMATTING:
            continue
        for line, text in date_formats_in_python(path.read_text(encoding="utf-8")):
            findings.append((name, line, text))
    return findings


def _allowed(name: str, text: str) -> bool:
    return any(name == file and what in text for file, what in ALLOWED)


def date_code_in_template(source: str) -> list[tuple[int, str]]:
    """Each line of a template that formats a date itself, or uses the machine filter outside a
    <time datetime="..."> attribute."""
    found = []
    for number, line in enumerate(source.splitlines(), start=1):
        outside_attribute = len(ISO_FILTER.findall(line)) > len(ISO_IN_ATTRIBUTE.findall(line))
        if TEMPLATE_DATE_CODE.search(line) or outside_attribute:
            found.append((number, line.strip()))
    return found


def _templates() -> list[Path]:
    return [p for p in sorted((ROOT / "templates").rglob("*")) if p.suffix in {".html", ".jinja", ".txt"}]


# --- The scans --------------------------------------------------------------------------------------


def _template_findings() -> list[tuple[str, int, str]]:
    return [
        (path.relative_to(ROOT).as_posix(), number, line)
        for path in _templates()
        for number, line in date_code_in_template(path.read_text(encoding="utf-8"))
    ]


def _pending(name: str, line: str) -> bool:
    return any(name == file and what in line for file, what in PENDING_TEMPLATES)


def test_no_template_writes_a_date_its_own_way():
    assert len(_templates()) > 50  # the scan reaches the templates
    hits = [
        f"{name}:{number}: {line[:150]}"
        for name, number, line in _template_findings()
        if not _pending(name, line)
    ]
    assert hits == [], "Use the uk_date, uk_date_time or uk_month filter:\n" + "\n".join(hits)


def test_no_code_writes_a_date_its_own_way():
    assert len(_python_files()) > 100  # the scan reaches the code
    hits = [f"{name}:{line}: {text!r}" for name, line, text in _python_findings() if not _allowed(name, text)]
    assert hits == [], (
        "Write dates for people with passport.formatting (uk_date, uk_date_time, uk_month); "
        "a machine format goes in ALLOWED with its reason:\n" + "\n".join(hits)
    )


def test_every_allowed_machine_format_is_still_there():
    """An allowance outlives its reason when the code changes: each must still match something."""
    findings = _python_findings()
    unused = [
        key for key in ALLOWED if not any(key[0] == name and key[1] in text for name, _, text in findings)
    ]
    assert unused == []


def test_every_pending_template_date_is_still_to_do():
    """Once a pending date is written with the filter, its entry in PENDING_TEMPLATES goes."""
    findings = _template_findings()
    done = [
        key
        for key in PENDING_TEMPLATES
        if not any(key[0] == name and key[1] in line for name, _, line in findings)
    ]
    assert done == [], "Converted: remove these from PENDING_TEMPLATES"


def test_the_scans_catch_what_they_are_for():
    caught = date_formats_in_python(
        "a = x.strftime('%d/%m/%Y')\n"
        "b = f'{day:%d %B %Y}'\n"
        "c = f'{day.day:02d}/{day.month:02d}/{day.year}'\n"
        "d = x.strftime(PATTERN)\n"
        "e = '%-d %b %Y'\n"
    )
    assert sorted(line for line, _ in caught) == [1, 2, 3, 4, 5]
    passed = date_formats_in_python(
        "import logging\n"
        "logging.info('%s rows, %d of %d', a, b, c)\n"
        "f'{n:,d} items, {share:.1f}%'\n"
        "f'{uk_date(day)} to {uk_date(other)}'\n"
        "f'{first.month} months'\n"
        "def f():\n    '''Written as %Y-%m-%d in a docstring.'''\n"
    )
    assert passed == []
    assert date_code_in_template('{{ x.strftime("%d/%m/%Y") }}')
    assert date_code_in_template("{{ x.isoformat() }}")
    assert date_code_in_template("<td>{{ x | iso }}</td>")
    assert not date_code_in_template('<time datetime="{{ x | iso }}">{{ x | uk_date }}</time> (50%)')


# --- The one way ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "written"),
    [
        (date(2026, 12, 2), "2 December 2026"),
        (date(2024, 4, 30), "30 April 2024"),
        (datetime(2026, 12, 2, 23, 30, tzinfo=UTC), "2 December 2026"),  # GMT: UTC is UK time
        (datetime(2026, 7, 1, 23, 30, tzinfo=UTC), "2 July 2026"),  # BST: already the next day in the UK
        (None, ""),
    ],
)
def test_a_date_is_day_month_year_without_a_leading_zero(value, written):
    assert uk_date(value) == written


@pytest.mark.parametrize(
    ("moment", "written"),
    [
        (datetime(2026, 12, 2, 14, 5, 9, tzinfo=UTC), "2 December 2026 at 14:05"),
        (datetime(2026, 7, 1, 9, 5, tzinfo=UTC), "1 July 2026 at 10:05"),  # BST
        (datetime(2026, 3, 29, 0, 59, tzinfo=UTC), "29 March 2026 at 00:59"),  # the hour before BST starts
        (datetime(2026, 3, 29, 1, 0, tzinfo=UTC), "29 March 2026 at 02:00"),  # and when it does
        (None, ""),
    ],
)
def test_a_time_is_the_date_at_uk_clock_time(moment, written):
    assert uk_date_time(moment) == written


@pytest.mark.parametrize(
    ("value", "written"),
    [
        (date(2024, 4, 1), "April 2024"),
        (date(2024, 4, 17), "April 2024"),
        ("2024-04", "April 2024"),
        (None, ""),
    ],
)
def test_a_month_figure_is_month_and_year(value, written):
    assert uk_month(value) == written


def test_machines_get_iso_8601():
    assert iso(date(2026, 12, 2)) == "2026-12-02"
    assert iso(datetime(2026, 7, 1, 9, 5, 7, 123456, tzinfo=UTC)) == "2026-07-01T09:05:07Z"
    assert iso(None) == ""


def test_templates_have_the_filters(app):
    env = app.jinja_env
    rendered = env.from_string(
        "{{ d | uk_date }}|{{ m | uk_date_time }}|{{ '2024-04' | uk_month }}|{{ d | iso }}|"
        "{{ none | uk_date }}"
    ).render(d=date(2026, 12, 2), m=datetime(2026, 12, 2, 14, 5, tzinfo=UTC))
    assert rendered == "2 December 2026|2 December 2026 at 14:05|April 2024|2026-12-02|"
