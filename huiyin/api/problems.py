"""One error format for the whole API: RFC 9457 problem details (``application/problem+json``).

    raise Problem("stale")                                   # 412, the type's own title
    raise Problem("invalid", errors={"title": ["必填"]})     # 422 with field errors

Every error has a stable ``type`` (``/api/v1/docs#problem-<slug>``: the docs page explains
it), the HTTP ``status``, a ``title`` and a ``detail`` in the reader's language (Chinese by
default) and, for bad input, ``errors``: one entry per field, with its dotted name
(``petitioners.0.phone``), a JSON pointer into the request (``/petitioners/0/phone``) and
the message. The handlers below turn every exception the API can meet into one of these:
nothing outside reaches a 500, and a 500 that does happen says nothing of the code.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterable, Mapping

from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _
from ninja.errors import HttpError
from ninja.errors import ValidationError as NinjaValidationError

from huiyin.cases import bounds

log = logging.getLogger("huiyin.api")

CONTENT_TYPE = "application/problem+json"
TYPE_BASE = "/api/v1/docs#problem-"

#: slug → (status, title). The slugs are a contract: clients test ``type`` against them.
TYPES: dict[str, tuple[int, Promise]] = {
    "malformed": (400, _("The request is malformed")),
    "unauthenticated": (401, _("Not signed in")),
    "forbidden": (403, _("Not allowed")),
    "scope": (403, _("The token's scope does not allow this")),
    "not-found": (404, _("Not found")),
    "method-not-allowed": (405, _("Method not allowed")),
    "transition-refused": (409, _("Not possible now")),
    "stale": (412, _("The matter was changed by someone else")),
    "too-large": (413, _("The request is too large")),
    "invalid": (422, _("The input has errors")),
    "precondition-required": (428, _("The version seen is required")),
    "rate-limited": (429, _("Too many requests")),
    "server-error": (500, _("Server error")),
}

#: What each type means, for the docs page (one sentence each).
EXPLAINED: dict[str, Promise] = {
    "malformed": _("The body is not a JSON object, a header or the cursor cannot be read."),
    "unauthenticated": _("No token, an unknown one, or one expired or revoked."),
    "forbidden": _("Your roles do not allow this (the same rules as the web pages)."),
    "scope": _("A read-only token was used to change something."),
    "not-found": _("No such matter, or not one you may see (the same answer for both)."),
    "method-not-allowed": _("This address does not take this HTTP method."),
    "transition-refused": _("The action is not possible in the matter's present state."),
    "stale": _("The If-Match version is not the matter's present version: read it again."),
    "too-large": _("The upload is larger than the largest file kept; nothing was read."),
    "invalid": _("Some fields are wrong; errors names each with its message."),
    "precondition-required": _("A change needs the If-Match header with the version read."),
    "rate-limited": _("The token made too many calls this minute; wait Retry-After seconds."),
    "server-error": _("Something went wrong on the server; it has been logged."),
}

MSG_DETAIL = {
    "malformed": _("The request body must be a JSON object."),
    "unauthenticated": _("Sign in with an API token."),
    "forbidden": _("Your role does not allow this."),
    "scope": _("This token may only read; make a token with write scope to change records."),
    "not-found": _("No such record, or you may not see it."),
    "method-not-allowed": _("This address does not take this method."),
    "transition-refused": _("This action is not possible now."),
    "stale": _("This matter was changed by someone else; reload it and try again."),
    "too-large": _("The request is larger than an attachment may be."),
    "invalid": _("Please correct the fields named in errors."),
    "precondition-required": _(
        "Send the header If-Match with the version you read (the ETag of the matter)."
    ),
    "rate-limited": _("Too many requests; try again in %(seconds)s seconds."),
    "server-error": _("The request could not be completed; please try again later."),
}

MSG_REQUIRED = _("This field is required.")
MSG_NOT_VALID = _("This value is not valid.")
MSG_TOO_LONG = _("Enter at most %(max)s characters.")
MSG_TOO_SHORT = _("Enter at least %(min)s characters.")
MSG_WHOLE_NUMBER = _("Enter a whole number.")
MSG_NUMBER_RANGE = _("Enter a number from %(min)s to %(max)s.")
MSG_NUMBER_MAX = _("Enter a number no greater than %(max)s.")
MSG_NUMBER_MIN = _("Enter a number no smaller than %(min)s.")
MSG_CHOICE = _("Choose one of: %(choices)s.")
MSG_BOOL = _("Enter true or false.")
MSG_DATE = _("Enter a date as YYYY-MM-DD.")
MSG_DATETIME = _("Enter a date and time as YYYY-MM-DDTHH:MM (Beijing time unless an offset).")
MSG_TEXT = _("Enter text.")
MSG_LIST = _("Enter a list.")
MSG_LIST_LONG = _("Enter at most %(max)s items.")
MSG_OBJECT = _("Enter an object.")
MSG_UNKNOWN_FIELD = _("This field is not known here.")


class Problem(Exception):
    """An API error: raise it anywhere below a route; :func:`problem_response` renders it."""

    def __init__(
        self,
        slug: str,
        detail: str | Promise | None = None,
        *,
        errors: Mapping[str, Iterable] | None = None,
        headers: Mapping[str, str] | None = None,
        status: int | None = None,
    ):
        if slug not in TYPES:
            raise ValueError(f"unknown problem type {slug!r}")
        super().__init__(slug)
        self.slug = slug
        self.status = status or TYPES[slug][0]
        self.detail = detail
        self.errors = errors or {}
        self.headers = dict(headers or {})


def pointer(field: str) -> str:
    """``petitioners.0.phone`` → ``/petitioners/0/phone`` (RFC 6901 escapes)."""
    if not field or field == "__all__":
        return ""
    parts = [p.replace("~", "~0").replace("/", "~1") for p in field.split(".")]
    return "/" + "/".join(parts)


def body(problem: Problem, instance: str = "") -> dict:
    status, title = TYPES[problem.slug]
    detail = problem.detail if problem.detail is not None else MSG_DETAIL[problem.slug]
    out: dict = {
        "type": TYPE_BASE + problem.slug,
        "title": str(title),
        "status": problem.status,
        "detail": str(detail),
    }
    if instance:
        out["instance"] = instance
    if problem.errors:
        out["errors"] = [
            {"field": field, "pointer": pointer(field), "detail": str(message)}
            for field, messages in problem.errors.items()
            for message in messages
        ]
    return out


def problem_response(request: HttpRequest | None, problem: Problem) -> HttpResponse:
    instance = request.path if request is not None else ""
    content = json.dumps(body(problem, instance), ensure_ascii=False)
    response = HttpResponse(content, status=problem.status, content_type=CONTENT_TYPE)
    for name, value in problem.headers.items():
        response[name] = value
    if problem.status == 401:
        response["WWW-Authenticate"] = 'Bearer realm="huiyin"'
    response["Cache-Control"] = "no-store"
    return response


# --------------------------------------------------------------------------- pydantic errors


def field_name(loc: Iterable) -> str:
    """A pydantic error location as a dotted field name, without the request part and the
    body parameter's own name (``("body", "body", "petitioners", 0, "phone")``)."""
    parts = [str(p) for p in loc]
    if parts and parts[0] in ("body", "query", "path", "header", "cookie", "form"):
        where = parts.pop(0)
        if where == "body" and parts and parts[0] == "body":
            parts.pop(0)
    return ".".join(parts) or "__all__"


