"""The mediation steps as functions: one per transition of the dispute workflow.

Each fires its transition through :func:`huiyin.cases.workflow.fire` — the one door, the
state, role and payload checks, one transaction with the timeline event and the audit entry —
and returns the case as it now is. `version` is the case version the user saw (a form's hidden
field); without it (the ledger importer, the demo) the current version is taken, so only a
change made at the same moment is refused as stale. Raises TransitionRefused (with the message
to show), StaleCase, or Http404 when the case is not visible to `actor`.

Party, mediator, committee, term, risk note and transfer arguments may be instances or ids;
dates ``date`` objects or ISO text. An argument left at None takes the transition's default
(mostly today).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import date

from huiyin.cases.models import Case
from huiyin.cases.workflow import fire

__all__ = [
    "apply_confirmation",
    "assign_mediators",
    "close_dispute",
    "correct_details",
    "escalate",
    "extend_court_period",
    "fail_with_notice",
    "mediate_again",
    "note_risk",
    "record_agreement",
    "record_confirmation",
    "record_consent",
    "record_followup",
    "record_performance",
    "record_police_answer",
    "record_session",
    "record_transfer_result",
    "report_to_police",
    "sign_agreement",
    "start_mediation",
    "tell_rights",
    "tell_routes",
    "transfer",
]

Day = date | str | None


def _step(case: Case, name: str, actor, version, request, **payload) -> Case:
    if version is None:
        version = Case.objects.filter(pk=case.pk).values_list("version", flat=True).first()
    payload = {key: value for key, value in payload.items() if value is not None}
    return fire(case, name, actor=actor, version=version, request=request, **payload)


def record_consent(
    case: Case,
    actor,
    *,
    party,
    agreed: bool = True,
    on: Day = None,
    manner: str | None = None,
    note: str = "",
    routes_told_on: Day = None,
    routes_manner: str | None = None,
    routes_text: str | None = None,
    version=None,
    request=None,
) -> Case:
    """A party's consent ("consent"), or refusal ("refuse": the case ends as refused, art. 17;
    the art. 26 notice of other routes may be recorded with it)."""
    if agreed:
        return _step(
            case, "consent", actor, version, request, party=party, on=on, manner=manner, note=note
        )
    return _step(
        case,
        "refuse",
        actor,
        version,
        request,
        party=party,
        on=on,
        manner=manner,
        note=note,
        routes_told_on=routes_told_on,
        routes_manner=routes_manner,
        routes_text=routes_text,
    )


def tell_rights(
    case: Case,
    actor,
    *,
    party=None,
    on: Day = None,
    manner: str | None = None,
    note: str = "",
    version=None,
    request=None,
) -> Case:
    """The parties (or one, `party`) told of their rights and duties (art. 23–24)."""
    return _step(
        case, "tell_rights", actor, version, request, party=party, on=on, manner=manner, note=note
    )


def assign_mediators(
    case: Case,
    actor,
    *,
    mediators: Iterable,
    chosen_by: str | None = None,
    committee=None,
    note: str = "",
    version=None,
    request=None,
) -> Case:
    """Mediators chosen by the parties or assigned by the committee (art. 19)."""
    return _step(
        case,
        "assign_mediators",
        actor,
        version,
        request,
        mediators=list(mediators),
        chosen_by=chosen_by,
        committee=committee,
        note=note,
    )


def start_mediation(
    case: Case, actor, *, started_on: Day = None, note: str = "", version=None, request=None
) -> Case:
    """Mediation starts (受理): every party consented and was told of their rights."""
    return _step(case, "start_mediation", actor, version, request, started_on=started_on, note=note)


def record_session(
    case: Case,
    actor,
    *,
    place: str,
    summary: str,
    on: Day = None,
    mediators: Iterable | None = None,
    public: bool = False,
    invitees: str = "",
    invitees_consented: bool = False,
    version=None,
    request=None,
) -> Case:
    """A session and its record (调解笔录); invitees are roles, with the parties' consent."""
    return _step(
        case,
        "record_session",
        actor,
        version,
        request,
        place=place,
        summary=summary,
        on=on,
        mediators=list(mediators) if mediators is not None else None,
        public=public,
        invitees=invitees,
        invitees_consented=invitees_consented,
    )


