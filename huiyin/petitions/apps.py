from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PetitionsConfig(AppConfig):
    name = "huiyin.petitions"
    verbose_name = _("Petitions")

    def ready(self):
        from huiyin.front.home import register as register_todos
        from huiyin.petitions import workflow
        from huiyin.petitions.home import petition_todos
        from huiyin.privacy.audit import register_action

        workflow.register()
        register_todos(petition_todos)
        register_action("petition.track", _("Public status lookup"))