def _choices(ctx: Mapping) -> str:
    expected = str(ctx.get("expected", ""))
    return expected.replace("'", "")


def message_for(error: Mapping) -> str:
    """A pydantic error as a message in the reader's language."""
    kind = str(error.get("type", ""))
    ctx = error.get("ctx") or {}
    if kind == "missing":
        return str(MSG_REQUIRED)
    if kind == "nul_character":
        return str(bounds.MSG_NUL)
    if kind == "string_too_long":
        return str(MSG_TOO_LONG) % {"max": ctx.get("max_length")}
    if kind == "string_too_short":
        return str(MSG_TOO_SHORT) % {"min": ctx.get("min_length")}
    if kind in ("too_long",):
        return str(MSG_LIST_LONG) % {"max": ctx.get("max_length")}
    if kind in ("int_parsing", "int_from_float", "int_type"):
        return str(MSG_WHOLE_NUMBER)
    if kind in ("less_than_equal", "less_than"):
        return str(MSG_NUMBER_MAX) % {"max": ctx.get("le", ctx.get("lt"))}
    if kind in ("greater_than_equal", "greater_than"):
        return str(MSG_NUMBER_MIN) % {"min": ctx.get("ge", ctx.get("gt"))}
    if kind in ("literal_error", "enum"):
        return str(MSG_CHOICE) % {"choices": _choices(ctx)}
    if kind.startswith("bool"):
        return str(MSG_BOOL)
    if kind.startswith("datetime") or kind.startswith("timezone"):
        return str(MSG_DATETIME)
    if kind.startswith("date"):
        return str(MSG_DATE)
    if kind.startswith("string") or kind == "str_type":
        return str(MSG_TEXT)
    if kind.startswith("list") or kind.startswith("tuple"):
        return str(MSG_LIST)
    if kind in ("dict_type", "model_type", "model_attributes_type"):
        return str(MSG_OBJECT)
    if kind == "extra_forbidden":
        return str(MSG_UNKNOWN_FIELD)
    return str(MSG_NOT_VALID)


