"""The API tokens page: a person's own tokens, made (shown once) and revoked here.

A token acts with its owner's roles, so only a person holding a role may make one; nobody
sees or revokes another's tokens here (a service account's are the administrator's, with
``huiyin api-token``).
"""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext_lazy as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST

from huiyin.api import tokens
from huiyin.api.models import ApiToken, Scope
from huiyin.org.access import reach_of

MSG_REVOKED = _("The token “%(name)s” was revoked.")
MSG_CREATED = _("Copy the token now: it is shown this once and cannot be shown again.")


class TokenForm(forms.Form):
    name = forms.CharField(
        label=_("Name"),
        max_length=tokens.MAX_NAME,
        help_text=_("What the token is for, e.g. the district platform's link."),
    )
    scope = forms.ChoiceField(
        label=_("Scope"), choices=Scope.choices, initial=Scope.READ, widget=forms.RadioSelect
    )
    days = forms.IntegerField(
        label=_("Valid for (days)"),
        min_value=1,
        max_value=tokens.MAX_DAYS,
        initial=tokens.DEFAULT_DAYS,
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name, field in self.fields.items():
            css = (
                "form-check-input"
                if isinstance(field.widget, forms.RadioSelect)
                else "form-control"
            )
            field.widget.attrs.setdefault("class", css)
            if self.is_bound and name in self.errors:
                field.widget.attrs["class"] = field.widget.attrs.get("class", "") + " is-invalid"


def _may_have_tokens(user) -> None:
    if not reach_of(user).grants:
        raise PermissionDenied


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def token_list(request: HttpRequest) -> HttpResponse:
    _may_have_tokens(request.user)
    secret = None
    form = TokenForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            _token, secret = tokens.create_token(
                owner=request.user,
                name=data["name"],
                scope=data["scope"],
                days=data["days"],
                request=request,
            )
        except tokens.TokenInvalid as exc:
            for key, errors in exc.errors.items():
                for error in errors:
                    form.add_error(key if key in form.fields else None, str(error))
        else:
            messages.warning(request, str(MSG_CREATED))
            form = TokenForm()
    context = {
        "form": form,
        "secret": secret,
        "tokens": list(tokens.tokens_of(request.user)),
        "status": 400 if request.method == "POST" and secret is None else 200,
    }
    response = render(request, "api/tokens.html", context, status=context["status"])
    response["Cache-Control"] = "no-store"
    return response


@login_required
@require_POST
def token_revoke(request: HttpRequest, pk: int) -> HttpResponse:
    token = ApiToken.objects.filter(pk=pk, owner=request.user).first()
    if token is None:
        raise Http404
    tokens.revoke(token, actor=request.user, request=request)
    messages.success(request, str(MSG_REVOKED) % {"name": token.name})
    return redirect("api:tokens")
