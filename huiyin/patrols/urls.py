"""Patrol pages; each views module owns its own url patterns."""

from huiyin.patrols.views import (
    campaigns,
    inspections,
    patrols,
    places,
    rectifications,
    roster,
    sensitive,
)

app_name = "patrols"

urlpatterns = [
    *patrols.urlpatterns,
    *roster.urlpatterns,
    *places.urlpatterns,
    *inspections.urlpatterns,
    *rectifications.urlpatterns,
    *campaigns.urlpatterns,
    *sensitive.urlpatterns,
]
