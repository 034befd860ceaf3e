"""The browser-journey harness: Debian's Chromium driven by Playwright's sync API.

The fixtures live in huiyin/testing/browser_fixtures.py; this module holds what they share:
where Chromium is, how it is launched, how a page is set up and where screenshots go.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import huiyin

REPO_ROOT = Path(huiyin.__file__).resolve().parent.parent
SCREENSHOTS = REPO_ROOT / "test-artifacts" / "screenshots"

SKIP_REASON = "chromium not installed: browser journeys skipped"
CI_FAILURE = (
    "chromium not installed but CI=true: the browser journeys must run in CI "
    "(run `make browser` as root, or apt-get install chromium fonts-noto-cjk)"
)

CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--disable-quic",
    "--disable-sync",
]

LOCALE = "zh-CN"
TIMEZONE = "Asia/Shanghai"
VIEWPORT = {"width": 1366, "height": 900}
TIMEOUT_MS = 15_000

# Resources whose failure means the page is not what a person would see.
ASSET_TYPES = {"stylesheet", "script", "font", "image"}


def in_ci() -> bool:
    return os.environ.get("CI", "").strip().lower() == "true"


def chromium_path() -> str | None:
    """Debian's chromium, or None where it is not installed."""
    found = shutil.which("chromium")
    if found:
        return found
    fallback = Path("/usr/bin/chromium")
    return str(fallback) if fallback.exists() and os.access(fallback, os.X_OK) else None


def launch(playwright, executable: str):
    """A headless Chromium from `executable` (never a Playwright-downloaded browser)."""
    return playwright.chromium.launch(
        executable_path=executable, headless=True, args=list(CHROMIUM_ARGS)
    )


def new_context(browser):
    """A fresh, cookie-less context as a person in Shanghai reading Simplified Chinese."""
    context = browser.new_context(locale=LOCALE, timezone_id=TIMEZONE, viewport=VIEWPORT)
    context.set_default_timeout(TIMEOUT_MS)
    context.set_default_navigation_timeout(TIMEOUT_MS)
    return context


def watch_assets(page) -> list[str]:
    """Start recording stylesheets, scripts, fonts and images that fail to load.

    Also what the Content-Security-Policy refused (an inline script, handler or style) and a
    Permissions-Policy the browser did not understand: Chromium reports both on the console.
    """
    broken: list[str] = []

    def on_console(message):
        text = message.text
        if message.type == "error" and (
            "Content Security Policy" in text or "Permissions-Policy" in text
        ):
            broken.append(f"refused on {page.url}: {text}")

    def on_response(response):
        if response.request.resource_type in ASSET_TYPES and response.status >= 400:
            broken.append(f"{response.status} {response.url}")

    def on_failed(request):
        # ERR_ABORTED is a load the page itself cancelled: the test navigated on, or the
        # context closed, while a stylesheet was still on its way. A missing or refused asset
        # answers with a status or another error.
        if request.resource_type in ASSET_TYPES and "ERR_ABORTED" not in (request.failure or ""):
            broken.append(f"failed ({request.failure}) {request.url}")

    page.on("response", on_response)
    page.on("requestfailed", on_failed)
    page.on("console", on_console)
    return broken


def screenshot(page, name: str) -> Path:
    """Save a full-page PNG to test-artifacts/screenshots/<name>.png at the repo root."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path
