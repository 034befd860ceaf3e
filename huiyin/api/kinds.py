"""What the API needs of each kind of case, from the kind's own modules (never copied).

The list's filter is the web list's (``PetitionFilter``, ``DisputeFilter``, ``IncidentFilter``);
who may list and open cases of a kind is what the web's pages require; a transition's payload
is checked by the same form the case page uses, then fired through the same ``fire()``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from django.http import QueryDict

from huiyin.cases import bounds
from huiyin.cases.kinds import Kind
from huiyin.cases.models import Case
from huiyin.cases.workflow import Transition
from huiyin.org.roles import Perm


@dataclass(frozen=True)
class KindApi:
    kind: str
    #: Any one of these lets a person use the kind's list (as the web list requires).
    list_perms: tuple[str, ...]
    #: Any one of these lets a person open a case of the kind (the door decides the rows).
    detail_perms: tuple[str, ...]
    #: ``filter_class(params, user)`` → the web list's filter.
    filter_class: Callable
    #: ``form(transition, case, data, user)`` → the case page's bound form for the transition.
    form: Callable
    #: Sort orders the list offers (the web list's).
    sorts: tuple[str, ...]
    #: The one-to-one row of the kind's own record, for ``select_related``.
    detail_relation: str


def _petition_form(transition: Transition, case: Case, data: QueryDict, user):
    from huiyin.petitions.models import Petition
    from huiyin.petitions.transition_forms import TransitionForm

    petition = Petition.objects.get(pk=case.pk)
    petition.case = case
    return TransitionForm(transition, case, petition, data=data, prefix="")


def _dispute_form(transition: Transition, case: Case, data: QueryDict, user):
    from huiyin.disputes.step_forms import StepData, StepForm
    from huiyin.disputes.views.case import load_dispute

    step_data = StepData(case, load_dispute(case), bounds.today())
    return StepForm(transition, step_data, data=data, prefix="")


def _incident_form(transition: Transition, case: Case, data: QueryDict, user):
    from huiyin.incidents.forms import StepForm
    from huiyin.incidents.models import Incident

    incident = Incident.objects.get(pk=case.pk)
    incident.case = case
    return StepForm(transition, case, incident, user, data=data)


def _petition_filter(params, user):
    from huiyin.petitions.queries import PetitionFilter

    return PetitionFilter(params, user)


def _dispute_filter(params, user):
    from huiyin.disputes.views.filters import DisputeFilter

    return DisputeFilter(params, user)


def _incident_filter(params, user):
    from huiyin.incidents.views.filters import IncidentFilter

    return IncidentFilter(params, user)


KINDS: dict[str, KindApi] = {
    Kind.PETITION: KindApi(
        Kind.PETITION,
        (Perm.PETITIONS_VIEW,),
        (Perm.PETITIONS_VIEW, Perm.PETITIONS_REGISTER),
        _petition_filter,
        _petition_form,
        ("due", "-received", "received"),
        "petition",
    ),
    Kind.DISPUTE: KindApi(
        Kind.DISPUTE,
        (Perm.DISPUTES_VIEW,),
        (Perm.DISPUTES_VIEW, Perm.DISPUTES_SCREEN, Perm.DISPUTES_MEDIATE),
        _dispute_filter,
        _dispute_form,
        ("due", "-received", "received"),
        "dispute",
    ),
    Kind.INCIDENT: KindApi(
        Kind.INCIDENT,
        (Perm.INCIDENTS_VIEW, Perm.INCIDENTS_REPORT),
        (Perm.INCIDENTS_VIEW, Perm.INCIDENTS_REPORT),
        _incident_filter,
        _incident_form,
        ("-received", "received"),
        "incident",
    ),
}


def detail_perms_any() -> tuple[str, ...]:
    """Every permission that opens a case of some kind."""
    seen: list[str] = []
    for spec in KINDS.values():
        seen.extend(p for p in spec.detail_perms if p not in seen)
    return tuple(seen)
