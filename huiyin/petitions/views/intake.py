"""Petition pages: the intake form, its helpers (grids, similar petitions) and the receipt."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import NoReverseMatch, path, reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from huiyin.cases import bounds
from huiyin.cases.kinds import Kind
from huiyin.cases.models import Case, Clock
from huiyin.cases.services import holds
from huiyin.front import sessions
from huiyin.front.decorators import require_perm
from huiyin.org.access import reach_of
from huiyin.org.roles import Perm
from huiyin.petitions import receipt_qr, services
from huiyin.petitions.forms import (
    IntakeForm,
    PetitionerFormSet,
    apply_errors,
    grids_of,
)
from huiyin.petitions.models import Petition, Petitioner
from huiyin.privacy import audit
from huiyin.privacy.identity import reveal

audit.register_action("petition.receipt", gettext_lazy("Printed a petition receipt"))

SIMILAR_LIMIT = 5
RECEIPT_SIZES = ("a4", "a5")
#: What of the description goes into the receipt's one-line summary (characters).
RECEIPT_SUMMARY_CHARS = 60


def _detail_url(pk: int) -> str | None:
    """The case page, once the case pages are installed."""
    try:
        return reverse("petitions:detail", args=[pk])
    except NoReverseMatch:
        return None


@require_perm(Perm.PETITIONS_REGISTER)
@require_http_methods(["GET", "POST"])
def new(request: HttpRequest) -> HttpResponse:
    """Register a letter, visit, call, online petition or a matter assigned from above."""
    petitioner_errors: list[str] = []
    if request.method == "POST":
        form = IntakeForm(request.POST, user=request.user)
        formset = PetitionerFormSet(request.POST)
        # Both validated, so that every typing mistake shows at once.
        form_ok, formset_ok = form.is_valid(), formset.is_valid()
        if form_ok and formset_ok:
            rows, index = formset.rows()
            # The receipt names the petitioners in full: whoever may not see identities (a
            # community worker, 社区代办) goes to the case page; the office prints it.
            to_receipt = reach_of(request.user).can(Perm.IDENTITY_VIEW)

            def registered(petition: Petition) -> None:
                # The message and the session go into the registration's own commit.
                if to_receipt:
                    said = _("Registered as %(number)s. Give the petitioner the receipt below.")
                else:
                    said = _(
                        "Registered as %(number)s. The petition office prints the receipt "
                        "for the petitioner."
                    )
                messages.success(request, said % {"number": petition.case.number})
                sessions.save_now(request)

            try:
                petition = services.register_petition(
                    actor=request.user,
                    data=form.service_data(),
                    petitioners=rows,
                    request=request,
                    on_written=registered,
                )
            except services.PetitionInvalid as invalid:
                petitioner_errors = apply_errors(invalid.errors, form, formset, index)
            else:
                if to_receipt:
                    return redirect("petitions:receipt", pk=petition.pk)
                return redirect("petitions:detail", pk=petition.pk)
        else:
            apply_errors({}, form, formset, [])
        petitioner_errors += [str(e) for e in formset.non_form_errors()]
    else:
        form = IntakeForm(user=request.user)
        formset = PetitionerFormSet()
    return render(
        request,
        "petitions/intake.html",
        {
            "nav_active": "petitions",
            "form": form,
            "formset": formset,
            "petitioner_errors": petitioner_errors,
        },
    )


@require_perm(Perm.PETITIONS_REGISTER)
@require_GET
def grids(request: HttpRequest) -> HttpResponse:
    """The grid options of a community, for the intake form's grid select (htmx)."""
    community_id = bounds.bounded_int(request.GET.get("community"), 1, bounds.MAX_ID)
    return render(request, "petitions/intake_grids.html", {"grids": grids_of(community_id)})


def _lookup_value(data, suffix: str) -> str:
    """The first non-empty value whose name is `suffix` or ends with "-<suffix>" (formset rows)."""
    for key in data:
        if key == suffix or key.endswith(f"-{suffix}"):
            value = (data.get(key) or "").strip()
            if value:
                return value
    return ""


