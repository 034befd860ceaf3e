"""Leaders' reception days (坐班接访, 下访, 巡回接访): the month calendar, scheduling a slot, and
a leader's page with the people received (headcount, 人次) in a period.

The rules are in :mod:`huiyin.petitions.services` (``schedule_reception``,
``reception_slots``, ``reception_headcount``).
"""

from __future__ import annotations

import calendar
import contextlib
from datetime import date, time

from django import forms
from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods

from huiyin.cases import bounds
from huiyin.cases.models import _staff_id
from huiyin.front.decorators import require_perm
from huiyin.org.access import reach_of
from huiyin.org.models import Community, Staff
from huiyin.org.roles import Perm
from huiyin.petitions import services
from huiyin.petitions.home import petition_list_url
from huiyin.petitions.models import ReceptionSlot
from huiyin.petitions.views.keycases import StaffChoiceField, apply_invalid, style

SCHEDULE_PERMS = (Perm.PETITIONS_DECIDE, Perm.PETITIONS_APPROVE)


# --------------------------------------------------------------------------- forms


class SlotForm(forms.Form):
    leader = StaffChoiceField(
        queryset=Staff.objects.none(),
        label=gettext_lazy("Leader"),
        empty_label=gettext_lazy("— choose a leader —"),
    )
    kind = forms.ChoiceField(
        choices=ReceptionSlot.SlotKind.choices, label=gettext_lazy("Kind of reception")
    )
    date = bounds.DateField(
        future_ok=True,
        label=gettext_lazy("Date"),
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )
    start_time = forms.TimeField(
        label=gettext_lazy("Start time"),
        widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M"),
    )
    end_time = forms.TimeField(
        label=gettext_lazy("End time"),
        widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M"),
    )
    place = forms.CharField(label=gettext_lazy("Reception place"), max_length=100)
    community = forms.ModelChoiceField(
        queryset=Community.objects.none(),
        required=False,
        label=gettext_lazy("Community"),
        empty_label=gettext_lazy("— none —"),
    )
    note = forms.CharField(label=gettext_lazy("Note"), max_length=200, required=False)

    field_order = ["leader", "kind", "date", "start_time", "end_time", "community", "place", "note"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["leader"].queryset = services.approvers().select_related("unit")
        self.fields["community"].queryset = Community.objects.all()

    def clean(self):
        data = super().clean()
        start, end = data.get("start_time"), data.get("end_time")
        if start and end and end <= start:
            self.add_error("end_time", _("The end time must be after the start time."))
        return data


class PeriodForm(forms.Form):
    date_from = bounds.DateField(
        future_ok=True,
        label=gettext_lazy("From"),
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )
    date_to = bounds.DateField(
        future_ok=True,
        label=gettext_lazy("To"),
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )

    def clean(self):
        data = super().clean()
        start, end = data.get("date_from"), data.get("date_to")
        if start and end and start > end:
            self.add_error("date_to", _("The start date is after the end date."))
        return data


# --------------------------------------------------------------------------- helpers


def month_bounds(month: date) -> tuple[date, date]:
    """The first and last day of the month of `month`."""
    first = month.replace(day=1)
    return first, first.replace(day=calendar.monthrange(first.year, first.month)[1])


def _parse_month(text: str | None) -> date | None:
    try:
        year, month = (int(part) for part in (text or "").split("-"))
        return date(year, month, 1) if 1900 < year < 3000 else None
    except ValueError:
        return None


def _shift(month: date, by: int) -> date:
    index = month.year * 12 + month.month - 1 + by
    return date(index // 12, index % 12 + 1, 1)


def slot_list_url(slot: ReceptionSlot) -> str:
    """The petitions registered at this leader's receptions that day (the list's filters)."""
    day = slot.date.isoformat()
    return petition_list_url(reception_leader=slot.leader_id, **{"from": day, "to": day})


def _may_schedule(user) -> bool:
    reach = reach_of(user)
    return any(reach.can(p) for p in SCHEDULE_PERMS)


# --------------------------------------------------------------------------- the calendar


@require_perm(Perm.PETITIONS_VIEW)
def month(request: HttpRequest) -> HttpResponse:
    """A month of the leaders' receptions, Monday first; each slot with its headcount."""
    today = timezone.localdate()
    notice = ""
    shown = today.replace(day=1)
    if request.GET.get("month"):
        parsed = _parse_month(request.GET["month"])
        if parsed is None:
            notice = _("The month was not understood; showing this month.")
        else:
            shown = parsed
    leaders = list(services.approvers().order_by("name"))
    leader = None
    if request.GET.get("leader"):
        leader = next((s for s in leaders if str(s.pk) == request.GET["leader"]), None)
        if leader is None:
            notice = _("The leader was not found; showing every leader.")
    weeks = calendar.Calendar(firstweekday=0).monthdatescalendar(shown.year, shown.month)
    slots = services.reception_slots(weeks[0][0], weeks[-1][-1], leader=leader, user=request.user)
    by_day: dict[date, list] = {}
    for slot in slots:
        slot.list_url = slot_list_url(slot)
        by_day.setdefault(slot.date, []).append(slot)
    first, last = month_bounds(shown)
    grid = [
        [
            {
                "date": day,
                "in_month": day.month == shown.month,
                "today": day == today,
                "slots": by_day.get(day, []),
            }
            for day in week
        ]
        for week in weeks
    ]
    in_month = [s for day, rows in by_day.items() if first <= day <= last for s in rows]
    return render(
        request,
        "petitions/reception_month.html",
        {
            "nav_active": "petitions",
            "subnav_active": "reception",
            "month": shown,
            "prev_month": _shift(shown, -1).strftime("%Y-%m"),
            "next_month": _shift(shown, 1).strftime("%Y-%m"),
            "this_month": today.strftime("%Y-%m"),
            "grid": grid,
            "weekdays": [_("Mon"), _("Tue"), _("Wed"), _("Thu"), _("Fri"), _("Sat"), _("Sun")],
            "leaders": leaders,
            "leader": leader,
            "notice": notice,
            "may_schedule": _may_schedule(request.user),
            "month_slots": len(in_month),
            "month_headcount": sum(s.headcount for s in in_month),
        },
    )


# --------------------------------------------------------------------------- scheduling


@require_perm(*SCHEDULE_PERMS)
@require_http_methods(["GET", "POST"])
def new(request: HttpRequest) -> HttpResponse:
    """Put a leader's reception on the calendar (the petition office and the leaders)."""
    status = 200
    if request.method == "POST":
        form = SlotForm(request.POST)
        if form.is_valid():
            data = form.cleaned_data
            try:
                slot = services.schedule_reception(
                    actor=request.user,
                    leader=data["leader"],
                    kind=data["kind"],
                    on=data["date"],
                    start_time=data["start_time"],
                    end_time=data["end_time"],
                    place=data["place"],
                    community=data["community"],
                    note=data["note"],
                    request=request,
                )
            except services.PetitionInvalid as invalid:
                apply_invalid(
                    form,
                    invalid.errors,
                    {
                        "leader": "leader",
                        "kind": "kind",
                        "on": "date",
                        "start_time": "start_time",
                        "end_time": "end_time",
                        "place": "place",
                        "community": "community",
                    },
                )
                status = 400
            else:
                messages.success(
                    request,
                    _("%(kind)s of %(leader)s on %(date)s is on the calendar.")
                    % {
                        "kind": slot.get_kind_display(),
                        "leader": slot.leader.name,
                        "date": slot.date.isoformat(),
                    },
                )
                return redirect(
                    reverse("petitions:reception") + f"?month={slot.date.strftime('%Y-%m')}"
                )
        else:
            status = 400
    else:
        initial = {
            "kind": ReceptionSlot.SlotKind.RECEPTION_DAY,
            "start_time": time(9),
            "end_time": time(11, 30),
        }
        with contextlib.suppress(ValueError):
            initial["date"] = date.fromisoformat(request.GET.get("date", ""))
        me = _staff_id(request.user)
        if me is not None and services.approvers().filter(pk=me).exists():
            initial["leader"] = me
        form = SlotForm(initial=initial)
    style(form)
    return render(
        request,
        "petitions/reception_form.html",
        {"nav_active": "petitions", "subnav_active": "reception", "form": form},
        status=status,
    )


# --------------------------------------------------------------------------- a leader's page


@require_perm(Perm.PETITIONS_VIEW)
def leader_page(request: HttpRequest, staff_id: int) -> HttpResponse:
    """The people a leader received (headcount) in a period: this month unless chosen."""
    leader = services.approvers().filter(pk=staff_id).select_related("unit").first()
    if leader is None:
        raise Http404
    start, end = month_bounds(timezone.localdate())
    form = PeriodForm(request.GET or None, initial={"date_from": start, "date_to": end})
    if form.is_bound:
        if form.is_valid():
            start, end = form.cleaned_data["date_from"], form.cleaned_data["date_to"]
    else:
        form = PeriodForm({"date_from": start, "date_to": end})
        form.is_valid()
    style(form)
    slots = list(services.reception_slots(start, end, leader=leader, user=request.user))
    for slot in slots:
        slot.list_url = slot_list_url(slot)
    return render(
        request,
        "petitions/reception_leader.html",
        {
            "nav_active": "petitions",
            "subnav_active": "reception",
            "leader": leader,
            "form": form,
            "date_from": start,
            "date_to": end,
            "slots": slots,
            "headcount": services.reception_headcount(leader, start, end, user=request.user),
            "petition_count": sum(s.petition_count for s in slots),
            "list_url": petition_list_url(
                reception_leader=leader.pk, **{"from": start.isoformat(), "to": end.isoformat()}
            ),
            "month_url": reverse("petitions:reception")
            + f"?month={start.strftime('%Y-%m')}&leader={leader.pk}",
        },
    )


urlpatterns = [
    path("reception/", month, name="reception"),
    path("reception/new/", new, name="reception_new"),
    path("reception/leader/<int:staff_id>/", leader_page, name="reception_leader"),
]
