"""平安创建's rules: a figure needs its source, a survey its numerator and denominator, a
status its order, an award its awarding body, a revocation its reason; every change audited."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied

from huiyin.assessment.bodies import Body
from huiyin.incidents.tests import factories as itf
from huiyin.incidents.types import ensure_default_types
from huiyin.org.roles import Role
from huiyin.privacy.models import AuditEntry
from huiyin.safety import services
from huiyin.safety.models import INCIDENT_LEDGER, Creation, CriterionFigure, StatusChange, Survey
from huiyin.safety.services import AssessmentInvalid

pytestmark = pytest.mark.django_db


def today():
    return services.today()


def figure(community, **more) -> dict:
    return {
        "community": community.pk,
        "criterion": "criminal",
        "start": today() - timedelta(days=30),
        "end": today(),
        "value": 2,
        "source": "浓洄派出所辖区警情统计",
        "source_ref": "浓洄派出所〔2026〕警情通报第3期",
        **more,
    }


def survey(community, **more) -> dict:
    return {
        "community": community.pk,
        "kind": "awareness",
        "method": "questionnaire",
        "conducted_on": today(),
        "sample_size": 200,
        "numerator": 180,
        "denominator": 196,
        **more,
    }


def refused(call, field: str) -> list[str]:
    with pytest.raises(AssessmentInvalid) as found:
        call()
    assert field in found.value.errors, found.value.errors
    return [str(m) for m in found.value.errors[field]]


# --------------------------------------------------------------------------- criteria


def test_a_figure_without_a_source_is_refused(office, community):
    refused(
        lambda: services.record_figure(actor=office, data=figure(community, source="")), "source"
    )
    refused(
        lambda: services.record_figure(
            actor=office, data=figure(community, criterion="petition", source="  ", source_ref="")
        ),
        "source",
    )
    assert not CriterionFigure.objects.exists()


def test_police_figures_need_the_document_they_came_from(office, community):
    for criterion in ("criminal", "public_order"):
        messages = refused(
            lambda c=criterion: services.record_figure(
                actor=office, data=figure(community, criterion=c, source_ref="")
            ),
            "source_ref",
        )
        assert "police" in messages[0]
    assert not CriterionFigure.objects.exists()
    found = services.record_figure(actor=office, data=figure(community))
    assert (found.value, found.source_ref) == (2, "浓洄派出所〔2026〕警情通报第3期")
    entry = AuditEntry.objects.get(action="safety.figure")
    assert entry.target_id == str(found.pk)


@pytest.mark.parametrize("value", [-1, 100_001, "abc", "", "3%"])
def test_a_figure_is_bounded(office, community, value):
    refused(
        lambda: services.record_figure(actor=office, data=figure(community, value=value)), "value"
    )


def test_a_period_cannot_end_before_it_starts_nor_in_the_future(office, community):
    refused(
        lambda: services.record_figure(
            actor=office, data=figure(community, start=today(), end=today() - timedelta(days=1))
        ),
        "end",
    )
    refused(
        lambda: services.record_figure(
            actor=office, data=figure(community, end=today() + timedelta(days=400))
        ),
        "end",
    )


def test_safety_accidents_come_from_the_incident_ledger(
    office, personas, community, other_community
):
    ensure_default_types()
    itf.register(office, community=community, type_name="火警")
    itf.register(office, community=community, type_name="生产安全事故")
    itf.register(office, community=community, type_name="非正常死亡")  # not an accident
    itf.register(office, community=other_community, type_name="火警")  # another community
    found = services.record_figure(
        actor=office,
        data=figure(
            community,
            criterion="accident",
            from_incidents=True,
            value=99,
            source="x",
            source_ref="y",
        ),
    )
    assert (found.value, found.source, found.source_ref, found.from_incidents) == (
        2,
        INCIDENT_LEDGER,
        "",
        True,
    )


def test_only_accidents_are_taken_from_the_ledger_and_its_source_is_not_borrowed(office, community):
    refused(
        lambda: services.record_figure(
            actor=office, data=figure(community, criterion="petition", from_incidents=True)
        ),
        "from_incidents",
    )
    refused(
        lambda: services.record_figure(
            actor=office, data=figure(community, criterion="accident", source=INCIDENT_LEDGER)
        ),
        "source",
    )


def test_a_petition_figure_is_recorded_as_reported_never_counted(office, personas, community):
    from huiyin.petitions.tests.factories import register

    for n in range(3):
        register(personas[Role.PETITION_CLERK], community=community, title=f"楼道堆物{n}")
    found = services.record_figure(
        actor=office,
        data=figure(
            community, criterion="petition", value=0, source="居委会自查报告", source_ref=""
        ),
    )
    assert found.value == 0  # what was reported, whatever the petitions say


# --------------------------------------------------------------------------- surveys


def test_a_survey_keeps_numerator_and_denominator_and_computes_the_rate(office, community):
    found = services.record_survey(actor=office, data=survey(community))
    assert (found.numerator, found.denominator, found.sample_size) == (180, 196, 200)
    assert found.rate == round(180 / 196, 4)
    assert AuditEntry.objects.filter(action="safety.survey").count() == 1


def test_a_survey_refuses_a_numerator_over_the_denominator(office, community):
    refused(
        lambda: services.record_survey(
            actor=office, data=survey(community, numerator=197, denominator=196)
        ),
        "numerator",
    )
    assert not Survey.objects.exists()


def test_a_survey_refuses_a_zero_denominator(office, community):
    refused(
        lambda: services.record_survey(
            actor=office, data=survey(community, numerator=0, denominator=0)
        ),
        "denominator",
    )


@pytest.mark.parametrize(
    "given",
    [
        {"numerator": None, "denominator": None, "rate": "95%"},
        {"numerator": "", "denominator": "", "rate": "0.95"},
        {"numerator": "95%", "denominator": 100},
        {"numerator": "0.95", "denominator": 1},
    ],
)
def test_a_survey_refuses_a_bare_percentage(office, community, given):
    data = survey(community)
    data.update(given)
    refused(lambda: services.record_survey(actor=office, data=data), "numerator")
    assert not Survey.objects.exists()


def test_a_denominator_over_the_sample_size_needs_an_explanation(office, community):
    data = survey(community, sample_size=100, numerator=150, denominator=180)
    refused(lambda: services.record_survey(actor=office, data=data), "note")
    data["note"] = "按户统计，每户计入全部家庭成员。"
    assert services.record_survey(actor=office, data=data).denominator == 180


# --------------------------------------------------------------------------- creations


@pytest.fixture
def creation(office, community):
    return services.create(
        actor=office,
        body=Body("community", community.pk, community.name),
        data={"category": "community", "year": today().year},
    )


def step(creation, office, status, days_ago, **more):
    creation.refresh_from_db()
    return services.change_status(
        creation,
        actor=office,
        data={"status": status, "on": today() - timedelta(days=days_ago), **more},
    )


def test_a_title_fits_its_body_and_is_not_given_twice(office, community, unit, creation):
    body = Body("community", community.pk, community.name)
    refused(
        lambda: services.create(actor=office, body=body, data={"category": "campus", "year": 2026}),
        "category",
    )
    refused(
        lambda: services.create(
            actor=office,
            body=Body("unit", unit.pk, unit.name),
            data={"category": "family", "year": 2026},
        ),
        "category",
    )
    refused(
        lambda: services.create(
            actor=office, body=body, data={"category": "community", "year": creation.year}
        ),
        "__all__",
    )
    refused(lambda: services.create(actor=office, body=None, data={"category": "unit"}), "body")
    assert Creation.objects.count() == 1


def test_the_status_history_is_appended_in_order(office, creation):
    refused(lambda: step(creation, office, "awarded", 5, body="区平安办"), "status")
    step(creation, office, "applied", 30)
    step(creation, office, "assessed", 20, body="区综治委考评组")
    refused(lambda: step(creation, office, "assessed", 10), "status")
    refused(lambda: step(creation, office, "awarded", 25, body="区平安办"), "on")  # back in time
    step(
        creation,
        office,
        "awarded",
        10,
        body="区平安建设领导小组",
        document_ref="区平安办〔2026〕12号",
    )
    creation.refresh_from_db()
    assert creation.status == "awarded"
    assert list(creation.changes.values_list("status", flat=True)) == [
        "applied",
        "assessed",
        "awarded",
    ]
    assert AuditEntry.objects.filter(action="safety.creation").count() == 4


def test_an_award_needs_the_awarding_body(office, creation):
    step(creation, office, "applied", 30)
    refused(lambda: step(creation, office, "awarded", 10, body=""), "body")
    assert StatusChange.objects.count() == 1


def test_a_revocation_needs_its_reason_and_body_and_follows_an_award(office, creation):
    step(creation, office, "applied", 30)
    refused(
        lambda: step(creation, office, "revoked", 5, body="区平安办", reason="发生命案"), "status"
    )
    step(creation, office, "awarded", 20, body="区平安办")
    refused(lambda: step(creation, office, "revoked", 5, body="区平安办", reason=""), "reason")
    refused(lambda: step(creation, office, "revoked", 5, body="", reason="发生命案"), "body")
    change = step(creation, office, "revoked", 5, body="区平安办", reason="消防通道长期堵塞。")
    assert change.reason == "消防通道长期堵塞。"
    creation.refresh_from_db()
    assert creation.status == "revoked" and services.next_statuses(creation) == ()


def test_a_stale_form_is_refused(office, creation):
    step(creation, office, "applied", 30)
    refused(
        lambda: services.change_status(
            creation,
            actor=office,
            data={"status": "assessed", "on": today(), "version": 1},
        ),
        "__all__",
    )


@pytest.mark.parametrize(
    "role", [Role.COMMUNITY_WORKER, Role.LEADER, Role.AUDITOR, Role.GRID_WORKER]
)
def test_only_the_office_records(personas, community, role, creation):
    actor = personas[role]
    with pytest.raises(PermissionDenied):
        services.record_figure(actor=actor, data=figure(community))
    with pytest.raises(PermissionDenied):
        services.record_survey(actor=actor, data=survey(community))
    with pytest.raises(PermissionDenied):
        services.change_status(creation, actor=actor, data={"status": "applied", "on": today()})
    assert not CriterionFigure.objects.exists() and not StatusChange.objects.exists()
