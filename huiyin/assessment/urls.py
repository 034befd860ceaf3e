"""Assessment pages; each views module owns its own url patterns."""

from huiyin.assessment.views import assurances, index, letters, rounds, schemes, supervision, veto

app_name = "assessment"

urlpatterns = [
    *index.urlpatterns,
    *letters.urlpatterns,
    *schemes.urlpatterns,
    *rounds.urlpatterns,
    *supervision.urlpatterns,
    *veto.urlpatterns,
    *assurances.urlpatterns,
]
