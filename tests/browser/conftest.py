"""Shared fixtures of the browser tests: Debian's Chromium driven by Playwright against pytest-django's
live server (which serves the static files, Sarabun included, through the staticfiles finders).

Playwright's sync API keeps an asyncio loop running in this thread, and Django refuses ORM calls from a
thread with a running loop. The tests build their data with the ORM between browser steps, in the same
thread, while nothing else touches it: DJANGO_ALLOW_ASYNC_UNSAFE is the documented way to combine the two.
It is set only while this package's browser runs (a package-scoped fixture), so that it leaks neither into
other tests nor into the subprocesses they start (``manage.py check --deploy`` rejects it).

The live server needs committed data, so these tests are transactional, and a transactional test ends by
emptying every table, the reference data of the migrations included. They ask for it back before each test
(``serialized_rollback``) and ``_migrated_data_back`` puts it back after the last one, so the tests that
run next find the database as the migrations left it. Both fixtures live as long as the package: one
Chromium and one restore for all the browser tests, which keeps them fast.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
DESKTOP = {"width": 1280, "height": 900}
PHONE = {"width": 390, "height": 844}
PASSWORD = "a-good-test-password"  # what tests.factories.make_user gives every user
# Where Django's test runner keeps the migrated rows that serialized_rollback restores (a private attribute).
SERIALIZED = "_test_serialized_contents"
SCREENSHOTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "screenshots"


@pytest.fixture(scope="package", autouse=True)
def _migrated_data_back(django_db_setup: None, django_db_blocker: Any) -> Iterator[None]:
    yield
    from django.contrib.contenttypes.models import ContentType
    from django.db import connections

    with django_db_blocker.unblock():
        if ContentType.objects.exists():
            return  # nothing was emptied (the tests were skipped)
        for connection in connections.all():
            contents = getattr(connection, "_test_serialized_contents", None)
            if contents:
                connection.creation.deserialize_db_from_string(contents)


@pytest.fixture(scope="package")
def browser() -> Iterator[Any]:
    if not CHROMIUM.exists():
        reason = f"{CHROMIUM} is not installed (apt-get install chromium); the browser tests need it"
        if os.environ.get("CI"):
            pytest.fail(reason + ": CI must run them", pytrace=False)
        pytest.skip(reason)
    from django.db import connections
    from playwright.sync_api import sync_playwright

    serialized = {
        alias: getattr(connections[alias], SERIALIZED) for alias in connections if hasattr(connections[alias], SERIALIZED)
    }
    with pytest.MonkeyPatch.context() as patch, sync_playwright() as playwright:
        patch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
        # From here on this thread runs an event loop, so Django's connection handler (an asgiref Local)
        # hands out a second set of connection objects: give them the migrated data too, or the next
        # test's serialized_rollback finds nothing to restore.
        for alias, contents in serialized.items():
            setattr(connections[alias], SERIALIZED, contents)
        chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


class Visit:
    """One user's browser tab: Thai first (the browser asks for Thai, as an officer's phone does), with
    helpers to log in, switch the language with the header button and keep screenshots."""

    def __init__(self, page: Any, base_url: str) -> None:
        self.page = page
        self.base_url = base_url
        self.responses: list[Any] = []
        page.on("response", lambda response: self.responses.append(response))

    def goto(self, path: str) -> Any:
        """Open a page of the site and wait for its fonts; the response tells its status (404, 403...)."""
        response = self.page.goto(self.base_url + path)
        self.wait_for_fonts()
        return response

    def login(self, username: str, password: str = PASSWORD) -> None:
        self.goto("/accounts/login/")
        self.page.fill("input[name=username]", username)
        self.page.fill("input[name=password]", password)
        self.submit("main form")
        assert "/accounts/login/" not in self.page.url, f"{username} could not log in"

    def submit(self, form: str, button: str = "button[type=submit]") -> None:
        """Click a form's button and wait for the page it leads to."""
        with self.page.expect_navigation():
            self.page.locator(f"{form} {button}").first.click()
        self.wait_for_fonts()

    def follow(self, link: str) -> None:
        """Click a link and wait for the page it leads to."""
        with self.page.expect_navigation():
            self.page.locator(link).first.click()
        self.wait_for_fonts()

    def open_details(self, form: str) -> None:
        """Open the closed <details> that holds a form (the pages keep their less common actions folded)."""
        self.page.locator("details", has=self.page.locator(form)).locator("summary").first.click()
        assert self.page.locator(form).is_visible()

    def switch_language(self) -> None:
        self.submit("form.langswitch")

    @property
    def language(self) -> str:
        return self.page.locator("html").get_attribute("lang")

    def wait_for_fonts(self) -> None:
        self.page.wait_for_function("document.fonts.status === 'loaded' && document.fonts.check('16px Sarabun')")

    def wait_for_charts(self) -> None:
        """Wait until every chart of the page (a ``data-figure`` element that Plotly draws into) is drawn as
        wide as its box: Plotly redraws a responsive chart a moment after the window changed size."""
        self.page.wait_for_function(
            """() => Array.from(document.querySelectorAll("[data-figure]")).every((node) => {
                const svg = node.querySelector("svg.main-svg");
                return svg !== null && Math.abs(svg.getBoundingClientRect().width - node.clientWidth) <= 1;
            })"""
        )

    def static_responses(self) -> dict[str, int]:
        """The status of the first response for each static file this tab fetched."""
        statuses: dict[str, int] = {}
        for response in self.responses:
            if "/static/" in response.url:
                statuses.setdefault(response.url.split("/static/", 1)[1], response.status)
        return statuses

    def fonts_of(self, selector: str) -> dict[str, int]:
        """The fonts Chromium really drew an element's text with: family name → glyph count.

        A page that updates itself (the case page polls its hand-offs, a chart redraws) can replace the node
        between finding it and asking for its fonts; the node is then looked up again."""
        cdp = self.page.context.new_cdp_session(self.page)
        try:
            cdp.send("DOM.enable")
            cdp.send("CSS.enable")
            for attempt in range(5):
                root = cdp.send("DOM.getDocument", {"depth": -1})["root"]["nodeId"]
                node = cdp.send("DOM.querySelector", {"nodeId": root, "selector": selector})["nodeId"]
                assert node, f"no element matches {selector}"
                try:
                    fonts = cdp.send("CSS.getPlatformFontsForNode", {"nodeId": node})["fonts"]
                    break
                except Exception as error:  # playwright.sync_api.Error: imported only once Chromium is known to be there
                    if "Could not find node" not in str(error) or attempt == 4:
                        raise
                    self.page.wait_for_timeout(100)
        finally:
            cdp.detach()
        return {font["familyName"]: font["glyphCount"] for font in fonts}

    def assert_thai_in_sarabun(self, selector: str) -> None:
        """The element's text has Thai, and Chromium drew all of it with Sarabun: no fallback font, no tofu."""
        text = self.page.locator(selector).first.inner_text()
        assert re.search(r"[\u0e00-\u0e7f]", text), f"{selector} holds no Thai text: {text!r}"
        fonts = self.fonts_of(selector)
        assert set(fonts) == {"Sarabun"}, f"{selector} ({text!r}) was drawn with {fonts}"

    @contextmanager
    def phone(self) -> Iterator[None]:
        """Look at the page on a phone for a moment."""
        self.page.set_viewport_size(PHONE)
        try:
            yield
        finally:
            self.page.set_viewport_size(DESKTOP)

    def horizontal_overflow(self) -> int:
        """How many pixels the page is wider than the window (0 when nothing sticks out)."""
        return self.page.evaluate("document.documentElement.scrollWidth - window.innerWidth")

    def shoot(self, name: str) -> None:
        """Full-page screenshots at desktop and phone width, named after the page and the language."""
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        slug = re.sub(r"[^a-z0-9_-]+", "-", name.lower())
        for label, size in (("desktop", DESKTOP), ("phone", PHONE)):
            self.page.set_viewport_size(size)
            self.wait_for_fonts()
            self.wait_for_charts()
            self.page.screenshot(path=SCREENSHOTS / f"{slug}-{self.language}-{label}.png", full_page=True)
            assert self.horizontal_overflow() <= 0, f"{name} ({self.language}, {label}) is wider than the window"
        self.page.set_viewport_size(DESKTOP)


@pytest.fixture
def visit(browser: Any, live_server: Any) -> Iterator[Callable[[], Visit]]:
    """Open a fresh tab (its own cookies) for one user: ``tab = visit()``."""
    contexts: list[Any] = []

    def open_tab() -> Visit:
        context = browser.new_context(viewport=DESKTOP, locale="th-TH", timezone_id="Asia/Bangkok")
        context.set_default_timeout(10_000)
        contexts.append(context)
        return Visit(context.new_page(), live_server.url)

    yield open_tab
    for context in contexts:
        context.close()
