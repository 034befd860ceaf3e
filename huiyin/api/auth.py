"""Who calls: the bearer token of every API request, its scope and its rate limit.

Only tokens open the API: a session cookie is never read (the web's sign-in does not reach
the API, so there is no cross-site request to forge). A token acts as its owner: every
query then goes through ``Case.objects.visible_to`` and the roles' permissions exactly as the
owner's web pages do. A read-only token may only GET; a write token may also POST. Each call
counts against the token's per-minute limit (:func:`huiyin.api.tokens.hit`). A call may name
one of the owner's streets (``?street=<id>``): it then reads and registers in that street only,
as the web's street selector (:func:`huiyin.api.access.narrow_to_street`).
"""

from __future__ import annotations

from django.http import HttpRequest
from ninja.security import HttpBearer

from huiyin.api import tokens
from huiyin.api.access import narrow_to_street
from huiyin.api.problems import MSG_DETAIL, Problem

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


class TokenAuth(HttpBearer):
    """``Authorization: Bearer hy_<prefix>_<secret>`` (see the API tokens page)."""

    def __call__(self, request: HttpRequest):
        return self.authenticate(request, tokens.bearer(request.headers.get("Authorization")))

    def authenticate(self, request: HttpRequest, token: str | None):
        try:
            found = tokens.find(token)
        except tokens.TokenRefused as refused:
            # A known token that is expired or revoked: the call is audited with its id.
            request.api_token_refused = refused.token
            raise Problem("unauthenticated", refused.message) from None
        request.api_token = found
        wait = tokens.hit(found)
        if wait is not None:
            raise Problem(
                "rate-limited",
                str(MSG_DETAIL["rate-limited"]) % {"seconds": wait},
                headers={"Retry-After": str(wait)},
            )
        if request.method not in SAFE_METHODS and not found.can_write:
            raise Problem("scope")
        tokens.touch(found)
        # The owner is the actor of everything the call does (visible_to, fire, the audit).
        request.user = found.owner
        # ``?street=<id>``: one of the owner's streets only, for this call (every route follows).
        narrow_to_street(request)
        return found


token_auth = TokenAuth()
