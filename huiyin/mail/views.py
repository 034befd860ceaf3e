"""The page "E-mail reminders": a person's own choice of what reaches them by mail."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext_lazy as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from huiyin.mail import digest, services
from huiyin.mail.forms import PreferenceForm
from huiyin.mail.models import MailDigest, Topic
from huiyin.org.access import reach_of

MSG_SAVED = _("Your e-mail reminders were saved.")
#: Recent digests shown on the page.
RECENT = 7


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def preferences(request: HttpRequest) -> HttpResponse:
    """Only the person's own preference: no address names anyone else's."""
    user = request.user
    # Reminders go to role holders; an account without a role has nothing to be told.
    if not reach_of(user).grants:
        raise PermissionDenied
    pref = services.preference_of(user)
    initial = {"email": pref.email, **{t: getattr(pref, t) for t in Topic.values}}
    if request.method == "POST":
        form = PreferenceForm(request.POST)
        if form.is_valid():
            try:
                services.save_preference(user, form.cleaned_data, request=request)
            except ValidationError as exc:
                form.add_error(None, exc)
            else:
                messages.success(request, MSG_SAVED)
                return redirect("mail:preferences")
    else:
        form = PreferenceForm(initial=initial)
    recent = MailDigest.objects.filter(user=user, status=MailDigest.Status.SENT).order_by("-day")[
        :RECENT
    ]
    return render(
        request,
        "mail/preferences.html",
        {
            "form": form,
            "topic_fields": [form[t] for t in Topic.values],
            "recent": recent,
            "configured": digest.configured(),
            "digest_hour": digest.digest_hour(),
            "domains": "、".join(services.allowed_domains()),
        },
    )
