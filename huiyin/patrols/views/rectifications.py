"""Rectifications: the list (overdue first by default for who acts on them) and one
rectification with its steps — re-inspection, referral, the department's result."""

from __future__ import annotations

from django.contrib import messages
from django.db.models import Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_POST

from huiyin.front.decorators import require_perm
from huiyin.org.roles import Perm
from huiyin.patrols import access, services
from huiyin.patrols.forms import apply_errors
from huiyin.patrols.forms_places import ReferForm, ReferralResultForm, ReinspectForm
from huiyin.patrols.models import Finding, Rectification, RectificationNotice, RectificationStatus
from huiyin.patrols.services import PatrolInvalid
from huiyin.patrols.services.inspections import overdue_q
from huiyin.patrols.views.common import page_of, section
from huiyin.screening import periods

FILTERS = {
    "overdue": gettext_lazy("Overdue"),
    "open": gettext_lazy("Not yet rectified"),
    "referred": gettext_lazy("Referred"),
    "done": gettext_lazy("Rectified"),
    "all": gettext_lazy("All"),
}


@require_perm(Perm.PATROLS_VIEW)
@require_GET
def rectification_list(request: HttpRequest) -> HttpResponse:
    status = request.GET.get("status") or "open"
    if status not in FILTERS:
        status = "open"
    rows = access.rows(request.user, Rectification.objects.all())
    conditions = {
        "overdue": overdue_q(),
        "open": ~Q(status=RectificationStatus.DONE),
        "referred": Q(status=RectificationStatus.REFERRED),
        "done": Q(status=RectificationStatus.DONE),
        "all": Q(),
    }
    rows = rows.filter(conditions[status]).select_related("place", "community", "grid")
    rows = rows.order_by("-done_on", "-id") if status == "done" else rows.order_by("deadline", "id")
    overdue_ids = set(
        access.rows(request.user, Rectification.objects.filter(overdue_q())).values_list(
            "pk", flat=True
        )[:1000]
    )
    notices = list(
        RectificationNotice.objects.filter(recipient=request.user, read_at__isnull=True)
        .select_related("rectification")
        .order_by("-created_at")[:5]
    )
    return render(
        request,
        "patrols/rectifications.html",
        {
            **section(request.user, "rectifications"),
            "page": page_of(request, rows),
            "status": status,
            "filters": FILTERS.items(),
            "overdue_ids": overdue_ids,
            "overdue_count": len(overdue_ids),
            "notices": notices,
            "query": f"status={status}",
        },
    )


def _forms(rectification, data=None, which=None):
    today = periods.today()
    version = {"version": rectification.version, "on": today}
    out = {}
    for name, cls in (
        ("reinspect", ReinspectForm),
        ("refer", ReferForm),
        ("result", ReferralResultForm),
    ):
        bound = data if which == name else None
        out[name] = cls(bound, initial=version, prefix=name)
    return out


def _page(request, rectification, forms=None, top=None, status=200):
    may_act = access.may_any(request.user, access.RECTIFY_PERMS, rectification)
    steps = []
    if may_act and rectification.is_open:
        steps.append("reinspect")
        steps.append("refer" if rectification.status == RectificationStatus.OPEN else "result")
    return render(
        request,
        "patrols/rectification.html",
        {
            **section(request.user, "rectifications"),
            "r": rectification,
            "overdue": rectification.overdue_on(periods.today()),
            "forms": forms or _forms(rectification),
            "steps": steps,
            "top_errors": top or [],
            "finding": Finding.objects.filter(rectification=rectification)
            .select_related("patrol")
            .first(),
        },
        status=status,
    )


def _get(request, pk):
    return access.get(
        request.user,
        Rectification.objects.select_related("place", "community", "grid", "inspection"),
        pk,
    )


@require_perm(Perm.PATROLS_VIEW)
@require_GET
def rectification_detail(request: HttpRequest, pk: int) -> HttpResponse:
    rectification = _get(request, pk)
    RectificationNotice.objects.filter(
        recipient=request.user, rectification=rectification, read_at__isnull=True
    ).update(read_at=timezone.now())
    return _page(request, rectification)


@require_perm(*access.RECTIFY_PERMS)
@require_POST
def rectification_step(request: HttpRequest, pk: int) -> HttpResponse:
    rectification = _get(request, pk)
    which = request.POST.get("step")
    if which not in ("reinspect", "refer", "result"):
        which = "reinspect"
    forms = _forms(rectification, request.POST, which)
    form = forms[which]
    if not form.is_valid():
        return _page(request, rectification, forms, status=400)
    data, user = form.cleaned_data, request.user
    try:
        if which == "reinspect":
            services.reinspect(
                user, rectification, on=data["on"], result=data["result"], note=data["note"],
                new_deadline=data["new_deadline"], version=data["version"], request=request,
            )  # fmt: skip
        elif which == "refer":
            services.refer(
                user, rectification, to=data["to"], on=data["on"], version=data["version"],
                request=request,
            )  # fmt: skip
        else:
            services.record_referral_result(
                user, rectification, result=data["result"], rectified=data["rectified"],
                on=data["on"], version=data["version"], request=request,
            )  # fmt: skip
    except PatrolInvalid as invalid:
        top = apply_errors(form, invalid.errors)
        return _page(request, rectification, forms, top, status=400)
    messages.success(request, _("The step is recorded."))
    return redirect("patrols:rectification", pk=rectification.pk)


urlpatterns = [
    path("rectifications/", rectification_list, name="rectifications"),
    path("rectifications/<int:pk>/", rectification_detail, name="rectification"),
    path("rectifications/<int:pk>/step/", rectification_step, name="rectification_step"),
]
