"""The person's notifications: the list behind the bell in the top bar."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from huiyin.cases.kinds import Kind
from huiyin.cases.models import Case, Notification

PAGE_SIZE = 30

#: The page of a case, per kind (the kind's app provides it).
CASE_PAGES = {Kind.PETITION: "petitions:detail"}


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
    return render(
        request,
        "cases/notification_list.html",
        {"page": page, "unread_only": unread_only, "query": "unread=1" if unread_only else ""},
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
