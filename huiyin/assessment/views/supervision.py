"""Supervision orders (督办): the list, a new order (from a case page: ``?case=<id>``), an
order's page with its feedback, escalation and closing, and the 督办单 document.

Who may do what is :mod:`huiyin.assessment.services.supervision`'s: an order is seen with
``assessment.view``, by a leader or the office, or by the target body's own staff; a leader
issues one; the body (or the office) records the written feedback."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from huiyin.assessment import bodies, documents
from huiyin.assessment.forms import CloseForm, EscalationForm, FeedbackForm, OrderForm
from huiyin.assessment.models import SupervisionOrder
from huiyin.assessment.services import supervision as service
from huiyin.assessment.services.common import MANAGE_PERM, AssessmentInvalid, may, today
from huiyin.assessment.views.common import report, row_or_404, shown_matters, visible_cases
from huiyin.cases import bounds
from huiyin.cases.models import Case
from huiyin.privacy import audit
from huiyin.reports.documents.render import DOCX_CONTENT_TYPE

PAGE_SIZE = 30
FILTERS = ("open", "overdue", "answered", "all")


def _ctx(**more) -> dict:
    return {"nav_active": "assessment", "subnav_active": "orders", **more}


@login_required
@require_GET
def order_list(request: HttpRequest) -> HttpResponse:
    found = service.visible_orders(request.user)
    if (
        not (service.may_steer(request.user) or may(request.user, "assessment.view"))
        and not found.exists()
    ):
        raise PermissionDenied
    show = request.GET.get("show") if request.GET.get("show") in FILTERS else "open"
    day = today()
    if show == "open":
        found = found.filter(closed_on__isnull=True)
    elif show == "overdue":
        found = found.filter(feedback_on__isnull=True, closed_on__isnull=True, deadline__lt=day)
    elif show == "answered":
        found = found.filter(feedback_on__isnull=False)
    page = Paginator(found.order_by("-issued_on", "-id"), PAGE_SIZE).get_page(
        bounds.bounded_int(request.GET.get("page"), 1, bounds.MAX_PAGE, 1)
    )
    return render(
        request,
        "assessment/orders.html",
        _ctx(
            page=page,
            show=show,
            filters=FILTERS,
            today=day,
            may_issue=service.may_issue(request.user),
            overdue_count=service.overdue_orders(user=request.user).count(),
        ),
    )


@login_required
def order_new(request: HttpRequest) -> HttpResponse:
    if not service.may_issue(request.user):
        raise PermissionDenied
    is_office = may(request.user, MANAGE_PERM)
    leaders = list(service.leaders(request.user)) if is_office else []
    if request.method == "POST":
        form = OrderForm(request.POST, leaders=leaders, user=request.user)
        if form.is_valid():
            try:
                order = service.issue_order(
                    actor=request.user,
                    data=form.service_data(),
                    body=form.chosen_body(),
                    request=request,
                )
            except AssessmentInvalid as exc:
                form.add_service_errors(exc)
            else:
                messages.success(request, _("The supervision order was issued."))
                return redirect("assessment:order", order.pk)
        case = None
    else:
        case = _from_case(request)
        initial = {"issued_on": today()}
        if case is not None:
            initial["cases"] = case.number
            if case.owner_unit_id:
                initial["body"] = f"unit-{case.owner_unit_id}"
            elif case.community_id:
                initial["body"] = f"community-{case.community_id}"
        form = OrderForm(initial=initial, leaders=leaders, user=request.user)
    return render(request, "assessment/order_form.html", _ctx(form=form, case=case))


def _from_case(request) -> Case | None:
    pk = bounds.bounded_int(request.GET.get("case"), 1, bounds.MAX_ID)
    if pk is None:
        return None
    return Case.objects.visible_to(request.user).filter(pk=pk).first()


def _order(request, pk) -> SupervisionOrder:
    # An order the person may see: of their streets' bodies (another street's: 404).
    order = row_or_404(service.visible_orders(request.user).select_related("feedback_by"), pk)
    if not service.may_see(request.user, order):
        raise Http404
    return order


@login_required
@require_GET
def order_detail(request: HttpRequest, pk: int) -> HttpResponse:
    order = _order(request, pk)
    matters = [
        {"case": c.pk, "number": c.number, "kind": c.kind}
        for c in order.cases.order_by("received_at", "pk")
    ]
    shown, hidden = shown_matters(request.user, matters)
    open_ = order.closed_on is None
    steer = service.may_steer(request.user) and open_
    version = {"version": order.version}
    return render(
        request,
        "assessment/order_detail.html",
        _ctx(
            order=order,
            body=bodies.of(order),
            shown=shown,
            hidden=hidden,
            overdue=order.overdue_on(today()),
            escalations=list(order.escalations.all()),
            feedback_form=FeedbackForm(initial={**version, "feedback_on": today()})
            if open_ and order.feedback_on is None and service.may_answer(request.user, order)
            else None,
            escalation_form=EscalationForm(initial={"on": today()}) if steer else None,
            close_form=CloseForm(initial=version) if steer and order.feedback_on else None,
        ),
    )


def _step(request, pk, form_class, action, done) -> HttpResponse:
    order = _order(request, pk)
    form = form_class(request.POST)
    if form.is_valid():
        try:
            action(order, actor=request.user, data=form.cleaned_data, request=request)
        except AssessmentInvalid as exc:
            report(request, exc)
        else:
            messages.success(request, done)
    else:
        for errors in form.errors.values():
            for error in errors:
                messages.error(request, error)
    return redirect("assessment:order", order.pk)


@login_required
@require_POST
def order_feedback(request: HttpRequest, pk: int) -> HttpResponse:
    if not service.may_answer(request.user, _order(request, pk)):
        raise PermissionDenied
    return _step(
        request, pk, FeedbackForm, service.record_feedback, _("The written feedback was recorded.")
    )


@login_required
@require_POST
def order_escalate(request: HttpRequest, pk: int) -> HttpResponse:
    if not service.may_steer(request.user):
        raise PermissionDenied
    return _step(request, pk, EscalationForm, service.escalate, _("The step was recorded."))


@login_required
@require_POST
def order_close(request: HttpRequest, pk: int) -> HttpResponse:
    if not service.may_steer(request.user):
        raise PermissionDenied
    return _step(request, pk, CloseForm, service.close_order, _("The order was closed."))


@login_required
@require_GET
def order_document(request: HttpRequest, pk: int) -> HttpResponse:
    """The 督办单, listing only the matters the reader may see (the others counted)."""
    order = _order(request, pk)
    cases = list(order.cases.order_by("received_at", "pk"))
    visible = visible_cases(request.user, [c.pk for c in cases])
    data = documents.order_docx(
        order,
        cases=[c for c in cases if c.pk in visible],
        hidden=len([c for c in cases if c.pk not in visible]),
    )
    audit.record(
        "document.export",
        actor=request.user,
        target=order,
        diff={"document": documents.NAME},
        request=request,
    )
    response = HttpResponse(data, content_type=DOCX_CONTENT_TYPE)
    response["Content-Disposition"] = _attachment(documents.filename(order))
    return response


def _attachment(name: str) -> str:
    from urllib.parse import quote

    return f"attachment; filename=\"supervision-order.docx\"; filename*=UTF-8''{quote(name)}"


urlpatterns = [
    path("supervision/", order_list, name="orders"),
    path("supervision/new/", order_new, name="order_new"),
    path("supervision/<int:pk>/", order_detail, name="order"),
    path("supervision/<int:pk>/feedback/", order_feedback, name="order_feedback"),
    path("supervision/<int:pk>/escalate/", order_escalate, name="order_escalate"),
    path("supervision/<int:pk>/close/", order_close, name="order_close"),
    path("supervision/<int:pk>/document/", order_document, name="order_document"),
]
