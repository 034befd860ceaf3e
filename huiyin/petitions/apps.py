from django.apps import AppConfig
from django.db import connections
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


def _install_latest(sender, using, **kwargs):
    """After every migrate: the triggers that keep each petition's latest handling outcome and
    rating are there (see latest.py)."""
    from huiyin.petitions import latest

    latest.install(connections[using])


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
        post_migrate.connect(_install_latest, sender=self, dispatch_uid="huiyin.petitions.latest")
