"""Browser-journey fixtures: Debian's Chromium (Playwright) against pytest-django's live server.

A pytest plugin (loaded with `-p` in pyproject.toml) so that every app's journeys share one
session-scoped browser: Playwright's sync API allows one instance per thread.

Every test using `page` must be marked `@pytest.mark.browser` (so `pytest -m "not browser"`
leaves them out). Without chromium the journeys are skipped with one line, unless CI=true,
where that is a failure.
"""

from __future__ import annotations

import os

import pytest

from huiyin.testing import browser as hb


@pytest.fixture(scope="session")
def chromium():
    """One headless Chromium for the whole run."""
    executable = hb.chromium_path()
    if executable is None:
        if hb.in_ci():
            pytest.fail(hb.CI_FAILURE, pytrace=False)
        pytest.skip(hb.SKIP_REASON)

    from playwright.sync_api import expect, sync_playwright

    # Playwright's sync API keeps an event loop running in this thread, which makes Django
    # refuse ORM calls here (SynchronousOnlyOperation) although nothing runs concurrently.
    previous = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    playwright = sync_playwright().start()
    try:
        expect.set_options(timeout=hb.TIMEOUT_MS)
        browser = hb.launch(playwright, executable)
        try:
            yield browser
        finally:
            browser.close()
    finally:
        playwright.stop()
        if previous is None:
            os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
        else:
            os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = previous


@pytest.fixture
def live_url(live_server, settings):
    """`live_url("/login/")`: an absolute URL on the live server, with static files served.

    The live server serves /static/ from the finders; templates must then point at the plain
    file names, not at a manifest that only `collectstatic` would have written.
    """
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }
    base = live_server.url.rstrip("/")

    def url(path: str = "/") -> str:
        return base + (path if path.startswith("/") else "/" + path)

    url.base = base
    return url


@pytest.fixture
def page(request, chromium):
    """A fresh context and page per test: zh-CN, Asia/Shanghai, 1366x900, 15 s timeouts.

    A stylesheet, script, font or image that fails to load fails the test at teardown.
    """
    if request.node.get_closest_marker("browser") is None:
        pytest.fail("a test using the `page` fixture must be marked @pytest.mark.browser")
    context = hb.new_context(chromium)
    page = context.new_page()
    broken = hb.watch_assets(page)
    yield page
    found = list(broken)  # before closing, which cancels whatever is still loading
    context.close()
    if found:
        pytest.fail("assets failed to load or were refused:\n" + "\n".join(found), pytrace=False)


@pytest.hookimpl(trylast=True)
def pytest_collection_modifyitems(items):
    """Run the browser journeys last.

    Once Playwright has started, its event loop stays marked as running in this thread and
    DJANGO_ALLOW_ASYNC_UNSAFE stays set until the end of the run (a subprocess started by a
    later test would inherit it, and `check --deploy` refuses it): no other test may follow.
    """
    others = [i for i in items if i.get_closest_marker("browser") is None]
    items[:] = _serialized_first(others) + [
        i for i in items if i.get_closest_marker("browser") is not None
    ]


def _serialized_first(items: list) -> list:
    """The transactional tests that reload the migrations' rows (serialized_rollback) before
    the other transactional ones: those empty the database after them and let post_migrate
    make the content types again, which the reload would then meet as duplicates."""

    def wants(item, name: str) -> bool:
        marker = item.get_closest_marker("django_db")
        return bool(marker is not None and marker.kwargs.get(name))

    def serialized(item) -> bool:
        return wants(item, "serialized_rollback") or (
            "django_db_serialized_rollback" in getattr(item, "fixturenames", ())
        )

    def transactional(item) -> bool:
        names = getattr(item, "fixturenames", ())
        return (
            wants(item, "transaction")
            or "transactional_db" in names
            or "live_server" in names
            or serialized(item)
        )

    first = next((n for n, item in enumerate(items) if transactional(item)), None)
    if first is None:
        return items
    moved = [item for item in items[first:] if serialized(item)]
    rest = [item for item in items[first:] if not serialized(item)]
    return items[:first] + moved + rest


_hashes: dict[str, str] = {}


@pytest.fixture(autouse=True)
def _hash_each_password_once(request, monkeypatch):
    """In browser journeys, hash a given password once per run instead of once per persona.

    Argon2 costs ~0.2 s a hash and `personas` makes nine people per test; the hash is still
    a real Argon2 hash, and signing in still verifies it the production way.
    """
    if request.node.get_closest_marker("browser") is None:
        return
    from django.contrib.auth import base_user

    real = base_user.make_password

    def make_password(password, salt=None, hasher="default"):
        if not isinstance(password, str) or salt is not None or hasher != "default":
            return real(password, salt, hasher)
        if password not in _hashes:
            _hashes[password] = real(password)
        return _hashes[password]

    monkeypatch.setattr(base_user, "make_password", make_password)


_browser_seconds: dict[str, float] = {}
_browser_skipped: set[str] = set()


def pytest_runtest_logreport(report):
    """Time each browser test (setup, call and teardown) for the summary line."""
    if "browser" not in report.keywords:
        return
    if report.skipped:
        _browser_skipped.add(report.nodeid)
    _browser_seconds[report.nodeid] = _browser_seconds.get(report.nodeid, 0.0) + report.duration


def pytest_terminal_summary(terminalreporter):
    skipped = [
        r
        for r in terminalreporter.stats.get("skipped", [])
        if hb.SKIP_REASON in str(getattr(r, "longrepr", ""))
    ]
    if skipped:
        terminalreporter.write_line(f"{hb.SKIP_REASON} ({len(skipped)} tests)")
    ran = {k: v for k, v in _browser_seconds.items() if k not in _browser_skipped}
    if ran:
        terminalreporter.write_line(
            f"browser journeys: {len(ran)} tests in {sum(ran.values()):.1f} s"
        )
