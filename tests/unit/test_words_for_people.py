"""People are named, not gendered, and numbers are written for people (issue 15).

Scans every template and every string in the code that can reach a person (pages, flash messages,
errors, emails, API descriptions): docstrings and comments are for developers and are left out.
"""

from __future__ import annotations

import ast
import re
from decimal import Decimal
from pathlib import Path

import pytest

from passport.formatting import plain_number
from tests.support.source_text import docstring_constants

ROOT = Path(__file__).resolve().parents[2]
GENDERED = re.compile(r"\b(she|her|hers|herself|he|him|his|himself)\b", re.IGNORECASE)


def _code_strings() -> list[tuple[str, str]]:
    strings = []
    for package in ("passport", "competencies"):
        for path in sorted((ROOT / package).rglob("*.py")):
            tree = ast.parse(path.read_text(encoding="utf-8"))
            docstrings = docstring_constants(tree)
            for node in ast.walk(tree):
                if (
                    isinstance(node, ast.Constant)
                    and isinstance(node.value, str)
                    and id(node) not in docstrings
                ):
                    strings.append((f"{path.relative_to(ROOT)}:{node.lineno}", node.value))
    return strings


def test_no_template_calls_a_person_he_or_she():
    templates = [p for p in (ROOT / "templates").rglob("*") if p.suffix in {".html", ".jinja", ".txt"}]
    assert len(templates) > 50  # the scan reaches the templates
    hits = [
        f"{path.relative_to(ROOT)}:{number}: {line.strip()[:100]}"
        for path in templates
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1)
        if GENDERED.search(line)
    ]
    assert hits == [], "\n".join(hits)


def test_no_message_in_the_code_calls_a_person_he_or_she():
    strings = _code_strings()
    assert len(strings) > 1000
    hits = [f"{where}: {text[:100]!r}" for where, text in strings if GENDERED.search(text)]
    assert hits == [], "\n".join(hits)


def test_the_scan_catches_what_it_is_for():
    assert GENDERED.search("Check her fit") and GENDERED.search("He is seconded") and GENDERED.search("HIS")
    assert not GENDERED.search("There is a problem: the shelf, the hero, these checks, this")


@pytest.mark.parametrize(
    ("value", "written"),
    [
        (Decimal("100.00"), "100"),
        (Decimal("1E+2"), "100"),
        (Decimal("0.80"), "0.8"),
        (Decimal("37.50"), "37.5"),
        (Decimal("1250"), "1,250"),
        (0.6, "0.6"),
        (12, "12"),
        (None, ""),
    ],
)
def test_numbers_are_written_without_exponents_or_trailing_zeros(value, written):
    assert plain_number(value) == written
