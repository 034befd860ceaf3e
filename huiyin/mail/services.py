"""Saving a person's e-mail reminder preference: validated, one transaction, audited."""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import EmailValidator
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from huiyin.mail.models import MAX_EMAIL, MailPreference, Mode, Topic
from huiyin.privacy.audit import record

MSG_EMAIL = _("Enter a valid e-mail address, such as wangfang@street.gov.cn.")
MSG_EMAIL_LONG = _("An e-mail address has at most %(limit)s characters.")
MSG_EMAIL_DOMAIN = _("Mail goes only to the office's own addresses: %(domains)s.")
MSG_EMAIL_NEEDED = _("Enter the address the digest goes to, or choose “Not by e-mail” for all.")

_validator = EmailValidator(message=MSG_EMAIL)


def allowed_domains() -> tuple[str, ...]:
    """The domains mail may go to (``HUIYIN_EMAIL_DOMAINS``; empty: any)."""
    return tuple(d.lower().lstrip("@") for d in getattr(settings, "HUIYIN_EMAIL_DOMAINS", ()))


def clean_email(value: str) -> str:
    """The address, trimmed and checked; ValidationError with a message for the person."""
    value = (value or "").replace("\x00", "").strip()
    if not value:
        return ""
    if len(value) > MAX_EMAIL:
        raise ValidationError(MSG_EMAIL_LONG, params={"limit": MAX_EMAIL})
    _validator(value)
    domains = allowed_domains()
    if domains and value.rsplit("@", 1)[-1].lower() not in domains:
        raise ValidationError(MSG_EMAIL_DOMAIN, params={"domains": "、".join(domains)})
    return value


def preference_of(user) -> MailPreference:
    """The person's preference as saved, or an unsaved one with the defaults."""
    found = MailPreference.objects.filter(user=user).first()
    return found or MailPreference(user=user)


def save_preference(user, data: dict, *, request=None) -> MailPreference:
    """Save `user`'s own preference from cleaned `data` (email and a Mode per Topic).

    Turning mail on (or changing the address) starts it from now: no backlog is mailed. The
    audit entry names the fields changed, never the address.
    """
    email = clean_email(data.get("email", ""))
    modes = {t: data.get(t, Mode.DAILY) for t in Topic.values}
    for topic, mode in modes.items():
        if mode not in Mode.values:
            raise ValidationError(_("Choose one of the offered options."), code=topic)
    if not email and any(m == Mode.DAILY for m in modes.values()):
        raise ValidationError(MSG_EMAIL_NEEDED)
    with transaction.atomic():
        pref = MailPreference.objects.select_for_update().filter(user=user).first()
        created = pref is None
        if created:
            pref = MailPreference(user=user)
        was_active = not created and pref.active
        old_email = pref.email
        changed = []
        if pref.email != email:
            changed.append("email")
            pref.email = email
        diff: dict = {}
        for topic, mode in modes.items():
            if getattr(pref, topic) != mode or created:
                diff[topic] = [None if created else getattr(pref, topic), mode]
                setattr(pref, topic, mode)
        if not changed and not diff:
            return pref
        if pref.active and (not was_active or old_email != email):
            pref.since = timezone.now()
        pref.save()
        if changed:
            diff["email"] = "changed"
        record("mail.preference", actor=user, target=pref, diff=diff, request=request)
    return pref
