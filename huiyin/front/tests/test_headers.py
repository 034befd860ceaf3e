"""Response headers: the Content-Security-Policy and what lets it hold, caching, the banner.

- Every page, file and export carries the CSP, Permissions-Policy and the headers of Django's
  SecurityMiddleware; everything but static files is ``no-store``.
- No template has an inline script, an inline event handler, a ``javascript:`` address or an
  inline style: every template file is scanned, so a new one is checked the day it lands.
- ``huiyin serve`` (gunicorn) sends no ``Server`` header.
"""

from __future__ import annotations

import http.client
import os
import re
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from huiyin.cases.models import Attachment
from huiyin.org.roles import Role
from huiyin.petitions.tests.factories import register

ROOT = Path(__file__).resolve().parents[2]  # the huiyin package
PDF = b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<<>>\nendobj\n"

CSP = {
    "default-src": "'self'",
    "script-src": "'self'",
    "style-src": "'self'",
    "img-src": "'self' data: blob:",
    "font-src": "'self'",
    "connect-src": "'self'",
    "frame-ancestors": "'none'",
    "base-uri": "'self'",
    "form-action": "'self'",
    "object-src": "'none'",
}
NO_DEVICE = ("camera", "microphone", "geolocation", "payment", "usb")


def policy(header: str) -> dict[str, str]:
    directives = [part.strip() for part in header.split(";") if part.strip()]
    return {d.split(" ", 1)[0]: d.split(" ", 1)[1] if " " in d else "" for d in directives}


def assert_security_headers(response, *, cacheable: bool = False) -> None:
    where = response.wsgi_request.get_full_path()
    assert policy(response["Content-Security-Policy"]) == CSP, where
    permissions = response["Permissions-Policy"]
    for feature in NO_DEVICE:
        assert f"{feature}=()" in permissions, (where, feature)
    assert response["X-Content-Type-Options"] == "nosniff", where
    assert response["Referrer-Policy"] == "same-origin", where
    assert response["Cross-Origin-Opener-Policy"] == "same-origin", where
    if not cacheable:  # whitenoise answers before Django's XFrameOptionsMiddleware
        assert response["X-Frame-Options"] == "DENY", where
    cache = response.get("Cache-Control", "")
    if cacheable:
        assert "no-store" not in cache and "public" in cache, (where, cache)
        assert not response.has_header("Pragma"), where
    else:
        assert "no-store" in cache, (where, cache)
        assert response["Pragma"] == "no-cache", where


# --- what the CSP forbids in markup ----------------------------------------------------------

COMMENTS = re.compile(r"\{#.*?#\}|\{%\s*comment\b.*?%\}.*?\{%\s*endcomment\s*%\}", re.S)
SCRIPT = re.compile(r"<script\b([^>]*)>(.*?)</script\s*>", re.S | re.I)
TAG = re.compile(r"<[a-zA-Z][^<>]*>", re.S)
HANDLER = re.compile(r"\son[a-z]+\s*=", re.I)
STYLE_ATTRIBUTE = re.compile(r"\sstyle\s*=", re.I)
JSON_TYPE = re.compile(r"""\stype\s*=\s*["']?application/(ld\+)?json\b""", re.I)


def inline_code(html: str) -> list[str]:
    """What a ``script-src 'self'; style-src 'self'`` policy would refuse in this markup."""
    html = COMMENTS.sub("", html)
    found = []
    for match in SCRIPT.finditer(html):
        attributes, body = match.groups()
        if JSON_TYPE.search(attributes):
            continue
        if not re.search(r"\ssrc\s*=", attributes, re.I) or body.strip():
            found.append("inline <script>: " + match.group(0)[:80])
    if re.search(r"<style\b", html, re.I):
        found.append("inline <style> block")
    for tag in TAG.findall(html):
        if HANDLER.search(tag):
            found.append("event handler attribute: " + tag[:80])
        if "hx-on" in tag.lower():
            found.append("hx-on (evaluated by htmx): " + tag[:80])
        if "javascript:" in tag.lower():
            found.append("javascript: address: " + tag[:80])
        if STYLE_ATTRIBUTE.search(tag):
            found.append("style attribute: " + tag[:80])
    return found


