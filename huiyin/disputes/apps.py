from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DisputesConfig(AppConfig):
    name = "huiyin.disputes"
    verbose_name = _("Disputes")

    def ready(self):
        from huiyin.disputes import clocks, workflow
        from huiyin.disputes.home import dispute_todos
        from huiyin.front.home import register as register_todos

        # The mediation time limits join the core's table before anything reads it.
        clocks.register_limits()
        workflow.register()
        register_todos(dispute_todos)