def note_risk(
    case: Case,
    actor,
    *,
    risk: str,
    measures: str,
    noted_on: Day = None,
    police_matter: bool = False,
    version=None,
    request=None,
) -> Case:
    """The dispute's risk of escalation and the preventive measures (art. 25)."""
    return _step(
        case,
        "note_risk",
        actor,
        version,
        request,
        risk=risk,
        measures=measures,
        noted_on=noted_on,
        police_matter=police_matter,
    )


def report_to_police(
    case: Case,
    actor,
    *,
    reported_to: str,
    reported_on: Day = None,
    risk_note=None,
    answer: str = "",
    answered_on: Day = None,
    version=None,
    request=None,
) -> Case:
    """The report to the police of a dispute that may become a criminal or public-security
    case (art. 25): when, to whom, and the answer if there is one yet."""
    return _step(
        case,
        "report_to_police",
        actor,
        version,
        request,
        reported_to=reported_to,
        reported_on=reported_on,
        risk_note=risk_note,
        answer=answer,
        answered_on=answered_on,
    )


def record_police_answer(
    case: Case,
    actor,
    *,
    answer: str,
    answered_on: Day = None,
    risk_note=None,
    version=None,
    request=None,
) -> Case:
    return _step(
        case,
        "police_answer",
        actor,
        version,
        request,
        answer=answer,
        answered_on=answered_on,
        risk_note=risk_note,
    )


def correct_details(
    case: Case,
    actor,
    *,
    category,
    reason: str,
    title: str | None = None,
    amount=None,
    people_count=None,
    version=None,
    request=None,
) -> Case:
    """Correct the dispute's type (and its title, amount or people involved) with a reason;
    the labour clock follows the type while the mediation runs (see steps/correction.py)."""
    return _step(
        case,
        "correct_details",
        actor,
        version,
        request,
        category=category,
        reason=reason,
        title=title,
        amount=amount,
        people_count=people_count,
    )


def escalate(
    case: Case,
    actor,
    to_tier: str,
    committee=None,
    *,
    on: Day = None,
    note: str = "",
    version=None,
    request=None,
) -> Case:
    """Hand the dispute to a higher tier (offered once the mediation guideline has passed:
    "小事不出社区，大事不出街道"); the new tier's month starts on `on`."""
    return _step(
        case,
        "escalate",
        actor,
        version,
        request,
        to_tier=to_tier,
        committee=committee,
        on=on,
        note=note,
    )


def extend_court_period(
    case: Case,
    actor,
    *,
    new_due_on: Day,
    parties_consented: bool,
    consented_on: Day = None,
    note: str = "",
    version=None,
    request=None,
) -> Case:
    """Extend a court-referred mediation's period, only with every party's consent."""
    return _step(
        case,
        "extend_court_period",
        actor,
        version,
        request,
        new_due_on=new_due_on,
        parties_consented=parties_consented,
        consented_on=consented_on,
        note=note,
    )


def transfer(
    case: Case,
    actor,
    *,
    body_kind: str,
    body: str = "",
    department=None,
    on: Day = None,
    note: str = "",
    version=None,
    request=None,
) -> Case:
    """Transfer the dispute to another body (三调对接); the case ends as transferred."""
    return _step(
        case,
        "transfer",
        actor,
        version,
        request,
        body_kind=body_kind,
        body=body,
        department=department,
        on=on,
        note=note,
    )


def record_transfer_result(
    case: Case,
    actor,
    *,
    result: str,
    result_on: Day = None,
    transfer=None,
    note: str = "",
    version=None,
    request=None,
) -> Case:
    return _step(
        case,
        "transfer_result",
        actor,
        version,
        request,
        result=result,
        result_on=result_on,
        transfer=transfer,
        note=note,
    )


def record_agreement(
    case: Case,
    actor,
    *,
    form: str,
    reached_on: Day = None,
    facts_and_issues: str = "",
    responsibilities: str = "",
    terms: str = "",
    performance_manner: str = "",
    performance_place: str = "",
    performance: Sequence[Mapping] = (),
    content: str = "",
    signatures: Mapping | Sequence[Mapping] | None = None,
    mediator=None,
    mediator_signed_on: Day = None,
    sealed_on: Day = None,
    copies: int | None = None,
    note: str = "",
    version=None,
    request=None,
) -> Case:
    """The agreement. Written (art. 29): the main facts and disputed matters, each party's
    responsibility, the terms, the manner and place of performance, ``performance`` terms
    ``[{"term": ..., "due_on": ...}]``; ``signatures`` ``{party: date}`` or
    ``[{"party", "on", "mark"}]``, the mediator's signature and the seal — effective on the
    last of them, once all are there (else later, :func:`sign_agreement`). Oral (art. 28, 30):
    ``content``; effective the day reached."""
    return _step(
        case,
        "record_agreement",
        actor,
        version,
        request,
        form=form,
        reached_on=reached_on,
        facts_and_issues=facts_and_issues,
        responsibilities=responsibilities,
        terms=terms,
        performance_manner=performance_manner,
        performance_place=performance_place,
        performance=list(performance),
        content=content,
        signatures=signatures,
        mediator=mediator,
        mediator_signed_on=mediator_signed_on,
        sealed_on=sealed_on,
        copies=copies,
        note=note,
    )


