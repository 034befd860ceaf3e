"""平安创建's pages: the year's overview, a community's figures and surveys, a creation with
its status history. Seeing needs ``assessment.view``; recording ``assessment.manage``."""

from __future__ import annotations

from datetime import date

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from huiyin.assessment.services.common import MANAGE_PERM, VIEW_PERM, AssessmentInvalid, may
from huiyin.assessment.views.common import report, row_or_404
from huiyin.cases import bounds
from huiyin.front.decorators import require_perm
from huiyin.org import own_streets
from huiyin.reports.stats.engine import Period
from huiyin.reports.stats.safety import CRITERIA, SURVEY_KINDS, safety_creation
from huiyin.safety import services
from huiyin.safety.forms import CreationForm, FigureForm, StatusForm, SurveyForm
from huiyin.safety.models import (
    Creation,
    Criterion,
    CriterionFigure,
    Status,
    Survey,
    SurveyKind,
)

LIST_LIMIT = 100


def _ctx(**more) -> dict:
    return {"nav_active": "assessment", "subnav_active": "safety", **more}


def _year(request) -> int:
    now = services.today().year
    return bounds.bounded_int(request.GET.get("year"), 1990, now + 1, default=now) or now


def _summary(name: str, pk: int | None, entry: dict) -> dict:
    """A community's section of the figures, labelled for the page."""
    status = entry["status"]
    return {
        "name": name,
        "pk": pk,
        "status": status,
        "status_label": Status(status).label if status else "",
        "criteria": [(Criterion(key).label, key, entry["criteria"][key]) for key in CRITERIA],
        "surveys": [
            (SurveyKind(key).label, key, _with_percent(entry["surveys"][key]))
            for key in SURVEY_KINDS
        ],
    }


def _with_percent(found: dict | None) -> dict | None:
    if found is None:
        return None
    return {**found, "percent": round(found["rate"] * 100, 1)}


@require_perm(VIEW_PERM)
@require_GET
def index(request: HttpRequest) -> HttpResponse:
    year = _year(request)
    period = Period(date(year, 1, 1), date(year, 12, 31))
    summary = safety_creation(period, user=request.user)
    ids = dict(own_streets.communities(request.user).values_list("name", "id"))
    creations = (
        Creation.objects.filter(own_streets.body_in_streets(request.user), year=year)
        .select_related("community", "unit")
        .order_by("unit_id", "community__order", "category", "subject", "id")
    )
    return render(
        request,
        "safety/index.html",
        _ctx(
            year=year,
            years=range(services.today().year + 1, services.today().year - 5, -1),
            communities=[_summary(name, ids.get(name), entry) for name, entry in summary.items()],
            creations=list(creations[:300]),
            may_manage=may(request.user, MANAGE_PERM),
        ),
    )


@require_perm(VIEW_PERM)
@require_GET
def community(request: HttpRequest, pk: int) -> HttpResponse:
    found = row_or_404(own_streets.communities(request.user), pk)
    return render(
        request,
        "safety/community.html",
        _ctx(
            community=found,
            creations=list(
                Creation.objects.filter(community=found).order_by("-year", "category", "id")[
                    :LIST_LIMIT
                ]
            ),
            figures=list(
                CriterionFigure.objects.filter(community=found)
                .select_related("entered_by")
                .order_by("-end", "criterion", "-id")[:LIST_LIMIT]
            ),
            surveys=list(
                Survey.objects.filter(community=found).order_by("-conducted_on", "-id")[:LIST_LIMIT]
            ),
            may_manage=may(request.user, MANAGE_PERM),
        ),
    )


@require_perm(MANAGE_PERM)
def creation_new(request: HttpRequest) -> HttpResponse:
    form = CreationForm(
        request.POST or None, initial={"year": services.today().year}, user=request.user
    )
    if request.method == "POST" and form.is_valid():
        try:
            creation = services.create(
                actor=request.user, body=form.chosen_body(), data=form.cleaned_data, request=request
            )
        except AssessmentInvalid as exc:
            form.add_service_errors(exc)
        else:
            messages.success(request, _("The creation was recorded."))
            return redirect("safety:creation", creation.pk)
    return render(request, "safety/creation_form.html", _ctx(form=form))


def _creation(request, pk) -> Creation:
    """A creation of the person's streets' bodies (another street's: 404)."""
    mine = Creation.objects.filter(own_streets.body_in_streets(request.user))
    return row_or_404(mine.select_related("community", "unit"), pk)


@require_perm(VIEW_PERM)
@require_GET
def creation(request: HttpRequest, pk: int) -> HttpResponse:
    found = _creation(request, pk)
    allowed = services.next_statuses(found)
    form = None
    if allowed and may(request.user, MANAGE_PERM):
        form = StatusForm(initial={"version": found.version}, allowed=allowed)
    return render(
        request,
        "safety/creation_detail.html",
        _ctx(
            creation=found,
            changes=list(found.changes.select_related("recorded_by").order_by("on", "id")),
            status_form=form,
        ),
    )


@require_perm(MANAGE_PERM)
@require_POST
def creation_status(request: HttpRequest, pk: int) -> HttpResponse:
    found = _creation(request, pk)
    form = StatusForm(request.POST)
    if form.is_valid():
        try:
            services.change_status(
                found, actor=request.user, data=form.cleaned_data, request=request
            )
        except AssessmentInvalid as exc:
            report(request, exc)
        else:
            messages.success(request, _("The status was recorded."))
    else:
        for errors in form.errors.values():
            for error in errors:
                messages.error(request, error)
    return redirect("safety:creation", found.pk)


def _initial_community(request) -> dict:
    pk = bounds.bounded_int(request.GET.get("community"), 1, bounds.MAX_ID)
    return {"community": str(pk)} if pk else {}


@require_perm(MANAGE_PERM)
def figure_new(request: HttpRequest) -> HttpResponse:
    form = FigureForm(request.POST or None, initial=_initial_community(request), user=request.user)
    if request.method == "POST" and form.is_valid():
        try:
            figure = services.record_figure(
                actor=request.user, data=form.cleaned_data, request=request
            )
        except AssessmentInvalid as exc:
            form.add_service_errors(exc)
        else:
            messages.success(request, _("The figure was recorded."))
            return redirect("safety:community", figure.community_id)
    return render(request, "safety/figure_form.html", _ctx(form=form))


@require_perm(MANAGE_PERM)
def survey_new(request: HttpRequest) -> HttpResponse:
    form = SurveyForm(request.POST or None, initial=_initial_community(request), user=request.user)
    if request.method == "POST" and form.is_valid():
        try:
            survey = services.record_survey(
                actor=request.user, data=form.cleaned_data, request=request
            )
        except AssessmentInvalid as exc:
            form.add_service_errors(exc)
        else:
            messages.success(request, _("The survey was recorded."))
            return redirect("safety:community", survey.community_id)
    return render(request, "safety/survey_form.html", _ctx(form=form))


urlpatterns = [
    path("", index, name="index"),
    path("communities/<int:pk>/", community, name="community"),
    path("creations/new/", creation_new, name="creation_new"),
    path("creations/<int:pk>/", creation, name="creation"),
    path("creations/<int:pk>/status/", creation_status, name="creation_status"),
    path("figures/new/", figure_new, name="figure_new"),
    path("surveys/new/", survey_new, name="survey_new"),
]
