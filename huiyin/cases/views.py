"""The person's notifications (the list behind the bell) and the top bar's "go to number" box."""

from __future__ import annotations

import re
import unicodedata

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from huiyin.cases import bounds
from huiyin.cases.kinds import KINDS, Kind
from huiyin.cases.models import Case, Notification
from huiyin.cases.reminders import other_body_clocks

PAGE_SIZE = 30

#: The page of a case, per kind (the kind's app provides it).
CASE_PAGES = {
    Kind.PETITION: "petitions:detail",
    Kind.DISPUTE: "disputes:detail",
    Kind.INCIDENT: "incidents:detail",
}


def case_url(kind: str, pk: int) -> str:
    """The page of a case; the kind's list root while its app has no case page yet."""
    try:
        return reverse(CASE_PAGES[kind], args=[pk])
    except (KeyError, NoReverseMatch):
        return f"/{kind}s/{pk}/"


@login_required
def notification_list(request: HttpRequest) -> HttpResponse:
    """The person's own notifications, newest first, about cases they may still see."""
    user = request.user
    unread_only = request.GET.get("unread") == "1"
    rows = (
        Notification.objects.for_user(user)
        .filter(case__in=Case.objects.visible_to(user))
        .select_related("case", "clock")
        .order_by("-created_at", "-id")
    )
    if unread_only:
        rows = rows.unread()
    page = Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))
    for item in page.object_list:
        item.url = reverse("cases:notification_open", args=[item.pk])

    # Another body's time limits on matters the person follows, for information: read only
    # when the bell counted some (the template calls this when it shows them).
    def other_body() -> list[tuple]:
        return [(c, case_url(c.case.kind, c.case_id)) for c in other_body_clocks(user)]

    return render(
        request,
        "cases/notification_list.html",
        {
            "page": page,
            "unread_only": unread_only,
            "query": "unread=1" if unread_only else "",
            "other_body": other_body,
        },
    )


@login_required
def notification_open(request: HttpRequest, pk: int) -> HttpResponse:
    """Mark one of the person's notifications read and go to its case (404 for anyone else's)."""
    notification = Notification.objects.for_user(request.user).filter(pk=pk).first()
    if notification is None:
        raise Http404
    # The one door: a person who lost access to the case gets the same 404 as a stranger.
    case = Case.objects.get_for_user(request.user, notification.case_id)
    Notification.objects.filter(pk=pk, read_at__isnull=True).update(read_at=timezone.now())
    return redirect(case_url(case.kind, case.pk))


@require_POST
@login_required
def notifications_read(request: HttpRequest) -> HttpResponse:
    """Mark all of the person's notifications read."""
    count = Notification.objects.for_user(request.user).unread().update(read_at=timezone.now())
    if count:
        messages.success(request, _("All notifications marked as read."))
    return redirect("cases:notifications")


# --------------------------------------------------------------------------- go to a number

#: The longest text the box takes (a case number has at most 40 characters).
GOTO_MAX_LENGTH = 40

_KIND_BY_LETTER = {kind_spec.letter: kind for kind, kind_spec in KINDS.items()}
#: 浓洄信〔2026〕0042号, also without the street (信〔2026〕42号), other brackets or none
#: (信[2026]42, 2026-0042); read after NFKC folding and with the spaces taken out.
_NUMBER = re.compile(
    r"^(?P<street>\w*?)(?P<letter>[" + "".join(_KIND_BY_LETTER) + r"])?"
    r"[\[(〔【]?(?P<year>\d{4})[\])〕】]?[-/.]?(?P<seq>\d{1,6})号?$"
)


def _goto_back(request: HttpRequest) -> HttpResponse:
    """Back to the page the box was used on (this site only), else the person's home."""
    referer = request.META.get("HTTP_REFERER", "")
    if (
        referer
        and url_has_allowed_host_and_scheme(
            referer, allowed_hosts={request.get_host()}, require_https=request.is_secure()
        )
        and reverse("cases:goto") not in referer
    ):
        return redirect(referer)
    return redirect("home")


def _goto_matches(user, text: str) -> list[tuple[int, str]]:
    """(pk, kind) of at most two visible cases with this number, exact first, then read loosely."""
    visible = Case.objects.visible_to(user)
    found = list(visible.filter(number=text).values_list("pk", "kind")[:2])
    if found:
        return found
    folded = re.sub(r"\s+", "", unicodedata.normalize("NFKC", text))
    match = _NUMBER.match(folded)
    if match is None:
        return []
    lookup = {"year": int(match["year"]), "seq": int(match["seq"])}
    if match["letter"]:
        lookup["kind"] = _KIND_BY_LETTER[match["letter"]]
    elif match["street"]:
        return []  # a street without the kind's letter is not a number's shape
    if match["street"]:
        lookup["street__short_name"] = match["street"]
    return list(visible.filter(**lookup).order_by("pk").values_list("pk", "kind")[:2])


@login_required
def goto(request: HttpRequest) -> HttpResponse:
    """Open the case with the number typed into the top bar, among the cases the person may see.

    Exact after trimming; the number without the street's short name, with other brackets or
    with full-width digits is read too. A number that is not there and one the person may not
    see get the same answer.
    """
    raw = bounds.strip_nul(request.GET.get("number", ""))
    text = raw.strip()
    if not text:
        messages.warning(request, _("Enter a case number."))
        return _goto_back(request)
    if len(text) > GOTO_MAX_LENGTH:
        messages.warning(
            request,
            _("A case number has at most %(limit)s characters.") % {"limit": GOTO_MAX_LENGTH},
        )
        return _goto_back(request)
    found = _goto_matches(request.user, text)
    if len(found) == 1:
        pk, kind = found[0]
        return redirect(case_url(kind, pk))
    if found:
        messages.warning(
            request,
            _("Several matters have the number “%(number)s”; enter it in full.") % {"number": text},
        )
    else:
        messages.warning(
            request,
            _("No matter numbered “%(number)s” was found, or you may not see it.")
            % {"number": text},
        )
    return _goto_back(request)
