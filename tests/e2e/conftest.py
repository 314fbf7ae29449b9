"""End-to-end tests: the real app served on a free local port, driven by Debian's chromium.

The server is a separate process on its own migrated SQLite database holding the demo partnership,
with a background worker process beside it on an SQLite queue, exactly as ``make run`` makes them.
Browsers cannot be downloaded here, so Playwright drives the system
chromium through ``executable_path``. Without chromium these tests are skipped, except in CI.

Every page state a journey reaches is checked with axe-core (WCAG 2.2 A and AA) and for heading order
(tests/e2e/accessibility.py): a problem fails the test that met it.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import requests
from sqlalchemy import create_engine
from sqlalchemy.orm import Session

from tests.e2e.accessibility import Auditor, axe_source, install

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]
DEMO_PASSWORD = "demo-passport-2026"


def pytest_collection_modifyitems(items):  # type: ignore[no-untyped-def]
    for item in items:
        if "tests/e2e/" in str(item.fspath):
            item.add_marker(pytest.mark.e2e)


AUDITOR = pytest.StashKey[Auditor]()
BODY_PASSED = pytest.StashKey[bool]()


@pytest.fixture(autouse=True)
def accessibility(request):  # type: ignore[no-untyped-def]
    """The test's auditor: it watches every browser context the test makes (tests/e2e/accessibility.py)."""
    auditor = Auditor()
    request.node.stash[AUDITOR] = auditor
    with auditor.active():
        yield auditor
    # Pages closed by fixtures after the test body were analysed as they closed.
    report = auditor.report()
    if report and request.node.stash.get(BODY_PASSED, False):
        pytest.fail(report, pytrace=False)


@pytest.hookimpl(wrapper=True)
def pytest_runtest_call(item):  # type: ignore[no-untyped-def]
    """When the test body passed: the pages still open are analysed, and any problem found in the test fails
    it (as the test's own failure, not its teardown's)."""
    result = yield
    auditor = item.stash.get(AUDITOR, None)
    if auditor is not None:
        auditor.audit_open_pages()
        report = auditor.report()
        if report:
            pytest.fail(report, pytrace=False)
    item.stash[BODY_PASSED] = True
    return result


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@dataclass(frozen=True)
class LiveService:
    url: str  # also PASSPORT_PUBLIC_URL: the DIDs, status lists and context of its credentials name it
    database_url: str  # for what a test needs behind the scenes (an API token), never for assertions


@pytest.fixture(scope="session")
def live_service(tmp_path_factory) -> Iterator[LiveService]:  # type: ignore[no-untyped-def]
    folder = tmp_path_factory.mktemp("live")
    # Not 5000: links, QR codes and DIDs must follow the port actually served (PORT), as with make run.
    port = _free_port()
    env = {
        **os.environ,
        "PORT": str(port),
        "PASSPORT_DATABASE_URL": f"sqlite:///{folder}/live.sqlite3",
        "PASSPORT_QUEUE_URL": f"sqlite:///{folder}/queue.sqlite3",
        "PASSPORT_DEMO_PASSWORD": DEMO_PASSWORD,
        "PASSPORT_ENV": "development",
        # The journeys sign the same demo people in many times a minute from one address.
        "PASSPORT_SIGN_IN_RATE_LIMIT": "1000 per minute",
        "PASSPORT_SIGN_IN_ADDRESS_RATE_LIMIT": "1000 per minute",
    }
    env.pop("PASSPORT_TEST_DATABASE_URL", None)
    # The public URL follows PORT, so did:web DIDs and status lists resolve to this server.
    env.pop("PASSPORT_PUBLIC_URL", None)
    bin_dir = Path(sys.executable).parent
    subprocess.run(
        [bin_dir / "alembic", "upgrade", "head"], cwd=ROOT, env=env, check=True, capture_output=True
    )
    subprocess.run(
        [bin_dir / "flask", "--app", "wsgi", "passport", "seed-demo"],
        cwd=ROOT,
        env=env,
        check=True,
        capture_output=True,
    )
    # Their logs stay in the session's temporary folder (pytest keeps the last few) for a failure's story.
    server = subprocess.Popen(
        [bin_dir / "flask", "--app", "wsgi", "run", "--port", str(port)],
        cwd=ROOT,
        env=env,
        stdout=(folder / "server.log").open("wb"),
        stderr=subprocess.STDOUT,
    )
    worker = subprocess.Popen(
        [bin_dir / "flask", "--app", "wsgi", "passport", "worker", "--threads", "1"],
        cwd=ROOT,
        env=env,
        stdout=(folder / "worker.log").open("wb"),
        stderr=subprocess.STDOUT,
    )
    base_url = f"http://127.0.0.1:{port}"
    try:
        for _ in range(100):
            try:
                with urllib.request.urlopen(f"{base_url}/healthz", timeout=1):  # noqa: S310 (our own server)
                    break
            except OSError:
                time.sleep(0.1)
        else:
            raise RuntimeError("the app did not start")
        yield LiveService(base_url, env["PASSPORT_DATABASE_URL"])
    finally:
        for process in (server, worker):
            process.terminate()
        for process in (server, worker):
            process.wait(timeout=10)


