from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PetitionsConfig(AppConfig):
    name = "huiyin.petitions"
    verbose_name = _("Petitions")

    def ready(self):
        from huiyin.petitions import workflow
        from huiyin.privacy.audit import register_action

        workflow.register()
        register_action("petition.track", _("Public status lookup"))
