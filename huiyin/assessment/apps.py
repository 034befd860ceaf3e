from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

ACTIONS = {
    "assessment.letter": _("Changed a responsibility letter"),
    "assessment.assurance": _("Changed the five assurances"),
    "assessment.scheme": _("Changed an assessment scheme"),
    "assessment.round": _("Changed an assessment round"),
    "assessment.objection": _("Filed or answered an objection to an assessment"),
    "assessment.veto": _("Changed a veto proposal"),
    "supervision.issue": _("Issued a supervision order"),
    "supervision.step": _("Recorded a step of a supervision order"),
}

#: The timeline event written on each matter a supervision order names.
SUPERVISION_EVENT = "supervision_ordered"


class AssessmentConfig(AppConfig):
    name = "huiyin.assessment"
    verbose_name = _("Assessment")

    def ready(self):
        from huiyin.assessment.reminders import tick_hook
        from huiyin.cases.reminders import register_tick
        from huiyin.cases.workflow import CORE_EVENTS
        from huiyin.privacy.audit import register_action

        for code, label in ACTIONS.items():
            register_action(code, label)
        # A leader's instruction (领导批示) on a matter is a line of its timeline, whatever
        # the kind of case.
        CORE_EVENTS.setdefault(
            SUPERVISION_EVENT, _("Supervision order issued (leader's instruction)")
        )
        register_tick(tick_hook)
