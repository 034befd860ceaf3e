"""No personal data in the server's logs: query strings are cut out of every logged address.

A phone number typed into the list's search box travels in the address
(``/petitions/?q=13712345679``), and so does every other filter; the next page's ``Referer``
carries it again. The access log therefore records the path only, with ``?[redacted]`` where
there was a query: which page was asked for, never what was searched.

- :class:`AccessLogger` is gunicorn's logger for ``huiyin serve``: its access-log atoms
  (``%(r)s``, ``%(q)s``, ``%(f)s`` and the ``{...}i``/``{...}e`` ones that hold the same) are
  redacted, whatever ``access_log_format`` says; its error log goes through the filter below.
- :class:`RedactQueryStrings` is a logging filter for records that quote a request line or
  an address (gunicorn's "Error handling request /path?..."; ``runserver``'s request lines).

Django's own ``django.request`` warnings name ``request.path``, which has no query string.
"""

from __future__ import annotations

import logging
import re

from gunicorn.glogging import Logger as GunicornLogger

REDACTED = "[redacted]"

# An absolute or rooted address with a query: keep the address up to "?", drop the rest up to
# a space or a quote (the end of the address in a request line or a log message).
_URL_WITH_QUERY = re.compile(
    r"(?P<address>(?:[A-Za-z][A-Za-z0-9+.-]*://[^\s/?#\"']*)?/[^\s?#\"']*)\?[^\s\"']*"
)

_PATH = re.compile(r"[^?#]*")

#: Headers and environ entries that repeat the address or its query, as gunicorn names atoms.
_ADDRESS_ATOMS = {
    "{referer}i",
    "{http_referer}e",
    "{raw_uri}e",
    "{request_uri}e",
    "{query_string}e",
}


def redact(text):
    """`text` with the query string of every address in it replaced by ``?[redacted]``."""
    if not isinstance(text, str) or "?" not in text:
        return text
    return _URL_WITH_QUERY.sub(lambda m: f"{m.group('address')}?{REDACTED}", text)


def redact_target(target: str) -> str:
    """A request target (``/petitions/?q=1371...``) as the access log shows it."""
    if not target:
        return target
    path = _PATH.match(target).group()
    return f"{path}?{REDACTED}" if len(path) < len(target) else path


class RedactQueryStrings(logging.Filter):
    """Redacts the query strings in a record's message and arguments; lets every record through."""

    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.msg, str):
            record.msg = redact(record.msg)
        if isinstance(record.args, tuple):
            record.args = tuple(redact(a) for a in record.args)
        elif isinstance(record.args, dict):
            # In place: the mapping may be a subclass with its own lookups (gunicorn's atoms).
            for key, value in list(record.args.items()):
                if isinstance(value, str) and "?" in value:
                    record.args[key] = redact(value)
        return True


class AccessLogger(GunicornLogger):
    """gunicorn's logger with addresses cut at the query string (``logger_class`` of serve)."""

    def setup(self, cfg):
        super().setup(cfg)
        # The access log's atoms are redacted below; the error log quotes request targets.
        if not any(isinstance(f, RedactQueryStrings) for f in self.error_log.filters):
            self.error_log.addFilter(RedactQueryStrings())

    def atoms(self, resp, req, environ, request_time):
        atoms = super().atoms(resp, req, environ, request_time)
        target = redact_target(environ.get("RAW_URI") or environ.get("PATH_INFO") or "")
        atoms["r"] = "{} {} {}".format(
            environ.get("REQUEST_METHOD", "-"), target, environ.get("SERVER_PROTOCOL", "-")
        )
        atoms["q"] = REDACTED if environ.get("QUERY_STRING") else ""
        atoms["f"] = redact(atoms.get("f", "-"))
        for key in _ADDRESS_ATOMS & atoms.keys():
            if key == "{query_string}e":
                atoms[key] = REDACTED if atoms[key] else ""
            else:
                atoms[key] = redact(atoms[key])
        return atoms
