"""The frameworks journey: an admin imports a CASE file, browses its tree and an item, publishes it, and
the published framework is served by the CASE endpoint; the demo frameworks are there too. She then starts
version 2, rewords an item, and the comparison page marks the words taken out and put in."""

from __future__ import annotations

import re
from pathlib import Path

from playwright.sync_api import expect

from tests.e2e.conftest import sign_in

SAMPLE = Path("/work/shared/data/case-samples/opensalt-framework-20c5134f.json")


def test_admin_imports_browses_and_publishes(page):
    sign_in(page, "admin@partnership.example")
    page.get_by_role("link", name=re.compile("Competency frameworks")).first.click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Competency frameworks")
    expect(page.get_by_role("link", name="Band 5 Registered Nurse core competencies")).to_be_visible()
    page.get_by_role("button", name="Import a CASE package").click()
    page.get_by_label("CASE package file").set_input_files(str(SAMPLE))
    page.get_by_role("button", name="Import").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("What Standards Could Be, version 1")
    expect(page.get_by_text("Draft", exact=True)).to_be_visible()
    tree = page.locator(".framework-tree").first
    expect(tree).to_be_visible()
    # Children are in closed details: the keyboard opens them (Enter on the summary) and shows their links.
    children = tree.locator("details").first
    expect(children).not_to_have_attribute("open", "")
    children.locator(":scope > summary").focus()
    page.keyboard.press("Enter")
    expect(children).to_have_attribute("open", "")
    expect(children.get_by_role("link").first).to_be_visible()
    first_item = tree.get_by_role("link").first
    first_item.click()
    expect(page.get_by_role("heading", level=2, name="Associations")).to_be_visible()
    expect(page.get_by_text("isChildOf").first).to_be_visible()
    page.go_back()
    page.get_by_label("Search items by code or words").fill("6.RP.A unit rate")
    page.get_by_role("button", name="Search").click()
    expect(page.get_by_role("heading", name=re.compile("2 items matching"))).to_be_visible()
    page.get_by_role("link", name="Show the whole framework").click()
    page.get_by_role("button", name="Publish version 1").click()
    # Publishing asks first; Cancel goes back to the draft, unchanged.
    expect(page.get_by_role("heading", level=1)).to_have_text("Publish What Standards Could Be version 1?")
    page.get_by_role("link", name="Cancel").click()
    expect(page.get_by_text("Draft", exact=True)).to_be_visible()
    page.get_by_role("button", name="Publish version 1").click()
    page.get_by_role("button", name="Yes, publish version 1").click()
    expect(page.get_by_text("Version 1 is published")).to_be_visible()
    expect(page.get_by_role("button", name="Publish version 1")).to_have_count(0)
    document_id = "20c5134f-423d-4097-a971-3dd5152bf507"
    response = page.request.get(f"/ims/case/v1p1/CFPackages/{document_id}")
    assert response.status == 200 and response.json()["CFDocument"]["identifier"] == document_id
    reword_in_a_new_version_and_compare(page)


ORIGINAL = "Solve unit rate problems including those involving unit pricing and constant speed."
REWORDED = "Solve unit rate problems including those involving unit pricing and average speed."


