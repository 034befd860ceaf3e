from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class RiskAssessmentsConfig(AppConfig):
    name = "huiyin.riskassessments"
    verbose_name = _("Decision risk assessments")