def template_files() -> list[Path]:
    return sorted(
        path
        for path in ROOT.rglob("*.html")
        if "templates" in path.relative_to(ROOT).parts
        and "static" not in path.relative_to(ROOT).parts
    )


@pytest.mark.parametrize(
    "markup",
    [
        "<script>alert(1)</script>",
        '<script src="/static/a.js">alert(1)</script>',
        '<button type="button" onclick="window.print()">',
        '<select name="x"\n  onchange="this.form.submit()">',
        '<a href="javascript:history.back()">',
        '<div hx-on:click="alert(1)">',
        '<p style="white-space: pre-line">',
        "<style>.a { color: red }</style>",
    ],
)
def test_the_scan_finds_inline_code(markup):
    assert inline_code(markup)


@pytest.mark.parametrize(
    "markup",
    [
        '<script src="/static/huiyin/app.js"></script>',
        '<script id="dashboard-data" type="application/json">{"a": 1}</script>',
        '<form method="post" action="/x/" data-hy-autosubmit>',
        '<button type="button" data-hy-print>{% trans "Print" %}</button>',
        "{# an inline <style> would be refused #}<p>Nothing to see</p>",
        '<a href="/section/online/">online</a><p>Depends on= nothing</p>',
    ],
)
def test_the_scan_lets_through_what_the_policy_allows(markup):
    assert inline_code(markup) == []


def test_no_template_has_inline_script_handlers_or_styles():
    files = template_files()
    assert len(files) > 40, "the templates were not found"
    found = {
        str(path.relative_to(ROOT)): problems
        for path in files
        if (problems := inline_code(path.read_text(encoding="utf-8")))
    }
    assert found == {}, (
        "The Content-Security-Policy refuses inline code: put scripts in huiyin/static/huiyin/*.js"
        " (behaviour through data- attributes, data through json_script) and styles in a .css"
        " file or a class"
    )


# --- headers on pages, exports and files ------------------------------------------------------


@pytest.fixture
def petition(personas, community):
    return register(personas[Role.PETITION_CLERK], community=community)


@pytest.fixture
def attachment(client, personas, petition):
    client.force_login(personas[Role.PETITION_CLERK])
    upload = SimpleUploadedFile("来信.pdf", PDF, content_type="application/pdf")
    response = client.post(f"/petitions/{petition.pk}/attachments/", {"file": upload})
    assert response.status_code == 302
    client.logout()
    return Attachment.objects.get(case=petition.case)


def pages(petition, attachment) -> list[tuple[str, str]]:
    """(role, path) for a sample of what shows personal data, with the role that may see it."""
    clerk, leader = Role.PETITION_CLERK, Role.LEADER
    return [
        (clerk, "/"),
        (clerk, reverse("petitions:list")),
        (clerk, reverse("petitions:list") + "?q=13812345678"),
        (clerk, reverse("petitions:detail", args=[petition.pk])),
        (clerk, reverse("petitions:receipt", args=[petition.pk])),
        (clerk, reverse("petitions:receipt", args=[petition.pk]) + "?size=a5"),
        (clerk, reverse("petitions:attachment", args=[petition.pk, attachment.pk])),
        (clerk, reverse("petitions:reception")),
        (clerk, reverse("cases:notifications")),
        (leader, reverse("reports:dashboard")),
        (leader, reverse("reports:ledger_export")),
        (Role.AUDITOR, reverse("privacy:audit")),
        (Role.AUDITOR, reverse("privacy:audit_export")),
        (Role.ADMINISTRATOR, reverse("system")),
    ]


def test_every_sampled_page_export_and_file_has_the_headers(client, personas, petition, attachment):
    for role, path in pages(petition, attachment):
        client.force_login(personas[role])
        response = client.get(path)
        assert response.status_code == 200, (role, path, response.status_code)
        assert_security_headers(response)
        if response["Content-Type"].startswith("text/html"):
            assert inline_code(response.content.decode()) == [], path


