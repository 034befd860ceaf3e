"""The public tracker (no sign-in): the receipt code and the phone's last four digits give the
office, the matter's number and title (as on the receipt), its stage and dates, never a name
or the text of the matter; once replied, the petitioner rates the handling there (条例 art. 21).

A miss shows the form again with the code as typed, never the digits. The code is taken by
POST only (no prefilled code in the address), so it stays out of addresses and logs.

Lookups are limited per client address with rows in the database (:class:`TrackAttempt`),
so the limit holds across every server process. ``services.track`` audits each lookup.
"""

from __future__ import annotations

import math
import os
import re

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import path
from django.utils.crypto import salted_hmac
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST

from huiyin.petitions import services
from huiyin.petitions.forms import RatingForm, TrackForm
from huiyin.petitions.models import TrackAttempt
from huiyin.privacy.client import client_address

#: Lookups per client address and window: "<count>/<window>", the window in seconds or with
#: a unit s, m or h ("10/10m": ten lookups in any ten minutes).
DEFAULT_TRACK_RATE = "10/10m"
_RATE = re.compile(r"^\s*(\d+)\s*/\s*(\d+)\s*([smh]?)\s*$")
_UNIT_SECONDS = {"": 1, "s": 1, "m": 60, "h": 3600}


def track_rate() -> tuple[int, int]:
    """(lookups allowed, window in seconds) from settings.HUIYIN_TRACK_RATE or the environment."""
    raw = getattr(settings, "HUIYIN_TRACK_RATE", None) or os.environ.get("HUIYIN_TRACK_RATE")
    raw = raw or DEFAULT_TRACK_RATE
    match = _RATE.match(str(raw))
    if not match or int(match.group(1)) < 1 or int(match.group(2)) < 1:
        raise ImproperlyConfigured(
            f"HUIYIN_TRACK_RATE must look like 10/10m (lookups/window in s, m or h); got {raw!r}"
        )
    return int(match.group(1)), int(match.group(2)) * _UNIT_SECONDS[match.group(3)]


def _over_limit(request: HttpRequest) -> int | None:
    """Count this attempt; the seconds to wait when over the limit, else None."""
    allowed, window = track_rate()
    # A keyed hash: the table counts addresses without holding any. Behind the proxy the
    # address is the one nginx saw (client_address trusts only the configured proxies).
    client = salted_hmac(
        "huiyin.petitions.track", client_address(request), algorithm="sha256"
    ).hexdigest()
    if TrackAttempt.hit(client, window_seconds=window) > allowed:
        return window
    return None


def _too_many(request: HttpRequest, wait_seconds: int) -> HttpResponse:
    minutes = max(1, math.ceil(wait_seconds / 60))
    response = render(
        request,
        "public/track.html",
        {
            "form": TrackForm(),
            "message": _(
                "Too many lookups from your address. Please try again in %(minutes)s minutes."
            )
            % {"minutes": minutes},
            "message_level": "warning",
        },
        status=429,
    )
    response["Retry-After"] = str(wait_seconds)
    return response


def _not_found(request: HttpRequest, code: str) -> HttpResponse:
    # The same page for an unknown code and for wrong digits: the code typed is kept (to be
    # corrected, not typed again), the digits never are.
    return render(
        request,
        "public/track.html",
        {
            "form": TrackForm(initial={"code": code[:20]}),
            "message": str(services.MSG_TRACK_NOT_FOUND),
            "message_level": "danger",
        },
    )


def _status(request: HttpRequest, view, code: str, last4: str, **extra) -> HttpResponse:
    context = {"view": view, "form": None, **extra}
    if view.can_rate and "rating_form" not in context:
        context["rating_form"] = RatingForm(initial={"code": code, "last4": last4})
    return render(request, "public/track.html", context)


@never_cache
@require_http_methods(["GET", "POST"])
def track(request: HttpRequest) -> HttpResponse:
    """GET: the question. POST: the answer (POST keeps the code out of addresses and logs)."""
    if request.method == "GET":
        return render(request, "public/track.html", {"form": TrackForm()})
    wait = _over_limit(request)
    if wait is not None:
        return _too_many(request, wait)
    form = TrackForm(request.POST)
    if not form.is_valid():
        # Shown again with its messages and the code, without the phone digits.
        data = form.data.copy()
        data.pop("last4", None)
        form.data = data
        return render(request, "public/track.html", {"form": form}, status=400)
    code, last4 = form.cleaned_data["code"], form.cleaned_data["last4"]
    view = services.track(code, last4, request=request)
    if view is None:
        # One receipt code at the front desk, whichever kind the matter became.
        from huiyin.front.desk import track_dispute

        dispute = track_dispute(code, last4, request=request)
        if dispute is not None:
            return render(request, "front/desk_track.html", {"view": dispute})
        return _not_found(request, code)
    return _status(request, view, code, last4)


@never_cache
@require_POST
def rate(request: HttpRequest) -> HttpResponse:
    """The petitioner's rating: once, after the reply (``services.rate_from_public`` decides)."""
    wait = _over_limit(request)
    if wait is not None:
        return _too_many(request, wait)
    form = RatingForm(request.POST)
    code = (request.POST.get("code") or "")[:20]
    last4 = (request.POST.get("last4") or "")[:4]
    message, level = "", "info"
    if form.is_valid():
        try:
            services.rate_from_public(
                code,
                last4,
                form.cleaned_data["satisfaction"],
                note=form.cleaned_data["note"],
                request=request,
            )
        except services.RatingRefused as refused:
            message, level = str(refused.message), "warning"
        else:
            message, level = _("Thank you. Your rating has been recorded."), "success"
    view = services.track(code, last4, request=request)
    if view is None:
        return _not_found(request, code)
    extra = {"message": message, "message_level": level}
    if not form.is_valid() and view.can_rate:
        extra["rating_form"] = form
    return _status(request, view, code, last4, **extra)


urlpatterns = [
    path("", track, name="track"),
    path("rate/", rate, name="rate"),
]
