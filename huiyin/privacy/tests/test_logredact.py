"""Logged addresses keep their path and lose their query string."""

import io
import logging
from datetime import timedelta
from types import SimpleNamespace

import pytest
from gunicorn.config import Config

from huiyin.privacy.logredact import (
    REDACTED,
    AccessLogger,
    RedactQueryStrings,
    redact,
    redact_target,
)

PHONE = "13712345679"
ID_NUMBER = "11010519491231002X"


def test_a_target_keeps_its_path_only():
    assert redact_target(f"/petitions/?q={PHONE}") == f"/petitions/?{REDACTED}"
    assert redact_target("/petitions/12/") == "/petitions/12/"
    assert redact_target("/petitions/?") == f"/petitions/?{REDACTED}"
    assert redact_target(f"/a/#x?q={PHONE}") == f"/a/?{REDACTED}"
    assert redact_target("") == ""


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            f'"GET /petitions/?q={PHONE}&page=2 HTTP/1.1" 200 512',
            f'"GET /petitions/?{REDACTED} HTTP/1.1" 200 512',
        ),
        (
            f"https://huiyin.example.gov.cn/petitions/?q={PHONE}",
            f"https://huiyin.example.gov.cn/petitions/?{REDACTED}",
        ),
        (
            f"Error handling request /petitions/?id_number={ID_NUMBER}",
            f"Error handling request /petitions/?{REDACTED}",
        ),
        ("no address here? no.", "no address here? no."),
        ("/petitions/12/", "/petitions/12/"),
        (None, None),
        (42, 42),
    ],
)
def test_it_redacts_every_address_in_a_text(text, expected):
    assert redact(text) == expected


def test_the_filter_redacts_message_and_arguments_and_keeps_the_record():
    record = logging.LogRecord(
        "django.server",
        logging.INFO,
        __file__,
        1,
        '"%s" %s %s',
        (f"GET /?q={PHONE} HTTP/1.1", "200", 9),
        None,
    )
    assert RedactQueryStrings().filter(record) is True
    assert PHONE not in record.getMessage()
    assert record.getMessage() == f'"GET /?{REDACTED} HTTP/1.1" 200 9'
    plain = logging.LogRecord("x", logging.INFO, __file__, 1, f"GET /?q={PHONE}", None, None)
    RedactQueryStrings().filter(plain)
    assert plain.getMessage() == f"GET /?{REDACTED}"
    mapping = logging.LogRecord(
        "x", logging.INFO, __file__, 1, "%(u)s", ({"u": f"/?q={PHONE}"},), None
    )
    RedactQueryStrings().filter(mapping)
    assert mapping.getMessage() == f"/?{REDACTED}"


def test_runserver_request_lines_are_redacted():
    """django.server (runserver, development) carries the filter from settings.LOGGING."""
    logger = logging.getLogger("django.server")
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    logger.addHandler(handler)
    try:
        logger.info('"%s" %s %s', f"GET /petitions/?q={PHONE} HTTP/1.1", "200", "5")
    finally:
        logger.removeHandler(handler)
    assert stream.getvalue().strip() == f'"GET /petitions/?{REDACTED} HTTP/1.1" 200 5'


def access_line(environ_extra: dict, headers: list[tuple[str, str]], log_format=None) -> str:
    cfg = Config()
    cfg.set("accesslog", "-")
    if log_format:
        cfg.set("access_log_format", log_format)
    logger = AccessLogger(cfg)
    stream = io.StringIO()
    for h in logger.access_log.handlers:
        h.setStream(stream)
    environ = {
        "REQUEST_METHOD": "GET",
        "SERVER_PROTOCOL": "HTTP/1.1",
        "REMOTE_ADDR": "127.0.0.1",
        **environ_extra,
    }
    response = SimpleNamespace(status="200 OK", sent=512, headers=[("Content-Type", "text/html")])
    request = SimpleNamespace(headers=headers)
    logger.access(response, request, environ, timedelta(milliseconds=12))
    return stream.getvalue()


def test_gunicorns_access_log_shows_the_path_only():
    environ = {
        "RAW_URI": f"/petitions/?q={PHONE}",
        "PATH_INFO": "/petitions/",
        "QUERY_STRING": f"q={PHONE}",
        "HTTP_REFERER": f"https://h.example/petitions/?id_number={ID_NUMBER}",
    }
    headers = [("REFERER", f"https://h.example/petitions/?id_number={ID_NUMBER}")]
    line = access_line(environ, headers)
    assert f'"GET /petitions/?{REDACTED} HTTP/1.1" 200 512' in line
    assert f'"https://h.example/petitions/?{REDACTED}"' in line
    assert PHONE not in line and ID_NUMBER not in line
    # Whatever format an operator sets, the atoms that carry the query are redacted.
    every = "%(r)s %(q)s %(U)s %(f)s {referer}i {raw_uri}e {query_string}e {http_referer}e"
    line = access_line(environ, headers, every)
    assert PHONE not in line and ID_NUMBER not in line
    assert "/petitions/" in line
    # Without a query nothing is marked.
    plain = access_line({"RAW_URI": "/petitions/3/", "PATH_INFO": "/petitions/3/"}, [])
    assert '"GET /petitions/3/ HTTP/1.1"' in plain and REDACTED not in plain


def test_gunicorns_error_log_redacts_request_targets():
    cfg = Config()
    logger = AccessLogger(cfg)
    stream = io.StringIO()
    for h in logger.error_log.handlers:
        h.setStream(stream)
    logger.error("Error handling request %s", f"/petitions/?q={PHONE}")
    assert PHONE not in stream.getvalue()
    assert f"/petitions/?{REDACTED}" in stream.getvalue()


def test_serve_uses_the_redacting_logger(monkeypatch):
    from django.core.management import call_command

    from huiyin.org.management.commands import serve

    started = {}

    class Fake:
        def __init__(self, options):
            started.update(options)

        def run(self):
            pass

    monkeypatch.setattr(serve, "_Server", Fake)
    call_command("serve", no_collectstatic=True, stdout=io.StringIO())
    assert started["logger_class"] == "huiyin.privacy.logredact.AccessLogger"
    assert started["accesslog"] == "-"
