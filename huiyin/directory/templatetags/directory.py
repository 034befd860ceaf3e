"""The sign-in page's directory button: shown only when OpenID Connect is configured."""

from __future__ import annotations

from urllib.parse import urlencode

from django import template
from django.conf import settings
from django.urls import reverse

register = template.Library()


@register.inclusion_tag("directory/sign_in.html")
def directory_sign_in(next_url: str = "") -> dict:
    directory = settings.HUIYIN_DIRECTORY
    if not directory.oidc:
        return {"oidc": False}
    url = reverse("oidc_authentication_init")
    if next_url:
        url += "?" + urlencode({"next": next_url})
    return {"oidc": True, "url": url, "label": directory.oidc_label}
