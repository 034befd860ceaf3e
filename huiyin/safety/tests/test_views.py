"""The 平安创建 pages per role; bad input gets a message and writes nothing; the demo loads."""

from __future__ import annotations

import io
from datetime import timedelta

import pytest
from django.urls import reverse

from huiyin.assessment.bodies import Body
from huiyin.org.roles import Role
from huiyin.safety import services
from huiyin.safety.models import Creation, CriterionFigure, StatusChange, Survey

pytestmark = pytest.mark.django_db

VIEWERS = {
    Role.GOVERNANCE_STAFF,
    Role.COMMUNITY_WORKER,
    Role.LEADER,
    Role.AUDITOR,
    Role.DISTRICT,
}


@pytest.fixture
def creation(office, community):
    return services.create(
        actor=office,
        body=Body("community", community.pk, community.name),
        data={"category": "community", "year": services.today().year},
    )


@pytest.mark.parametrize("role", list(Role))
def test_the_pages_open_to_the_holders_of_assessment_view(
    client, personas, role, creation, community
):
    client.force_login(personas[role])
    for url in (
        reverse("safety:index"),
        reverse("safety:community", args=[community.pk]),
        reverse("safety:creation", args=[creation.pk]),
    ):
        assert client.get(url).status_code == (200 if role in VIEWERS else 403), (role, url)
    for name in ("creation_new", "figure_new", "survey_new"):
        status = client.get(reverse(f"safety:{name}")).status_code
        assert status == (200 if role == Role.GOVERNANCE_STAFF else 403), (role, name)


def test_anonymous_visitors_sign_in_first(client, creation):
    response = client.get(reverse("safety:index"))
    assert response.status_code == 302 and "/login/" in response["Location"]


def test_a_viewer_cannot_post_a_status(client, personas, creation):
    client.force_login(personas[Role.LEADER])
    url = reverse("safety:creation_status", args=[creation.pk])
    assert client.post(url, {"status": "applied", "on": services.today()}).status_code == 403
    assert not StatusChange.objects.exists()


def test_unknown_rows_and_absurd_ids_are_404(client, personas):
    client.force_login(personas[Role.GOVERNANCE_STAFF])
    assert client.get("/safety/creations/999999/").status_code == 404
    assert client.get("/safety/communities/99999999999999999999999/").status_code == 404


def test_the_office_records_a_creation_and_its_statuses(client, office, community):
    client.force_login(office)
    response = client.post(
        reverse("safety:creation_new"),
        {
            "body": f"community-{community.pk}",
            "category": "community",
            "year": services.today().year,
        },
    )
    creation = Creation.objects.get()
    assert response.status_code == 302
    url = reverse("safety:creation_status", args=[creation.pk])
    client.post(url, {"status": "applied", "on": services.today(), "version": 1})
    response = client.post(
        url, {"status": "awarded", "on": services.today(), "version": 2}, follow=True
    )
    assert "命名须填写命名机关。" in response.content.decode()
    client.post(
        url, {"status": "awarded", "on": services.today(), "body": "区平安办", "version": 2}
    )
    creation.refresh_from_db()
    assert creation.status == "awarded"
    page = client.get(reverse("safety:creation", args=[creation.pk])).content.decode()
    assert "区平安办" in page and 'id="creation-status-form"' in page


def test_a_figure_without_a_source_gets_a_message(client, office, community):
    client.force_login(office)
    response = client.post(
        reverse("safety:figure_new"),
        {
            "community": community.pk,
            "criterion": "criminal",
            "start": services.today() - timedelta(days=30),
            "end": services.today(),
            "value": "2",
            "source": "",
        },
    )
    assert response.status_code == 200
    text = response.content.decode()
    assert "数字须注明来源" in text and "请填写其出处文件" in text
    assert not CriterionFigure.objects.exists()


def test_a_survey_is_entered_and_shown_as_numerator_and_denominator(client, office, community):
    client.force_login(office)
    data = {
        "community": community.pk,
        "kind": "awareness",
        "method": "phone",
        "conducted_on": services.today(),
        "sample_size": 100,
        "numerator": 101,
        "denominator": 100,
    }
    response = client.post(reverse("safety:survey_new"), data)
    assert "分子不能大于分母。" in response.content.decode()
    data["numerator"] = "95%"
    assert client.post(reverse("safety:survey_new"), data).status_code == 200
    assert not Survey.objects.exists()
    data["numerator"] = 90
    assert client.post(reverse("safety:survey_new"), data).status_code == 302
    page = client.get(reverse("safety:index")).content.decode()
    assert "90/100" in page


def test_the_demo_loads_once_and_every_page_opens(client, db):
    from django.contrib.auth.models import User

    from huiyin.org import demo as org_demo
    from huiyin.org.management.commands.demo import demo_loaders

    org_demo.load_organisation()
    org_demo.load_accounts("demo-password-1")
    for load in demo_loaders():
        load(io.StringIO())
    assert Creation.objects.filter(status="awarded").exists()
    assert Creation.objects.filter(status="revoked").exists()
    assert CriterionFigure.objects.filter(from_incidents=True).exists()
    assert Survey.objects.count() >= 2
    count = Creation.objects.count()
    from huiyin.safety import demo

    demo.load(io.StringIO())
    assert Creation.objects.count() == count
    client.force_login(User.objects.get(username="governance"))
    assert client.get(reverse("safety:index")).status_code == 200
    for creation in Creation.objects.all():
        assert client.get(reverse("safety:creation", args=[creation.pk])).status_code == 200
    revoked = Creation.objects.get(status="revoked")
    assert client.get(reverse("safety:community", args=[revoked.community_id])).status_code == 200
