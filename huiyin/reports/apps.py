from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


def _ledger_import_link():
    from django.urls import reverse

    from huiyin.front.navigation import Link

    # Administrators may import ledgers but have no statistics section to find the page in.
    return Link(
        _("Import a petition ledger"),
        reverse("reports:ledger_import"),
        _("Bring last year's Excel or CSV petition ledger into Huiyin, all rows or none."),
    )


class ReportsConfig(AppConfig):
    name = "huiyin.reports"
    verbose_name = _("Statistics and reports")

    def ready(self):
        from huiyin.front.navigation import register_system_link
        from huiyin.org.roles import Perm

        register_system_link(Perm.ADMIN_MANAGE, _ledger_import_link)
        # The campaign notices (表彰通报, 通报批评) and the annual report join the documents.
        from huiyin.reports.documents import commendations  # noqa: F401
