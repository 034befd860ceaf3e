"""Decision risk assessments."""

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

ACTIONS = {
    "riskassessment.create": _("Opened a decision risk assessment"),
    "riskassessment.change": _("Changed a decision risk assessment"),
    "riskassessment.consultation": _("Recorded a consultation of a risk assessment"),
    "riskassessment.risk": _("Recorded a risk point of a risk assessment"),
    "riskassessment.review": _("Recorded the four-dimension review of a risk assessment"),
    "riskassessment.conclude": _("Concluded a decision risk assessment"),
    "riskassessment.decide": _("Recorded the decision on a risk assessment"),
    "riskassessment.measure": _("Followed up a measure of a risk assessment"),
}


class RiskAssessmentsConfig(AppConfig):
    name = "huiyin.riskassessments"
    verbose_name = _("Decision risk assessments")

    def ready(self):
        from huiyin.privacy.audit import register_action

        for code, label in ACTIONS.items():
            register_action(code, label)
        # The 社会稳定风险评估报告 joins the document engine (its subject an assessment).
        from huiyin.reports.documents import riskassessments  # noqa: F401
