from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class IncidentsConfig(AppConfig):
    name = "huiyin.incidents"
    verbose_name = _("Incidents")

    def ready(self):
        from huiyin.cases.reminders import register_tick
        from huiyin.front.home import register as register_todos
        from huiyin.incidents import workflow
        from huiyin.incidents.home import incident_todos
        from huiyin.incidents.reminders import tick_hook

        workflow.register()
        register_tick(tick_hook)
        register_todos(incident_todos)