def test_pages_without_a_signed_in_user_are_not_kept_either(client, db):
    for path in ("/login/", "/track/", "/no-such-page/"):
        response = client.get(path)
        assert response.status_code in (200, 404), path
        assert_security_headers(response)
        assert inline_code(response.content.decode()) == [], path


def test_refusals_and_redirects_have_the_headers(client, personas):
    client.force_login(personas[Role.MEDIATOR])
    assert_security_headers(client.get(reverse("section", args=["petitions"])))
    client.logout()
    response = client.get(reverse("petitions:list"))
    assert response.status_code == 302
    assert_security_headers(response)


def test_a_view_that_forbids_caching_itself_keeps_its_own_header(client, db):
    # The public tracker is @never_cache: its fuller header is left as it is.
    response = client.get("/track/")
    assert response["Cache-Control"] == "max-age=0, no-cache, no-store, must-revalidate, private"


def test_static_files_stay_cacheable(client, personas):
    client.force_login(personas[Role.PETITION_CLERK])
    for name in ("huiyin/app.css", "huiyin/app.js", "vendor/htmx-2.0.11.min.js"):
        response = client.get(settings.STATIC_URL + name)
        assert response.status_code == 200, name
        assert_security_headers(response, cacheable=True)


def test_the_htmx_indicator_style_comes_from_our_stylesheet(client, personas):
    client.force_login(personas[Role.PETITION_CLERK])
    html = client.get("/").content.decode()
    assert '"includeIndicatorStyles": false' in html
    assert '"allowEval": false' in html
    css = (ROOT / "static" / "huiyin" / "app.css").read_text()
    assert ".htmx-indicator {" in css


# --- no Server banner ---------------------------------------------------------------------------


class _Request:
    version = (1, 1)


def test_the_serve_command_leaves_gunicorns_server_line_out(monkeypatch):
    from gunicorn.http import wsgi as gunicorn_wsgi

    from huiyin.org.management.commands import serve

    monkeypatch.setattr(gunicorn_wsgi.Response, "default_headers", serve._default_headers)
    response = gunicorn_wsgi.Response(_Request(), sock=None, cfg=None)
    response.status = "200 OK"
    response.should_close = lambda: True
    assert any(line.startswith("Server:") for line in response.default_headers())

    serve.hide_server_banner()
    lines = response.default_headers()
    assert not any(line.lower().startswith("server:") for line in lines)
    assert lines[0] == "HTTP/1.1 200 OK\r\n"
    assert any(line.startswith("Date:") for line in lines)


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def test_a_real_gunicorn_sends_no_server_header(tmp_path):
    """`huiyin serve` on a loopback port (a few seconds): no banner, and the policies are sent."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("HUIYIN_", "DJANGO_"))}
    env.update(
        HUIYIN_DATA_DIR=str(tmp_path),
        HUIYIN_DEBUG="1",  # keys made in the data dir; static files from the finders
        HUIYIN_HTTPS="0",
        DJANGO_SETTINGS_MODULE="huiyin.settings",
    )
    port = _free_port()
    log = tmp_path / "gunicorn.log"
    with open(log, "wb") as out:
        server = subprocess.Popen(
            [sys.executable, "-m", "huiyin", "serve", "--bind", f"127.0.0.1:{port}"]
            + ["--workers", "1", "--no-collectstatic"],
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                if server.poll() is not None or time.monotonic() > deadline:
                    pytest.fail("gunicorn did not start:\n" + log.read_text(errors="replace"))
                time.sleep(0.1)
        for path in ("/login/", "/static/huiyin/app.css", "/no-such-page/"):
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
            try:
                connection.request("GET", path)
                response = connection.getresponse()
                response.read()
            finally:
                connection.close()
            assert response.status in (200, 404), (path, response.status)
            names = {name.lower() for name, _ in response.getheaders()}
            assert "server" not in names, (path, response.getheaders())
            assert "content-security-policy" in names, path
            assert response.getheader("Date"), path
    finally:
        if server.poll() is None:
            os.killpg(server.pid, signal.SIGTERM)
            try:
                server.wait(timeout=15)
            except subprocess.TimeoutExpired:
                os.killpg(server.pid, signal.SIGKILL)
                server.wait()


# --- in a real browser: nothing refused, the moved behaviours still work ------------------------


def _sign_in(page, live_url, username):
    from huiyin.testing.factories import PASSWORD

    page.goto(live_url("/login/"))
    page.fill("#id_username", username)
    page.fill("#id_password", PASSWORD)
    page.click("#login-submit")
    page.wait_for_url(live_url("/"))


@pytest.mark.browser
def test_the_browser_reports_what_the_policy_refuses(chromium, live_url, db):
    """The journeys' `page` fixture fails a test on any refusal: it must notice one."""
    from huiyin.testing import browser as hb

    context = hb.new_context(chromium)
    try:
        page = context.new_page()
        refused = hb.watch_assets(page)
        page.goto(live_url("/login/"))
        page.evaluate(
            """document.body.insertAdjacentHTML("beforeend",
                 '<p style="color: red">x</p><img src="x.png" onerror="window.hit = 1">')"""
        )
        page.wait_for_timeout(300)
        assert page.evaluate("window.hit") is None
    finally:
        context.close()
    assert any("inline style" in line for line in refused), refused
    assert any("inline event handler" in line for line in refused), refused


