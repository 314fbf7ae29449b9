"""The escaping rule of docs/security.md ("Escaping"), checked on the templates themselves: every template
autoescapes (the NHS.UK macros' ``.jinja`` files included), and markup reaches a macro's ``html``
parameter only from our own templates, as a ``{% set %}`` block or one of our macros."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from flask import Flask, render_template_string

ROOT = Path(__file__).resolve().parents[2]
TEMPLATES = ROOT / "templates"
PAYLOAD = '<script>alert(1)</script><img src=x onerror=alert(1)><meta http-equiv="refresh" content="0">'

# An "html" parameter's value: a {% set %} block's name, or a call of one of our own macros.
OWN_MARKUP = re.compile(r"^(?:[a-z_][a-z0-9_]*|status_tag\([a-z_.]+\))$")
HTML_PARAMETER = re.compile(r"""["']html["']\s*:\s*([^,}\]]+)""")


def _autoescapes(app: Flask, name: str) -> bool:
    setting = app.jinja_env.autoescape
    return bool(setting(name) if callable(setting) else setting)


@pytest.mark.parametrize("name", ["nhsuk/components/tag/template.jinja", "layout.html", "x.txt", None])
def test_every_template_autoescapes(app: Flask, name: str | None) -> None:
    assert _autoescapes(app, name)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("source", "component"),
    [
        ('{% from "nhsuk/components/tag/macro.jinja" import tag %}{{ tag({"text": x}) }}', "tag"),
        (
            '{% from "nhsuk/components/inset-text/macro.jinja" import insetText %}'
            '{{ insetText({"text": x}) }}',
            "inset",
        ),
        (
            '{% from "nhsuk/components/summary-list/macro.jinja" import summaryList %}'
            '{{ summaryList({"rows": [{"key": {"text": x}, "value": {"text": x}}]}) }}',
            "summary list",
        ),
        (
            '{% from "nhsuk/components/checkboxes/macro.jinja" import checkboxes %}'
            '{{ checkboxes({"name": "c", "fieldset": {"legend": {"text": x}},'
            ' "items": [{"value": "1", "text": x}]}) }}',
            "checkboxes",
        ),
        (
            '{% from "nhsuk/components/back-link/macro.jinja" import backLink %}{{ backLink({"text": x}) }}',
            "back",
        ),
    ],
    ids=["tag", "inset-text", "summary-list", "checkboxes", "back-link"],
)
def test_nhsuk_macros_show_text_parameters_as_text(app: Flask, source: str, component: str) -> None:
    with app.test_request_context():
        html = render_template_string(source, x=PAYLOAD)
    assert "<script>" not in html and "<img" not in html and "<meta" not in html, component
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html, component


def test_our_own_markup_in_a_set_block_is_not_escaped_twice(app: Flask) -> None:
    source = (
        '{% from "nhsuk/components/inset-text/macro.jinja" import insetText %}'
        "{% set own_html %}<p><strong>Ours</strong> and {{ x }}</p>{% endset %}"
        '{{ insetText({"html": own_html}) }}'
    )
    with app.test_request_context():
        html = render_template_string(source, x=PAYLOAD)
    assert "<p><strong>Ours</strong> and &lt;script&gt;" in html and "<script>" not in html


def test_html_parameters_come_only_from_our_own_markup() -> None:
    """No template marks text safe, and every "html" parameter is a set block or one of our macros:
    a value a person typed can reach markup only through ``{{ }}``, which escapes it."""
    problems = []
    for path in sorted(TEMPLATES.rglob("*.html")):
        text = path.read_text(encoding="utf-8")
        where = path.relative_to(ROOT)
        if re.search(r"\|\s*safe\b|Markup\(|autoescape\s+false", text):
            problems.append(f"{where}: marks text safe")
        for match in HTML_PARAMETER.finditer(text):
            if not OWN_MARKUP.match(match.group(1).strip()):
                problems.append(f"{where}: html parameter {match.group(1).strip()!r}")
    assert problems == []


def test_no_python_module_marks_text_safe() -> None:
    found = [
        str(path.relative_to(ROOT))
        for folder in ("passport", "competencies")
        for path in (ROOT / folder).rglob("*.py")
        if re.search(r"\bMarkup\(|\|\s*safe\b", path.read_text(encoding="utf-8"))
    ]
    assert found == []
