"""Which of their streets a person's pages show: all of them, or the one chosen in the header.

A district officer (区级) reading several streets may narrow every page to one of them. The
choice is kept in the session and applied by :class:`StreetChoiceMiddleware` to the person's
reach for the request: their grants in the other streets are left out, so every door (the
case lists, the statistics, the ledgers) shows that street's matters only, with no code of
its own. It only ever narrows what the grants give, so it reveals nothing and is not audited;
a street the person holds no grant in is refused, and a stale choice is dropped.
"""

from __future__ import annotations

import dataclasses

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from huiyin.org.access import reach_of

SESSION_KEY = "huiyin_street"
#: The longest value of the form's fields read (an id; the page to go back to).
MAX_STREET = 12
MAX_NEXT = 2000


def full_street_ids(user) -> frozenset[int]:
    """Every street the person holds a grant in, whatever street is chosen."""
    full = getattr(user, "_huiyin_full_reach", None)
    return (full or reach_of(user)).street_ids


def chosen_street_id(request: HttpRequest) -> int | None:
    session = getattr(request, "session", None)
    value = session.get(SESSION_KEY) if session is not None else None
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def narrow(user, street_id: int) -> bool:
    """Leave the person's grants in `street_id` only, for this request (False: not theirs)."""
    reach = reach_of(user)
    if street_id not in reach.street_ids or len(reach.street_ids) < 2:
        return False
    user._huiyin_full_reach = reach
    user._huiyin_reach = dataclasses.replace(
        reach, grants=tuple(g for g in reach.grants if g.street_id == street_id), _scopes={}
    )
    return True


class StreetChoiceMiddleware:
    """Applies the street chosen in the session (nothing at all for everyone else)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        chosen = chosen_street_id(request)
        if chosen is not None:
            user = getattr(request, "user", None)
            if user is None or not user.is_authenticated or not narrow(user, chosen):
                request.session.pop(SESSION_KEY, None)  # no longer one of theirs
        return self.get_response(request)


def _back(request: HttpRequest) -> str:
    target = str(request.POST.get("next", ""))[:MAX_NEXT]
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return reverse("home")


@login_required
@require_POST
def choose(request: HttpRequest) -> HttpResponse:
    """The header's street selector: one street of the person's, or all of them ("")."""
    value = str(request.POST.get("street", "")).strip()[:MAX_STREET]
    if value == "":
        request.session.pop(SESSION_KEY, None)
        return HttpResponseRedirect(_back(request))
    ids = full_street_ids(request.user)
    if not (value.isascii() and value.isdigit() and int(value) in ids and len(ids) > 1):
        messages.error(request, _("Choose one of your streets."))
        return HttpResponseRedirect(_back(request))
    request.session[SESSION_KEY] = int(value)
    return HttpResponseRedirect(_back(request))
