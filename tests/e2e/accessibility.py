"""Every page a browser journey reaches is checked with axe-core (WCAG 2.2 A and AA) and for heading order.

How pages are caught: while a test runs, an :class:`Auditor` is active (tests/e2e/conftest.py). Every
browser context made then is watched, and just before any action that can change or leave a page of such
a context (``goto``, ``click``, ``fill``, ``keyboard.press``, ``close``, ... on a page, frame, locator,
keyboard or mouse; the list is ``_ACTIONS``) the page as it stands is analysed, once it has loaded; so
is every page still open when the test body ends and every page of a context being closed. The page is
then in the state the journey brought it to (a dashboard's charts drawn, a form's errors shown), as a
person would meet it. Playwright's own route and navigation events cannot do this: a page cannot be
evaluated while its navigation is held, nor reliably between events.

Each distinct state is analysed once per test: the key is the URL and a fingerprint of the DOM's
structure (tags, ids, classes and the attributes that show or hide things; not text or form values, so
filling a field is not a new state, an error summary appearing is). Non-HTML documents and about:blank
are skipped. A context without JavaScript cannot run axe, so its page's HTML, with scripts removed, is
replayed in a helper page that can, with the same viewport, styles and URL.

axe-core comes from npm, pinned by tests/e2e/package-lock.json (``make e2e-deps``); without it the
browser tests fail, never skip.
"""

from __future__ import annotations

import contextlib
import functools
import re
import weakref
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Browser, BrowserContext, Frame, Keyboard, Locator, Mouse, Page
from playwright.sync_api import Error as PlaywrightError
from playwright.sync_api import TimeoutError as PlaywrightTimeoutError

AXE_JS = Path(__file__).resolve().parent / "node_modules" / "axe-core" / "axe.min.js"
WCAG_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]
TARGETS_SHOWN = 3

# (axe rule, CSS selector, why): each leaves out one rule on the elements of one selector, nothing else.
EXCLUSIONS = [
    (
        "label-content-name-mismatch",
        ".nhsuk-file-upload__drop-button",
        # nhsuk-frontend's own JavaScript (10.6.1, pinned with nhsuk-frontend-jinja) makes this button of the
        # file upload; we cannot change its markup. Its name, "Extract file, No file chosen, Choose file or
        # drop file" (chromium's and axe's alike), holds its visible words; axe joins the words of the
        # block "No file chosen" and the "Choose file" that follows it without a space ("chosenChoose")
        # and so finds them missing from the name.
        "nhsuk-frontend's file upload button: its name holds its visible text (axe misjoins two blocks)",
    ),
]

# The page's content type, a fingerprint of its structure and the heading problems, in one call.
SNAPSHOT_SCRIPT = """() => {
  const shown = ['role', 'hidden', 'open', 'aria-expanded', 'aria-hidden', 'aria-current', 'aria-invalid',
    'aria-selected', 'disabled', 'type'];
  let hash = 5381;
  const add = (text) => {
    for (let i = 0; i < text.length; i++) hash = ((hash * 33) ^ text.charCodeAt(i)) >>> 0;
    hash = ((hash * 33) ^ 124) >>> 0;
  };
  for (const element of document.querySelectorAll('*')) {
    add(element.tagName);
    add(element.id);
    add(typeof element.className === 'string' ? element.className : '');
    for (const name of shown) {
      const value = element.getAttribute(name);
      if (value !== null) add(name + '=' + value);
    }
  }
  // Headings as assistive technology meets them: rendered (visually hidden ones count), not aria-hidden.
  const headings = [];
  for (const element of document.querySelectorAll('h1, h2, h3, h4, h5, h6, [role=heading]')) {
    if (element.closest('[aria-hidden=true]')) continue;
    if (!element.checkVisibility({visibilityProperty: true})) continue;
    const tag = /^H[1-6]$/.test(element.tagName) ? Number(element.tagName[1]) : 2;
    const aria = Number(element.getAttribute('aria-level'));
    const level = element.getAttribute('role') === 'heading' || aria ? (aria || tag) : tag;
    headings.push({level, text: (element.textContent || '').replace(/\\s+/g, ' ').trim().slice(0, 60)});
  }
  return {contentType: document.contentType, fingerprint: hash, headings};
}"""

