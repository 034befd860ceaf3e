"""Demo data of the e-mail reminders: a few demo accounts have chosen them.

`huiyin demo` calls :func:`load` (the app's loader, in app order). Idempotent. Through the
service, so each choice is audited as the person's own. In demo mode mail goes to the console
(no relay is configured), so `huiyin tick` prints their digests from the digest hour.
"""

from __future__ import annotations

from django.contrib.auth.models import User

from huiyin.mail.models import MailPreference, Mode
from huiyin.mail.services import save_preference

#: username: (reminders, assignments, supervision orders)
CHOICES = {
    "clerk": (Mode.DAILY, Mode.OFF, Mode.OFF),
    "handler": (Mode.DAILY, Mode.DAILY, Mode.DAILY),
    "leader": (Mode.OFF, Mode.OFF, Mode.DAILY),
}


def load(stdout) -> None:
    if MailPreference.objects.exists():
        return
    users = {u.username: u for u in User.objects.filter(username__in=CHOICES)}
    for username, (reminders, assignments, supervision) in CHOICES.items():
        user = users.get(username)
        if user is None:
            continue
        save_preference(
            user,
            {
                "email": f"{username}@street.example",
                "reminders": reminders,
                "assignments": assignments,
                "supervision": supervision,
            },
        )
    stdout.write(f"E-mail reminders: {len(users)} demo accounts chose a daily digest.\n")
