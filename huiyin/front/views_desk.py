"""The centre's front desk page: one intake, a petition or a dispute, one receipt code.

Thin: the form bounds the fields, :func:`huiyin.front.desk.register` decides and writes. A
petition goes on to its own receipt (printable, audited); a dispute's receipt code is shown
on the answer page, with the tracker's address.
"""

from __future__ import annotations

from django import forms
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from huiyin.disputes.forms import GridChoiceField, style
from huiyin.disputes.registration import REGISTER_PERMS
from huiyin.front import desk
from huiyin.front.decorators import require_perm
from huiyin.org.models import Community, Grid
from huiyin.org.roles import Perm

KIND_LABELS = {
    desk.PETITION: _("Petition"),
    desk.DISPUTE: _("Dispute, for mediation"),
}
KIND_HELP = {
    desk.PETITION: _("A request, suggestion or complaint to the government or its departments."),
    desk.DISPUTE: _("A dispute between the visitor and another party, for people's mediation."),
}


class DeskForm(forms.Form):
    kind = forms.ChoiceField(label=_("The matter is"), widget=forms.RadioSelect)
    title = forms.CharField(label=_("Title"), max_length=200)
    description = forms.CharField(
        label=_("What it is about"),
        required=False,
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    community = forms.ModelChoiceField(
        label=_("Community"), queryset=Community.objects.none(), required=False
    )
    grid = GridChoiceField(label=_("Grid"), queryset=Grid.objects.none(), required=False)
    name = forms.CharField(label=_("Visitor's name"), max_length=40)
    id_number = forms.CharField(label=_("Resident ID"), max_length=40, required=False)
    phone = forms.CharField(
        label=_("Phone"),
        max_length=40,
        required=False,
        help_text=_("The visitor checks progress with the receipt code and this phone."),
        widget=forms.TextInput(attrs={"inputmode": "tel", "autocomplete": "off"}),
    )
    address = forms.CharField(label=_("Address"), max_length=200, required=False)
    other_name = forms.CharField(
        label=_("The other side (disputes)"),
        max_length=100,
        required=False,
        help_text=_("The person or organisation the dispute is with."),
    )
    other_phone = forms.CharField(label=_("The other side's phone"), max_length=40, required=False)

    def __init__(self, *args, kinds: list[str], **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["kind"].choices = [(k, KIND_LABELS[k]) for k in kinds]
        if len(kinds) == 1:
            self.initial.setdefault("kind", kinds[0])
        self.fields["community"].queryset = Community.objects.order_by("order", "id")
        self.fields["grid"].queryset = Grid.objects.select_related("community").order_by(
            "community__order", "order", "id"
        )
        style(self)

    def apply(self, errors: dict) -> None:
        for key, messages in errors.items():
            field = key if key in self.fields else None
            for message in messages:
                self.add_error(field, str(message))
        style(self, mark=True)


@never_cache
@require_perm(Perm.PETITIONS_REGISTER, *REGISTER_PERMS)
@require_http_methods(["GET", "POST"])
def desk_view(request: HttpRequest) -> HttpResponse:
    """GET: the intake. POST: registered as the chosen kind, or the form with its messages."""
    kinds = desk.kinds_for(request.user)
    status = 200
    if request.method == "POST":
        form = DeskForm(request.POST, kinds=kinds)
        if form.is_valid():
            try:
                receipt = desk.register(request.user, form.cleaned_data, request=request)
            except desk.DeskInvalid as invalid:
                form.apply(invalid.errors)
            else:
                if receipt.kind == desk.PETITION:
                    return redirect("petitions:receipt", pk=receipt.case.pk)
                return render(
                    request,
                    "front/desk_done.html",
                    {
                        "receipt": receipt,
                        "track_url": request.build_absolute_uri(reverse("public:track")),
                    },
                )
        else:
            style(form, mark=True)
        status = 400
    else:
        form = DeskForm(kinds=kinds)
    return render(
        request,
        "front/desk.html",
        {"form": form, "kind_help": [(k, KIND_LABELS[k], KIND_HELP[k]) for k in kinds]},
        status=status,
    )