@pytest.fixture(scope="session")
def live_server(live_service: LiveService) -> str:
    return live_service.url


@pytest.fixture(scope="session")
def browser():  # type: ignore[no-untyped-def]
    if not CHROMIUM:
        if os.environ.get("CI"):
            pytest.fail("chromium is not installed; `make test` installs it with apt-get")
        pytest.skip("chromium is not installed (apt-get install chromium)")
    axe_source()  # fails, never skips, when axe-core is not installed
    from playwright.sync_api import sync_playwright

    uninstall = install()
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        yield browser
        browser.close()
    uninstall()


@pytest.fixture
def page(browser, live_server):  # type: ignore[no-untyped-def]
    context = browser.new_context(base_url=live_server)
    page = context.new_page()
    errors: list[str] = []

    def on_console(message):  # type: ignore[no-untyped-def]
        # A page answered with a 4xx on purpose (a refused sign-in) is logged by chromium too; failed
        # sub-resources are caught below instead, by their own responses.
        if message.type == "error" and not message.text.startswith("Failed to load resource"):
            errors.append(message.text)

    def on_response(response):  # type: ignore[no-untyped-def]
        if response.status >= 400 and response.request.resource_type != "document":
            errors.append(f"{response.status} for {response.url}")

    page.on("console", on_console)
    page.on("response", on_response)
    yield page
    context.close()
    assert not errors, f"the browser reported errors: {errors}"


def sign_in(page, email: str, password: str = DEMO_PASSWORD) -> None:  # type: ignore[no-untyped-def]
    page.goto("/sign-in")
    page.get_by_label("Email address").fill(email)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in").click()


@pytest.fixture(scope="session")
def api(live_service: LiveService):  # type: ignore[no-untyped-def]
    """Calls the live API as one of the demo accounts, with an API token made for the test."""
    from passport.auth.operations import create_api_token, find_user_by_email

    # The server's own jobs may hold SQLite's write lock for a moment: wait for it rather than fail.
    engine = create_engine(live_service.database_url, connect_args={"timeout": 30})
    tokens: dict[str, str] = {}

    def call(email: str, method: str, path: str, **kwargs: Any) -> requests.Response:
        if email not in tokens:
            with Session(engine) as session:
                user = find_user_by_email(session, email)
                assert user is not None, email
                _token, tokens[email] = create_api_token(session, user, "e2e test")
                session.commit()
        headers = {"Authorization": f"Bearer {tokens[email]}", "Accept": "application/json"}
        return requests.request(method, live_service.url + path, headers=headers, timeout=30, **kwargs)

    yield call
    engine.dispose()


# What the RQY demo accounts do through the API, for tests that need credentials of their own (the demo
# nurse's own are shared by every browser test and left as they are).
RQY_HR, RQY_NURSE = "hr@rqy.example", "nurse@rqy.example"


def issue_training(api: Any, subject_code: str, completed_on: str) -> dict[str, Any]:
    """A level 1 training credential issued by RQY's HR to RQY's demo nurse: the API's answer."""
    response = api(
        RQY_HR,
        "POST",
        "/api/v1/credentials",
        json={
            "staff_email": RQY_NURSE,
            "credential_type": "mandatory-training",
            "subject": {"subject_code": subject_code, "level": 1, "completed_on": completed_on},
        },
    )
    assert response.status_code == 201, response.text
    return response.json()


def change_status(api: Any, credential: dict[str, Any], action: str, reason: str | None = None) -> None:
    """Suspend, revoke or reinstate one of RQY's credentials through the API."""
    body = {"reason": reason} if reason else {}
    response = api(RQY_HR, "POST", f"/api/v1/credentials/{credential['id']}/{action}", json=body)
    assert response.status_code == 200, response.text


def create_share_link(page: Any, trust: str = "RV5") -> str:  # type: ignore[no-untyped-def]
    """As the signed-in nurse: share what is current (the form preselects it) with ``trust``; the link."""
    page.goto("/passport/share")
    page.get_by_label("Which trust are you showing it to? (optional)").select_option(trust)
    page.get_by_role("button", name="Create link").click()
    page.get_by_role("heading", name="Your link is ready").wait_for()
    return page.locator("#share-link").inner_text()
