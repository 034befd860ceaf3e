"""Campaign pages (/reports/campaigns/): list, view, create and edit; pledges up and down.

Seeing campaigns and downloading pledges needs Perm.REPORTS_VIEW; creating and editing
campaigns and uploading or withdrawing pledges needs Perm.ASSESSMENT_MANAGE (see
huiyin.reports.models). The rules live in the model services; these views stay thin.
"""

from __future__ import annotations

from django.contrib import messages
from django.core.paginator import Paginator
from django.db.models import Count, Prefetch, Q
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path, reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from huiyin.cases.exceptions import StaleCase
from huiyin.front.decorators import require_perm
from huiyin.reports.campaign_streets import campaigns_of
from huiyin.reports.commendations import Commendation
from huiyin.reports.forms import CampaignForm, PledgeForm, WithdrawPledgeForm
from huiyin.reports.models import (
    MANAGE_PERM,
    VIEW_PERM,
    Campaign,
    CampaignInvalid,
    Pledge,
    add_pledge,
    may_manage,
    open_pledge,
    save_campaign,
    withdraw_pledge,
)

PAGE_SIZE = 20


def _form_errors(form, exc: CampaignInvalid) -> None:
    for field, errors in exc.errors.items():
        for error in errors:
            form.add_error(field if field in form.fields else None, str(error))


@require_perm(VIEW_PERM)
def campaign_list(request: HttpRequest) -> HttpResponse:
    campaigns = (
        campaigns_of(request.user)
        .annotate(
            community_count=Count("communities", distinct=True),
            unit_count=Count("units", distinct=True),
            pledge_count=Count("pledges", filter=Q(pledges__withdrawn=False), distinct=True),
        )
        .order_by("-start", "-id")
    )
    page = Paginator(campaigns, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "reports/campaign_list.html",
        {"nav_active": "reports", "page": page, "may_manage": may_manage(request.user)},
    )


def _campaign(request: HttpRequest, pk: int) -> Campaign:
    """A campaign of the person's streets (another street's: 404, as an unknown one)."""
    return get_object_or_404(
        campaigns_of(request.user).prefetch_related(
            "communities",
            "units",
            Prefetch(
                "pledges",
                queryset=Pledge.objects.select_related("community", "unit", "uploaded_by"),
            ),
        ),
        pk=pk,
    )


def _participants(campaign: Campaign) -> list[dict]:
    """Every participating community and unit with its live pledge, if any."""
    live = [p for p in campaign.pledges.all() if not p.withdrawn]
    by_community = {p.community_id: p for p in live if p.community_id}
    by_unit = {p.unit_id: p for p in live if p.unit_id}
    rows = [{"name": c.name, "pledge": by_community.get(c.pk)} for c in campaign.communities.all()]
    rows += [{"name": u.name, "pledge": by_unit.get(u.pk)} for u in campaign.units.all()]
    return rows


def _commendations(campaign: Campaign) -> dict:
    """The campaign's commendations and criticism (withdrawn ones shown struck), by kind."""
    rows = list(
        Commendation.objects.filter(campaign=campaign)
        .select_related("community", "unit", "staff__unit")
        .order_by("withdrawn", "decided_on", "id")
    )
    by_kind = {kind: [r for r in rows if r.kind == kind] for kind in Commendation.Kind.values}
    live = {kind: sum(not r.withdrawn for r in found) for kind, found in by_kind.items()}
    return {
        "groups": [
            (kind, label, by_kind[kind], live[kind]) for kind, label in Commendation.Kind.choices
        ],
        "live": live,
        "commendation_notice": live["unit"] + live["staff"] > 0,
        "criticism_notice": live["criticism"] > 0,
    }


@require_perm(VIEW_PERM)
def campaign_detail(request: HttpRequest, pk: int) -> HttpResponse:
    campaign = _campaign(request, pk)
    manage = may_manage(request.user)
    return render(
        request,
        "reports/campaign_detail.html",
        {
            "nav_active": "reports",
            "campaign": campaign,
            "participants": _participants(campaign),
            "pledges": list(campaign.pledges.all()),
            "may_manage": manage,
            "pledge_form": PledgeForm(campaign=campaign) if manage else None,
            "withdraw_form": WithdrawPledgeForm() if manage else None,
            "commendations": _commendations(campaign),
            "dashboard_url": reverse("reports:dashboard")
            + f"?period=campaign&campaign={campaign.pk}",
        },
    )


