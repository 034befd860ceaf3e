"""Stepping aside from a petition (回避, 条例 art. 28): the page behind the case page's button.

Anyone who may see the case may declare their own recusal, with a reason; the petition office
and the leaders may also step another staff member aside. Recorded and audited by
:func:`huiyin.petitions.recusal.recuse`; from then on the recused person no longer sees the
case (the one door, ``Case.objects.visible_to``).
"""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from django.views.decorators.cache import never_cache

from huiyin.cases import bounds
from huiyin.cases.exceptions import CaseRefused
from huiyin.cases.models import staff_of
from huiyin.front.decorators import require_perm
from huiyin.org.access import reach_of
from huiyin.org.models import Staff
from huiyin.org.roles import Perm
from huiyin.petitions import recusal
from huiyin.petitions.transition_forms import HandlerChoice
from huiyin.petitions.views.case import SEES_PETITIONS, _case

MSG_DECLARED = _("Your recusal is recorded: this matter is no longer shown to you.")
MSG_RECORDED = _("The recusal of %(name)s is recorded.")


class RecusalForm(forms.Form):
    staff = HandlerChoice(
        Staff.objects.none(),
        label=_("Who steps aside"),
        required=False,
        help_text=_("Leave empty to step aside yourself."),
    )
    reason = forms.CharField(
        label=_("Reason (the direct interest)"),
        max_length=recusal.MAX_REASON,
        help_text=bounds.max_length_help(recusal.MAX_REASON),
        widget=forms.Textarea(attrs={"rows": 3}),
    )

    def __init__(self, *args, case, others: bool, **kwargs):
        super().__init__(*args, **kwargs)
        if others:
            self.fields["staff"].queryset = recusal.staff_choices(case)
        else:
            del self.fields["staff"]
        for field in self.fields.values():
            css = "form-select" if isinstance(field.widget, forms.Select) else "form-control"
            field.widget.attrs.setdefault("class", css)


@never_cache
@require_perm(*SEES_PETITIONS)
def recuse(request: HttpRequest, pk: int) -> HttpResponse:
    case = _case(request, pk)
    others = recusal.may_recuse_others(request.user, case)
    data = request.POST if request.method == "POST" else None
    form = RecusalForm(data, case=case, others=others)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            who = form.cleaned_data.get("staff")
            try:
                row = recusal.recuse(
                    case,
                    actor=request.user,
                    staff=who,
                    reason=form.cleaned_data["reason"],
                    request=request,
                )
            except CaseRefused as refusal:
                form.add_error(None, str(refusal.message))
            else:
                if row.declared:
                    messages.success(request, str(MSG_DECLARED))
                    # Out of their sight now: back to the list (or home), never the case page.
                    sees_list = reach_of(request.user).can(Perm.PETITIONS_VIEW)
                    return redirect("petitions:list" if sees_list else "home")
                messages.success(request, gettext(MSG_RECORDED) % {"name": row.staff.name})
                return redirect("petitions:detail", case.pk)
        status = 400
    context = {
        "nav_active": "petitions",
        "case": case,
        "case_url": reverse("petitions:detail", args=[case.pk]),
        "form": form,
        "recusals": recusal.recusals(case),
        "has_staff": staff_of(request.user)[0] is not None,
    }
    return render(request, "petitions/recusal.html", context, status=status)


urlpatterns = [
    path("<int:pk>/recusal/", recuse, name="recusal"),
]
