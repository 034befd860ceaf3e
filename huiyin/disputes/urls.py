"""Dispute pages; each views module owns its own url patterns."""

from huiyin.disputes.views import case, committees, documents, lists, register

app_name = "disputes"

urlpatterns = [
    *lists.urlpatterns,
    *register.urlpatterns,
    *committees.urlpatterns,
    *case.urlpatterns,
    *documents.urlpatterns,
]
