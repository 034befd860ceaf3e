"""A round is one street's: it scores and ranks that street's communities and units only, and
is listed and opened only by the people of that street (another street's round is "not
found", as an unknown id). Where one database holds two streets of a district."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from huiyin.assessment.models import Round
from huiyin.assessment.services import rounds
from huiyin.org.models import RoleGrant
from huiyin.org.roles import Role
from huiyin.reports.stats import Period
from huiyin.reports.stats.assessment_ranking import figures as ranking
from huiyin.testing import factories as f

pytestmark = pytest.mark.django_db


@pytest.fixture
def office(personas):
    return personas[Role.GOVERNANCE_STAFF]


@pytest.fixture
def street_b(personas):
    """A second street (made after street A's personas) with its community, unit and office."""
    st = f.StreetFactory(name="溪桥街道", short_name="溪桥")
    return {
        "street": st,
        "community": f.CommunityFactory(street=st, name="石门社区"),
        "unit": f.UnitFactory(street=st, name="溪桥城建办"),
        "office": f.person(Role.GOVERNANCE_STAFF, username="governance-b", street=st),
    }


@pytest.fixture
def data():
    today = timezone.localdate()
    return {
        "name": "上月考核",
        "start": today - timedelta(days=30),
        "end": today - timedelta(days=1),
    }


def _bodies(found: Round) -> set[tuple[int | None, int | None]]:
    return set(found.scores.values_list("community_id", "unit_id"))


def test_a_round_is_of_the_actors_street_and_scores_its_bodies_only(
    office, scheme, data, street, community, other_community, unit, street_b
):
    mine = rounds.create_round(actor=office, scheme=scheme, data=data)
    assert mine.street_id == street.pk
    assert _bodies(mine) == {(community.pk, None), (other_community.pk, None), (None, unit.pk)}

    theirs = rounds.create_round(actor=street_b["office"], scheme=scheme, data=data)
    assert theirs.street_id == street_b["street"].pk
    assert _bodies(theirs) == {(street_b["community"].pk, None), (None, street_b["unit"].pk)}
    # Ranked among the street's own: B's one community and one unit are each first.
    assert sorted(theirs.scores.values_list("rank", flat=True)) == [1, 1]
    ranks = sorted(mine.scores.filter(unit__isnull=True).values_list("rank", flat=True))
    assert ranks in ([1, 2], [1, 1])

    # Computed again, still only the street's bodies.
    again = rounds.compute_round(theirs, actor=street_b["office"])
    assert _bodies(again) == {(street_b["community"].pk, None), (None, street_b["unit"].pk)}


def test_a_round_is_never_made_in_a_street_the_actor_does_not_hold(
    office, scheme, data, street, street_b
):
    found = rounds.create_round(actor=office, scheme=scheme, data=data, street=street_b["street"])
    assert found.street_id == street.pk


def test_an_award_to_another_streets_body_is_refused(office, scheme, data, street_b):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from huiyin.assessment.bodies import Body
    from huiyin.assessment.models import Method
    from huiyin.assessment.services.common import AssessmentInvalid

    found = rounds.create_round(actor=office, scheme=scheme, data=data)
    manual = found.scheme.items.get(method=Method.MANUAL)
    pdf = SimpleUploadedFile("x.pdf", b"%PDF-1.4\n%%EOF\n", content_type="application/pdf")
    with pytest.raises(AssessmentInvalid):
        rounds.award(
            found,
            actor=office,
            item_id=manual.pk,
            body=Body("community", street_b["community"].pk, "石门社区"),
            data={"points": "3", "reason": "乙街"},
            uploaded=pdf,
        )
    assert not found.awards.exists()


def test_the_rounds_of_another_street_are_not_listed_nor_found(
    office, scheme, data, street_b, personas
):
    theirs = rounds.create_round(
        actor=street_b["office"], scheme=scheme, data={**data, "name": "乙街上月考核"}
    )
    mine = rounds.create_round(actor=office, scheme=scheme, data={**data, "name": "甲街上月考核"})
    client = Client()
    client.force_login(office)
    listed = client.get(reverse("assessment:rounds")).content.decode()
    assert "甲街上月考核" in listed and "乙街上月考核" not in listed
    home = client.get(reverse("assessment:index")).content.decode()
    assert "甲街上月考核" in home and "乙街上月考核" not in home
    assert client.get(reverse("assessment:round", args=[mine.pk])).status_code == 200
    assert client.get(reverse("assessment:round", args=[theirs.pk])).status_code == 404
    score = theirs.scores.first()
    assert client.get(reverse("assessment:score", args=[score.pk])).status_code == 404
    for name in ("assessment:round_compute", "assessment:round_publish"):
        assert client.post(reverse(name, args=[theirs.pk])).status_code == 404
    theirs.refresh_from_db()
    assert theirs.status == "draft"

    # B's office sees B's only.
    client.force_login(street_b["office"])
    listed = client.get(reverse("assessment:rounds")).content.decode()
    assert "乙街上月考核" in listed and "甲街上月考核" not in listed


def test_a_round_made_on_the_page_is_of_the_street_chosen_in_the_header(
    office, scheme, data, street, street_b
):
    RoleGrant.objects.create(
        staff=office.staff, role=Role.GOVERNANCE_STAFF, street=street_b["street"]
    )
    client = Client()
    client.force_login(office)
    client.post(reverse("choose-street"), {"street": str(street_b["street"].pk)})
    page = client.get(reverse("assessment:rounds")).content.decode()
    assert 'id="round-street"' in page and street_b["street"].name in page
    response = client.post(
        reverse("assessment:round_new"),
        {
            "scheme": str(scheme.pk),
            "name": "乙街上月考核",
            "start": data["start"].isoformat(),
            "end": data["end"].isoformat(),
        },
    )
    assert response.status_code == 302
    found = Round.objects.get(name="乙街上月考核")
    assert found.street_id == street_b["street"].pk
    # Over both streets again: each round's street is shown beside it.
    client.post(reverse("choose-street"), {"street": ""})
    assert street_b["street"].name in client.get(reverse("assessment:rounds")).content.decode()
    assert _bodies(found) == {(street_b["community"].pk, None), (None, street_b["unit"].pk)}


def test_the_ranking_statistic_ranks_the_persons_streets_bodies_only(
    office, scheme, data, community, street_b
):
    rounds.create_round(actor=street_b["office"], scheme=scheme, data=data)
    period = Period(data["start"], data["end"])
    names = {row["unit"] for row in ranking(period, user=office)["assessment"]["ranking"]}
    assert community.name in names
    assert not names & {"石门社区", "溪桥城建办"}
    theirs = ranking(period, user=street_b["office"])["assessment"]
    assert {row["unit"] for row in theirs["ranking"]} == {"石门社区", "溪桥城建办"}
    assert theirs["scheme"] == scheme.name  # B's own round's scheme
