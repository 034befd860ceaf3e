from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

ACTIONS = {
    "patrol.record": _("Recorded a patrol"),
    "patrol.finding": _("Recorded a patrol finding"),
    "patrol.finding.step": _("Handled a patrol finding"),
    "patrol.volunteer": _("Changed the volunteer roster"),
    "patrol.roster": _("Changed the patrol roster"),
    "place.create": _("Registered a key place"),
    "place.update": _("Changed a key place"),
    "checklist.version": _("Made a checklist version"),
    "inspection.record": _("Recorded an inspection"),
    "rectification.step": _("Recorded a rectification step"),
    "campaign.create": _("Created a special campaign"),
    "sensitive.create": _("Created a sensitive period"),
    "sensitive.file": _("Filed a daily report"),
    "sensitive.amend": _("Amended a daily report"),
    "photo.download": _("Opened a patrol or inspection photo"),
}


class PatrolsConfig(AppConfig):
    name = "huiyin.patrols"
    verbose_name = _("Patrols and rectification")

    def ready(self):
        from huiyin.cases.reminders import register_tick
        from huiyin.front.home import register as register_todos
        from huiyin.patrols import bell
        from huiyin.patrols.home import patrol_todos
        from huiyin.patrols.reminders import tick_hook
        from huiyin.privacy.audit import register_action

        for code, label in ACTIONS.items():
            register_action(code, label)
        register_todos(patrol_todos)
        register_tick(tick_hook)
        # Overdue rectifications in the notification bell (huiyin.cases.context).
        bell.register()
