"""Load: the service as deployed, with people using it while an import runs and a worker dies.

Two gunicorn instances (gunicorn.conf.py, one process of 4 threads each) and two workers, on a
PostgreSQL database with the demo partnership and Redis as broker and rate-limit store, all on this
machine (127.0.0.1 only). For ``--seconds`` (60), ``--people`` (20) simulated people, each signed in
with a session cookie and pausing 0.3-1.5 s between actions, alternate between the two instances:
- nurses open their passport and share it (a new share link each time);
- HR open shared passports (the verification page) and upload an ESR assignments file (20,000 rows)
  through the API, which must answer at once while the import runs as a job;
- directors open the dashboard.
Half way through an import (at most a third of the way in), every worker is SIGKILLed; they are
started again once their heartbeats are stale, and finish what was cut short. Afterwards: requests a
second, p50/p99 per kind of request, errors (anything >= 400 but the deliberate 429s), a timeline of
page views beside the jobs, and for every upload and share whether its rows were stored exactly once.
Goal (issue 12): no errors but 429s, nothing lost or doubled, p99 of page views under 300 ms while the
import runs, uploads answered in under 1 s.

Run: .venv/bin/python bench/bench_load.py [--seconds 60] [--people 20] [--rows 20000]
Needs PostgreSQL (PASSPORT_TEST_POSTGRES_URL) and Redis (PASSPORT_TEST_REDIS_URL; it flushes db 14).
"""

from __future__ import annotations

import argparse
import random
import re
import statistics
import sys
import tempfile
import threading
import time
from collections import defaultdict
from datetime import UTC, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import requests  # noqa: E402
from sqlalchemy import text  # noqa: E402

from tests.support.esr_csv import ASSIGNMENT_HEADER, assignment, csv_bytes  # noqa: E402
from tests.support.live_stack import DEMO_PASSWORD, Stack, live_stack  # noqa: E402

STALE_SECONDS = 5
CSRF = re.compile(r'name="csrf_token" type="hidden" value="([^"]+)"|name="csrf_token" value="([^"]+)"')
SHARE_LINK = re.compile(r"(/v/[A-Za-z0-9_-]{20,})")
CREDENTIAL_BOX = re.compile(
    r'name="credential_ids"[^>]*value="(\d+)"|value="(\d+)"[^>]*name="credential_ids"'
)


class Recorder:
    def __init__(self, people: int) -> None:
        # Everyone signs in first (hashing 40 passwords at once is not a page view), then all start.
        self.gate = threading.Barrier(people + 1)
        self.lock = threading.Lock()
        self.timings: dict[str, list[float]] = defaultdict(list)
        self.errors: list[str] = []
        self.limited = 0
        self.shares_made: list[str] = []
        self.uploads: list[tuple[str, int, str]] = []  # (job location, rows, assignment prefix)
        self.began = time.perf_counter()
        self.page_views: list[tuple[float, float]] = []  # (seconds since the start, seconds taken)

    def start_together(self, seconds: float, rng: random.Random) -> float:
        """Wait until everyone is signed in, then for a pause of one's own (people do not all click at
        the same instant); answer when this person's ``seconds`` are up."""
        self.gate.wait(120)
        time.sleep(rng.uniform(0, 1.5))
        return time.monotonic() + seconds

    def timed(self, kind: str, call, *args, **kwargs):  # type: ignore[no-untyped-def]
        """``call(*args, **kwargs)``, timed and its answer counted under ``kind``."""
        started = time.perf_counter()
        try:
            response = call(*args, **kwargs)
        except requests.RequestException as error:
            with self.lock:
                self.errors.append(f"{kind}: {error}")
            return None
        elapsed = time.perf_counter() - started
        with self.lock:
            self.timings[kind].append(elapsed)
            if "upload" not in kind:
                self.page_views.append((started - self.began, elapsed))
            if response.status_code == 429:
                self.limited += 1
            elif response.status_code >= 400:
                self.errors.append(f"{kind}: {response.status_code} {response.url}")
        return response


def _csrf(html: str) -> str:
    match = CSRF.search(html)
    assert match, "no CSRF token on the page"
    return match.group(1) or match.group(2)