def reword_in_a_new_version_and_compare(page) -> None:  # type: ignore[no-untyped-def]
    """From version 1's page: start version 2, reword one item, and open the comparison of the two."""
    page.locator(".nhsuk-caption-l").get_by_role("link", name="What Standards Could Be").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("What Standards Could Be")
    page.get_by_label("New version label").fill("2")
    page.get_by_role("button", name="Start new version").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("What Standards Could Be, version 2")
    page.get_by_label("Search items by code or words").fill("unit pricing")
    page.get_by_role("button", name="Search").click()
    page.get_by_role("link", name=re.compile("Solve unit rate problems")).click()
    page.get_by_role("link", name="Edit this item").click()
    expect(page.get_by_label("Full statement")).to_have_value(ORIGINAL)
    page.get_by_label("Full statement").fill(REWORDED)
    page.get_by_role("button", name="Save item").click()
    expect(page.get_by_text("Item saved.")).to_be_visible()
    page.locator(".nhsuk-caption-l").get_by_role("link").click()
    page.get_by_role("link", name="What changed since version 1").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("What changed from version 1 to version 2")
    expect(page.get_by_text(re.compile(r"^0 added, 0 removed, 1 reworded, \d+ unchanged\.$"))).to_be_visible()
    rows = page.locator(".framework-diff tbody tr")
    expect(rows).to_have_count(1)
    before, after = rows.locator("td").nth(0), rows.locator("td").nth(1)
    # The earlier statement: the word taken out is a del, announced as "removed:" (text hidden on screen).
    removed = before.locator("del")
    expect(removed).to_have_count(1)
    expect(removed).to_have_text("removed: constant")
    expect(removed.locator(".nhsuk-u-visually-hidden")).to_have_text("removed:")
    expect(before.locator("ins")).to_have_count(0)
    expect(before).to_contain_text("unit pricing and")
    # The later statement: the word put in is an ins, announced as "added:".
    added = after.locator("ins")
    expect(added).to_have_count(1)
    expect(added).to_have_text("added: average")
    expect(added.locator(".nhsuk-u-visually-hidden")).to_have_text("added:")
    expect(after.locator("del")).to_have_count(0)
    # What assistive technology is given (the deletion and insertion roles), and what a sighted reader
    # sees: struck through and underlined, the "removed:"/"added:" text clipped out of sight.
    expect(page.get_by_role("deletion")).to_have_text("removed: constant")
    expect(page.get_by_role("insertion")).to_have_text("added: average")
    assert "line-through" in removed.evaluate("e => getComputedStyle(e).textDecorationLine")
    assert "underline" in added.evaluate("e => getComputedStyle(e).textDecorationLine")
    hidden_box = removed.locator(".nhsuk-u-visually-hidden").bounding_box()
    assert hidden_box is not None and hidden_box["width"] <= 1 and hidden_box["height"] <= 1
    remove_the_reworded_item(page)


def remove_the_reworded_item(page) -> None:  # type: ignore[no-untyped-def]
    """Removing an item from the draft asks first, naming what goes with it; Cancel keeps it."""
    page.go_back()
    page.get_by_label("Search items by code or words").fill("unit pricing")
    page.get_by_role("button", name="Search").click()
    page.get_by_role("link", name=re.compile("Solve unit rate problems")).click()
    page.get_by_role("button", name="Remove this item from the draft").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(re.compile(r"^Remove .+ from the draft\?$"))
    expect(page.get_by_text(re.compile("which it replaces"))).to_be_visible()
    expect(
        page.get_by_text(re.compile("comparing this draft with version 1 will show it as removed"))
    ).to_be_visible()
    page.get_by_role("link", name="Cancel").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text(REWORDED[:40])
    page.get_by_role("button", name="Remove this item from the draft").click()
    page.get_by_role("button", name=re.compile(r"^Yes, remove .+ from the draft$")).click()
    expect(page.get_by_text(re.compile("is removed from this draft"))).to_be_visible()
    page.get_by_role("link", name="What changed since version 1").click()
    expect(page.get_by_text(re.compile(r"^0 added, 1 removed, 0 reworded, \d+ unchanged\.$"))).to_be_visible()


def test_a_broken_upload_shows_its_problems(page, tmp_path):
    broken = tmp_path / "broken.json"
    broken.write_text('{"CFItems": [}')
    sign_in(page, "admin@partnership.example")
    page.goto("/frameworks/import")
    page.get_by_label("CASE package file").set_input_files(str(broken))
    page.get_by_role("button", name="Import").click()
    expect(page.locator(".nhsuk-error-summary")).to_be_visible()
    expect(page.get_by_role("table", name="Problems in the package")).to_contain_text("not valid JSON")
