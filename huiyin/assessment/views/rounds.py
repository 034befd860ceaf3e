"""Rounds and rankings: the list, a round's two rankings, a body's points explained with the
matters behind them, objections and their answers, manual awards with evidence.

Seeing needs ``assessment.view``; computing, publishing, awarding, answering and finalizing
``assessment.manage``; a body's own staff (a grant on it, with ``assessment.view``) object to
its points while the round is open to objections.
"""

from __future__ import annotations

from django.contrib import messages
from django.http import FileResponse, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from huiyin.assessment import bodies
from huiyin.assessment.defaults import ensure_default_scheme
from huiyin.assessment.forms import AnswerForm, AwardForm, ObjectionForm, RoundForm
from huiyin.assessment.models import (
    ManualAward,
    Method,
    Objection,
    ObjectionOutcome,
    Point,
    Round,
    RoundStatus,
    Scheme,
    SchemeStatus,
    Score,
)
from huiyin.assessment.rules import explain
from huiyin.assessment.services import rounds as service
from huiyin.assessment.services.common import (
    MANAGE_PERM,
    VIEW_PERM,
    AssessmentInvalid,
    may,
    today,
)
from huiyin.assessment.views.common import report, row_or_404, shown_matters, visible_cases
from huiyin.front.decorators import require_perm
from huiyin.org import own_streets
from huiyin.org.own_streets import body_in_streets


def _ctx(**more) -> dict:
    return {"nav_active": "assessment", "subnav_active": "rounds", **more}


def _published_schemes():
    ensure_default_scheme()
    return list(Scheme.objects.filter(status=SchemeStatus.PUBLISHED).order_by("name", "-version"))


@require_perm(VIEW_PERM)
@require_GET
def round_list(request: HttpRequest) -> HttpResponse:
    manage = may(request.user, MANAGE_PERM)
    form = None
    if manage:
        year = today().year - 1
        form = RoundForm(
            schemes=_published_schemes(),
            initial={"name": f"{year}年度考核", "start": f"{year}-01-01", "end": f"{year}-12-31"},
        )
    rounds = _rounds(request).select_related("scheme", "street").order_by("-end", "-id")[:100]
    return render(request, "assessment/rounds.html", _list_ctx(request, rounds, form))


@require_perm(MANAGE_PERM)
@require_POST
def round_new(request: HttpRequest) -> HttpResponse:
    schemes = _published_schemes()
    form = RoundForm(request.POST, schemes=schemes)
    if form.is_valid():
        scheme = next(s for s in schemes if str(s.pk) == form.cleaned_data["scheme"])
        try:
            found = service.create_round(
                actor=request.user, scheme=scheme, data=form.cleaned_data, request=request
            )
        except AssessmentInvalid as exc:
            form.add_service_errors(exc)
        else:
            messages.success(request, _("The round was computed."))
            return redirect("assessment:round", found.pk)
    rounds = _rounds(request).select_related("scheme", "street").order_by("-end", "-id")[:100]
    return render(request, "assessment/rounds.html", _list_ctx(request, rounds, form))


def _list_ctx(request, rounds, form) -> dict:
    """The list's context: over several streets, each round's street is shown; to a person
    of several streets (one chosen in the header or not), the street a new round assesses is
    named."""
    from huiyin.org.street_choice import full_street_ids

    several = len(own_streets.street_ids(request.user)) > 1
    holds_several = len(full_street_ids(request.user)) > 1
    new_street = service.street_for(request.user) if form is not None and holds_several else None
    return _ctx(rounds=rounds, form=form, several_streets=several, new_street=new_street)


def _rounds(request):
    """The rounds of the person's streets (another street's: 404, as an unknown id)."""
    return service.rounds_of(request.user)


def _round(request, pk) -> Round:
    return row_or_404(_rounds(request).select_related("scheme", "street"), pk)


@require_perm(VIEW_PERM)
@require_GET
def round_detail(request: HttpRequest, pk: int) -> HttpResponse:
    found = _round(request, pk)
    manage = may(request.user, MANAGE_PERM)
    # The round scores its own street's bodies; rounds made before rounds had a street may
    # hold other streets' scores too: only the person's streets' are shown.
    mine = body_in_streets(request.user)
    scores = list(
        found.scores.filter(mine).select_related("community", "unit").order_by("rank", "id")
    )
    for row in scores:
        row.body = bodies.of(row)
    objections = list(
        found.objections.filter(body_in_streets(request.user, "point__score__")).select_related(
            "point__item", "point__score__community", "point__score__unit"
        )
    )
    for objection in objections:
        objection.body = bodies.of(objection.point.score)
        objection.answer_form = (
            AnswerForm(prefix=f"o{objection.pk}")
            if manage and objection.outcome == ObjectionOutcome.PENDING
            else None
        )
    manual = [i for i in found.scheme.items.all() if i.method == Method.MANUAL]
    draft = found.status == RoundStatus.DRAFT
    return render(
        request,
        "assessment/round_detail.html",
        _ctx(
            round=found,
            communities=[s for s in scores if s.body.kind == bodies.COMMUNITY],
            units=[s for s in scores if s.body.kind == bodies.UNIT],
            objections=objections,
            awards=list(found.awards.filter(mine).select_related("item", "community", "unit")),
            may_manage=manage,
            draft=draft,
            award_form=AwardForm(items=manual, user=request.user)
            if manage and draft and manual
            else None,
            objections_open=service.objection_open(found),
        ),
    )


