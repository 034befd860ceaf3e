"""Every value a step takes from outside is bounded: absurd input is a refusal with a message,
never a traceback, a database error or a half-written record."""

from datetime import date, timedelta

import pytest
from django.utils import timezone

from huiyin.cases.exceptions import TransitionRefused
from huiyin.cases.models import Case, CaseEvent
from huiyin.disputes.models import Agreement, Committee, MediationSession
from huiyin.disputes.tests import factories as df
from huiyin.org.roles import Role

pytestmark = pytest.mark.django_db

ABSURD_DATES = [date(1, 1, 1), date(1900, 1, 1), "9999-12-31", "2026-13-01", "x" * 5000, 42, [1]]


@pytest.fixture
def mediating(personas, community):
    df.committee(community)
    case = df.register(personas[Role.GOVERNANCE_STAFF], community=community)
    return df.bring_to(case, "mediating", personas)


def _refused(case, name, actor, **payload):
    before = Case.objects.get(pk=case.pk)
    events = CaseEvent.objects.filter(case=case).count()
    with pytest.raises(TransitionRefused) as refused:
        df.step(case, name, actor, **payload)
    after = Case.objects.get(pk=case.pk)
    assert (after.status, after.version) == (before.status, before.version)
    assert CaseEvent.objects.filter(case=case).count() == events
    return str(refused.value.message)


@pytest.mark.parametrize("value", ABSURD_DATES)
def test_a_session_date_is_plausible(mediating, mediator_user, value):
    _refused(mediating, "record_session", mediator_user, place="调解室", summary="记录", on=value)
    assert not MediationSession.objects.exists()


def test_a_step_is_never_dated_in_the_future_or_before_the_matter(mediating, mediator_user):
    tomorrow = timezone.localdate() + timedelta(days=1)
    message = _refused(
        mediating, "record_session", mediator_user, place="调解室", summary="记录", on=tomorrow
    )
    assert "cannot be in the future" in message
    long_ago = mediating.received_on - timedelta(days=1)
    message = _refused(
        mediating, "record_session", mediator_user, place="调解室", summary="记录", on=long_ago
    )
    assert "cannot be earlier than" in message


def test_text_is_bounded(mediating, mediator_user):
    message = _refused(mediating, "record_session", mediator_user, place="室" * 101, summary="记录")
    assert "too long" in message
    _refused(mediating, "record_session", mediator_user, place="调解室", summary="记" * 20001)
    _refused(mediating, "record_session", mediator_user, place="  ", summary="记录")


@pytest.mark.parametrize(
    "mediators", ["abc", [10**30], ["x"], [-1], list(range(1, 30)), {"a": 1}, [99999]]
)
def test_mediators_are_real_active_and_few(mediating, mediator_user, governance, mediators):
    _refused(mediating, "assign_mediators", governance, mediators=mediators)


def test_an_expired_mediator_is_not_assigned(mediating, governance, community):
    committee = Committee.objects.get()
    expired = df.mediator(committee, name="钱调解", term_start=date(2020, 1, 1))
    expired.term_end = date(2022, 12, 31)
    expired.save(update_fields=["term_end"])
    message = _refused(mediating, "assign_mediators", governance, mediators=[expired.pk])
    assert "within their term" in message


@pytest.mark.parametrize(
    "performance",
    [
        "赔偿2000元",
        [{"term": "赔偿"}],
        [{"due_on": "2026-12-31"}],
        [{"term": "赔偿", "due_on": "9999-12-31"}],
        [{"term": "赔偿", "due_on": "1999-01-01"}],
        [{"term": "赔" * 501, "due_on": "2026-12-31"}],
        ["赔偿"],
        [{"term": "赔偿", "due_on": "2026-12-31"}] * 51,
    ],
)
def test_performance_terms_are_checked(mediating, mediator_user, performance):
    df.step(mediating, "record_session", mediator_user, place="调解室", summary="记录")
    payload = df.written_agreement(mediating, performance=performance)
    _refused(mediating, "record_agreement", mediator_user, **payload)
    assert not Agreement.objects.exists()


@pytest.mark.parametrize(
    "signatures",
    [
        "张三",
        [{"party": 1}],
        [{"on": "2026-01-01"}],
        {"99999": "2026-01-01"},
        [{"party": "x", "on": "y"}],
    ],
)
def test_signatures_name_parties_and_days(mediating, mediator_user, signatures):
    df.step(mediating, "record_session", mediator_user, place="调解室", summary="记录")
    payload = df.written_agreement(mediating, signatures=signatures)
    _refused(mediating, "record_agreement", mediator_user, **payload)


def test_a_signature_is_not_dated_before_the_agreement(mediating, mediator_user):
    df.step(mediating, "record_session", mediator_user, place="调解室", summary="记录")
    a, b = df.parties(mediating)
    today = timezone.localdate()
    early = mediating.received_on - timedelta(days=1)
    payload = df.written_agreement(mediating, signatures={a.pk: early, b.pk: today})
    assert "cannot be earlier than" in _refused(
        mediating, "record_agreement", mediator_user, **payload
    )


@pytest.mark.parametrize("copies", [0, -1, 51, "many", 10**20])
def test_copies_are_bounded(mediating, mediator_user, copies):
    df.step(mediating, "record_session", mediator_user, place="调解室", summary="记录")
    payload = df.written_agreement(mediating, copies=copies)
    _refused(mediating, "record_agreement", mediator_user, **payload)


@pytest.mark.parametrize(
    ("field", "value"), [("form", "video"), ("manner", "telepathy"), ("public", "perhaps")]
)
def test_choices_are_choices(mediating, mediator_user, field, value):
    if field == "form":
        df.step(mediating, "record_session", mediator_user, place="调解室", summary="记录")
        _refused(mediating, "record_agreement", mediator_user, form=value)
    elif field == "manner":
        _refused(mediating, "tell_routes", mediator_user, routes_manner=value)
    else:
        _refused(
            mediating, "record_session", mediator_user, place="调解室", summary="记录", public=value
        )


def test_a_court_extension_stays_within_the_supported_years(personas, community, governance):
    case = df.register(
        governance,
        community=community,
        source="court_assigned",
        court_name="南岸区人民法院",
        court_document="（2026）川1502民诉前调1号",
    )
    mediator = personas[Role.MEDIATOR]
    for value in ("9999-12-31", date(2200, 1, 1), "soon"):
        _refused(case, "extend_court_period", mediator, new_due_on=value, parties_consented=True)


def test_an_unknown_payload_key_is_a_programming_error(mediating, mediator_user):
    with pytest.raises(TypeError):
        df.step(mediating, "record_session", mediator_user, place="室", summary="记", fee=100)