@pytest.mark.browser
def test_the_browser_reports_a_missing_asset_but_not_one_the_page_cancelled(chromium):
    """A stylesheet answered 404 fails a journey; one still loading when the test moves on
    (net::ERR_ABORTED) is the test's own doing and does not."""
    from huiyin.testing import browser as hb

    site = "http://assets.invalid"
    pages = {
        "/missing": '<link rel="stylesheet" href="/missing.css"><p>x</p>',
        "/slow": '<link rel="stylesheet" href="/slow.css"><p>x</p>',
        "/next": "<p>next</p>",
    }

    def serve(route):
        path = route.request.url.removeprefix(site)
        if path == "/slow.css":
            return  # never answered: the navigation below cancels it
        if path in pages:
            route.fulfill(status=200, content_type="text/html", body=pages[path])
        else:
            route.fulfill(status=404, content_type="text/plain", body="not found")

    context = hb.new_context(chromium)
    try:
        page = context.new_page()
        page.route(f"{site}/**", serve)
        broken = hb.watch_assets(page)
        page.goto(site + "/missing")
        page.goto(site + "/slow", wait_until="commit")
        page.goto(site + "/next")
        page.wait_for_timeout(200)
        found = list(broken)
    finally:
        context.close()
    assert found == [f"404 {site}/missing.css"], found


@pytest.mark.browser
def test_charts_filters_and_print_buttons_work_under_the_policy(
    page, live_url, personas, community
):
    from playwright.sync_api import expect

    petition = register(
        personas[Role.PETITION_CLERK], community=community, description="第一行\n第二行"
    )

    _sign_in(page, live_url, personas[Role.LEADER].get_username())
    page.goto(live_url(reverse("reports:dashboard")))
    chart = page.locator("#chart-trend canvas")
    expect(chart).to_have_count(1)
    box = chart.bounding_box()
    page.mouse.move(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    page.wait_for_timeout(300)

    page.goto(live_url(reverse("petitions:list")))
    page.locator("#petition-filter select").first.select_option(index=1)
    page.wait_for_url(re.compile(r"/petitions/\?"))
    assert "=&" not in page.url and not page.url.endswith("="), page.url

    page.goto(live_url(reverse("petitions:detail", args=[petition.pk])))
    page.evaluate("window.print = function () { window.printed = true; }")
    page.click("[data-hy-print]")
    assert page.evaluate("window.printed") is True
    expect(page.locator("#case .hy-pre-line").first).to_have_css("white-space", "pre-line")
