"""Correcting a dispute's type and basic details ("correct_details"): the labour clock follows
the type, one event and one audit entry with old → new, refusals that change nothing.

Hand computations (labour_mediation: 15 calendar days, the start day not counted, a last day
on a rest day moves to the next working day; the 2026 notice: National Day 10-01..10-07,
make-up working day 10-10 (Sat)):
  received 09-20 + 15 = 10-05, National Day -> 10-08: overdue from 10-09
  received 11-06 + 15 = 11-21 (Sat)        -> 11-23 (Mon): overdue from 11-24
  received 11-05 + 15 = 11-20 (Fri)        -> 11-20: overdue from 11-21
"""

from __future__ import annotations

from datetime import date, datetime

import pytest
import time_machine
from django.http import Http404
from django.utils import translation

from huiyin.cases.exceptions import StaleCase, TransitionRefused
from huiyin.cases.kinds import Kind
from huiyin.cases.models import Case, CaseEvent, Category, Clock
from huiyin.cases.workflow import available_transitions
from huiyin.disputes import services
from huiyin.disputes.steps.correction import MAX_REASON, MSG_ENDED, MSG_NOTHING
from huiyin.disputes.tests import factories as df
from huiyin.org.roles import Role
from huiyin.privacy.models import AuditEntry
from huiyin.testing.clock import BEIJING

pytestmark = pytest.mark.django_db

D = date.fromisoformat
REASON = "核实后为拖欠工资纠纷，登记时类型有误"


def at(day: str, hour: int = 10):
    return time_machine.travel(
        datetime.fromisoformat(day).replace(hour=hour, tzinfo=BEIJING), tick=False
    )


def correct(case, actor, *, version=None, **payload):
    case = Case.objects.get(pk=case.pk)
    payload.setdefault("reason", REASON)
    return services.correct_details(
        case, actor, version=case.version if version is None else version, **payload
    )


def labour_clocks(case) -> list[Clock]:
    return list(Clock.objects.filter(case=case, code="labour_mediation").order_by("id"))


def overdue_ids(today: date) -> set[int]:
    """The disputes the list's "overdue" filter and the figures count (Case.due_on)."""
    return set(
        Case.objects.filter(
            kind=Kind.DISPUTE, due_on__lt=today, closed_at__isnull=True
        ).values_list("pk", flat=True)
    )


@pytest.fixture
def committee(community):
    return df.committee(community)


def test_becoming_a_labour_dispute_starts_its_15_days_from_the_day_received(
    governance, mediator_user, community, committee
):
    with at("2026-10-12"):
        case = df.register(governance, community=community, received_on=D("2026-09-20"))
        assert labour_clocks(case) == [] and Case.objects.get(pk=case.pk).due_on is None
        after = correct(case, mediator_user, category=df.dispute_type("欠薪").pk)
        (clock,) = labour_clocks(case)
        # From the application (09-20), not from the correction; across National Day.
        assert (clock.started_on, clock.due_on, clock.running) == (
            D("2026-09-20"),
            D("2026-10-08"),
            True,
        )
        assert after.due_on == D("2026-10-08") and after.category.name == "欠薪"
        assert after.status == "registered" and after.version == case.version + 1
        # Already overdue: counted, and the page says the worker may seek arbitration.
        assert case.pk in overdue_ids(D("2026-10-12"))
        assert services.labour_arbitration_open(case, D("2026-10-12"))


@pytest.mark.parametrize(
    ("received", "due"),
    [("2026-09-20", "2026-10-08"), ("2026-11-06", "2026-11-23"), ("2026-11-05", "2026-11-20")],
)
def test_the_labour_clock_is_overdue_only_after_its_rolled_last_day(
    governance, mediator_user, community, committee, received, due
):
    with at("2026-12-01"):
        case = df.register(governance, community=community, received_on=D(received))
        correct(case, mediator_user, category=df.dispute_type("劳动争议").pk)
    (clock,) = labour_clocks(case)
    assert clock.due_on == D(due)
    last = D(due)
    assert case.pk not in overdue_ids(last)
    assert not services.labour_arbitration_open(case, last)
    after = date.fromordinal(last.toordinal() + 1)
    assert case.pk in overdue_ids(after)
    assert services.labour_arbitration_open(case, after)


