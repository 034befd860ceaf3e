"""Petition pages; each views module owns its own url patterns."""

from huiyin.petitions.views import case, documents, intake, keycases, lists, reception, recusal

app_name = "petitions"

urlpatterns = [
    *lists.urlpatterns,
    *intake.urlpatterns,
    *case.urlpatterns,
    *documents.urlpatterns,
    *keycases.urlpatterns,
    *reception.urlpatterns,
    *recusal.urlpatterns,
]
