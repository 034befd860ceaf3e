"""The dispute workflow: states, transitions, who may fire them and what each does.

    registered ─consent / tell_rights / assign_mediators / note_risk …→ (same state)
        ├─start_mediation→ mediating        (every party consented and told of their rights)
        ├─refuse→ refused                  (a party clearly refuses: no mediation, art. 17)
        └─transfer→ transferred            (三调对接: to another body, the result later)
    mediating ─record_session / escalate / extend_court_period / tell_routes …→ (same state)
        ├─record_agreement→ agreed          (written with the art. 29 contents, or oral)
        ├─fail→ failed                      (only with the art. 26 notice of other routes)
        ├─refuse→ refused                   (a party ends the mediation, art. 23(2))
        └─transfer→ transferred
    agreed ─sign_agreement→ (same; effective on the last signature or seal, art. 29)
    agreed|performing ─record_performance→ performing ─close→ closed (with the results)
    agreed|performing|closed ─apply_confirmation / record_confirmation→ (same state)
        └─mediate_again→ mediating          (after the court rejected it, 民诉法 art. 206)
    agreed|performing|closed ─record_followup→ (same state; 回访)
    any state but an ended one ─correct_details→ (same state; the type, title, amount, people
        involved, with a reason; the labour clock follows the type, steps/correction.py)
    refused|failed ─tell_routes→ (same state);  transferred ─transfer_result→ (same state)

Who: the mediation steps need Perm.DISPUTES_MEDIATE over the case; registration, risk notes,
the report to the police, mediators' assignment, escalation and transfers need
DISPUTES_SCREEN or DISPUTES_MEDIATE (the 综治办 screens and assigns; a grid worker who finds
a risk records it). The services in :mod:`huiyin.disputes.services` wrap each transition.

Payload keys: :data:`PAYLOAD` (required, optional) per transition; dates may be ``date``
objects or ISO text and default to today where optional; never in the future (a performance
due date and a court period's new end excepted), never before the date received.

Clocks (:mod:`huiyin.disputes.clocks`): ``labour_mediation`` and the court periods start at
registration; ``mediation_guideline`` at start_mediation (again after an escalation or a new
round); all stop when the mediation ends. The agreement's effect starts the parties'
``judicial_confirmation`` window (written agreements) and ``performance`` to the earliest
term's due date; apply_confirmation stops the window (late or not: recorded, never refused).
"""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from huiyin.cases.kinds import Kind
from huiyin.cases.workflow import Transition, Workflow, register_workflow
from huiyin.disputes.checks import FIELDS
from huiyin.disputes.models import Dispute, Status
from huiyin.disputes.steps import correction as corr
from huiyin.disputes.steps import mediation as m
from huiyin.disputes.steps import outcome as o
from huiyin.org.roles import Perm

S = Status

MEDIATE = (Perm.DISPUTES_MEDIATE,)
WORK = (Perm.DISPUTES_SCREEN, Perm.DISPUTES_MEDIATE)

OPEN = (S.REGISTERED, S.MEDIATING)
AFTER_AGREEMENT = (S.AGREED, S.PERFORMING)
WITH_AGREEMENT = (S.AGREED, S.PERFORMING, S.CLOSED)
NOT_ENDED = (S.REGISTERED, S.MEDIATING, S.AGREED, S.PERFORMING)
ROUTES = ("routes_told_on", "routes_manner", "routes_text")
#: Every state: an ended dispute is refused by the precondition, in words of its own.
ALL = tuple(Status.values)


def _load(case, lock: bool) -> Dispute:
    queryset = Dispute.objects.select_for_update() if lock else Dispute.objects
    dispute = queryset.get(pk=case.pk)
    dispute.case = case  # the transition's own copy: no second query, the same fields
    return dispute


