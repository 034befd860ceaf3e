"""Schemes: the list, a scheme's page (its items, the editor while it is a draft), publishing
and new versions. Seeing needs ``assessment.view``; every change ``assessment.manage``."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from huiyin.assessment import keys
from huiyin.assessment.defaults import ensure_default_scheme
from huiyin.assessment.forms import ItemForm, SchemeForm, SchemeHeaderForm
from huiyin.assessment.models import Scheme, SchemeItem
from huiyin.assessment.services import schemes as service
from huiyin.assessment.services.common import (
    MANAGE_PERM,
    VIEW_PERM,
    AssessmentInvalid,
    may,
)
from huiyin.assessment.views.common import report, row_or_404
from huiyin.front.decorators import require_perm


def _ctx(**more) -> dict:
    return {"nav_active": "assessment", "subnav_active": "schemes", **more}


@require_perm(VIEW_PERM)
@require_GET
def scheme_list(request: HttpRequest) -> HttpResponse:
    ensure_default_scheme()
    found = Scheme.objects.order_by("name", "-version")
    return render(
        request,
        "assessment/schemes.html",
        _ctx(schemes=list(found), may_manage=may(request.user, MANAGE_PERM)),
    )


@require_perm(MANAGE_PERM)
def scheme_new(request: HttpRequest) -> HttpResponse:
    form = SchemeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            scheme = service.create_scheme(
                actor=request.user, data=form.cleaned_data, request=request
            )
        except AssessmentInvalid as exc:
            form.add_service_errors(exc)
        else:
            messages.success(request, _("The scheme was made; add its items."))
            return redirect("assessment:scheme", scheme.pk)
    return render(request, "assessment/scheme_form.html", _ctx(form=form))


def _scheme(pk) -> Scheme:
    return row_or_404(Scheme.objects.all(), pk)


def _items(scheme: Scheme) -> list[dict]:
    return [
        {
            "item": item,
            "key_label": keys.label(item.stat_key) if item.stat_key else "",
            "target": keys.display(item.stat_key, item.target) if item.target is not None else "",
            "floor": keys.display(item.stat_key, item.floor) if item.floor is not None else "",
        }
        for item in scheme.items.order_by("order", "id")
    ]


@require_perm(VIEW_PERM)
@require_GET
def scheme_detail(request: HttpRequest, pk: int) -> HttpResponse:
    scheme = _scheme(pk)
    manage = may(request.user, MANAGE_PERM)
    draft = not scheme.published
    header = None
    if manage and draft:
        header = SchemeHeaderForm(
            initial={
                "description": scheme.description,
                "valid_from": scheme.valid_from,
                "valid_to": scheme.valid_to,
                "objection_days": scheme.objection_days,
            }
        )
    versions = Scheme.objects.filter(name=scheme.name).order_by("-version")
    return render(
        request,
        "assessment/scheme_detail.html",
        _ctx(
            scheme=scheme,
            items=_items(scheme),
            total=sum(i.max_points for i in scheme.items.all()),
            versions=list(versions),
            may_manage=manage,
            editable=manage and draft,
            item_form=ItemForm() if manage and draft else None,
            header_form=header,
        ),
    )


@require_perm(MANAGE_PERM)
@require_POST
def scheme_edit(request: HttpRequest, pk: int) -> HttpResponse:
    scheme = _scheme(pk)
    form = SchemeHeaderForm(request.POST)
    if form.is_valid():
        try:
            service.update_scheme(
                scheme, actor=request.user, data=form.cleaned_data, request=request
            )
        except AssessmentInvalid as exc:
            report(request, exc)
        else:
            messages.success(request, _("The scheme was saved."))
    else:
        _form_messages(request, form)
    return redirect("assessment:scheme", scheme.pk)


def _form_messages(request, form) -> None:
    for name, errors in form.errors.items():
        label = form.fields[name].label if name in form.fields else ""
        for error in errors:
            messages.error(request, f"{label}：{error}" if label else error)


@require_perm(MANAGE_PERM)
@require_POST
def item_add(request: HttpRequest, pk: int) -> HttpResponse:
    scheme = _scheme(pk)
    form = ItemForm(request.POST)
    if form.is_valid():
        try:
            service.save_item(scheme, actor=request.user, data=form.service_data(), request=request)
        except AssessmentInvalid as exc:
            report(request, exc)
        else:
            messages.success(request, _("The item was added."))
    else:
        _form_messages(request, form)
    return redirect("assessment:scheme", scheme.pk)


@require_perm(MANAGE_PERM)
def item_edit(request: HttpRequest, pk: int) -> HttpResponse:
    item = row_or_404(SchemeItem.objects.select_related("scheme"), pk)
    if request.method == "POST":
        form = ItemForm(request.POST)
        if form.is_valid():
            try:
                service.save_item(
                    item.scheme,
                    actor=request.user,
                    data=form.service_data(),
                    item=item,
                    request=request,
                )
            except AssessmentInvalid as exc:
                form.add_service_errors(exc)
            else:
                messages.success(request, _("The item was saved."))
                return redirect("assessment:scheme", item.scheme_id)
    else:
        form = ItemForm(initial=ItemForm.initial_for(item))
    return render(request, "assessment/item_form.html", _ctx(form=form, item=item))


@require_perm(MANAGE_PERM)
@require_POST
def item_delete(request: HttpRequest, pk: int) -> HttpResponse:
    item = row_or_404(SchemeItem.objects.select_related("scheme"), pk)
    try:
        service.delete_item(item, actor=request.user, request=request)
    except AssessmentInvalid as exc:
        report(request, exc)
    else:
        messages.success(request, _("The item was removed."))
    return redirect("assessment:scheme", item.scheme_id)


@require_perm(MANAGE_PERM)
@require_POST
def scheme_publish(request: HttpRequest, pk: int) -> HttpResponse:
    scheme = _scheme(pk)
    try:
        service.publish(scheme, actor=request.user, request=request)
    except AssessmentInvalid as exc:
        report(request, exc)
    else:
        messages.success(request, _("The scheme was published."))
    return redirect("assessment:scheme", scheme.pk)


@require_perm(MANAGE_PERM)
@require_POST
def scheme_version(request: HttpRequest, pk: int) -> HttpResponse:
    scheme = _scheme(pk)
    copy = service.new_version(scheme, actor=request.user, request=request)
    messages.success(request, _("A new draft version was made from it."))
    return redirect("assessment:scheme", copy.pk)


urlpatterns = [
    path("schemes/", scheme_list, name="schemes"),
    path("schemes/new/", scheme_new, name="scheme_new"),
    path("schemes/<int:pk>/", scheme_detail, name="scheme"),
    path("schemes/<int:pk>/edit/", scheme_edit, name="scheme_edit"),
    path("schemes/<int:pk>/items/", item_add, name="item_add"),
    path("schemes/<int:pk>/publish/", scheme_publish, name="scheme_publish"),
    path("schemes/<int:pk>/version/", scheme_version, name="scheme_version"),
    path("items/<int:pk>/", item_edit, name="item"),
    path("items/<int:pk>/delete/", item_delete, name="item_delete"),
]