@require_perm(Perm.PETITIONS_REGISTER)
@require_POST
def similar(request: HttpRequest) -> HttpResponse:
    """Earlier petitions of the person whose ID or phone is being typed (the duplicate hint).

    POST, so that ID numbers and phones never land in an address or a server log. Matched by
    blind index; only petitions the clerk may see; numbers, dates and states, never identity.
    """
    petitions = services.similar_petitions(
        _lookup_value(request.POST, "id_number") or None,
        _lookup_value(request.POST, "phone") or None,
        user=request.user,
    )
    found = list(petitions[: SIMILAR_LIMIT + 1])
    rows = [
        {
            "number": p.case.number,
            "received_on": p.case.received_on,
            "status_label": p.case.status_label,
            "url": _detail_url(p.pk),
        }
        for p in found[:SIMILAR_LIMIT]
    ]
    return render(
        request,
        "petitions/intake_similar.html",
        {"rows": rows, "more": len(found) > SIMILAR_LIMIT},
    )


def _phone_on_slip(masked: str) -> str:
    """The masked phone with its last digits masked too: on paper next to the receipt code,
    the last four digits would open the public tracker to whoever finds the slip."""
    if not masked:
        return ""
    kept = masked.rstrip("0123456789")
    return kept + "*" * (len(masked) - len(kept))


def _summary(description: str) -> str:
    """The first characters of what is asked, on one line."""
    text = " ".join((description or "").split())
    if len(text) <= RECEIPT_SUMMARY_CHARS:
        return text
    return text[:RECEIPT_SUMMARY_CHARS].rstrip() + "…"


@require_perm(Perm.PETITIONS_REGISTER, Perm.IDENTITY_VIEW)
@require_GET
def receipt(request: HttpRequest, pk: int) -> HttpResponse:
    """The receipt given to the petitioner, printable on A4 or A5. Every view is audited."""
    case = Case.objects.get_for_user(request.user, pk)
    if case.kind != Kind.PETITION:
        raise Http404
    if not holds(request.user, case, Perm.PETITIONS_REGISTER, Perm.IDENTITY_VIEW):
        raise PermissionDenied
    petition = Petition.objects.select_related("case__street", "received_by").get(pk=case.pk)
    notice = (
        Clock.objects.filter(case=case, code="acceptance_notice").order_by("-started_on").first()
    )
    size = request.GET.get("size", "a4")
    if size not in RECEIPT_SIZES:
        size = "a4"
    people = services.petitioners_for_display(petition)
    # The slip is the petitioners' own copy: their names in full, opened like any identity
    # (IDENTITY_VIEW, an "identity.view" entry naming the field). ID and phone stay masked.
    rows = list(
        Petitioner.objects.filter(petition=petition).order_by("order", "id").only("name", "pk")
    )
    shown = reveal(request, target=case, fields={f"name.{p.pk}": p.name for p in rows})
    for person in people:
        person["name"] = shown.get(f"name.{person['id']}") or person["name_masked"]
        person["phone_on_slip"] = _phone_on_slip(person["phone_masked"])
    track_url = request.build_absolute_uri(reverse("public:track"))
    can_track = any(p["phone_masked"] for p in people)
    with transaction.atomic():
        audit.record("petition.receipt", request=request, target=case, diff={"size": size})
    return render(
        request,
        "petitions/receipt.html",
        {
            "nav_active": "petitions",
            "case": petition.case,
            "petition": petition,
            "notice": notice,
            "names": [p["name"] for p in people],
            "people": people,
            "summary": _summary(petition.case.description),
            "can_track": can_track,
            "track_url": track_url,
            # The address only: the tracker takes no code in its address (POST only).
            "track_qr": receipt_qr.tracker_qr_svg(track_url) if can_track else "",
            "size": size,
            "detail_url": _detail_url(case.pk),
            "can_register": reach_of(request.user).can(Perm.PETITIONS_REGISTER),
        },
    )


urlpatterns = [
    path("new/", new, name="new"),
    path("new/grids/", grids, name="intake_grids"),
    path("new/similar/", similar, name="similar"),
    path("<int:pk>/receipt/", receipt, name="receipt"),
]
