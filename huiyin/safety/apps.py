from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SafetyConfig(AppConfig):
    name = "huiyin.safety"
    verbose_name = _("Safe communities and units")
