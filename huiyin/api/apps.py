from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ApiConfig(AppConfig):
    name = "huiyin.api"
    label = "api"
    verbose_name = _("API")

    def ready(self):
        from huiyin.privacy.audit import register_action

        register_action("api.call", _("API call"))
        register_action("api.token_created", _("API token created"))
        register_action("api.token_revoked", _("API token revoked"))