def test_leaving_the_labour_type_cancels_the_clock_neither_met_nor_overdue(
    governance, mediator_user, community, committee
):
    with at("2026-10-12"):
        case = df.register(
            governance,
            community=community,
            category=df.dispute_type("劳动争议"),
            received_on=D("2026-09-20"),
        )
        assert case.pk in overdue_ids(D("2026-10-12"))
        after = correct(case, mediator_user, category=df.dispute_type("邻里").pk)
    (clock,) = labour_clocks(case)
    assert clock.outcome == Clock.Outcome.CANCELLED and not clock.running
    assert clock.stopped_on == D("2026-10-12")
    assert after.due_on is None
    assert case.pk not in overdue_ids(D("2026-10-12"))
    assert not services.labour_arbitration_open(case, D("2026-10-12"))
    assert not Clock.objects.filter(case=case, outcome__in=["met", "late"]).exists()


def test_in_mediation_the_guideline_stays_and_only_the_labour_clock_follows(
    governance, mediator_user, community, committee, personas
):
    case = df.register(governance, community=community, category=df.dispute_type("欠薪"))
    case = df.bring_to(case, "mediating", personas)
    guideline = df.running(case, "mediation_guideline")
    after = correct(case, mediator_user, category=df.dispute_type("合同").pk)
    assert df.running(case, "labour_mediation") is None
    assert df.running(case, "mediation_guideline").pk == guideline.pk
    assert after.due_on == guideline.due_on
    # Back to labour: a new clock from the day received (the cancelled one stays in history).
    correct(case, mediator_user, category=df.dispute_type("劳动争议").pk)
    clocks = labour_clocks(case)
    assert [c.outcome for c in clocks] == [Clock.Outcome.CANCELLED, ""]
    assert clocks[1].started_on == case.received_on


def test_a_labour_type_to_another_labour_type_keeps_the_running_clock(
    governance, mediator_user, community, committee
):
    case = df.register(governance, community=community, category=df.dispute_type("劳动争议"))
    (before,) = labour_clocks(case)
    correct(case, mediator_user, category=df.dispute_type("欠薪").pk)
    (after,) = labour_clocks(case)
    assert after.pk == before.pk and after.running


def test_after_the_agreement_the_type_changes_but_the_stopped_clocks_stay(
    governance, mediator_user, community, committee, personas
):
    case = df.register(governance, community=community)
    case = df.bring_to(case, "agreed", personas)
    clocks_before = list(Clock.objects.filter(case=case).values_list("id", "outcome"))
    after = correct(case, mediator_user, category=df.dispute_type("欠薪").pk)
    assert after.category.name == "欠薪" and after.status == "agreed"
    assert list(Clock.objects.filter(case=case).values_list("id", "outcome")) == clocks_before


def test_the_timeline_and_the_audit_keep_old_and_new(
    governance, mediator_user, community, committee
):
    case = df.register(
        governance, community=community, category=df.dispute_type("邻里"), amount="1200"
    )
    correct(
        case,
        mediator_user,
        category=df.dispute_type("欠薪").pk,
        title="拖欠三名工人工资",
        amount="8600.5",
        people_count=3,
    )
    event = CaseEvent.objects.filter(case=case, kind="correct_details").get()
    assert event.actor == mediator_user and event.note == REASON
    assert event.data["category"] == ["邻里", "劳动争议/欠薪"]
    assert event.data["amount"] == ["1200.00", "8600.50"]
    assert event.data["people_count"] == [None, 3]
    assert event.data["labour_clock"] == "started"
    assert event.data["fields"] == ["amount", "category", "people_count", "title"]
    entry = AuditEntry.objects.filter(
        action="case.transition", target_id=str(case.pk), actor=mediator_user
    ).latest("id")
    diff = entry.diff
    assert diff["transition"] == "correct_details"
    assert diff["type"] == ["邻里", "劳动争议/欠薪"]
    assert diff["category"] == [df.dispute_type("邻里").pk, df.dispute_type("欠薪").pk]
    assert diff["title"] == "…" and "拖欠" not in str(diff.get("title"))
    assert diff["reason"] == REASON
    after = df.refresh(case)
    assert after.title == "拖欠三名工人工资"
    assert str(after.dispute.amount) == "8600.50" and after.dispute.people_count == 3
    # The title's search grams follow it.
    from huiyin.cases.search import matching

    condition, _exact = matching("三名工人")
    assert Case.objects.filter(condition).filter(pk=case.pk).exists()


