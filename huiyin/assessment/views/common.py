"""What the assessment pages share: finding rows by id, the matters a reader may see."""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404
from django.urls import reverse

from huiyin.assessment.services.common import AssessmentInvalid
from huiyin.cases import bounds
from huiyin.cases.models import Case
from huiyin.cases.views import case_url


def row_or_404(queryset, pk):
    """The row with this id (a path parameter), or 404 — also for ids no column can hold."""
    pk = bounds.bounded_int(pk, 1, bounds.MAX_ID)
    found = queryset.filter(pk=pk).first() if pk else None
    if found is None:
        raise Http404
    return found


def report(request, exc: AssessmentInvalid) -> None:
    """A refusal as messages on the next page."""
    for text in exc.messages:
        messages.error(request, text)


def shown_matters(
    user, matters: list[dict], *, visible: set[int] | None = None
) -> tuple[list[dict], int]:
    """The stored matters a reader may open — ``{"number", "url"}`` — and how many others
    there are (counted, never named: a case outside the reader's scope stays unseen)."""
    case_ids = [m["case"] for m in matters if "case" in m]
    if visible is None:
        visible = visible_cases(user, case_ids)
    shown, hidden = [], 0
    for matter in matters:
        if "order" in matter:
            shown.append(
                {
                    "number": matter["number"],
                    "url": reverse("assessment:order", args=[matter["order"]]),
                    "kind": "order",
                }
            )
        elif matter.get("case") in visible:
            shown.append(
                {
                    "number": matter["number"],
                    "url": case_url(matter.get("kind", "petition"), matter["case"]),
                    "kind": matter.get("kind", ""),
                }
            )
        else:
            hidden += 1
    return shown, hidden


def visible_cases(user, case_ids) -> set[int]:
    ids = {pk for pk in case_ids if isinstance(pk, int)}
    if not ids:
        return set()
    return set(Case.objects.visible_to(user).filter(pk__in=ids).values_list("pk", flat=True))
