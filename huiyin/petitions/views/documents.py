"""A petition's documents (受理告知书, 转送函, 处理意见书…) downloaded from the case page.

Through the case's door (404 outside one's scope, audited). A document that names the
petitioner in full is an identity view: only a person holding the identity view over the case
gets it; anyone else gets 403 (the refusal audited as "access.denied") — a notice with the
name masked would be no notice at all, so none is offered. Every download is one
"document.export" entry naming the document and the identity fields it shows (never their
values). A document that does not fit the case's stage sends the person back to the case page
with the reason.
"""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import path
from django.utils.http import content_disposition_header
from django.views.decorators.http import require_GET

from huiyin.cases.kinds import Kind
from huiyin.cases.models import Case
from huiyin.cases.services import holds
from huiyin.front.decorators import require_perm
from huiyin.org.roles import Perm
from huiyin.petitions.views.case import SEES_PETITIONS
from huiyin.privacy import audit
from huiyin.reports import documents
from huiyin.reports.documents.render import EXPORT_ACTION


def may_have(user, case: Case, spec) -> bool:
    """Whether `user` may download `spec` of `case` (which they can already see)."""
    return not spec.names_person or holds(user, case, Perm.IDENTITY_VIEW)


@require_GET
@require_perm(*SEES_PETITIONS)
def download(request: HttpRequest, pk: int, slug: str) -> HttpResponse:
    spec = documents.by_slug(slug)
    if spec is None or spec.kind != Kind.PETITION:
        raise Http404
    case = (
        Case.objects.filter(kind=Kind.PETITION)
        .select_related("street", "community", "grid", "category", "owner_unit", "owner")
        .get_for_user(request.user, pk)
    )
    if not may_have(request.user, case, spec):
        with transaction.atomic():
            audit.record(
                "access.denied",
                request=request,
                target=case,
                diff={
                    "permission": Perm.IDENTITY_VIEW,
                    "document": spec.name,
                    "fields": list(spec.fields),
                },
            )
        raise PermissionDenied
    try:
        data = documents.render(spec, case)
    except documents.DocumentRefused as refused:
        messages.error(request, refused.message)
        return redirect("petitions:detail", case.pk)
    with transaction.atomic():
        audit.record(
            EXPORT_ACTION,
            request=request,
            target=case,
            diff={"document": spec.name, "fields": list(spec.fields)},
        )
    response = HttpResponse(data, content_type=documents.DOCX_CONTENT_TYPE)
    response["Content-Disposition"] = content_disposition_header(
        True, documents.filename(spec, case)
    )
    response["Cache-Control"] = "private, no-store"
    return response


urlpatterns = [
    path("<int:pk>/documents/<slug:slug>/", download, name="document"),
]
