"""The committees and mediators page: read by everyone who works on disputes, refused to the
others; each committee with its tier, place, mediators, terms and training; three queries."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from django.utils import timezone

from huiyin.disputes.models import MediatorTraining
from huiyin.disputes.tests import factories as df
from huiyin.org.roles import Role

pytestmark = pytest.mark.django_db

URL = "/disputes/committees/"


@pytest.fixture
def committees(community, grid, personas):
    street = df.committee(street=community.street)
    local = df.committee(community)
    group = df.committee(grid)
    serving = df.mediator(local, name="李调解", staff=personas[Role.MEDIATOR].staff)
    retired = df.mediator(local, name="赵退休", term_start=date(2015, 1, 1))
    retired.term_end = timezone.localdate() - timedelta(days=1)
    retired.save()
    MediatorTraining.objects.create(
        mediator=serving, on=date(2026, 3, 1), title="人民调解法培训", hours=4
    )
    MediatorTraining.objects.create(
        mediator=serving, on=date(2026, 6, 1), title="劳动争议调解", hours=2.5
    )
    return {
        "street": street,
        "local": local,
        "group": group,
        "serving": serving,
        "retired": retired,
    }


@pytest.mark.parametrize(
    "role",
    [
        Role.GOVERNANCE_STAFF,
        Role.MEDIATOR,
        Role.COMMUNITY_WORKER,
        Role.GRID_WORKER,
        Role.AUDITOR,
        Role.LEADER,
    ],
)
def test_everyone_working_on_disputes_reads_it(client, personas, committees, role):
    client.force_login(personas[role])
    response = client.get(URL)
    assert response.status_code == 200
    html = response.content.decode()
    for committee in ("street", "local", "group"):
        assert committees[committee].name in html
    # Read only: the records are kept in the administration; the one form signs out.
    assert html.count('method="post"') == 1 and 'action="/logout/"' in html


@pytest.mark.parametrize("role", [Role.PETITION_CLERK, Role.DEPARTMENT_HANDLER, Role.ADMINISTRATOR])
def test_other_roles_are_refused(client, personas, committees, role):
    client.force_login(personas[role])
    assert client.get(URL).status_code == 403


def test_each_mediator_with_term_and_training(client, personas, committees):
    client.force_login(personas[Role.MEDIATOR])
    html = client.get(URL).content.decode()
    local = html[html.index(f'id="committee-{committees["local"].pk}"') :]
    local = local[: local.index("</section>")]
    assert 'data-serving="1"' in local  # one mediator serving
    serving = local[local.index(f'data-mediator="{committees["serving"].pk}"') :]
    assert "人民调解法培训" in serving and "劳动争议调解" in serving and "6.5" in serving
    retired = local[local.index(f'data-mediator="{committees["retired"].pk}"') :]
    assert 'data-serving="0"' in retired[:200]
    assert "2015-01-01" in retired


def test_three_queries_whatever_the_number_of_mediators(
    client, personas, committees, django_assert_max_num_queries
):
    client.force_login(personas[Role.MEDIATOR])
    client.get(URL)
    with django_assert_max_num_queries(30) as few:
        client.get(URL)
    for i in range(10):
        mediator = df.mediator(committees["street"], name=f"调解员{i}")
        MediatorTraining.objects.create(
            mediator=mediator, on=date(2026, 1, 1), title="培训", hours=1
        )
    with django_assert_max_num_queries(30) as many:
        client.get(URL)
    assert len(few.captured_queries) == len(many.captured_queries)
