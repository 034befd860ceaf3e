"""`huiyin mail-digest`: send today's e-mail digests now (``huiyin tick`` sends them daily)."""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from huiyin.mail import digest


class Command(BaseCommand):
    help = _(
        "Send each person who chose e-mail reminders one mail listing what is new since their "
        "last digest; a person already sent today's gets nothing more."
    )

    def handle(self, *args, **options):
        if not digest.configured():
            raise CommandError(
                _("No mail relay is configured: set HUIYIN_EMAIL_HOST (see the README).")
            )
        result = digest.send_digests()
        if result.relay_down:
            # A clear line, no traceback: the notifications wait for the next run.
            raise CommandError(
                _("The mail relay could not be reached; %(count)s digests wait for the next run.")
                % {"count": result.waiting}
            )
        self.stdout.write(result.summary())
        if result.waiting:
            raise CommandError(
                _("%(count)s digests could not be sent; they wait for the next run.")
                % {"count": result.waiting}
            )