TRANSITIONS = (
    Transition(
        "consent",
        OPEN,
        None,
        MEDIATE,
        _("Record a party's consent"),
        requires=("party",),
        optional=("on", "manner", "note"),
        precondition=m.has_parties,
        clean=m.clean_consent,
        apply=m.apply_consent,
    ),
    Transition(
        "refuse",
        OPEN,
        S.REFUSED,
        MEDIATE,
        _("Record a party's refusal"),
        requires=("party",),
        optional=("on", "manner", "note", *ROUTES),
        precondition=m.has_parties,
        clean=m.clean_refuse,
        apply=m.apply_refuse,
    ),
    Transition(
        "tell_rights",
        OPEN,
        None,
        MEDIATE,
        _("Record that the parties were told of their rights"),
        optional=("party", "on", "manner", "note"),
        precondition=m.has_parties,
        clean=m.clean_rights,
        apply=m.apply_rights,
    ),
    Transition(
        "assign_mediators",
        NOT_ENDED,
        None,
        WORK,
        _("Assign mediators"),
        requires=("mediators",),
        optional=("chosen_by", "committee", "note"),
        clean=m.clean_assign,
        apply=m.apply_assign,
    ),
    Transition(
        "start_mediation",
        (S.REGISTERED,),
        S.MEDIATING,
        MEDIATE,
        _("Start mediation"),
        optional=("started_on", "note"),
        precondition=m.start_precondition,
        clean=m.clean_start,
        apply=m.apply_start,
    ),
    Transition(
        "record_session",
        (S.MEDIATING,),
        None,
        MEDIATE,
        _("Record a mediation session"),
        requires=("place", "summary"),
        optional=("on", "mediators", "public", "invitees", "invitees_consented"),
        clean=m.clean_session,
        apply=m.apply_session,
    ),
    Transition(
        "correct_details",
        ALL,
        None,
        WORK,
        _("Correct the dispute type / basic details"),
        requires=("category", "reason"),
        optional=("title", "amount", "people_count"),
        precondition=corr.precondition,
        clean=corr.clean,
        apply=corr.apply,
    ),
    Transition(
        "note_risk",
        NOT_ENDED,
        None,
        WORK,
        _("Record a risk of escalation"),
        requires=("risk", "measures"),
        optional=("noted_on", "police_matter"),
        clean=m.clean_risk,
        apply=m.apply_risk,
    ),
    Transition(
        "report_to_police",
        NOT_ENDED,
        None,
        WORK,
        _("Record the report to the police"),
        requires=("reported_to",),
        optional=("reported_on", "risk_note", "answer", "answered_on"),
        precondition=m.police_precondition,
        clean=m.clean_police,
        apply=m.apply_police,
    ),
    Transition(
        "police_answer",
        NOT_ENDED,
        None,
        WORK,
        _("Record the police answer"),
        requires=("answer",),
        optional=("answered_on", "risk_note"),
        precondition=m.answer_precondition,
        clean=m.clean_answer,
        apply=m.apply_answer,
    ),
    Transition(
        "escalate",
        OPEN,
        None,
        WORK,
        _("Escalate to a higher tier"),
        requires=("to_tier",),
        optional=("committee", "on", "note"),
        precondition=m.escalate_precondition,
        clean=m.clean_escalate,
        apply=m.apply_escalate,
    ),
    Transition(
        "extend_court_period",
        OPEN,
        None,
        MEDIATE,
        _("Extend the court mediation period"),
        requires=("new_due_on", "parties_consented"),
        optional=("consented_on", "note"),
        precondition=m.court_precondition,
        clean=m.clean_court_extension,
        apply=m.apply_court_extension,
    ),
    Transition(
        "transfer",
        OPEN,
        S.TRANSFERRED,
        WORK,
        _("Transfer to another body"),
        requires=("body_kind",),
        optional=("body", "department", "on", "note"),
        clean=m.clean_transfer,
        apply=m.apply_transfer,
    ),
    Transition(
        "transfer_result",
        (S.TRANSFERRED,),
        None,
        WORK,
        _("Record the result of the transfer"),
        requires=("result",),
        optional=("result_on", "transfer", "note"),
        precondition=m.transfer_result_precondition,
        clean=m.clean_transfer_result,
        apply=m.apply_transfer_result,
    ),
    Transition(
        "record_agreement",
        (S.MEDIATING,),
        S.AGREED,
        MEDIATE,
        _("Record the mediation agreement"),
        requires=("form",),
        optional=(
            "reached_on",
            *o.ART29_FIELDS,
            "performance",
            "content",
            "signatures",
            "mediator",
            "mediator_signed_on",
            "sealed_on",
            "copies",
            "note",
        ),
        precondition=o.agreement_precondition,
        clean=o.clean_agreement,
        apply=o.apply_agreement,
    ),
    Transition(
        "sign_agreement",
        AFTER_AGREEMENT,
        None,
        MEDIATE,
        _("Record signatures and the seal"),
        optional=("signatures", "mediator_signed_on", "sealed_on"),
        precondition=o.sign_precondition,
        clean=o.clean_sign,
        apply=o.apply_sign,
    ),
    Transition(
        "record_performance",
        AFTER_AGREEMENT,
        S.PERFORMING,
        MEDIATE,
        _("Record the performance of a term"),
        requires=("term", "result"),
        optional=("checked_on", "note"),
        precondition=o.performance_precondition,
        clean=o.clean_performance,
        apply=o.apply_performance,
    ),
    Transition(
        "close",
        AFTER_AGREEMENT,
        S.CLOSED,
        MEDIATE,
        _("Close the dispute"),
        optional=("closed_on", "note"),
        precondition=o.close_precondition,
        clean=o.clean_close,
        apply=o.apply_close,
    ),
    Transition(
        "tell_routes",
        (S.MEDIATING, S.REFUSED, S.FAILED),
        None,
        MEDIATE,
        _("Record the notice of other routes"),
        requires=("routes_manner",),
        optional=("routes_told_on", "routes_text"),
        precondition=o.routes_precondition,
        clean=o.clean_routes,
        apply=o.apply_routes,
    ),
    Transition(
        "fail",
        (S.MEDIATING,),
        S.FAILED,
        MEDIATE,
        _("End the mediation as failed"),
        requires=("reason",),
        optional=("ended_on", *ROUTES),
        clean=o.clean_fail,
        apply=o.apply_fail,
    ),
    Transition(
        "apply_confirmation",
        WITH_AGREEMENT,
        None,
        MEDIATE,
        _("Record the application for judicial confirmation"),
        requires=("court",),
        optional=("applied_on", "note"),
        precondition=o.confirmation_precondition,
        clean=o.clean_confirmation,
        apply=o.apply_confirmation,
    ),
    Transition(
        "record_confirmation",
        WITH_AGREEMENT,
        None,
        MEDIATE,
        _("Record the court's ruling on confirmation"),
        requires=("result",),
        optional=("result_on", "note"),
        precondition=o.ruling_precondition,
        clean=o.clean_ruling,
        apply=o.apply_ruling,
    ),
    Transition(
        "mediate_again",
        WITH_AGREEMENT,
        S.MEDIATING,
        MEDIATE,
        _("Mediate again"),
        optional=("started_on", "note"),
        precondition=o.again_precondition,
        clean=o.clean_again,
        apply=o.apply_again,
    ),
    Transition(
        "record_followup",
        WITH_AGREEMENT,
        None,
        MEDIATE,
        _("Record a follow-up visit"),
        requires=("note",),
        optional=("on", "manner"),
        clean=o.clean_followup,
        apply=o.apply_followup,
    ),
)

#: Payload keys per transition: {name: (required keys, optional keys)}, for forms.
PAYLOAD = {t.name: (t.requires, t.optional) for t in TRANSITIONS}

DISPUTE_WORKFLOW = Workflow(
    kind=Kind.DISPUTE,
    states=Status,
    initial=S.REGISTERED,
    final=frozenset({S.CLOSED, S.FAILED, S.REFUSED, S.TRANSFERRED}),
    transitions=TRANSITIONS,
    load_detail=_load,
    fields=FIELDS,
    events={
        "party_added": _("Party added"),
        "from_petition": _("Turned from a petition"),
    },
)


def register() -> None:
    register_workflow(DISPUTE_WORKFLOW)
