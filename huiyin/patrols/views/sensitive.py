"""Sensitive periods (特殊时期): the list, each period's daily board (who reported, on time or
late, nil or not, and who has not) and filing a community's daily report."""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from huiyin.cases import bounds
from huiyin.front.decorators import require_perm
from huiyin.org.access import reach_of
from huiyin.org.roles import Perm
from huiyin.patrols import access, services
from huiyin.patrols.forms import apply_errors
from huiyin.patrols.forms_places import DailyForm, PeriodForm
from huiyin.patrols.models import DailyNotice, DailyReport, SensitivePeriod
from huiyin.patrols.services import PatrolInvalid, sensitive
from huiyin.screening import periods
from huiyin.screening.board import STATUS_CLASSES, STATUS_LABELS

VIEW_PERMS = sensitive.VIEW_PERMS


@require_perm(*VIEW_PERMS)
@require_http_methods(["GET", "POST"])
def period_list(request: HttpRequest) -> HttpResponse:
    user = request.user
    may_manage = access.street_wide(user, Perm.PATROLS_MANAGE)
    form = PeriodForm() if may_manage else None
    status, top = 200, []
    if request.method == "POST":
        if not may_manage:
            access.deny(user, "sensitive.create")
        form = PeriodForm(request.POST)
        if form.is_valid():
            try:
                period = services.create_period(user, **form.cleaned_data, request=request)
            except PatrolInvalid as invalid:
                top = apply_errors(form, invalid.errors)
            else:
                messages.success(request, _("The sensitive period is created."))
                return redirect("patrols:sensitive_period", pk=period.pk)
        status = 400
    today = periods.today()
    rows = SensitivePeriod.objects.filter(street_id__in=reach_of(user).street_ids).order_by(
        "-starts_on", "-id"
    )[:30]
    return render(
        request,
        "patrols/sensitive.html",
        {**section(user), "periods": rows, "today": today, "form": form, "top_errors": top},
        status=status,
    )


def section(user) -> dict:
    from huiyin.patrols.views.common import section as common

    return {**common(user, "sensitive"), "may_file": access.can(user, sensitive.FILE_PERM)}


def _period(pk, user) -> SensitivePeriod:
    """A sensitive period of one of the person's streets; Http404 otherwise."""
    number = bounds.bounded_int(pk, 1, bounds.MAX_ID)
    mine = SensitivePeriod.objects.filter(street_id__in=reach_of(user).street_ids)
    period = mine.filter(pk=number).first() if number else None
    if period is None:
        raise Http404
    return period


def _day(request, period) -> tuple:
    raw = request.GET.get("day")
    chosen = periods.parse(raw, periods.DAY) if raw else None
    default = sensitive.due_day(period) or period.starts_on
    if chosen is None or not period.covers(chosen.start) or chosen.start > periods.today():
        return default, bool(raw)
    return chosen.start, False


@require_perm(*VIEW_PERMS)
@require_GET
def period_board(request: HttpRequest, pk: int) -> HttpResponse:
    period = _period(pk, request.user)
    day, bad_day = _day(request, period)
    user = request.user
    today_table = sensitive.compliance(period, first=day, last=day, user=user)
    whole = sensitive.compliance(period, user=user)
    lines = [
        {
            "row": row,
            "label": STATUS_LABELS[row.status],
            "css": STATUS_CLASSES[row.status],
            "may_file": access.covers(user, sensitive.FILE_PERM, row.body.pk),
        }
        for row in today_table.rows
    ]
    days = [p.start for p in whole.periods]
    notices = DailyNotice.objects.filter(
        recipient=user, period=period, read_at__isnull=True
    ).order_by("-created_at")[:5]
    return render(
        request,
        "patrols/sensitive_board.html",
        {
            **section(user),
            "period": period,
            "day": day,
            "bad_day": bad_day,
            "deadline": sensitive.deadline_of(day),
            "lines": lines,
            "totals": today_table.totals,
            "whole": whole.totals,
            "days": days,
            "notices": notices,
        },
    )


@require_perm(sensitive.FILE_PERM)
@require_http_methods(["GET", "POST"])
def file_daily(request: HttpRequest, pk: int) -> HttpResponse:
    period = _period(pk, request.user)
    user = request.user
    communities = [
        c
        for c in sensitive.communities_in_view(None, period)
        if access.covers(user, sensitive.FILE_PERM, c.pk)
    ]
    if not communities:
        access.deny(user, "sensitive.file")
    from huiyin.org.models import Community

    choices = Community.objects.filter(pk__in=[c.pk for c in communities]).order_by("order")
    day = sensitive.due_day(period) or period.starts_on
    status, top = 200, []
    if request.method == "POST":
        form = DailyForm(request.POST, communities=choices)
        if form.is_valid():
            data = form.cleaned_data
            try:
                report, created = services.file_daily(
                    user, period, data["community"], data["day"],
                    nil=request.POST.get("action") == "nil",
                    incident_count=data["incident_count"], incidents=data["incidents"],
                    risk_note_count=data["risk_note_count"], risk_notes=data["risk_notes"],
                    version=data["version"], request=request,
                )  # fmt: skip
            except PatrolInvalid as invalid:
                top = apply_errors(form, invalid.errors)
            else:
                DailyNotice.objects.filter(
                    period=period, community=report.community, day=report.day
                ).update(read_at=report.filed_at)
                messages.success(
                    request,
                    _("The daily report for %(day)s is filed.") % {"day": report.day.isoformat()}
                    if created
                    else _("The daily report for %(day)s is amended.")
                    % {"day": report.day.isoformat()},
                )
                return redirect(f"{_board_url(period)}?day={report.day.isoformat()}")
        status = 400
    else:
        existing = DailyReport.objects.filter(
            period=period, community=choices.first(), day=day
        ).first()
        initial = {"community": choices.first(), "day": day}
        if existing is not None:
            initial.update(
                version=existing.version,
                incident_count=existing.incident_count,
                incidents=existing.incidents,
                risk_note_count=existing.risk_note_count,
                risk_notes=existing.risk_notes,
            )
        form = DailyForm(initial=initial, communities=choices)
    return render(
        request,
        "patrols/sensitive_file.html",
        {
            **section(user),
            "period": period,
            "day": day,
            "deadline": sensitive.deadline_of(day),
            "form": form,
            "top_errors": top,
        },
        status=status,
    )


def _board_url(period) -> str:
    from django.urls import reverse

    return reverse("patrols:sensitive_period", args=[period.pk])


urlpatterns = [
    path("sensitive/", period_list, name="sensitive"),
    path("sensitive/<int:pk>/", period_board, name="sensitive_period"),
    path("sensitive/<int:pk>/file/", file_daily, name="sensitive_file"),
]