AXE_RUN_SCRIPT = """([tags, exclusions]) => axe
  .run(document, {runOnly: {type: 'tag', values: tags}, resultTypes: ['violations'], elementRef: true})
  .then((results) => results.violations.map((rule) => {
    const excluded = (node) => exclusions.some(([id, selector]) => id === rule.id && node.element
      && node.element.matches(selector));
    const nodes = rule.nodes.filter((node) => !excluded(node));
    return {
      id: rule.id, impact: rule.impact, help: rule.help, helpUrl: rule.helpUrl,
      targets: nodes.map((node) => node.target.map(String).join(' >>> ')),
    };
  }).filter((rule) => rule.targets.length))"""


@functools.cache
def axe_source() -> str:
    """axe-core's script; fails the test run with how to install it when it is missing."""
    if not AXE_JS.is_file():
        pytest.fail(
            f"axe-core is missing ({AXE_JS.relative_to(AXE_JS.parents[3])}): run `make e2e-deps` "
            "(npm ci --prefix tests/e2e); every browser journey is checked with it",
            pytrace=False,
        )
    return AXE_JS.read_text(encoding="utf-8")


def heading_problems(headings: list[dict[str, Any]]) -> list[str]:
    """Exactly one h1, and no level skipped going down. A heading may rise any number of levels, and an h2
    may stand before the h1 (the NHS.UK error summary and notification banner do, above the page's h1)."""
    problems = []
    h1s = [heading["text"] for heading in headings if heading["level"] == 1]
    if len(h1s) != 1:
        problems.append(f"{len(h1s)} h1 headings (exactly one wanted){': ' if h1s else ''}{h1s or ''}")
    previous = 1
    for heading in headings:
        if heading["level"] > previous + 1:
            level, text = heading["level"], heading["text"]
            problems.append(f"h{previous} is followed by h{level} {text!r} (skips a level)")
        previous = heading["level"]
    return problems


@dataclass(frozen=True)
class Problem:
    url: str
    rule: str  # an axe rule id, or "heading-order-strict" for our own heading check
    impact: str
    help: str
    targets: tuple[str, ...] = ()

    def __str__(self) -> str:
        shown = ", ".join(self.targets[:TARGETS_SHOWN])
        more = f" and {len(self.targets) - TARGETS_SHOWN} more" if len(self.targets) > TARGETS_SHOWN else ""
        where = f"\n      at {shown}{more}" if shown else ""
        return f"{self.url}\n    {self.rule} ({self.impact}): {self.help}{where}"


def analyse(page: Page) -> list[Problem]:
    """axe-core's WCAG 2.2 A/AA violations and the heading problems of ``page`` as it is now."""
    url = page.url
    snapshot = page.evaluate(SNAPSHOT_SCRIPT)
    return _analyse(page, url, snapshot)


def _analyse(page: Page, url: str, snapshot: dict[str, Any]) -> list[Problem]:
    problems = [
        Problem(url, "heading-order-strict", "moderate", problem)
        for problem in heading_problems(snapshot["headings"])
    ]
    if not page.evaluate("() => typeof window.axe === 'object'"):
        # Through the DevTools protocol, which our Content-Security-Policy does not govern (a <script>
        # element would be refused).
        page.evaluate(axe_source())
    exclusions = [[rule, selector] for rule, selector, _why in EXCLUSIONS]
    for rule in page.evaluate(AXE_RUN_SCRIPT, [WCAG_TAGS, exclusions]):
        help_text = f"{rule['help']} ({rule['helpUrl'].split('?')[0]})"
        impact = rule["impact"] or "unknown"
        problems.append(Problem(url, rule["id"], impact, help_text, tuple(rule["targets"])))
    return problems


