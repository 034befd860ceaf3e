"""The section ``safety_creation`` by hand, and the principle: no petition is counted here.

Period: the 60 days up to today.

| community | what is on file                                                       |
|-----------|-----------------------------------------------------------------------|
| 柑子园     | 平安社区 this year: applied 40 days ago, awarded 10 days ago           |
|           | criminal: 3 for the whole period (police doc A); 1 for the last 10   |
|           |   days (narrower: not chosen); 7 for 100 days ago (outside)          |
|           | public_order: 0 (police doc B) → nil                                 |
|           | petition: 2, reported by the 居委会 (no pass, no fail)                |
|           | awareness: 180/196 (sample 200), then 150/160 later in the period → the later |
| 翠屏路     | nothing                                                               |
"""

from __future__ import annotations

from datetime import timedelta

import pytest

from huiyin.assessment.bodies import Body
from huiyin.org.roles import Role
from huiyin.reports.stats import Period, Scope, compute
from huiyin.reports.stats.safety import safety_creation
from huiyin.safety import services

pytestmark = pytest.mark.django_db


def today():
    return services.today()


def ago(days):
    return today() - timedelta(days=days)


@pytest.fixture
def period():
    return Period(ago(60), today())


@pytest.fixture
def on_file(office, community):
    creation = services.create(
        actor=office,
        body=Body("community", community.pk, community.name),
        data={"category": "community", "year": today().year},
    )
    services.change_status(creation, actor=office, data={"status": "applied", "on": ago(40)})
    creation.refresh_from_db()
    services.change_status(
        creation,
        actor=office,
        data={
            "status": "awarded",
            "on": ago(10),
            "body": "区平安办",
            "document_ref": "区平安办〔12〕号",
        },
    )
    base = {"community": community.pk, "source": "浓洄派出所辖区警情统计"}
    for start, end, value, ref in (
        (ago(60), today(), 3, "A"),
        (ago(10), today(), 1, "A2"),
        (ago(100), ago(61), 7, "old"),
    ):
        services.record_figure(
            actor=office,
            data={
                **base,
                "criterion": "criminal",
                "start": start,
                "end": end,
                "value": value,
                "source_ref": ref,
            },
        )
    services.record_figure(
        actor=office,
        data={
            **base,
            "criterion": "public_order",
            "start": ago(60),
            "end": today(),
            "value": 0,
            "source_ref": "B",
        },
    )
    services.record_figure(
        actor=office,
        data={
            "community": community.pk,
            "criterion": "petition",
            "start": ago(60),
            "end": today(),
            "value": 2,
            "source": "居委会自查报告",
        },
    )
    for on, numerator, denominator in ((ago(30), 180, 196), (ago(5), 150, 160)):
        services.record_survey(
            actor=office,
            data={
                "community": community.pk,
                "kind": "awareness",
                "method": "questionnaire",
                "conducted_on": on,
                "sample_size": 200,
                "numerator": numerator,
                "denominator": denominator,
            },
        )
    return creation


def test_the_section_by_hand(on_file, period, community, other_community):
    found = compute(period)["safety_creation"]
    assert list(found) == [community.name, other_community.name]
    mine = found[community.name]
    assert mine["status"] == "awarded"
    assert mine["creations"] == [
        {
            "category": "community",
            "subject": "",
            "status": "awarded",
            "on": ago(10).isoformat(),
            "body": "区平安办",
            "document": "区平安办〔12〕号",
        }
    ]
    criminal = mine["criteria"]["criminal"]
    assert (criminal["value"], criminal["document"], criminal["nil"]) == (3, "A", False)
    assert criminal["start"] == ago(60).isoformat()
    assert mine["criteria"]["public_order"]["nil"] is True
    petition = mine["criteria"]["petition"]
    assert petition["value"] == 2 and petition["reported_only"] is True
    assert "nil" not in petition and petition["source"] == "居委会自查报告"
    assert mine["criteria"]["accident"] is None
    awareness = mine["surveys"]["awareness"]
    assert (awareness["numerator"], awareness["denominator"]) == (150, 160)
    assert awareness["rate"] == round(150 / 160, 4)
    assert mine["surveys"]["participation"] is None
    theirs = found[other_community.name]
    assert theirs["status"] is None and theirs["creations"] == []
    assert set(theirs["criteria"].values()) == {None}


def test_the_status_is_as_it_stood_at_the_end_of_the_period(on_file, office, other_community):
    # The creation of the year the earlier period ends in (in January, last year's).
    earlier = Period(ago(60), ago(20))
    creation = services.create(
        actor=office,
        body=Body("community", other_community.pk, other_community.name),
        data={"category": "community", "year": earlier.end.year},
    )
    services.change_status(creation, actor=office, data={"status": "applied", "on": ago(40)})
    creation.refresh_from_db()
    services.change_status(
        creation, actor=office, data={"status": "awarded", "on": ago(10), "body": "区平安办"}
    )
    theirs = safety_creation(earlier)[other_community.name]
    assert theirs["status"] == "applied"
    assert theirs["criteria"]["criminal"] is None
    assert safety_creation(Period(ago(60), ago(50)))[other_community.name]["status"] is None
    assert safety_creation(Period(ago(60), today()))[other_community.name]["status"] == (
        "awarded" if earlier.end.year == today().year else None
    )
    # The other community's figure lies inside no earlier period.
    mine = safety_creation(earlier)[on_file.community.name]
    assert mine["criteria"]["criminal"] is None


def test_no_petition_count_is_computed(on_file, office, personas, period, community):
    """Extra lawful petitions change no safety figure, whatever their level."""
    from huiyin.petitions.tests.factories import register

    before = compute(period)["safety_creation"]
    accidents_before = services.accidents_from_incidents(community.pk, period.start, period.end)
    for n in range(4):
        register(personas[Role.PETITION_CLERK], community=community, title=f"物业费争议{n}")
    assert compute(period)["safety_creation"] == before
    assert (
        services.accidents_from_incidents(community.pk, period.start, period.end)
        == accidents_before
    )


def test_scope_and_permission(on_file, period, community, grid, unit, personas, outsider):
    assert list(safety_creation(period, scope=Scope(community_id=community.pk))) == [community.name]
    assert safety_creation(period, scope=Scope(grid_id=grid.pk)) == {}
    assert safety_creation(period, scope=Scope(unit_id=unit.pk)) == {}
    assert safety_creation(period, user=outsider) == {}
    assert safety_creation(period, user=personas[Role.GRID_WORKER]) == {}
    assert community.name in safety_creation(period, user=personas[Role.LEADER])


def test_queries_do_not_grow_with_the_rows(on_file, period, django_assert_max_num_queries):
    with django_assert_max_num_queries(6):
        safety_creation(period)