def sign_agreement(
    case: Case,
    actor,
    *,
    signatures: Mapping | Sequence[Mapping] | None = None,
    mediator_signed_on: Day = None,
    sealed_on: Day = None,
    version=None,
    request=None,
) -> Case:
    return _step(
        case,
        "sign_agreement",
        actor,
        version,
        request,
        signatures=signatures,
        mediator_signed_on=mediator_signed_on,
        sealed_on=sealed_on,
    )


def record_performance(
    case: Case,
    actor,
    *,
    term,
    result: str,
    checked_on: Day = None,
    note: str = "",
    version=None,
    request=None,
) -> Case:
    """The committee's check of a performance term (art. 31)."""
    return _step(
        case,
        "record_performance",
        actor,
        version,
        request,
        term=term,
        result=result,
        checked_on=checked_on,
        note=note,
    )


def close_dispute(
    case: Case, actor, *, closed_on: Day = None, note: str = "", version=None, request=None
) -> Case:
    """Close a dispute whose agreement is in effect and every term checked; an unperformed term
    needs the note of what the parties were told (art. 32; 支付令 for wages)."""
    return _step(case, "close", actor, version, request, closed_on=closed_on, note=note)


def fail_with_notice(
    case: Case,
    actor,
    *,
    reason: str,
    routes_manner: str | None = None,
    routes_told_on: Day = None,
    routes_text: str | None = None,
    ended_on: Day = None,
    version=None,
    request=None,
) -> Case:
    """End the mediation as failed, with the art. 26 notice of other routes (recorded here or
    before with :func:`tell_routes`; refused without it)."""
    return _step(
        case,
        "fail",
        actor,
        version,
        request,
        reason=reason,
        routes_manner=routes_manner,
        routes_told_on=routes_told_on,
        routes_text=routes_text,
        ended_on=ended_on,
    )


def tell_routes(
    case: Case,
    actor,
    *,
    routes_manner: str,
    routes_told_on: Day = None,
    routes_text: str | None = None,
    version=None,
    request=None,
) -> Case:
    return _step(
        case,
        "tell_routes",
        actor,
        version,
        request,
        routes_manner=routes_manner,
        routes_told_on=routes_told_on,
        routes_text=routes_text,
    )


def apply_confirmation(
    case: Case,
    actor,
    *,
    court: str,
    applied_on: Day = None,
    note: str = "",
    version=None,
    request=None,
) -> Case:
    """The parties' joint application for judicial confirmation (art. 33): recorded late too,
    with the art. 355 warning by type and the art. 354 warning for missing details."""
    return _step(
        case,
        "apply_confirmation",
        actor,
        version,
        request,
        court=court,
        applied_on=applied_on,
        note=note,
    )


def record_confirmation(
    case: Case,
    actor,
    *,
    result: str,
    result_on: Day = None,
    note: str = "",
    version=None,
    request=None,
) -> Case:
    """The court's ruling: confirmed as valid, or rejected (民事诉讼法 art. 206)."""
    return _step(
        case,
        "record_confirmation",
        actor,
        version,
        request,
        result=result,
        result_on=result_on,
        note=note,
    )


def mediate_again(
    case: Case, actor, *, started_on: Day = None, note: str = "", version=None, request=None
) -> Case:
    """A new round of mediation after the court rejected the agreement."""
    return _step(case, "mediate_again", actor, version, request, started_on=started_on, note=note)


def record_followup(
    case: Case,
    actor,
    *,
    note: str,
    on: Day = None,
    manner: str | None = None,
    version=None,
    request=None,
) -> Case:
    """A follow-up visit (回访) after the agreement."""
    return _step(case, "record_followup", actor, version, request, note=note, on=on, manner=manner)