@dataclass(eq=False)
class Auditor:
    """The pages of one test: what was analysed and what was found."""

    problems: list[Problem] = field(default_factory=list)
    analysed: set[tuple[str, int]] = field(default_factory=set)
    reported: int = 0  # how many problems a failure has already named
    _busy: bool = False

    @contextlib.contextmanager
    def active(self) -> Iterator[Auditor]:
        """Watches every browser context made inside the block (they stay watched after it)."""
        global _ACTIVE
        previous, _ACTIVE = _ACTIVE, self
        try:
            yield self
        finally:
            _ACTIVE = previous

    def audit(self, page: Page) -> None:
        """Analyses ``page`` unless it is closed, not a web page, or in a state already analysed."""
        if self._busy or page.is_closed() or not page.url.startswith(("http://", "https://")):
            return
        self._busy = True
        try:
            for attempt in range(3):
                try:
                    self._audit(page)
                    return
                except PlaywrightError as error:
                    if page.is_closed() or "closed" in str(error):
                        return
                    if "navigat" not in str(error) and "context was destroyed" not in str(error):
                        raise
                    if attempt == 2:  # the page kept moving under us three times
                        self._add([Problem(page.url, "not-analysed", "serious", f"it kept moving: {error}")])
        finally:
            self._busy = False

    def _audit(self, page: Page) -> None:
        try:
            page.wait_for_load_state("load")
        except PlaywrightTimeoutError:
            self._add([Problem(page.url, "not-analysed", "serious", "the page did not finish loading")])
            return
        url = page.url.split("#", 1)[0]
        if _WATCHED.get(page.context, (None, True))[1]:
            snapshot = page.evaluate(SNAPSHOT_SCRIPT)
            if snapshot["contentType"] != "text/html" or self._seen(url, snapshot):
                return
            self._add(_analyse(page, url, snapshot))
        else:
            self._audit_without_javascript(page, url)

    def _add(self, problems: Iterable[Problem]) -> None:
        """Records each problem once: a page met again in another state names what it still has once."""
        self.problems += [problem for problem in problems if problem not in self.problems]

    def _seen(self, url: str, snapshot: dict[str, Any]) -> bool:
        key = (url, snapshot["fingerprint"])
        if key in self.analysed:
            return True
        self.analysed.add(key)
        return False

    def _audit_without_javascript(self, page: Page, url: str) -> None:
        """A page without JavaScript cannot run axe: its HTML, scripts removed, is opened in a page that can,
        at the same URL (its styles and images load from the server as before) and viewport."""
        html = re.sub(r"<script\b[^>]*>.*?</script>", "", page.content(), flags=re.IGNORECASE | re.DOTALL)
        browser = page.context.browser
        assert browser is not None
        replay = _ORIGINAL[Browser, "new_context"](browser, viewport=page.viewport_size)  # not watched
        try:
            replay.route(
                lambda address: address.split("#", 1)[0] == url,
                lambda route: route.fulfill(body=html, content_type="text/html; charset=utf-8"),
            )
            helper = replay.new_page()
            helper.goto(url)
            snapshot = helper.evaluate(SNAPSHOT_SCRIPT)
            if self._seen(url + " (no JavaScript)", snapshot):
                return
            self._add(
                Problem(f"{p.url} (without JavaScript)", p.rule, p.impact, p.help, p.targets)
                for p in _analyse(helper, url, snapshot)
            )
        finally:
            _ORIGINAL[BrowserContext, "close"](replay)

    def audit_open_pages(self) -> None:
        for context, (auditor, _javascript) in list(_WATCHED.items()):
            if auditor is self:
                for page in context.pages:
                    self.audit(page)

    def report(self) -> str | None:
        """A readable account of the problems not yet reported, or None."""
        new = self.problems[self.reported :]
        self.reported = len(self.problems)
        if not new:
            return None
        listed = "\n".join(f"  {problem}" for problem in new)
        return (
            f"{len(new)} accessibility problem(s) (axe-core {', '.join(WCAG_TAGS)}; heading order) on "
            f"{len({problem.url for problem in new})} page(s):\n{listed}"
        )