def from_validation(errors: Iterable[Mapping]) -> Problem:
    fields: dict[str, list[str]] = {}
    for error in errors:
        name = field_name(error.get("loc") or ())
        message = message_for(error)
        if message not in fields.setdefault(name, []):
            fields[name].append(message)
    # A body that is not an object at all is malformed, not a field error.
    if set(fields) == {"__all__"} or (
        len(fields) == 1 and "__all__" in fields and MSG_OBJECT in fields["__all__"]
    ):
        return Problem("malformed")
    return Problem("invalid", errors=fields)


# --------------------------------------------------------------------------- handlers


def install(api) -> None:
    """Make every exception of `api` a problem (ninja's own handlers are replaced)."""

    def handle_problem(request, exc: Problem):
        return problem_response(request, exc)

    def handle_validation(request, exc: NinjaValidationError):
        return problem_response(request, from_validation(exc.errors))

    def handle_http(request, exc: HttpError):
        slug = {
            400: "malformed",
            401: "unauthenticated",
            403: "forbidden",
            404: "not-found",
            405: "method-not-allowed",
            409: "transition-refused",
            412: "stale",
            413: "too-large",
            422: "invalid",
            428: "precondition-required",
            429: "rate-limited",
        }.get(exc.status_code, "malformed" if exc.status_code < 500 else "server-error")
        return problem_response(request, Problem(slug, status=exc.status_code))

    def handle_404(request, exc):
        return problem_response(request, Problem("not-found"))

    def handle_denied(request, exc):
        return problem_response(request, Problem("forbidden"))

    def handle_other(request, exc: Exception):
        log.exception("API request failed: %s %s", request.method, request.path)
        return problem_response(request, Problem("server-error"))

    api.add_exception_handler(Exception, handle_other)
    api.add_exception_handler(Http404, handle_404)
    api.add_exception_handler(PermissionDenied, handle_denied)
    api.add_exception_handler(HttpError, handle_http)
    api.add_exception_handler(NinjaValidationError, handle_validation)
    api.add_exception_handler(Problem, handle_problem)
