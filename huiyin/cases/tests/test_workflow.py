"""The workflow engine itself: the table, fire(), refusals, hooks (with the petition table)."""

import logging

import pytest
from django.db import models
from django.http import Http404

from huiyin.cases import workflow
from huiyin.cases.exceptions import StaleCase, TransitionRefused
from huiyin.cases.models import Case, CaseEvent
from huiyin.cases.workflow import (
    MSG_UNKNOWN_TRANSITION,
    MSG_WITHDRAWN,
    Transition,
    Workflow,
    available_transitions,
    event_label,
    fire,
    on_transition,
    status_label,
)
from huiyin.org.roles import Perm, Role
from huiyin.petitions.tests.factories import register
from huiyin.privacy.models import AuditEntry

pytestmark = pytest.mark.django_db


class States(models.TextChoices):
    OPEN = "open", "Open"
    SHUT = "shut", "Shut"


def test_it_refuses_a_table_naming_unknown_states():
    with pytest.raises(ValueError):
        Workflow(
            kind="test",
            states=States,
            initial="open",
            final=frozenset({"shut"}),
            transitions=(Transition("close", ("open",), "closed", (Perm.ADMIN_MANAGE,), "x"),),
        )
    with pytest.raises(ValueError):
        Workflow(
            kind="test",
            states=States,
            initial="open",
            final=frozenset({"shut"}),
            transitions=(
                Transition("close", ("open",), "shut", (), "x"),
                Transition("close", ("open",), "shut", (), "x"),
            ),
        )


@pytest.fixture
def case(personas, community):
    return register(personas[Role.PETITION_CLERK], community=community).case


@pytest.fixture
def clerk(personas):
    return personas[Role.PETITION_CLERK]


def test_it_fires_a_transition_in_one_go(case, clerk):
    result = fire(case, "accept", actor=clerk, version=case.version)
    assert (result.status, result.version) == ("accepted", 2)
    event = CaseEvent.objects.filter(case=case, kind="accept").get()
    assert (event.from_status, event.to_status, event.actor) == ("registered", "accepted", clerk)
    entry = AuditEntry.objects.get(action="case.transition", target_id=str(case.pk))
    assert entry.diff["status"] == ["registered", "accepted"]
    assert entry.target_label == case.number


def test_it_takes_the_version_as_form_text(case, clerk):
    assert fire(case, "accept", actor=clerk, version=str(case.version)).version == 2


def test_it_refuses_an_unknown_transition_and_audits_it(case, clerk):
    with pytest.raises(TransitionRefused) as refused:
        fire(case, "teleport", actor=clerk, version=1)
    assert refused.value.message == MSG_UNKNOWN_TRANSITION
    assert AuditEntry.objects.filter(action="case.transition_refused").count() == 1


def test_it_refuses_a_payload_key_the_transition_does_not_take(case, clerk):
    with pytest.raises(TypeError):
        fire(case, "accept", actor=clerk, version=1, reason="typo")


@pytest.mark.parametrize("version", [None, "", "abc", 0, 2])
def test_it_refuses_a_version_other_than_the_current_one(case, clerk, version):
    with pytest.raises(StaleCase):
        fire(case, "accept", actor=clerk, version=version)
    assert Case.objects.get(pk=case.pk).status == "registered"


def test_it_answers_404_to_someone_who_cannot_see_the_case(case, personas):
    mediator = personas[Role.MEDIATOR]
    with pytest.raises(Http404):
        fire(case, "accept", actor=mediator, version=1)
    assert AuditEntry.objects.filter(action="access.denied", actor=mediator).count() == 1


def test_it_refuses_everything_on_a_withdrawn_case(case, clerk):
    Case.objects.filter(pk=case.pk).update(withdrawn=True)
    with pytest.raises(TransitionRefused) as refused:
        fire(case, "accept", actor=clerk, version=1)
    assert refused.value.message == MSG_WITHDRAWN
    assert available_transitions(Case.objects.get(pk=case.pk), clerk) == []


def test_it_rolls_back_everything_when_the_handler_fails(case, clerk, monkeypatch):
    def broken(*args, **kwargs):
        raise TransitionRefused("handler refused late")

    monkeypatch.setattr("huiyin.cases.clocks.start_clock", broken)
    monkeypatch.setattr("huiyin.petitions.workflow.clocks.start_clock", broken)
    events = CaseEvent.objects.filter(case=case).count()
    with pytest.raises(TransitionRefused):
        fire(case, "accept", actor=clerk, version=1)
    fresh = Case.objects.get(pk=case.pk)
    assert (fresh.status, fresh.version) == ("registered", 1)
    assert CaseEvent.objects.filter(case=case).count() == events
    assert not AuditEntry.objects.filter(action="case.transition").exists()
    assert AuditEntry.objects.filter(action="case.transition_refused").count() == 1


def test_it_runs_hooks_after_commit_only(case, clerk, django_capture_on_commit_callbacks):
    seen = []
    on_transition(seen.append)
    try:
        with django_capture_on_commit_callbacks(execute=False) as callbacks:
            fire(case, "accept", actor=clerk, version=1)
        assert seen == []
        for callback in callbacks:
            callback()
        assert [e.kind for e in seen] == ["accept"]
    finally:
        workflow._hooks.remove(seen.append)


def test_it_logs_a_failing_hook_instead_of_raising(
    case, clerk, django_capture_on_commit_callbacks, caplog
):
    def broken(event):
        raise RuntimeError("mail server down")

    on_transition(broken)
    try:
        with caplog.at_level(logging.ERROR), django_capture_on_commit_callbacks(execute=True):
            result = fire(case, "accept", actor=clerk, version=1)
        assert result.status == "accepted"
        assert "mail server down" in caplog.text
    finally:
        workflow._hooks.remove(broken)


def test_it_lists_what_a_person_may_do_now(case, personas):
    names = lambda role: [t.name for t in available_transitions(case, personas[role])]  # noqa: E731
    assert names(Role.PETITION_CLERK) == ["accept", "decline", "transfer"]
    assert names(Role.LEADER) == []
    assert names(Role.DEPARTMENT_HANDLER) == []
    assert names(Role.MEDIATOR) == []


def test_it_labels_states_and_events():
    assert status_label("petition", "handling") == "In handling"
    assert status_label("petition", "nonsense") == "nonsense"
    assert event_label("petition", "accept") == "Accept"
    assert event_label("petition", "registered") == "Registered"
    assert event_label("petition", "clock_started") == "Time limit started"
