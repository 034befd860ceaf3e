"""The API's addresses: /api/v1/ (the REST API), its docs page, and the API tokens page.

Every operation's view is wrapped (:func:`audited`): the call is written to the audit trail
with its token's id (never the token), and what ninja answers outside our handlers (an
unknown method, its root) becomes a problem too.
"""

from __future__ import annotations

import functools

from django.db import transaction
from django.http import Http404
from django.urls import URLPattern, URLResolver, include, path

from huiyin.api import docs, views
from huiyin.api.api import api
from huiyin.api.problems import CONTENT_TYPE, Problem, problem_response
from huiyin.cases import bounds


def _audit(request, response) -> None:
    from huiyin.privacy.audit import record

    token = getattr(request, "api_token", None) or getattr(request, "api_token_refused", None)
    if token is None:
        return
    with transaction.atomic():
        record(
            "api.call",
            actor=token.owner,
            target=token,
            diff={
                "token": token.pk,
                "method": request.method,
                # NUL never reaches the database (PostgreSQL refuses it in text and JSON).
                "path": bounds.strip_nul(request.path)[:200],
                "status": response.status_code,
            },
            request=request,
        )


def audited(view):
    @functools.wraps(view)
    def wrapped(request, *args, **kwargs):
        try:
            response = view(request, *args, **kwargs)
        except Http404:
            response = problem_response(request, Problem("not-found"))
        if response.status_code == 405 and response.get("Content-Type") != CONTENT_TYPE:
            allowed = response.get("Allow", "")
            response = problem_response(request, Problem("method-not-allowed"))
            response["Allow"] = allowed
        _audit(request, response)
        return response

    return wrapped


def _wrap(patterns: list) -> list:
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            _wrap(pattern.url_patterns)
        elif isinstance(pattern, URLPattern) and pattern.name != "openapi-json":
            pattern.callback = audited(pattern.callback)
    return patterns


def _api_urls():
    patterns, app_name, namespace = api.urls
    return _wrap(patterns), app_name, namespace


def not_found(request, rest: str = ""):
    return problem_response(request, Problem("not-found"))


pages = (
    [
        path("tokens/", views.token_list, name="tokens"),
        path("tokens/<int:pk>/revoke/", views.token_revoke, name="token_revoke"),
        path("v1/docs", docs.docs_page, name="docs"),
    ],
    "api",
)

urlpatterns = [
    path("", include(pages)),
    path("v1/", _api_urls()),
    path("v1/<path:rest>", not_found),
]
