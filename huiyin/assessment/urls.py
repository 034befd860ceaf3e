"""Assessment pages; each views module owns its own url patterns."""

from huiyin.assessment.views import index

app_name = "assessment"

urlpatterns = [
    *index.urlpatterns,
]
