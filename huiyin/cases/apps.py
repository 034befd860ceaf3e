from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CasesConfig(AppConfig):
    name = "huiyin.cases"
    verbose_name = _("Cases")

    def ready(self):
        from huiyin.cases import bounds, calendar, deadlines

        # A date stored before the plausibility checks existed is read, not fatal (bounds.py).
        bounds.read_bad_rows_tolerantly()

        # Deadlines read the holiday table an administrator keeps (see calendar.py).
        deadlines.set_calendar_provider(calendar.db_calendar)
        calendar.connect_signals()