@require_perm(VIEW_PERM)
@require_GET
def score_detail(request: HttpRequest, pk: int) -> HttpResponse:
    score = row_or_404(
        Score.objects.filter(
            body_in_streets(request.user), round__in=_rounds(request)
        ).select_related("round__scheme", "community", "unit"),
        pk,
    )
    points = list(score.points.select_related("item").prefetch_related("objections"))
    visible = visible_cases(
        request.user, [m.get("case") for p in points for m in p.matters if "case" in m]
    )
    can_object = service.objection_open(score.round)
    for point in points:
        point.text = explain(point.detail, adjusted_to=point.points if point.adjusted else None)
        point.shown, point.hidden = shown_matters(request.user, point.matters, visible=visible)
        point.may_object = can_object and service.may_object(request.user, point)
    return render(
        request,
        "assessment/score_detail.html",
        _ctx(
            score=score,
            body=bodies.of(score),
            round=score.round,
            points=points,
        ),
    )


def _step(request, pk, action, done: str) -> HttpResponse:
    found = _round(request, pk)
    try:
        action(found, actor=request.user, request=request)
    except AssessmentInvalid as exc:
        report(request, exc)
    else:
        messages.success(request, done)
    return redirect("assessment:round", found.pk)


@require_perm(MANAGE_PERM)
@require_POST
def round_compute(request: HttpRequest, pk: int) -> HttpResponse:
    return _step(request, pk, service.compute_round, _("The round was computed again."))


@require_perm(MANAGE_PERM)
@require_POST
def round_publish(request: HttpRequest, pk: int) -> HttpResponse:
    return _step(request, pk, service.publish_round, _("The results were published."))


@require_perm(MANAGE_PERM)
@require_POST
def round_finalize(request: HttpRequest, pk: int) -> HttpResponse:
    return _step(request, pk, service.finalize, _("The round is final."))


@require_perm(MANAGE_PERM)
@require_POST
def round_award(request: HttpRequest, pk: int) -> HttpResponse:
    found = _round(request, pk)
    manual = [i for i in found.scheme.items.all() if i.method == Method.MANUAL]
    form = AwardForm(request.POST, request.FILES, items=manual, user=request.user)
    if form.is_valid():
        try:
            service.award(
                found,
                actor=request.user,
                item_id=form.cleaned_data["item"],
                body=form.chosen_body(),
                data=form.cleaned_data,
                uploaded=form.cleaned_data["file"],
                request=request,
            )
        except AssessmentInvalid as exc:
            report(request, exc)
        else:
            messages.success(request, _("The points were awarded and the round computed again."))
    else:
        for errors in form.errors.values():
            for error in errors:
                messages.error(request, error)
    return redirect("assessment:round", found.pk)


@require_perm(VIEW_PERM)
@require_GET
def evidence_download(request: HttpRequest, pk: int) -> FileResponse:
    row = row_or_404(ManualAward.objects.filter(body_in_streets(request.user), withdrawn=False), pk)
    handle = service.open_evidence(request.user, row, request=request)
    return FileResponse(
        handle, as_attachment=True, filename=row.original_name, content_type=row.content_type
    )


@require_perm(VIEW_PERM)
@require_POST
def point_object(request: HttpRequest, pk: int) -> HttpResponse:
    point = row_or_404(
        Point.objects.filter(body_in_streets(request.user, "score__")).select_related(
            "score__round", "score__community", "score__unit"
        ),
        pk,
    )
    form = ObjectionForm(request.POST)
    if form.is_valid():
        try:
            service.file_objection(
                point, actor=request.user, text=form.cleaned_data["text"], request=request
            )
        except AssessmentInvalid as exc:
            report(request, exc)
        else:
            messages.success(request, _("The objection was filed; the office answers it."))
    else:
        messages.error(request, _("Write the objection."))
    return redirect("assessment:score", point.score_id)


@require_perm(MANAGE_PERM)
@require_POST
def objection_answer(request: HttpRequest, pk: int) -> HttpResponse:
    mine = Objection.objects.filter(body_in_streets(request.user, "point__score__"))
    objection = row_or_404(mine.select_related("round", "point"), pk)
    form = AnswerForm(request.POST, prefix=f"o{objection.pk}")
    if form.is_valid():
        try:
            service.answer_objection(
                objection, actor=request.user, data=form.cleaned_data, request=request
            )
        except AssessmentInvalid as exc:
            report(request, exc)
        else:
            messages.success(request, _("The objection was answered."))
    else:
        for errors in form.errors.values():
            for error in errors:
                messages.error(request, error)
    return redirect("assessment:round", objection.round_id)


urlpatterns = [
    path("rounds/", round_list, name="rounds"),
    path("rounds/new/", round_new, name="round_new"),
    path("rounds/<int:pk>/", round_detail, name="round"),
    path("rounds/<int:pk>/compute/", round_compute, name="round_compute"),
    path("rounds/<int:pk>/publish/", round_publish, name="round_publish"),
    path("rounds/<int:pk>/finalize/", round_finalize, name="round_finalize"),
    path("rounds/<int:pk>/award/", round_award, name="round_award"),
    path("scores/<int:pk>/", score_detail, name="score"),
    path("points/<int:pk>/object/", point_object, name="point_object"),
    path("objections/<int:pk>/answer/", objection_answer, name="objection_answer"),
    path("evidence/<int:pk>/", evidence_download, name="evidence"),
]
