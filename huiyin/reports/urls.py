"""Statistics and report pages; each views module owns its own url patterns."""

from huiyin.reports.views import campaigns, commendations, dashboard, ledger, word

app_name = "reports"

urlpatterns = [
    *dashboard.urlpatterns,
    *campaigns.urlpatterns,
    *commendations.urlpatterns,
    *word.urlpatterns,
    *ledger.urlpatterns,
]
