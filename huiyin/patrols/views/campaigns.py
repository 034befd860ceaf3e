"""Special campaigns (专项整治): the list with each one's progress, a new one, one campaign."""

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
from huiyin.patrols.forms_places import CampaignForm
from huiyin.patrols.models import Place, SpecialCampaign
from huiyin.patrols.services import PatrolInvalid
from huiyin.patrols.views.common import page_of, section

#: Campaigns whose progress one list page computes (four queries each).
PAGE_SIZE = 10


def _places(user):
    return (
        access.rows(user, Place.objects.filter(active=True))
        .select_related("kind")
        .order_by("kind__order", "name")
    )


@require_perm(Perm.PATROLS_VIEW)
@require_http_methods(["GET", "POST"])
def campaign_list(request: HttpRequest) -> HttpResponse:
    user = request.user
    may_manage = access.street_wide(user, Perm.PATROLS_MANAGE)
    form, status, top = None, 200, []
    if may_manage:
        form = CampaignForm(places=_places(user))
    if request.method == "POST":
        if not may_manage:
            access.deny(user, "campaign.create")
        form = CampaignForm(request.POST, places=_places(user))
        if form.is_valid():
            data = dict(form.cleaned_data)
            data["places"] = list(data["places"])
            try:
                campaign = services.create_campaign(user, **data, request=request)
            except PatrolInvalid as invalid:
                top = apply_errors(form, invalid.errors)
            else:
                messages.success(request, _("The campaign is created."))
                return redirect("patrols:campaign", pk=campaign.pk)
        status = 400
    mine = SpecialCampaign.objects.filter(street_id__in=reach_of(user).street_ids)
    page = page_of(request, mine.order_by("-starts_on", "-id"), PAGE_SIZE)
    rows = [(c, services.progress(c)) for c in page.object_list]
    return render(
        request,
        "patrols/campaigns.html",
        {**section(user, "campaigns"), "page": page, "rows": rows, "form": form,
         "top_errors": top},
        status=status,
    )  # fmt: skip


@require_perm(Perm.PATROLS_VIEW)
@require_GET
def campaign_detail(request: HttpRequest, pk: int) -> HttpResponse:
    number = bounds.bounded_int(pk, 1, bounds.MAX_ID)
    campaign = (
        SpecialCampaign.objects.select_related("checklist__kind")
        .filter(pk=number, street_id__in=reach_of(request.user).street_ids)
        .first()
        if number
        else None
    )
    if campaign is None:
        raise Http404
    targets = _places(request.user).filter(campaigns=campaign)
    inspected = set(campaign.inspections.values_list("place_id", flat=True))
    inspections = access.rows(request.user, campaign.inspections.select_related("place"))
    return render(
        request,
        "patrols/campaign.html",
        {
            **section(request.user, "campaigns"),
            "campaign": campaign,
            "progress": services.progress(campaign),
            "targets": targets,
            "inspected": inspected,
            "inspections": inspections.order_by("-inspected_on")[:100],
        },
    )


urlpatterns = [
    path("campaigns/", campaign_list, name="campaigns"),
    path("campaigns/<int:pk>/", campaign_detail, name="campaign"),
]
