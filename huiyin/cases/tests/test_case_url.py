"""Each kind's case page, for links from notifications, screening reports and the dashboard."""

from django.urls import reverse

from huiyin.cases.kinds import Kind
from huiyin.cases.views import case_url


def test_every_kind_with_pages_links_to_its_own_case_page():
    assert case_url(Kind.PETITION, 7) == reverse("petitions:detail", args=[7])
    assert case_url(Kind.DISPUTE, 7) == reverse("disputes:detail", args=[7])
    # A kind whose pages are not in this release yet: its list root.
    assert case_url(Kind.INCIDENT, 7) == "/incidents/7/"
