"""Several streets in one database: the records that are not cases stay in their street too.

A risk assessment (with its measures), a meeting (with its tasks), a supervision order, a
letter of responsibility, a veto proposal, a safety creation, a campaign and a mediation
committee with its mediator are made in street B by B's people. Every role of
street A then opens the lists, the pages and the documents: B's records are never shown, and
their pages are "not found" (403 where the role may not read the kind at all), exactly as an
unknown id. The forms of A offer A's units, staff and bodies only, and a forged value of B is
a form error, never a record of B made from A (nor a 500).
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from huiyin.assessment.bodies import Body
from huiyin.assessment.models import Letter, SupervisionOrder, VetoProposal
from huiyin.assessment.services import supervision, targets, veto
from huiyin.assessment.services.common import AssessmentInvalid
from huiyin.disputes.tests import factories as df
from huiyin.meetings import services as meetings
from huiyin.meetings.models import Meeting, MeetingTask
from huiyin.org.models import RoleGrant
from huiyin.org.roles import Role
from huiyin.petitions.tests.factories import register, step
from huiyin.riskassessments import services as risks
from huiyin.riskassessments.models import Measure, RiskAssessment
from huiyin.testing import factories as f
from huiyin.testing.crawl import body_text

pytestmark = pytest.mark.django_db

LEADER_B = "溪桥领导甲"
A_ROLES = [r for r in Role if r != Role.ADMINISTRATOR]


@pytest.fixture
def street_b(personas):
    """The second street, made after street A's personas (whose whole-street grants are A's)."""
    b = f.second_street()
    leader = b["people"][Role.LEADER].staff
    leader.name = LEADER_B
    leader.save(update_fields=["name"])
    return b


def _assessment(b) -> tuple[RiskAssessment, Measure]:
    office = b["people"][Role.GOVERNANCE_STAFF]
    day = risks.today()
    found = risks.create_assessment(
        actor=office,
        data={
            "title": "乙街石门老厂房改造项目",
            "description": "改造石门社区老厂房。",
            "unit": b["unit"].pk,
            "leader": b["people"][Role.LEADER].staff.pk,
            "assessor_kind": "self",
            "assessor_name": "溪桥综治办评估组",
            "plan": "问卷、座谈。",
            "opened_on": day - timedelta(days=10),
        },
    )
    point = risks.add_risk_point(
        found,
        actor=office,
        data={"issue": "乙街补偿标准争议", "likelihood": 3, "impact": 3, "measures": "公开标准"},
    )
    measure = risks.add_measure(
        point,
        actor=office,
        data={
            "action": "乙街公开补偿标准",
            "owner": b["people"][Role.LEADER].staff.pk,
            "due_on": day - timedelta(days=1),  # overdue: on the overdue lists too
        },
    )
    return found, measure


def _meeting(b) -> tuple[Meeting, MeetingTask]:
    office, leader = b["people"][Role.GOVERNANCE_STAFF], b["people"][Role.LEADER]
    meeting = meetings.save_meeting(
        actor=office,
        data={
            "held_on": meetings.today() - timedelta(days=1),
            "title": "乙街综治工作例会",
            "meeting_kind": "regular",
            "chair": leader.staff.pk,
            "attendees": [leader.staff.pk],
            "decisions": "乙街溪桥核实漏水。",
        },
    )
    task = meetings.add_task(
        meeting,
        actor=office,
        data={
            "text": "乙街核实石门漏水",
            "action": "reply",
            "owner": leader.staff.pk,
            "due_on": meetings.today() - timedelta(days=1),
        },
    )
    return meeting, task


def _order(b) -> SupervisionOrder:
    clerk = b["people"][Role.PETITION_CLERK]
    petition = register(clerk, community=b["community"], title="乙街石门楼道堆物").case
    step(step(petition, "accept", clerk), "assign", clerk, unit=b["unit"])
    today = timezone.localdate()
    return supervision.issue_order(
        actor=b["people"][Role.LEADER],
        data={
            "cases": [petition.number],
            "ground": "delay",
            "instruction": "乙街请溪桥城建办五日内答复。",
            "requirements": "乙街书面反馈。",
            "issued_on": today,
            "deadline": today,
        },
        body=Body("unit", b["unit"].pk, b["unit"].name),
    )


def _letter(b) -> Letter:
    return targets.save_letter(
        actor=b["people"][Role.GOVERNANCE_STAFF],
        data={"year": timezone.localdate().year, "title": "乙街石门社区目标责任书"},
        body=Body("community", b["community"].pk, b["community"].name),
    )


def _veto(b) -> VetoProposal:
    office = b["people"][Role.GOVERNANCE_STAFF]
    dispute = df.register(office, community=b["community"], grid=b["grid"], title="乙街工地欠薪")
    return veto.propose(
        actor=office,
        data={
            "ground": "major_incident",
            "rule": "乙街目标责任书第五条",
            "investigation": "乙街经调查未按规定上报。",
            "investigated_on": timezone.localdate(),
            "cases": dispute.number,
        },
        body=Body("community", b["community"].pk, b["community"].name),
    )


def _creation(b):
    from huiyin.safety import services as safety

    return safety.create(
        actor=b["people"][Role.GOVERNANCE_STAFF],
        body=Body("unit", b["unit"].pk, b["unit"].name),
        data={"category": "unit", "year": timezone.localdate().year, "subject": "乙街平安单位"},
    )


def _committee(b):
    from huiyin.disputes.models import Committee, Mediator

    committee = Committee.objects.create(
        street=b["street"], name="乙街溪桥人民调解委员会", tier="street"
    )
    Mediator.objects.create(committee=committee, name="乙街调解员", term_start=timezone.localdate())
    return committee


def _campaign(b):
    from huiyin.reports.models import save_campaign

    today = timezone.localdate()
    return save_campaign(
        actor=b["people"][Role.GOVERNANCE_STAFF],
        data={
            "name": "乙街百日攻坚行动",
            "start": today - timedelta(days=5),
            "end": today + timedelta(days=5),
            "communities": [b["community"]],
            "units": [b["unit"]],
        },
    )


@pytest.fixture
def records_b(street_b):
    b = street_b
    assessment, measure = _assessment(b)
    meeting, task = _meeting(b)
    return {
        "creation": _creation(b),
        "campaign": _campaign(b),
        "committee": _committee(b),
        "assessment": assessment,
        "measure": measure,
        "meeting": meeting,
        "task": task,
        "order": _order(b),
        "letter": _letter(b),
        "veto": _veto(b),
    }


_texts = body_text  # a page, or the XML inside an .xlsx or .docx


def _markers(r) -> list[str]:
    return [
        r["assessment"].number,
        r["assessment"].title,
        "乙街公开补偿标准",
        r["meeting"].number,
        r["meeting"].title,
        "乙街核实石门漏水",
        r["order"].number,
        "乙街请溪桥城建办",
        r["letter"].title,
        "乙街目标责任书第五条",
        "乙街平安单位",
        "乙街百日攻坚行动",
        "乙街溪桥人民调解委员会",
        "乙街调解员",
        "石门社区",
        "溪桥城建办",
        LEADER_B,
    ]


def _lists() -> list[tuple[str, dict]]:
    return [
        (reverse("riskassessments:index"), {}),
        (reverse("riskassessments:measures"), {"show": "all"}),
        (reverse("riskassessments:measures"), {"show": "overdue"}),
        (reverse("riskassessments:new"), {}),
        (reverse("meetings:index"), {}),
        (reverse("meetings:tasks"), {"show": "all"}),
        (reverse("meetings:new"), {}),
        (reverse("assessment:index"), {}),
        (reverse("assessment:orders"), {"show": "all"}),
        (reverse("assessment:order_new"), {}),
        (reverse("assessment:letters"), {}),
        (reverse("assessment:letter_new"), {}),
        (reverse("assessment:vetoes"), {}),
        (reverse("assessment:veto_new"), {}),
        (reverse("assessment:assurances"), {}),
        (reverse("assessment:rounds"), {}),
        (reverse("safety:index"), {}),
        (reverse("safety:creation_new"), {}),
        (reverse("safety:figure_new"), {}),
        (reverse("disputes:committees"), {}),
        (reverse("reports:dashboard"), {}),
        (reverse("reports:campaigns"), {}),
        (reverse("reports:campaign_new"), {}),
    ]


def _details(r) -> list[str]:
    unit_b = r["creation"].unit_id
    return [
        reverse("riskassessments:detail", args=[r["assessment"].pk]),
        reverse("riskassessments:edit", args=[r["assessment"].pk]),
        reverse("riskassessments:document", args=[r["assessment"].pk]),
        reverse("meetings:detail", args=[r["meeting"].pk]),
        reverse("meetings:edit", args=[r["meeting"].pk]),
        reverse("meetings:minutes", args=[r["meeting"].pk]),
        reverse("meetings:task", args=[r["task"].pk]),
        reverse("assessment:order", args=[r["order"].pk]),
        reverse("assessment:order_document", args=[r["order"].pk]),
        reverse("assessment:letter", args=[r["letter"].pk]),
        reverse("assessment:veto", args=[r["veto"].pk]),
        reverse("assessment:assurance", args=[timezone.localdate().year, f"unit-{unit_b}"]),
        reverse("safety:creation", args=[r["creation"].pk]),
        reverse("reports:campaign", args=[r["campaign"].pk]),
        reverse("reports:campaign_edit", args=[r["campaign"].pk]),
        reverse("reports:commendation_new", args=[r["campaign"].pk]),
        reverse("reports:commendation_notice", args=[r["campaign"].pk]),
        reverse("safety:community", args=[r["creation"].unit.street.communities.get().pk]),
    ]


@pytest.mark.parametrize("role", A_ROLES)
def test_no_list_or_page_of_street_a_shows_street_bs_records(role, personas, records_b):
    client = Client()
    client.force_login(personas[role])
    bad = []
    for path, query in _lists():
        response = client.get(path, query)
        assert response.status_code in (200, 302, 403), (path, response.status_code)
        if response.status_code == 200:
            found = [m for m in _markers(records_b) if m in _texts(response)]
            if found:
                bad.append((path, found))
    for path in _details(records_b):
        status = client.get(path).status_code
        if status not in (403, 404):
            bad.append((path, status))
    assert not bad, bad


def test_street_a_changes_nothing_of_street_b(personas, records_b):
    """The forms and steps of A, given B's ids: 404 or refused, B's records unchanged."""
    client = Client()
    client.force_login(personas[Role.GOVERNANCE_STAFF])  # assessment.manage in A
    r = records_b
    posts = [
        reverse("riskassessments:risk_add", args=[r["assessment"].pk]),
        reverse("riskassessments:measure_update", args=[r["measure"].pk]),
        reverse("meetings:agenda_add", args=[r["meeting"].pk]),
        reverse("meetings:task_new", args=[r["meeting"].pk]),
        reverse("meetings:task_done", args=[r["task"].pk]),
        reverse("assessment:order_close", args=[r["order"].pk]),
        reverse("assessment:target_add", args=[r["letter"].pk]),
        reverse("assessment:veto_send", args=[r["veto"].pk]),
    ]
    for path in posts:
        assert client.post(path, {"status": "done", "done_on": "2026-01-01"}).status_code == 404
    agenda = meetings.add_agenda_item(
        r["meeting"], actor=r["meeting"].created_by, data={"topic": "乙街议题"}
    )
    assert client.post(reverse("meetings:agenda_delete", args=[agenda.pk])).status_code == 404
    assert r["meeting"].agenda.filter(pk=agenda.pk).exists()
    r["measure"].refresh_from_db()
    assert r["measure"].status == "open"


def _post_refused(client, path, data, model) -> None:
    before = model.objects.count()
    response = client.post(path, data)
    assert response.status_code in (200, 302), (path, response.status_code)
    assert model.objects.count() == before, path


def test_the_forms_of_street_a_refuse_street_bs_units_staff_and_bodies(
    personas, street_b, unit, community
):
    b = street_b
    office, leader = personas[Role.GOVERNANCE_STAFF], personas[Role.LEADER]
    staff_b = b["people"][Role.LEADER].staff.pk
    client = Client()
    client.force_login(office)
    day = timezone.localdate().isoformat()
    good = {
        "title": "甲街项目",
        "description": "说明",
        "unit": unit.pk,
        "leader": leader.staff.pk,
        "assessor_kind": "self",
        "assessor_name": "评估组",
        "plan": "座谈",
        "opened_on": day,
    }
    new = reverse("riskassessments:new")
    for forged in ({"unit": b["unit"].pk}, {"leader": staff_b}):
        _post_refused(client, new, {**good, **forged}, RiskAssessment)
    assert client.post(new, good).status_code == 302  # A's own: made, in street A
    mine = RiskAssessment.objects.get(title="甲街项目")
    assert mine.street_id == unit.street_id

    # A measure's owner of B.
    point = risks.add_risk_point(
        mine,
        actor=office,
        data={"issue": "甲街问题", "likelihood": 2, "impact": 2, "measures": "x"},
    )
    path = reverse("riskassessments:measure_add", args=[mine.pk])
    _post_refused(
        client,
        path,
        {"risk_point": point.pk, "action": "甲街措施", "owner": staff_b, "due_on": day},
        Measure,
    )

    meeting = {
        "held_on": day,
        "title": "甲街例会",
        "meeting_kind": "regular",
        "chair": leader.staff.pk,
    }
    _post_refused(client, reverse("meetings:new"), {**meeting, "chair": staff_b}, Meeting)
    _post_refused(client, reverse("meetings:new"), {**meeting, "attendees": [staff_b]}, Meeting)
    assert client.post(reverse("meetings:new"), meeting).status_code == 302
    made = Meeting.objects.get(title="甲街例会")
    _post_refused(
        client,
        reverse("meetings:task_new", args=[made.pk]),
        {"text": "甲街任务", "action": "reply", "owner": staff_b, "due_on": day},
        MeetingTask,
    )

    letter = {"year": timezone.localdate().year, "body": f"community-{b['community'].pk}"}
    _post_refused(client, reverse("assessment:letter_new"), letter, Letter)
    proposal = {"ground": "major_incident", "rule": "x", "investigation": "y"}
    _post_refused(
        client,
        reverse("assessment:veto_new"),
        {**proposal, "investigated_on": day, "body": f"unit-{b['unit'].pk}"},
        VetoProposal,
    )
    client.force_login(leader)
    _post_refused(
        client,
        reverse("assessment:order_new"),
        {
            "body": f"unit-{b['unit'].pk}",
            "cases": "x",
            "ground": "delay",
            "instruction": "x",
            "requirements": "y",
            "issued_on": day,
            "deadline": day,
        },
        SupervisionOrder,
    )

    # The services check again (a caller without the forms).
    with pytest.raises(AssessmentInvalid):
        risks.create_assessment(actor=office, data={**good, "unit": b["unit"].pk})
    with pytest.raises(AssessmentInvalid):
        meetings.save_meeting(actor=office, data={**meeting, "chair": staff_b})
    with pytest.raises(AssessmentInvalid):
        supervision.issue_order(
            actor=leader,
            data={"cases": [], "ground": "delay"},
            body=Body("unit", b["unit"].pk, b["unit"].name),
        )


def test_a_district_officer_reads_the_street_chosen(personas, street, street_b, records_b):
    district = personas[Role.DISTRICT]
    RoleGrant.objects.create(staff=district.staff, role=Role.DISTRICT, street=street_b["street"])
    client = Client()
    client.force_login(district)
    detail = reverse("riskassessments:detail", args=[records_b["assessment"].pk])
    listing = reverse("riskassessments:index")
    if client.get(listing).status_code == 403:
        pytest.skip("the district role does not read risk assessments")
    assert records_b["assessment"].number in client.get(listing).content.decode()
    assert client.get(detail).status_code == 200
    client.post(reverse("choose-street"), {"street": str(street.pk)})
    assert records_b["assessment"].number not in client.get(listing).content.decode()
    assert client.get(detail).status_code == 404
    assert client.get(reverse("meetings:detail", args=[records_b["meeting"].pk])).status_code in (
        403,
        404,
    )


def _refused(call, key: str, message) -> None:
    """`call` is refused with `message` on `key` (the service's own check, not a form's)."""
    from huiyin.reports.models import CampaignInvalid

    with pytest.raises((AssessmentInvalid, CampaignInvalid)) as refused:
        call()
    assert str(message) in [str(m) for m in refused.value.errors.get(key, [])], (
        key,
        refused.value.errors,
    )


def test_the_services_refuse_another_streets_bodies_and_staff_without_the_forms(
    personas, street_b, community, unit
):
    """Letters, veto proposals, the five assurances, safety creations, figures and surveys,
    campaigns and their commendations: a caller that passes street B's community, unit or
    staff to street A's office is refused by the service itself, and nothing is written."""
    from huiyin.assessment.services import assurances
    from huiyin.assessment.services.common import MSG_OTHER_STREET, MSG_OTHER_STREET_STAFF
    from huiyin.reports import campaign_streets
    from huiyin.reports.commendations import Commendation, add_commendation
    from huiyin.reports.models import Campaign, save_campaign
    from huiyin.safety import services as safety
    from huiyin.safety.models import Creation, CriterionFigure, Survey

    b = street_b
    office = personas[Role.GOVERNANCE_STAFF]
    staff_b = b["people"][Role.LEADER].staff
    community_b = Body("community", b["community"].pk, b["community"].name)
    unit_b = Body("unit", b["unit"].pk, b["unit"].name)
    today = timezone.localdate()
    year = today.year

    _refused(
        lambda: targets.save_letter(actor=office, data={"year": year}, body=community_b),
        "body",
        MSG_OTHER_STREET,
    )
    _refused(
        lambda: veto.propose(
            actor=office,
            data={"ground": "major_incident", "rule": "x", "investigation": "y"},
            body=unit_b,
        ),
        "body",
        MSG_OTHER_STREET,
    )
    _refused(
        lambda: assurances.save_item(
            community_b, year, "leadership", actor=office, data={"status": "in_place"}
        ),
        "__all__",
        MSG_OTHER_STREET,
    )
    mine = Body("community", community.pk, community.name)
    _refused(
        lambda: assurances.save_item(
            mine,
            year,
            "leadership",
            actor=office,
            data={"status": "in_place", "responsible": staff_b.pk},
        ),
        "responsible",
        MSG_OTHER_STREET_STAFF,
    )
    assurances.save_item(mine, year, "leadership", actor=office, data={"status": "in_place"})
    _refused(
        lambda: safety.create(
            actor=office, body=unit_b, data={"category": "unit", "year": year, "subject": "x"}
        ),
        "body",
        MSG_OTHER_STREET,
    )
    for record in (safety.record_figure, safety.record_survey):
        _refused(
            lambda record=record: record(actor=office, data={"community": b["community"].pk}),
            "community",
            MSG_OTHER_STREET,
        )
    campaign = {"name": "甲街行动", "start": today, "end": today}
    _refused(
        lambda: save_campaign(actor=office, data={**campaign, "communities": [b["community"]]}),
        "communities",
        campaign_streets.MSG_OTHER_STREET,
    )
    _refused(
        lambda: save_campaign(actor=office, data={**campaign, "units": [b["unit"].pk]}),
        "units",
        campaign_streets.MSG_OTHER_STREET,
    )
    own = save_campaign(actor=office, data={**campaign, "units": [unit]})
    _refused(
        lambda: add_commendation(
            own,
            actor=office,
            kind=Commendation.Kind.STAFF,
            basis="乙街人员",
            decided_on=today,
            staff=staff_b,
        ),
        "staff",
        campaign_streets.MSG_OTHER_STREET_STAFF,
    )
    assert not Letter.objects.filter(community=b["community"]).exists()
    assert not VetoProposal.objects.filter(unit=b["unit"]).exists()
    assert not Creation.objects.filter(unit=b["unit"]).exists()
    assert not CriterionFigure.objects.filter(community=b["community"]).exists()
    assert not Survey.objects.filter(community=b["community"]).exists()
    assert list(Campaign.objects.values_list("name", flat=True)) == ["甲街行动"]
    assert not own.commendations.exists()
