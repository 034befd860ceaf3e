import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db


def test_pages(client, duties, grid_worker, governance, grid):
    client.force_login(governance)
    r = client.get(reverse("screening:board"))
    assert r.status_code == 200, r.content[:3000]
    client.force_login(grid_worker)
    r = client.get(reverse("screening:file"))
    assert r.status_code == 200, r.content.decode()[:3000]
    r = client.post(
        reverse("screening:file"),
        {"body": f"g{grid.pk}", "action": "nil", "week": r.context["period"].label},
    )
    assert r.status_code == 302, r.content.decode()[:3000]
    r = client.get(r["Location"])
    assert r.status_code == 200
    r = client.get("/")
    assert r.status_code == 200
