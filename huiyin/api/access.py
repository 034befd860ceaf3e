"""The API's checks of who may do what: the web's permissions, asked in one place."""

from __future__ import annotations

from django.http import HttpRequest

from huiyin.api.problems import Problem
from huiyin.cases import bounds
from huiyin.cases.models import Case
from huiyin.org.access import reach_of

MAX_NUMBER = 40


def require(request: HttpRequest, *perms: str) -> None:
    """403 unless the caller holds one of `perms` (as the web's ``require_perm``)."""
    reach = reach_of(request.user)
    if not any(reach.can(perm) for perm in perms):
        raise Problem("forbidden")


def load_case(request: HttpRequest, number: str) -> Case:
    """The case with this number (or id) if the caller may see it: through the one door,
    which audits a refusal; 404 — the same answer whether or not it exists — otherwise."""
    from huiyin.api.serialize import with_related

    text = str(number or "").strip()
    if not text or len(text) > MAX_NUMBER or bounds.strip_nul(text) != text:
        raise Problem("not-found")
    if text.isascii() and text.isdigit() and bounds.bounded_int(text, 1, bounds.MAX_ID) is None:
        raise Problem("not-found")
    return with_related(Case.objects.all()).get_for_user(request.user, text)
