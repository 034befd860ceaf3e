"""The auditor's page: the audit trail, newest first, with the chain's verification on top."""

from __future__ import annotations

import csv
import datetime

from django.core.paginator import Paginator
from django.db import transaction
from django.db.models import Q
from django.http import HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _

from huiyin.front.decorators import require_perm
from huiyin.org.roles import Perm
from huiyin.privacy import audit
from huiyin.privacy.forms import AuditFilterForm
from huiyin.privacy.models import AuditEntry

PAGE_SIZE = 50


def _start_of(day: datetime.date) -> datetime.datetime:
    return datetime.datetime.combine(day, datetime.time.min, tzinfo=timezone.get_current_timezone())


def _filtered(request: HttpRequest):
    """The filter form and the entries it selects (all of them when the form is invalid)."""
    actions = set(audit.ACTION_LABELS) | set(
        AuditEntry.objects.order_by("action").values_list("action", flat=True).distinct()
    )
    target_types = set(
        AuditEntry.objects.exclude(target_type="")
        .order_by("target_type")
        .values_list("target_type", flat=True)
        .distinct()
    )
    form = AuditFilterForm(request.GET or None, actions=actions, target_types=target_types)
    entries = AuditEntry.objects.select_related("actor", "actor__staff").order_by("-seq")
    mine = _own_streets_q(request.user)
    if mine is not None:
        entries = entries.filter(mine)
    valid = form.is_bound and form.is_valid()
    data = form.cleaned_data if valid else {}
    # Routine sign-ins and sign-outs only when asked for, or when they are what is filtered.
    if not (data.get("logins") or data.get("action") in audit.SIGN_IN_ACTIONS):
        entries = entries.exclude(action__in=audit.SIGN_IN_ACTIONS)
    if valid:
        if data["action"]:
            entries = entries.filter(action=data["action"])
        if data["actor"]:
            name = data["actor"].strip()
            # A failed sign-in has no actor; the name tried is its target label.
            entries = entries.filter(
                Q(actor_label__iexact=name)
                | Q(action="auth.login_failed", target_label__iexact=name)
            )
        if data["target_type"]:
            entries = entries.filter(target_type=data["target_type"])
        if data["date_from"]:
            entries = entries.filter(at__gte=_start_of(data["date_from"]))
        if data["date_to"]:
            entries = entries.filter(at__lt=_start_of(data["date_to"] + datetime.timedelta(days=1)))
    return form, entries


#: Audited objects that are a matter: the case, or a kind's own row (keyed by the case's id).
CASE_TARGETS = ("cases.case", "petitions.petition", "disputes.dispute", "incidents.incident")


def _own_streets_q(user) -> Q | None:
    """Where one database serves several streets, the entries of the auditor's own streets:
    those about a matter of them, and the others made by their people (or by no one: the
    system, a failed sign-in). None when the auditor covers every street (nothing to leave
    out)."""
    from django.db.models import CharField
    from django.db.models.functions import Cast

    from huiyin.cases.models import Case
    from huiyin.org.access import reach_of
    from huiyin.org.models import RoleGrant, Street

    streets = reach_of(user).scope(Perm.AUDIT_VIEW).street_ids
    if not Street.objects.exclude(pk__in=streets).exists():
        return None
    matters = (
        Case.objects.filter(street_id__in=streets)
        .annotate(key=Cast("pk", CharField()))
        .values("key")
    )
    people = RoleGrant.objects.filter(street_id__in=streets).values("staff__user_id")
    about_a_matter = Q(target_type__in=CASE_TARGETS)
    return (about_a_matter & Q(target_id__in=matters)) | (
        ~about_a_matter & (Q(actor__isnull=True) | Q(actor_id__in=people))
    )


@require_perm(Perm.AUDIT_VIEW)
def audit_list(request: HttpRequest) -> HttpResponse:
    form, entries = _filtered(request)
    page = Paginator(entries, PAGE_SIZE).get_page(request.GET.get("page"))
    # Every entry of the page read at once: one query per kind of name, never one per row.
    page.object_list = audit.describe(page.object_list)
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "privacy/audit_list.html",
        {
            "nav_active": "system",
            "form": form,
            "page": page,
            "query": query.urlencode(),
            "verification": audit.verify(),
        },
    )


EXPORT_CHUNK = 2000


def _chunks(items, size: int):
    """Lists of at most `size` items, so that names are looked up once per chunk."""
    chunk = []
    for item in items:
        chunk.append(item)
        if len(chunk) == size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


class _Echo:
    def write(self, value):
        return value


def _cell(value) -> str:
    """A CSV cell that a spreadsheet will not run as a formula."""
    text = "" if value is None else str(value)
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


@require_perm(Perm.AUDIT_VIEW)
def audit_export(request: HttpRequest) -> HttpResponse:
    """The filtered list as CSV (UTF-8 with BOM, for Excel). The export is itself audited."""
    form, entries = _filtered(request)
    if form.is_bound and not form.is_valid():
        # A filter that is not valid exports nothing (not the whole trail): say why.
        return render(
            request,
            "400.html",
            {"message": " ".join(str(m) for ms in form.errors.values() for m in ms)},
            status=400,
        )
    filters = {k: str(v) for k, v in form.cleaned_data.items() if v} if form.is_bound else {}
    with transaction.atomic():
        audit.record(
            "export",
            request=request,
            target_label=_("Audit trail"),
            diff={"rows": entries.count(), "filters": filters},
        )
    header = [
        _("Number"),
        _("Time"),
        _("Account"),
        _("Address"),
        _("Action"),
        _("Object type"),
        _("Object id"),
        _("Object"),
        _("Details"),
        _("Details (readable)"),
        _("Hash"),
    ]
    tz = timezone.get_current_timezone()

    def rows():
        writer = csv.writer(_Echo())
        yield "\ufeff" + writer.writerow(header)
        for chunk in _chunks(entries.iterator(chunk_size=EXPORT_CHUNK), EXPORT_CHUNK):
            for e in audit.describe(chunk):
                yield writer.writerow(
                    [
                        _cell(v)
                        for v in (
                            e.seq,
                            e.at.astimezone(tz).strftime("%Y-%m-%d %H:%M:%S"),
                            e.actor_label,
                            e.ip,
                            e.action_label,
                            e.target_type,
                            e.target_id,
                            e.target_label,
                            e.diff_text,
                            audit.readable_text(e.readable),
                            e.hash,
                        )
                    ]
                )

    stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
    response = StreamingHttpResponse(rows(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="audit-{stamp}.csv"'
    return response
