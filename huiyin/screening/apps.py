from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ScreeningConfig(AppConfig):
    name = "huiyin.screening"
    verbose_name = _("Dispute screening")

    def ready(self):
        from huiyin.cases.reminders import register_tick
        from huiyin.front.home import register as register_todos
        from huiyin.privacy.audit import register_action
        from huiyin.screening import checks  # noqa: F401 - registers the settings check
        from huiyin.screening.home import screening_todos
        from huiyin.screening.reminders import tick_hook

        register_todos(screening_todos)
        register_tick(tick_hook)
        register_action("screening.file", _("Filed a screening report"))
        register_action("screening.amend", _("Amended a screening report"))