_ACTIVE: Auditor | None = None
# Each watched context: the auditor of the test that made it, and whether it runs JavaScript.
_WATCHED: weakref.WeakKeyDictionary[BrowserContext, tuple[Auditor, bool]] = weakref.WeakKeyDictionary()
_ORIGINAL: dict[tuple[type, str], Callable[..., Any]] = {}

# The calls that can change or leave a page: the page is analysed just before each.
_PAGE_ACTIONS = [
    "goto",
    "reload",
    "go_back",
    "go_forward",
    "set_content",
    "click",
    "dblclick",
    "tap",
    "fill",
    "type",
    "press",
    "check",
    "uncheck",
    "set_checked",
    "select_option",
    "set_input_files",
    "dispatch_event",
    "drag_and_drop",
]
_ACTIONS: dict[type, list[str]] = {
    Page: [*_PAGE_ACTIONS, "close"],
    Frame: [name for name in _PAGE_ACTIONS if hasattr(Frame, name)],  # a frame has no history of its own
    Locator: [
        "click",
        "dblclick",
        "tap",
        "fill",
        "clear",
        "type",
        "press",
        "press_sequentially",
        "check",
        "uncheck",
        "set_checked",
        "select_option",
        "set_input_files",
        "dispatch_event",
        "drag_to",
    ],
    Keyboard: ["press", "type", "insert_text", "down"],
    Mouse: ["click", "dblclick", "down", "wheel"],
}


def _page_of(owner: Any) -> Page | None:
    if isinstance(owner, Page):
        return owner
    if isinstance(owner, Frame | Locator):
        return owner.page
    for context in list(_WATCHED):  # a keyboard or mouse: the watched page it belongs to
        for page in context.pages:
            if owner is page.keyboard or owner is page.mouse:
                return page
    return None


def _before_action(owner: Any) -> None:
    page = _page_of(owner)
    watched = _WATCHED.get(page.context) if page is not None else None
    if page is not None and watched is not None:
        watched[0].audit(page)


def _new_context(self: Browser, *args: Any, **kwargs: Any) -> BrowserContext:
    context = _ORIGINAL[Browser, "new_context"](self, *args, **kwargs)
    if _ACTIVE is not None:
        _WATCHED[context] = (_ACTIVE, kwargs.get("java_script_enabled") is not False)
    return context


def _new_page(self: Browser, *args: Any, **kwargs: Any) -> Page:
    page = _ORIGINAL[Browser, "new_page"](self, *args, **kwargs)
    if _ACTIVE is not None:
        _WATCHED[page.context] = (_ACTIVE, kwargs.get("java_script_enabled") is not False)
    return page


def _close(self: BrowserContext, *args: Any, **kwargs: Any) -> None:
    watched = _WATCHED.get(self)
    if watched is not None:
        for page in self.pages:
            watched[0].audit(page)
    return _ORIGINAL[BrowserContext, "close"](self, *args, **kwargs)


def install() -> Callable[[], None]:
    """Hooks the Playwright calls above (on the classes, so every page of every watched context is
    covered, however a test reaches it); returns what undoes it."""
    if _ORIGINAL:
        return lambda: None

    def before(original: Callable[..., Any]) -> Callable[..., Any]:
        @functools.wraps(original)
        def action(self: Any, *args: Any, **kwargs: Any) -> Any:
            _before_action(self)
            return original(self, *args, **kwargs)

        return action

    replacements: dict[tuple[type, str], Callable[..., Any]] = {
        (cls, name): before(getattr(cls, name)) for cls, names in _ACTIONS.items() for name in names
    }
    replacements |= {
        (Browser, "new_context"): _new_context,
        (Browser, "new_page"): _new_page,
        (BrowserContext, "close"): _close,
    }
    for (cls, name), replacement in replacements.items():
        _ORIGINAL[cls, name] = getattr(cls, name)
        setattr(cls, name, replacement)

    def undo() -> None:
        for (cls, name), original in _ORIGINAL.items():
            setattr(cls, name, original)
        _ORIGINAL.clear()

    return undo
