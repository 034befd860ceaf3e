"""Incident and risk-note pages; each views module owns its own url patterns."""

from huiyin.incidents.views import case, lists, register, risk

app_name = "incidents"

urlpatterns = [
    *lists.urlpatterns,
    *register.urlpatterns,
    *risk.urlpatterns,
    *case.urlpatterns,
]
