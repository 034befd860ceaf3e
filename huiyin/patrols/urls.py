"""Patrol pages; each views module owns its own url patterns."""

from huiyin.patrols.views import lists

app_name = "patrols"

urlpatterns = [
    *lists.urlpatterns,
]