def _edit(request: HttpRequest, campaign: Campaign | None) -> HttpResponse:
    if request.method == "POST":
        form = CampaignForm(request.POST, user=request.user)
        if form.is_valid():
            data = form.cleaned_data
            try:
                saved = save_campaign(
                    actor=request.user,
                    data=data,
                    campaign=campaign,
                    version=data.get("version"),
                    request=request,
                )
            except CampaignInvalid as exc:
                _form_errors(form, exc)
            except StaleCase as exc:
                form.add_error(None, str(exc))
            else:
                messages.success(request, _("The campaign was saved."))
                return redirect("reports:campaign", saved.pk)
    else:
        initial = CampaignForm.initial_for(campaign) if campaign else {}
        form = CampaignForm(initial=initial, user=request.user)
    return render(
        request,
        "reports/campaign_form.html",
        {"nav_active": "reports", "form": form, "campaign": campaign},
    )


@require_perm(MANAGE_PERM)
def campaign_new(request: HttpRequest) -> HttpResponse:
    return _edit(request, None)


@require_perm(MANAGE_PERM)
def campaign_edit(request: HttpRequest, pk: int) -> HttpResponse:
    return _edit(request, get_object_or_404(campaigns_of(request.user), pk=pk))


@require_perm(MANAGE_PERM)
def pledge_new(request: HttpRequest, pk: int) -> HttpResponse:
    campaign = _campaign(request, pk)
    if request.method == "POST":
        form = PledgeForm(request.POST, request.FILES, campaign=campaign)
        if form.is_valid():
            community, unit = form.party_objects()
            try:
                add_pledge(
                    campaign,
                    form.cleaned_data["file"],
                    actor=request.user,
                    signed_on=form.cleaned_data["signed_on"],
                    signed_by=form.cleaned_data["signed_by"],
                    community=community,
                    unit=unit,
                    request=request,
                )
            except CampaignInvalid as exc:
                _form_errors(form, exc)
            else:
                messages.success(request, _("The pledge was stored."))
                return redirect("reports:campaign", campaign.pk)
    else:
        form = PledgeForm(campaign=campaign)
    return render(
        request,
        "reports/campaign_pledge_form.html",
        {"nav_active": "reports", "form": form, "campaign": campaign},
    )


@require_perm(VIEW_PERM)
def pledge_download(request: HttpRequest, pk: int) -> FileResponse:
    if not Pledge.objects.filter(pk=pk, campaign__in=campaigns_of(request.user)).exists():
        raise Http404  # another street's pledge: as an unknown one
    pledge, handle = open_pledge(request.user, pk, request=request)
    return FileResponse(
        handle,
        as_attachment=True,
        filename=pledge.original_name,
        content_type=pledge.content_type,
    )


@require_POST
@require_perm(MANAGE_PERM)
def pledge_withdraw(request: HttpRequest, pk: int) -> HttpResponse:
    mine = Pledge.objects.filter(campaign__in=campaigns_of(request.user))
    pledge = get_object_or_404(mine.select_related("campaign"), pk=pk)
    form = WithdrawPledgeForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Please give the reason for withdrawing the pledge."))
        return redirect("reports:campaign", pledge.campaign_id)
    try:
        withdraw_pledge(request.user, pledge, reason=form.cleaned_data["reason"], request=request)
    except CampaignInvalid as exc:
        for errors in exc.errors.values():
            for error in errors:
                messages.error(request, str(error))
    else:
        messages.success(request, _("The pledge was withdrawn."))
    return redirect("reports:campaign", pledge.campaign_id)


urlpatterns = [
    path("campaigns/", campaign_list, name="campaigns"),
    path("campaigns/new/", campaign_new, name="campaign_new"),
    path("campaigns/<int:pk>/", campaign_detail, name="campaign"),
    path("campaigns/<int:pk>/edit/", campaign_edit, name="campaign_edit"),
    path("campaigns/<int:pk>/pledges/new/", pledge_new, name="pledge_new"),
    path("pledges/<int:pk>/download/", pledge_download, name="pledge_download"),
    path("pledges/<int:pk>/withdraw/", pledge_withdraw, name="pledge_withdraw"),
]
