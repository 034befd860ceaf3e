"""Petition pages; each views module owns its own url patterns."""

from huiyin.petitions.views import case, intake, keycases, lists, reception

app_name = "petitions"

urlpatterns = [
    *lists.urlpatterns,
    *intake.urlpatterns,
    *case.urlpatterns,
    *keycases.urlpatterns,
    *reception.urlpatterns,
]