@pytest.mark.parametrize(
    "role",
    [Role.LEADER, Role.AUDITOR],
)
def test_roles_that_only_read_are_refused_and_nothing_changes(
    governance, community, committee, personas, role
):
    case = df.register(governance, community=community)
    with pytest.raises(TransitionRefused) as refused:
        correct(case, personas[role], category=df.dispute_type("欠薪").pk)
    assert "Your role does not allow" in str(refused.value.message)
    assert Case.objects.get(pk=case.pk).version == case.version
    assert labour_clocks(case) == []
    assert AuditEntry.objects.filter(
        action="case.transition_refused", target_id=str(case.pk)
    ).exists()


@pytest.mark.parametrize("role", [Role.GOVERNANCE_STAFF, Role.COMMUNITY_WORKER, Role.MEDIATOR])
def test_registrars_and_mediators_may_correct(
    governance, community, grid, committee, personas, role
):
    case = df.register(governance, community=community, grid=grid)
    after = correct(case, personas[role], category=df.dispute_type("欠薪").pk)
    assert after.category.name == "欠薪"


def test_a_person_outside_the_scope_gets_404(governance, community, committee, personas):
    case = df.register(governance, community=community)
    with pytest.raises(Http404):
        correct(case, personas[Role.PETITION_CLERK], category=df.dispute_type("欠薪").pk)


def test_a_stale_version_is_refused(governance, mediator_user, community, committee):
    case = df.register(governance, community=community)
    with pytest.raises(StaleCase):
        correct(case, mediator_user, version=case.version - 1, category=df.dispute_type("欠薪").pk)
    assert labour_clocks(case) == [] and Case.objects.get(pk=case.pk).category_id is None


@pytest.mark.parametrize("state", ["closed", "failed", "refused", "transferred"])
def test_an_ended_dispute_is_refused(
    governance, mediator_user, community, committee, personas, state
):
    case = df.register(governance, community=community)
    case = df.bring_to(case, state, personas)
    assert "correct_details" not in {t.name for t in available_transitions(case, mediator_user)}
    with pytest.raises(TransitionRefused) as refused:
        correct(case, personas[Role.GOVERNANCE_STAFF], category=df.dispute_type("欠薪").pk)
    assert str(refused.value.message) == str(MSG_ENDED)
    assert df.refresh(case).category_id is None


def _petition_category():
    return Category.objects.create(kind=Kind.PETITION, name="测试类别")


