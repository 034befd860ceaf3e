"""Decision risk assessment pages: the list, a new one, its page (with the forms of each step),
the measures to follow up, and the report as a document.

Reading needs ``assessment.view``; every change ``assessment.manage``
(:mod:`huiyin.riskassessments.services` decides and re-checks)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import Count, Prefetch
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from huiyin.assessment.views.common import report, row_or_404
from huiyin.cases import bounds
from huiyin.org import own_streets
from huiyin.privacy import audit
from huiyin.reports.documents.render import DOCX_CONTENT_TYPE, EXPORT_ACTION
from huiyin.riskassessments import documents, levels
from huiyin.riskassessments import services as service
from huiyin.riskassessments.forms import (
    AssessmentForm,
    ConcludeForm,
    ConsultationForm,
    DecideForm,
    MeasureForm,
    MeasureUpdateForm,
    ReviewForm,
    RiskPointForm,
)
from huiyin.riskassessments.models import (
    DIMENSIONS,
    Measure,
    MeasureStatus,
    RiskAssessment,
    Status,
)

PAGE_SIZE = 30
MEASURE_FILTERS = ("open", "overdue", "done", "all")


def _ctx(**more) -> dict:
    return {"nav_active": "assessment", "subnav_active": "riskassessments", **more}


def _require_view(request) -> None:
    if not service.may_view(request.user):
        raise PermissionDenied


def _require_manage(request) -> None:
    if not service.may_manage(request.user):
        raise PermissionDenied


@login_required
@require_GET
def assessment_list(request: HttpRequest) -> HttpResponse:
    _require_view(request)
    status = request.GET.get("status") if request.GET.get("status") in Status.values else ""
    found = (
        _mine(request)
        .select_related("leader", "unit")
        .annotate(
            n_points=Count("risk_points", distinct=True),
            n_consultations=Count("consultations", distinct=True),
        )
    )
    if status:
        found = found.filter(status=status)
    page = Paginator(found.order_by("-opened_on", "-id"), PAGE_SIZE).get_page(
        bounds.bounded_int(request.GET.get("page"), 1, bounds.MAX_PAGE, 1)
    )
    names = {level.code: level.name for level in levels.levels()}
    for row in page:
        row.level_name = names.get(row.level, "")
    return render(
        request,
        "riskassessments/list.html",
        _ctx(
            page=page,
            status=status,
            statuses=Status.choices,
            may_manage=service.may_manage(request.user),
            overdue_count=service.overdue_measures(user=request.user).count(),
        ),
    )


@login_required
def assessment_new(request: HttpRequest) -> HttpResponse:
    _require_manage(request)
    if request.method == "POST":
        form = AssessmentForm(request.POST, user=request.user)
        if form.is_valid():
            try:
                found = service.create_assessment(
                    actor=request.user, data=form.cleaned_data, request=request
                )
            except service.AssessmentInvalid as exc:
                form.add_service_errors(exc)
            else:
                messages.success(request, _("The risk assessment was opened."))
                return redirect("riskassessments:detail", found.pk)
    else:
        form = AssessmentForm(
            initial={"opened_on": service.today(), "assessor_kind": "self"}, user=request.user
        )
    return render(request, "riskassessments/form.html", _ctx(form=form, assessment=None))


def _mine(request):
    """The assessments of the person's streets (another street's id: 404, as an unknown one)."""
    return own_streets.in_streets(RiskAssessment.objects.all(), request.user)


def _assessment(request, pk) -> RiskAssessment:
    _require_view(request)
    return row_or_404(_mine(request).select_related("leader", "unit", "street", "created_by"), pk)


@login_required
def assessment_edit(request: HttpRequest, pk: int) -> HttpResponse:
    _require_manage(request)
    found = _assessment(request, pk)
    if found.reached(Status.CONCLUDED):
        messages.error(request, _("The assessment is concluded; its record can no longer change."))
        return redirect("riskassessments:detail", found.pk)
    if request.method == "POST":
        form = AssessmentForm(request.POST, user=request.user)
        if form.is_valid():
            try:
                service.update_assessment(
                    found, actor=request.user, data=form.cleaned_data, request=request
                )
            except service.AssessmentInvalid as exc:
                form.add_service_errors(exc)
            else:
                messages.success(request, _("The risk assessment was saved."))
                return redirect("riskassessments:detail", found.pk)
    else:
        form = AssessmentForm(
            initial={
                "title": found.title,
                "description": found.description,
                "unit": found.unit_id or "",
                "body_name": found.body_name,
                "leader": found.leader_id,
                "assessor_kind": found.assessor_kind,
                "assessor_name": found.assessor_name,
                "plan": found.plan,
                "response_plan": found.response_plan,
                "opened_on": found.opened_on,
                "version": found.version,
            },
            user=request.user,
        )
    return render(request, "riskassessments/form.html", _ctx(form=form, assessment=found))


@login_required
@require_GET
def assessment_detail(request: HttpRequest, pk: int) -> HttpResponse:
    found = _assessment(request, pk)
    day = service.today()
    points = list(
        found.risk_points.prefetch_related(
            Prefetch("followups", queryset=Measure.objects.select_related("owner"))
        )
    )
    for point in points:
        for measure in point.followups.all():
            measure.overdue = measure.overdue_on(day)
    manage = service.may_manage(request.user)
    open_ = manage and not found.reached(Status.CONCLUDED)
    version = {"version": found.version}
    review_initial = {"reviewed_on": found.reviewed_on or day, **version}
    for code, _label, _name in DIMENSIONS:
        review_initial[f"{code}_result"] = getattr(found, f"{code}_result")
        review_initial[f"{code}_finding"] = getattr(found, f"{code}_finding")
    consultations = list(found.consultations.all())
    return render(
        request,
        "riskassessments/detail.html",
        _ctx(
            a=found,
            level=found.level_info,
            consultations=consultations,
            totals={
                key: sum(getattr(c, key) for c in consultations)
                for key in ("participants", "in_favour", "against", "neutral")
            },
            points=points,
            manage=manage,
            today=day,
            consultation_form=ConsultationForm(initial={"held_on": day}) if open_ else None,
            risk_form=RiskPointForm(auto_id="risk_%s") if open_ else None,
            review_form=ReviewForm(initial=review_initial, auto_id="review_%s") if open_ else None,
            conclude_form=ConcludeForm(
                initial={"concluded_on": day, **version}, auto_id="conclude_%s"
            )
            if open_
            else None,
            decide_form=DecideForm(initial={"decided_on": day, **version}, auto_id="decide_%s")
            if manage and found.status == Status.CONCLUDED
            else None,
            measure_form=MeasureForm(
                initial={"due_on": day}, points=points, user=request.user, auto_id="measure_%s"
            )
            if manage and points
            else None,
            measure_statuses=MeasureStatus.choices,
        ),
    )


def _step(request, pk, form_class, action, done) -> HttpResponse:
    _require_manage(request)
    found = _assessment(request, pk)
    form = form_class(request.POST)
    if form.is_valid():
        try:
            action(found, actor=request.user, data=form.cleaned_data, request=request)
        except service.AssessmentInvalid as exc:
            report(request, exc)
        else:
            messages.success(request, done)
    else:
        _form_errors(request, form)
    return redirect("riskassessments:detail", found.pk)


def _form_errors(request, form) -> None:
    for name, errors in form.errors.items():
        label = form.fields[name].label if name in form.fields else ""
        for error in errors:
            messages.error(request, f"{label}：{error}" if label else error)


@login_required
@require_POST
def consultation_add(request: HttpRequest, pk: int) -> HttpResponse:
    return _step(
        request, pk, ConsultationForm, service.add_consultation, _("The consultation was recorded.")
    )


@login_required
@require_POST
def risk_add(request: HttpRequest, pk: int) -> HttpResponse:
    return _step(request, pk, RiskPointForm, service.add_risk_point, _("The risk point was added."))


@login_required
@require_POST
def review(request: HttpRequest, pk: int) -> HttpResponse:
    return _step(request, pk, ReviewForm, service.record_review, _("The review was recorded."))


@login_required
@require_POST
def conclude(request: HttpRequest, pk: int) -> HttpResponse:
    return _step(request, pk, ConcludeForm, service.conclude, _("The assessment was concluded."))


@login_required
@require_POST
def decide(request: HttpRequest, pk: int) -> HttpResponse:
    return _step(request, pk, DecideForm, service.decide, _("The decision was recorded."))


@login_required
@require_POST
def measure_add(request: HttpRequest, pk: int) -> HttpResponse:
    _require_manage(request)
    found = _assessment(request, pk)
    form = MeasureForm(request.POST, points=found.risk_points.all(), user=request.user)
    if form.is_valid():
        point = found.risk_points.get(pk=int(form.cleaned_data["risk_point"]))
        try:
            service.add_measure(point, actor=request.user, data=form.cleaned_data, request=request)
        except service.AssessmentInvalid as exc:
            report(request, exc)
        else:
            messages.success(request, _("The measure was added."))
    else:
        _form_errors(request, form)
    return redirect("riskassessments:detail", found.pk)


@login_required
@require_POST
def measure_update(request: HttpRequest, pk: int) -> HttpResponse:
    _require_manage(request)
    measure = row_or_404(service.measures_of(request.user).select_related("risk_point"), pk)
    form = MeasureUpdateForm(request.POST)
    if form.is_valid():
        try:
            service.update_measure(
                measure, actor=request.user, data=form.cleaned_data, request=request
            )
        except service.AssessmentInvalid as exc:
            report(request, exc)
        else:
            messages.success(request, _("The measure was updated."))
    else:
        _form_errors(request, form)
    if request.POST.get("next") == "measures":
        return redirect("riskassessments:measures")
    return redirect("riskassessments:detail", measure.risk_point.assessment_id)


@login_required
@require_GET
def measure_list(request: HttpRequest) -> HttpResponse:
    """The measures to follow up across assessments (open by default; overdue first)."""
    _require_view(request)
    show = request.GET.get("show") if request.GET.get("show") in MEASURE_FILTERS else "open"
    day = service.today()
    found = service.measures_of(request.user).select_related("owner", "risk_point__assessment")
    if show == "open":
        found = found.filter(status=MeasureStatus.OPEN)
    elif show == "overdue":
        found = service.overdue_measures(day, user=request.user).select_related(
            "owner", "risk_point__assessment"
        )
    elif show == "done":
        found = found.filter(status=MeasureStatus.DONE)
    page = Paginator(found.order_by("due_on", "pk"), PAGE_SIZE).get_page(
        bounds.bounded_int(request.GET.get("page"), 1, bounds.MAX_PAGE, 1)
    )
    for measure in page:
        measure.overdue = measure.overdue_on(day)
    return render(
        request,
        "riskassessments/measures.html",
        _ctx(
            page=page,
            show=show,
            manage=service.may_manage(request.user),
            measure_statuses=MeasureStatus.choices,
            overdue_count=service.overdue_measures(day, user=request.user).count(),
        ),
    )


@login_required
@require_GET
def document(request: HttpRequest, pk: int) -> HttpResponse:
    """The 社会稳定风险评估报告 (a draft prints with its later parts as gaps to fill)."""
    from urllib.parse import quote

    found = _assessment(request, pk)
    data = documents.report_docx(found)
    audit.record(
        EXPORT_ACTION,
        actor=request.user,
        target=found,
        diff={"document": documents.NAME},
        request=request,
    )
    response = HttpResponse(data, content_type=DOCX_CONTENT_TYPE)
    response["Content-Disposition"] = (
        f'attachment; filename="{documents.SLUG}.docx"; '
        f"filename*=UTF-8''{quote(documents.filename(found))}"
    )
    return response
