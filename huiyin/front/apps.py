from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class FrontConfig(AppConfig):
    name = "huiyin.front"
    verbose_name = _("User interface")

    def ready(self):
        from huiyin.privacy.audit import register_action

        # The front desk's receipt code of a dispute, looked up on the public tracker.
        register_action("dispute.track", _("Public status lookup of a dispute"))