def signed_in(base: str, email: str) -> requests.Session:
    browser = requests.Session()
    token = _csrf(browser.get(f"{base}/sign-in", timeout=30).text)
    answer = browser.post(
        f"{base}/sign-in",
        data={"csrf_token": token, "email": email, "password": DEMO_PASSWORD},
        allow_redirects=False,
        timeout=30,
    )
    assert answer.status_code == 302, (email, answer.status_code)
    return browser


def nurse(stack: Stack, rec: Recorder, email: str, seconds: float, rng: random.Random) -> None:
    browsers = [signed_in(base, email) for base in stack.web]
    stop = rec.start_together(seconds, rng)
    turn = 0
    while time.monotonic() < stop:
        base, browser = stack.web[turn % 2], browsers[turn % 2]
        turn += 1
        rec.timed("nurse: passport page", browser.get, f"{base}/passport", timeout=30)
        form = rec.timed("nurse: share page", browser.get, f"{base}/passport/share", timeout=30)
        if form is not None and form.status_code == 200:
            ids = [a or b for a, b in CREDENTIAL_BOX.findall(form.text)]
            data = {"csrf_token": _csrf(form.text), "credential_ids": ids[:5], "hours": "24"}
            made = rec.timed(
                "nurse: share (POST)", browser.post, f"{base}/passport/share", data=data, timeout=30
            )
            link = SHARE_LINK.search(made.text) if made is not None and made.status_code == 200 else None
            if link:
                with rec.lock:
                    rec.shares_made.append(link.group(1))
        time.sleep(rng.uniform(0.3, 1.5))


def hr(
    stack: Stack,
    rec: Recorder,
    email: str,
    seconds: float,
    rng: random.Random,
    upload: bytes | None,
    prefix: str,
) -> None:
    browsers = [signed_in(base, email) for base in stack.web]
    stop = rec.start_together(seconds, rng)
    turn = 0
    while time.monotonic() < stop:
        base, browser = stack.web[turn % 2], browsers[turn % 2]
        turn += 1
        if upload is not None and turn == 3:
            answer = rec.timed(
                "hr: ESR upload (answer)",
                stack.api,
                turn % 2,
                "POST",
                "/api/v1/imports/assignments",
                user=email,
                files={"file": (f"{prefix}.csv", upload, "text/csv")},
            )
            if answer is not None and answer.status_code == 202:
                with rec.lock:
                    rec.uploads.append((answer.headers["Location"], upload.count(b"\n") - 1, prefix))
            continue
        with rec.lock:
            link = rng.choice(rec.shares_made) if rec.shares_made else None
        if link:
            rec.timed("hr: shared passport page", browser.get, base + link, timeout=30)
        time.sleep(rng.uniform(0.3, 1.5))


def director(stack: Stack, rec: Recorder, email: str, seconds: float, rng: random.Random) -> None:
    browsers = [signed_in(base, email) for base in stack.web]
    stop = rec.start_together(seconds, rng)
    turn = 0
    while time.monotonic() < stop:
        base, browser = stack.web[turn % 2], browsers[turn % 2]
        turn += 1
        rec.timed("director: dashboard", browser.get, f"{base}/metrics", timeout=30)
        time.sleep(rng.uniform(0.3, 1.5))


def upload_file(rows: int, first_number: int, org: str, prefix: str) -> bytes:
    lines = [
        assignment(f"{first_number + n}-1", f"load{first_number + n}@{prefix}.example", **{"Org Code": org})
        for n in range(rows)
    ]
    return csv_bytes(lines, ASSIGNMENT_HEADER)


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(share * (len(ordered) - 1))))]


