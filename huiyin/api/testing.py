"""What the URL x role crawl (huiyin.testing.crawl) needs of the API's pages.

The REST API itself (/api/v1/) takes tokens only, never a session: the crawl leaves it to
``huiyin/api/tests/test_matrix.py`` (every endpoint per role against the web's answers). The
API tokens page is crawled; :data:`FILLERS` fills its revoke address with a token of the
person's own ("in") and another person's ("out").
"""

from __future__ import annotations

from django.contrib.auth.models import User


def _token_of(user: User) -> int:
    from huiyin.api.models import ApiToken
    from huiyin.api.tokens import create_token

    found = ApiToken.objects.filter(owner=user, revoked_at__isnull=True).first()
    if found is None:
        found, _secret = create_token(owner=user, name="crawl", days=1)
    return found.pk


def _revoke(w, p, scope: str) -> list[dict]:
    if scope == "in":
        return [{"pk": _token_of(p.user)}] if p.user is not None else []
    other = User.objects.exclude(pk=getattr(p.user, "pk", None)).order_by("pk").first()
    return [{"pk": _token_of(other)}] if other is not None else []


FILLERS = {"api:token_revoke": _revoke}
