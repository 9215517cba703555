"""Real Chromium through Playwright, against a live server on loopback.

Every page the helper `visit()` opens is checked with axe-core (vendored from npm in
tests/e2e/vendor/) for serious or critical violations, and the browser console is watched
for Content-Security-Policy violations and JavaScript errors. Both fail the test.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

# Playwright's sync API runs an event loop in this thread; the test body still talks to
# the database synchronously, which is safe here (one thread, no real async code).
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

AXE_SOURCE = (Path(__file__).parent / "vendor" / "axe.min.js").read_text()
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]


# The `browser` and `browse` fixtures live in tests/conftest.py so that every suite that
# needs a browser (e2e, security, faults) shares one Playwright instance per session.


def pytest_collection_modifyitems(items):
    for item in items:
        if "/e2e/" in str(item.fspath):
            item.add_marker(pytest.mark.e2e)


class Session:
    """One logged-in browser context with axe and CSP checks on every visit."""

    def __init__(self, browser, base_url: str):
        self.base_url = base_url
        self.context = browser.new_context(base_url=base_url)
        self.context.set_default_timeout(10_000)
        self.problems: list[str] = []
        self.page = self.new_tab()

    def new_tab(self):
        """Another page of this context (same login), with the same CSP and error checks."""
        page = self.context.new_page()
        page.on("console", self._on_console)
        page.on("pageerror", lambda exc: self.problems.append(f"page error: {exc}"))
        return page

    def _on_console(self, message):
        text = message.text
        if message.type == "error" and (
            "Content Security Policy" in text or "Refused to" in text or "Uncaught" in text
        ):
            self.problems.append(f"console: {text}")

    def login(self, email: str, password: str):
        page = self.page
        page.goto("/login/")
        page.get_by_label("Email").fill(email)
        page.get_by_label("Password").fill(password)
        page.get_by_role("button", name="Log in").click()
        page.wait_for_url(lambda url: "/login/" not in url)
        if "/account/two-factor/authenticate/" in page.url:
            # A second factor (people admins must have one by default): the persona's
            # authenticator app, computed (tests/conftest.py TOTP_SECRETS).
            from tests.conftest import TOTP_SECRETS, totp_code

            page.get_by_label("Code").fill(totp_code(TOTP_SECRETS[email]))
            page.get_by_role("button", name="Sign In").click()
            page.wait_for_url(lambda url: "/two-factor/" not in url)
        return self

    def visit(self, path: str, *, check_a11y: bool = True):
        response = self.page.goto(path)
        assert response is not None and response.status < 400, (
            f"{path}: {response and response.status}"
        )
        if check_a11y:
            self.check_a11y(path)
        self.assert_clean()
        return response

    def check_a11y(self, label: str = ""):
        self.page.evaluate(AXE_SOURCE)
        result = self.page.evaluate(
            """async () => {
                const r = await axe.run(document, {resultTypes: ["violations"]});
                return r.violations
                    .filter(v => v.impact === "serious" || v.impact === "critical")
                    .map(v => `${v.id} (${v.impact}): ${v.help} -> ` +
                              v.nodes.slice(0, 3).map(n => n.target.join(" ")).join(", "));
            }"""
        )
        assert not result, f"axe violations on {label or self.page.url}:\n" + "\n".join(result)

    def assert_clean(self):
        assert not self.problems, "\n".join(self.problems)

    def close(self):
        self.context.close()
