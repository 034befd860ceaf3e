"""A dispute's documents (人民调解申请书, 调解笔录, 人民调解协议书, 口头协议登记, 告知书, 回访记录)
downloaded from the case page, through the documents registry of :mod:`huiyin.reports.documents`.

The page lists whatever the registry holds for the dispute kind and fits the case's stage now
(``documents.available``): a document module registered there appears here without a change.
Through the case's door (404 outside one's scope, audited). A document that names the parties
in full is an identity view: only those who may open a party's identity (identity viewers and
those who mediate the dispute, the rule of ``services.party_identity``) get it; anyone else
gets 403, the refusal audited as "access.denied". Every download is one "document.export"
entry naming the document and the identity fields it shows (never their values).
"""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import path, reverse
from django.utils.http import content_disposition_header
from django.views.decorators.http import require_GET

from huiyin.cases import bounds
from huiyin.cases.kinds import Kind
from huiyin.cases.models import Case
from huiyin.disputes.views.case_data import may_see_identity
from huiyin.front.decorators import require_perm
from huiyin.org.roles import Perm
from huiyin.privacy import audit
from huiyin.reports import documents
from huiyin.reports.documents.render import EXPORT_ACTION

#: The largest record number an address may name (a session, a visit).
MAX_RECORD = 100_000


def may_have(user, case: Case, spec) -> bool:
    """Whether `user` may download `spec` of `case` (which they can already see)."""
    return not spec.names_person or may_see_identity(user, case)


def dispute_spec(slug: str):
    """The dispute document of this slug (another kind's never), or None."""
    return next((s for s in documents.all_documents(Kind.DISPUTE) if s.slug == slug), None)


def options_of(spec, params) -> dict[str, str] | None:
    """The record options the spec takes (``session=2``: the 2nd session's 调解笔录), from the
    query string; None when one is not a record number (the page answers 404)."""
    chosen = {}
    for name in getattr(spec, "options", ()):
        raw = params.get(name)
        if raw in (None, ""):
            continue
        number = bounds.bounded_int(raw, 1, MAX_RECORD)
        if number is None:
            return None
        chosen[name] = str(number)
    return chosen


def case_documents(user, case: Case) -> list[dict]:
    """The documents of the case the person may download now, each {name, label, slug, url,
    options}; a document of one record among several (a session's 调解笔录) is also linked
    from each record with ``?<option>=N``."""
    if case.kind != Kind.DISPUTE or not documents.all_documents(Kind.DISPUTE):
        return []
    out = []
    identity = None
    for spec in documents.available(case):
        if spec.names_person:
            if identity is None:
                identity = may_have(user, case, spec)
            if not identity:
                continue
        out.append(
            {
                "name": spec.name,
                "label": spec.label,
                "slug": spec.slug,
                "url": reverse("disputes:document", args=[case.pk, spec.slug]),
                "options": tuple(getattr(spec, "options", ())),
            }
        )
    return out


@require_GET
@require_perm(Perm.DISPUTES_VIEW, Perm.DISPUTES_SCREEN, Perm.DISPUTES_MEDIATE)
def download(request: HttpRequest, pk: int, slug: str) -> HttpResponse:
    spec = dispute_spec(slug)
    pk = bounds.bounded_int(pk, 1, bounds.MAX_ID)
    options = options_of(spec, request.GET) if spec is not None else None
    if spec is None or pk is None or options is None:
        raise Http404
    case = (
        Case.objects.filter(kind=Kind.DISPUTE)
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
        # Only a document that takes options is given any (the registry refuses others).
        data = (
            documents.render(spec, case, options=options)
            if options
            else documents.render(spec, case)
        )
    except documents.DocumentRefused as refused:
        messages.error(request, refused.message)
        return redirect("disputes:detail", case.pk)
    with transaction.atomic():
        audit.record(
            EXPORT_ACTION,
            request=request,
            target=case,
            diff={"document": spec.name, "fields": list(spec.fields), **options},
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
