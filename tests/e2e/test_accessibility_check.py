"""The accessibility check that every journey runs (tests/e2e/accessibility.py) finds what it must: a page
with known problems is reported, with its rule, impact, help, URL and elements, so the check cannot
silently pass."""

from __future__ import annotations

import pytest

from tests.e2e.accessibility import Auditor, analyse, heading_problems

PIXEL = "data:image/gif;base64,R0lGODlhAQABAAAAACw="
BROKEN = f"""<!DOCTYPE html><html lang="en"><head><title>Broken</title></head><body><main>
<h1>A page with problems</h1>
<h3>A level skipped</h3>
<img src="{PIXEL}" class="no-alt">
<h1>A second h1</h1>
<a href="/fine">Onwards</a>
</main></body></html>"""
FINE = """<!DOCTYPE html><html lang="en"><head><title>Fine</title></head><body><main>
<div role="alert" hidden><h4>Hidden headings do not count</h4></div>
<h2>An error summary may stand above the h1</h2>
<h1>A page without problems</h1><h2>Section</h2><h3>Part</h3><h2>Next section</h2>
<a href="/broken">Back</a>
</main></body></html>"""
ORIGIN = "http://a11y.example"  # answered by the test's own route: no server, no network


def _rules(problems) -> set[str]:  # type: ignore[no-untyped-def]
    return {problem.rule for problem in problems}


def test_heading_rules():
    def levels(*numbers: int) -> list[dict[str, object]]:
        return [{"level": number, "text": f"h{number}"} for number in numbers]

    assert heading_problems(levels(1, 2, 3, 2, 3, 4, 2)) == []
    assert heading_problems(levels(2, 1, 2)) == []  # an error summary's h2 above the h1
    assert heading_problems(levels(1, 3)) == ["h1 is followed by h3 'h3' (skips a level)"]
    assert heading_problems(levels(3, 1)) == ["h1 is followed by h3 'h3' (skips a level)"]
    assert heading_problems(levels(2, 3)) == ["0 h1 headings (exactly one wanted)"]
    assert heading_problems(levels(1, 2, 1)) == ["2 h1 headings (exactly one wanted): ['h1', 'h1']"]


def test_a_page_with_known_problems_is_reported(browser):
    context = browser.new_context()
    page = context.new_page()
    page.set_content(BROKEN)
    problems = analyse(page)
    assert {"image-alt", "heading-order-strict"} <= _rules(problems), problems
    image = next(problem for problem in problems if problem.rule == "image-alt")
    assert image.impact == "critical"
    assert image.targets == ("img",) or image.targets == (".no-alt",), image.targets
    headings = sorted(problem.help for problem in problems if problem.rule == "heading-order-strict")
    assert headings == [
        "2 h1 headings (exactly one wanted): ['A page with problems', 'A second h1']",
        "h1 is followed by h3 'A level skipped' (skips a level)",
    ]
    page.set_content(FINE)
    assert analyse(page) == []
    context.close()


@pytest.mark.parametrize("javascript", [True, False], ids=["with JavaScript", "without JavaScript"])
def test_every_page_a_journey_reaches_is_checked_once(browser, javascript):
    """A journey through two pages and back, under an auditor of its own (the test's own auditor sees
    none of it): the broken page is reported once, by its URL; the fine one not at all."""
    with Auditor().active() as auditor:
        context = browser.new_context(base_url=ORIGIN, java_script_enabled=javascript)
    pages = {"/broken": BROKEN, "/fine": FINE}
    context.route(
        f"{ORIGIN}/**",
        lambda route: route.fulfill(
            body=pages[route.request.url.removeprefix(ORIGIN)], content_type="text/html; charset=utf-8"
        ),
    )
    page = context.new_page()
    page.goto("/broken")
    page.get_by_role("link", name="Onwards").click()  # the broken page is analysed before it is left
    assert page.url == f"{ORIGIN}/fine"
    page.get_by_role("link", name="Back").click()
    page.get_by_role("link", name="Onwards").click()  # the same state again: not analysed twice
    context.close()  # the page still open is analysed as it closes

    suffix = "" if javascript else " (without JavaScript)"
    assert {problem.url for problem in auditor.problems} == {f"{ORIGIN}/broken{suffix}"}
    assert _rules(auditor.problems) == {"image-alt", "heading-order-strict"}
    assert len(auditor.problems) == 3  # once each: the second visit was not analysed again
    report = auditor.report()
    assert report is not None
    assert "3 accessibility problem(s)" in report
    assert f"{ORIGIN}/broken" in report
    assert "image-alt (critical): Images must have alternative text" in report
    assert "h1 is followed by h3 'A level skipped'" in report
    assert auditor.report() is None  # reported once


def test_an_exclusion_leaves_out_one_rule_on_one_selector_only(browser):
    context = browser.new_context()
    page = context.new_page()
    page.set_content(
        '<!DOCTYPE html><html lang="en"><head><title>Buttons</title></head><body><main><h1>Buttons</h1>'
        '<button id="plain" aria-label="Go">Submit the form</button>'
        '<button id="upload" class="nhsuk-file-upload__drop-button" aria-label="Go">Submit the form</button>'
        f'<button class="nhsuk-file-upload__drop-button"><img src="{PIXEL}"></button>'
        "</main></body></html>"
    )
    problems = analyse(page)
    mismatch = [problem for problem in problems if problem.rule == "label-content-name-mismatch"]
    assert [problem.targets for problem in mismatch] == [("#plain",)]
    # Another rule on an element of the excluded selector is still reported.
    assert any(problem.rule in {"button-name", "image-alt"} for problem in problems), problems
    context.close()
