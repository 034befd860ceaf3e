from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

ACTIONS = {
    "mail.preference": _("Changed one's e-mail reminders"),
}


class MailConfig(AppConfig):
    name = "huiyin.mail"
    label = "mail"
    verbose_name = _("E-mail reminders")

    def ready(self):
        from huiyin.cases.reminders import register_tick
        from huiyin.mail.digest import tick_hook
        from huiyin.privacy.audit import register_action

        for code, label in ACTIONS.items():
            register_action(code, label)
        # The daily digest goes out from `huiyin tick` (cron or the worker's --tick-every),
        # once the configured hour has come.
        register_tick(tick_hook)