def print_timeline(rec: Recorder, killed_at: float, restarted_at: float, window: float = 5.0) -> None:
    """Page views (all kinds) by the time they started, to see what the slow ones coincide with."""
    print("\n| from s | page views | p50 ms | p99 ms | over 300 ms | what happened |")
    print("| --- | --- | --- | --- | --- | --- |")
    windows: dict[int, list[float]] = defaultdict(list)
    for at, took in rec.page_views:
        windows[int(at // window)].append(took)
    for index in sorted(windows):
        took = windows[index]
        low, high = index * window, (index + 1) * window
        events = [
            label
            for label, at in (("workers killed", killed_at), ("workers started", restarted_at))
            if low <= at < high
        ]
        print(
            f"| {low:.0f} | {len(took)} | {statistics.median(took) * 1000:.0f} | "
            f"{percentile(took, 0.99) * 1000:.0f} | {sum(t > 0.3 for t in took)} | {', '.join(events)} |"
        )


def print_jobs(stack: Stack, began: datetime) -> tuple[float, float] | None:
    """Every background job of the run: what the workers were doing while the pages were timed."""
    print("\n| job | kind | status | attempts | first queued s | last started s | finished s |")
    print("| --- | --- | --- | --- | --- | --- | --- |")
    with stack.engine.connect() as connection:
        rows = connection.execute(
            text(
                "SELECT id, kind, status, attempts, created_at, started_at, finished_at"
                " FROM background_job ORDER BY id"
            )
        ).all()

    def offset(moment: datetime | None) -> str:
        if moment is None:
            return ""
        moment = moment if moment.tzinfo else moment.replace(tzinfo=UTC)
        return f"{(moment - began).total_seconds():.1f}"

    for row in rows:
        print(
            f"| {row.id} | {row.kind} | {row.status} | {row.attempts} | {offset(row.created_at)} | "
            f"{offset(row.started_at)} | {offset(row.finished_at)} |"
        )
    imports = [row for row in rows if row.kind == "esr_import" and row.finished_at is not None]
    if not imports:
        return None
    # From the first upload's job to the last import's end (a killed one's first run included).
    return (
        float(offset(min(row.created_at for row in imports))),
        float(offset(max(row.finished_at for row in imports))),
    )


def print_while_importing(rec: Recorder, window: tuple[float, float] | None) -> None:
    if window is None:
        print("- no import finished: no figures for page views while importing")
        return
    low, high = window
    took = [took for at, took in rec.page_views if low <= at <= high]
    if took:
        print(
            f"\n- page views while the imports ran ({low:.0f}-{high:.0f} s): {len(took)}, "
            f"p50 {statistics.median(took) * 1000:.0f} ms, p99 {percentile(took, 0.99) * 1000:.0f} ms, "
            f"max {max(took) * 1000:.0f} ms"
        )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--seconds", type=float, default=60)
    parser.add_argument("--people", type=int, default=20)
    parser.add_argument("--rows", type=int, default=20_000)
    args = parser.parse_args()
    with (
        tempfile.TemporaryDirectory(prefix="bench-load-") as folder,
        live_stack(
            Path(folder),
            PASSPORT_JOB_STALE_SECONDS=str(STALE_SECONDS),
            # The bench signs 20 people in from one address; the real limits are tested elsewhere.
            PASSPORT_SIGN_IN_ADDRESS_RATE_LIMIT="1000 per minute",
            PASSPORT_SIGN_IN_RATE_LIMIT="1000 per minute",  # several simulated people share a demo account
        ) as stack,
    ):
        started = time.perf_counter()
        stack.flask("seed-demo")
        print(f"- demo partnership loaded into PostgreSQL in {time.perf_counter() - started:.1f} s")
        stack.add_tokens(
            {"admin": "admin@partnership.example"}
            | {f"hr@{org}.example": f"hr@{org}.example" for org in ("rpg", "rv5", "rqy")}
        )
        stack.start_web(2)
        for _ in range(2):
            stack.start_worker()
        rec = Recorder(args.people)
        # One share exists before HR start looking.
        nurse_browser = signed_in(stack.web[0], "nurse@rpg.example")
        form = nurse_browser.get(f"{stack.web[0]}/passport/share", timeout=30)
        ids = [a or b for a, b in CREDENTIAL_BOX.findall(form.text)]
        made = nurse_browser.post(
            f"{stack.web[0]}/passport/share",
            data={"csrf_token": _csrf(form.text), "credential_ids": ids, "hours": "24"},
        )
        first_link = SHARE_LINK.search(made.text)
        if first_link:
            rec.shares_made.append(first_link.group(1))
        shares_before = stack.scalar("SELECT count(*) FROM passport_share")

        people = []
        orgs = ("rpg", "rv5", "rqy")
        for n in range(args.people):
            org = orgs[n % 3]
            role = ("nurse", "hr", "director")[n % 3]
            person_rng = random.Random(n)
            if role == "nurse":
                target, extra = nurse, (f"nurse@{org}.example", args.seconds, person_rng)
            elif role == "hr":
                uploads_left = n < 9  # one upload from each trust's HR
                content = (
                    upload_file(args.rows, 60_000_000 + n * 100_000, org.upper(), f"load-{n}")
                    if uploads_left
                    else None
                )
                target, extra = hr, (f"hr@{org}.example", args.seconds, person_rng, content, f"load-{n}")
            else:
                target, extra = director, (f"director@{org}.example", args.seconds, person_rng)
            people.append(threading.Thread(target=target, args=(stack, rec, *extra)))
        for person in people:
            person.start()
        rec.gate.wait(120)  # everyone signed in: the timed minute starts
        began = time.monotonic()
        began_wall = datetime.now(UTC)
        rec.began = time.perf_counter()
        # The kill lands half way through an import (or at a third of the run, whichever comes first).
        halfway = (
            "SELECT count(*) FROM background_job WHERE kind = 'esr_import' AND status = 'running'"
            " AND total > 0 AND done * 2 >= total"
        )
        deadline = time.monotonic() + args.seconds / 3
        while time.monotonic() < deadline and not stack.scalar(halfway):
            time.sleep(0.2)
        stack.kill_workers()
        killed_at = time.monotonic() - began
        time.sleep(STALE_SECONDS + 1)
        for _ in range(2):
            stack.start_worker()
        restarted_at = time.monotonic() - began
        for person in people:
            person.join(args.seconds + 60)
        elapsed = time.monotonic() - began

        jobs = [
            stack.follow(
                0, location, lambda job: job["status"] in ("succeeded", "failed"), timeout=600, user="admin"
            )
            for location, _rows, _prefix in rec.uploads
        ]
        print(
            f"- {args.people} people for {args.seconds:.0f} s against 2 gunicorn instances; every worker "
            f"SIGKILLed at {killed_at:.0f} s and started again at {restarted_at:.0f} s"
        )
        total = sum(len(v) for v in rec.timings.values())
        print(
            f"- {total} requests in {elapsed:.1f} s: {total / elapsed:.1f} requests/s; "
            f"errors: {len(rec.errors)}; deliberate 429s: {rec.limited}"
        )
        for error in rec.errors[:10]:
            print(f"  - {error}")
        print("\n| request | count | p50 ms | p99 ms | max ms |\n| --- | --- | --- | --- | --- |")
        for kind in sorted(rec.timings):
            values = rec.timings[kind]
            print(
                f"| {kind} | {len(values)} | {statistics.median(values) * 1000:.0f} | "
                f"{percentile(values, 0.99) * 1000:.0f} | {max(values) * 1000:.0f} |"
            )
        print_timeline(rec, killed_at, restarted_at)
        print_while_importing(rec, print_jobs(stack, began_wall))
        print("\n| upload | rows in the file | job | attempts | rows stored | lost | doubled |")
        print("| --- | --- | --- | --- | --- | --- | --- |")
        for (location, rows, prefix), job in zip(rec.uploads, jobs, strict=True):
            number = location.rsplit("/", 1)[1]
            first = 60_000_000 + int(prefix.split("-")[1]) * 100_000
            between = {"low": f"{first}-1", "high": f"{first + rows}-1"}
            stored = stack.scalar(
                "SELECT count(*) FROM assignment"
                " WHERE assignment_number >= :low AND assignment_number < :high",
                **between,
            )
            # Assignment numbers are unique in the schema; the people an import makes are what a re-run
            # without care could double.
            people = stack.scalar(
                "SELECT count(*) FROM staff_member WHERE email LIKE :p", p=f"%@{prefix}.example"
            )
            doubled = max(0, people - rows)
            print(
                f"| {prefix} | {rows:,} | {number}: {job['status']} | {job['attempts']} | {stored:,} | "
                f"{max(0, rows - stored):,} | {doubled:,} |"
            )
        shares_stored = stack.scalar("SELECT count(*) FROM passport_share") - shares_before
        made = len(rec.shares_made) - (1 if first_link else 0)
        print(
            f"\n- shares: {made} links handed to nurses, {shares_stored} stored "
            f"({'none lost or doubled' if made == shares_stored else 'MISMATCH'})"
        )


if __name__ == "__main__":
    main()
