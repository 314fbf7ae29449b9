"""The first journey: sign in, see what your role can do, sign out; and a wrong password, by keyboard."""

from __future__ import annotations

import re

from playwright.sync_api import expect

from tests.e2e.conftest import sign_in


def test_hr_signs_in_sees_her_home_and_signs_out(page):
    page.goto("/")
    expect(page).to_have_url(re.compile(r"/sign-in"))
    sign_in(page, "hr@rpg.example")
    expect(page.get_by_role("heading", level=1)).to_contain_text("Hello")
    expect(page.get_by_text("You are signed in for Oxleas NHS Foundation Trust.")).to_be_visible()
    expect(page.get_by_role("main").get_by_role("link", name=re.compile("Audit log"))).to_be_visible()
    # The header's navigation offers her the parts of the service HR uses, and no admin's.
    navigation = page.get_by_role("navigation", name="Menu")
    expect(navigation.get_by_role("link", name="Staff records")).to_be_visible()
    expect(navigation.get_by_role("link", name="Trusts")).to_have_count(0)
    page.get_by_role("button", name="Sign out").click()
    expect(page).to_have_url(re.compile(r"/sign-in"))
    expect(page.get_by_text("You have signed out.")).to_be_visible()
    page.goto("/")
    expect(page).to_have_url(re.compile(r"/sign-in"))


def test_wrong_password_shows_the_error_summary_and_keyboard_reaches_the_field(page):
    page.goto("/sign-in")
    page.keyboard.press("Tab")
    expect(page.get_by_role("link", name="Skip to main content")).to_be_focused()
    page.get_by_label("Email address").fill("nurse@rpg.example")
    page.get_by_label("Password").fill("not-the-right-password")
    page.get_by_label("Password").press("Enter")
    summary = page.locator(".nhsuk-error-summary")
    expect(summary).to_be_visible()
    expect(summary).to_contain_text("Your email address or password is not right")
    expect(page).to_have_title(re.compile("^Error: "))


def test_nhsuk_styles_load_from_our_own_server(page, live_server):
    requests: list[str] = []
    page.on("request", lambda request: requests.append(request.url))
    page.goto("/sign-in")
    background = page.locator("header.nhsuk-header").evaluate("el => getComputedStyle(el).backgroundColor")
    assert background == "rgb(0, 94, 184)"  # NHS blue: the NHS.UK stylesheet is applied
    assert all(url.startswith(live_server) for url in requests), requests
