"""Safe communities and units (平安创建)."""

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

ACTIONS = {
    "safety.creation": _("Changed a safety creation or its status"),
    "safety.figure": _("Entered a safe-community criterion figure"),
    "safety.survey": _("Entered an awareness or participation survey"),
}


class SafetyConfig(AppConfig):
    name = "huiyin.safety"
    verbose_name = _("Safe communities and units")

    def ready(self):
        from huiyin.privacy.audit import register_action

        for code, label in ACTIONS.items():
            register_action(code, label)