@pytest.mark.parametrize(
    ("payload", "words"),
    [
        ({"category": 987654321}, "Choose one of the options"),
        ({"category": "abc"}, "Choose one of the options"),
        ({"category": "PETITION"}, "Choose one of the options"),
        ({"category": "RETIRED"}, "Choose one of the options"),
        ({"category": "欠薪", "reason": ""}, "Please fill in"),
        ({"category": "欠薪", "reason": "理" * (MAX_REASON + 1)}, "is too long"),
        ({"category": "欠薪", "amount": "-3"}, "must be an amount of money"),
        ({"category": "欠薪", "people_count": "0"}, "must be a whole number"),
        ({"category": "欠薪", "title": "题" * 201}, "is too long"),
        ({"category": "SAME"}, str(MSG_NOTHING)),
    ],
)
def test_bad_input_is_refused_in_words_and_changes_nothing(
    governance, mediator_user, community, committee, payload, words
):
    case = df.register(governance, community=community, category=df.dispute_type("邻里"))
    payload = dict(payload)
    value = payload["category"]
    if value == "PETITION":
        payload["category"] = _petition_category().pk
    elif value == "RETIRED":
        retired = Category.objects.create(kind=Kind.DISPUTE, name="已停用类型", active=False)
        payload["category"] = retired.pk
    elif value == "SAME":
        payload["category"] = df.dispute_type("邻里").pk
    elif isinstance(value, str) and value != "abc":
        payload["category"] = df.dispute_type(value).pk
    with pytest.raises(TransitionRefused) as refused:
        correct(case, mediator_user, **payload)
    with translation.override("zh-hans"):  # whatever language an earlier test left active
        assert words in str(refused.value.message)
    after = Case.objects.get(pk=case.pk)
    assert after.version == case.version and after.category.name == "邻里"
    assert labour_clocks(case) == []


# --------------------------------------------------------------------------- the page


def url(case, rest: str = "") -> str:
    return f"/disputes/{case.pk}/{rest}"


def post(client, user, case, version=None, **fields):
    client.force_login(user)
    data = {
        "correct_details-version": Case.objects.get(pk=case.pk).version
        if version is None
        else version
    }
    data.update({f"correct_details-{k}": str(v) for k, v in fields.items()})
    return client.post(url(case, "do/correct_details/"), data)


def test_the_page_offers_the_form_and_the_clock_appears_and_disappears(
    client, governance, mediator_user, community, committee
):
    with at("2026-10-12"):
        case = df.register(governance, community=community, received_on=D("2026-09-20"))
        client.force_login(mediator_user)
        html = client.get(url(case)).content.decode()
        assert 'data-transition="correct_details"' in html
        assert 'data-clock="labour_mediation"' not in html
        response = post(
            client, mediator_user, case, category=df.dispute_type("欠薪").pk, reason=REASON
        )
        assert response.status_code == 302
        html = client.get(url(case)).content.decode()
        assert 'data-clock="labour_mediation"' in html and 'id="labour-open"' in html
        assert "劳动争议/欠薪" in html  # the timeline's line
        response = post(
            client, mediator_user, case, category=df.dispute_type("邻里").pk, reason="更正回邻里"
        )
        assert response.status_code == 302
        html = client.get(url(case)).content.decode()
        assert 'data-running="1"' not in html.split('id="case-clocks"')[1].split("</section>")[0]
        assert 'id="labour-open"' not in html


def test_the_page_refuses_bad_input_stale_forms_and_readers_without_a_500(
    client, governance, mediator_user, community, committee, personas
):
    case = df.register(governance, community=community)
    labour = df.dispute_type("欠薪").pk
    for fields in (
        {"category": "987654321", "reason": REASON},
        {"category": "<script>", "reason": REASON},
        {"category": labour, "reason": "理" * (MAX_REASON + 1)},
        {"category": labour, "reason": ""},
        {"category": labour, "reason": REASON, "amount": "1e400"},
        {"category": labour, "reason": REASON, "people_count": "99999999999999999999"},
    ):
        response = post(client, mediator_user, case, **fields)
        assert response.status_code == 400, fields
        assert "<script>" not in response.content.decode().split("<body")[1].split("<script")[0]
    response = post(
        client, mediator_user, case, version=case.version - 1, category=labour, reason=REASON
    )
    assert response.status_code == 409
    response = post(client, personas[Role.LEADER], case, category=labour, reason=REASON)
    assert response.status_code == 400
    refusal = AuditEntry.objects.filter(action="case.transition_refused", target_id=str(case.pk))
    assert "correct_details" in str(refusal.latest("id").diff)
    after = Case.objects.get(pk=case.pk)
    assert after.version == case.version and after.category_id is None
