from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

ACTIONS = {
    "directory.sync": _("Roles taken from the directory"),
    "directory.refused": _("Refused by the directory mapping"),
}


class DirectoryConfig(AppConfig):
    name = "huiyin.directory"
    label = "directory"
    verbose_name = _("Sign-in through the directory")

    def ready(self):
        from huiyin.directory import checks  # noqa: F401  (registers the mapping's check)
        from huiyin.privacy.audit import DIFF_KEY_LABELS, register_action

        for code, label in ACTIONS.items():
            register_action(code, label)
        DIFF_KEY_LABELS.setdefault("groups", _("Directory groups"))
        DIFF_KEY_LABELS.setdefault("grants", _("Roles"))
        DIFF_KEY_LABELS.setdefault("reason", _("Reason"))
