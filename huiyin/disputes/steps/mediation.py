"""The steps before an outcome: consent or refusal, rights, mediators, the start of mediation,
sessions, escalation risk and the police, escalation to another tier, a court period's
extension, and transfer to another body (三调对接)."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from huiyin.cases import clocks as core_clocks
from huiyin.cases.workflow import Context
from huiyin.disputes import clocks
from huiyin.disputes.checks import (
    MAX_LINE,
    MSG_REQUIRED,
    blank,
    choice,
    day,
    flag,
    ident,
    label,
    many,
    refuse,
    text,
)
from huiyin.disputes.models import (
    TIER_RANK,
    ChosenBy,
    Consent,
    MediationSession,
    Outcome,
    RightsNotice,
    RiskNote,
    Tier,
    Transfer,
)
from huiyin.disputes.models import Manner as M
from huiyin.disputes.steps.common import (
    MAX_MEDIATORS,
    apply_committee,
    committee_of,
    dispute,
    end_mediation,
    masked,
    mediators_of,
    party_of,
    save,
)
from huiyin.org.models import Unit

MSG_NO_PARTIES = _("Record the parties of the dispute first.")
MSG_BOTH_SIDES = _("Mediation needs at least one party on each side.")
MSG_CONSENT_MISSING = _(
    "Mediation starts only with every party's consent (People's Mediation Law art. 17); "
    "not yet recorded for: %(names)s."
)
MSG_RIGHTS_MISSING = _(
    "Tell the parties of their rights and duties before mediation starts (People's Mediation "
    "Law art. 23–24); not yet recorded for: %(names)s."
)
MSG_MEDIATOR_FIRST = _("Assign a mediator before recording a session.")
MSG_INVITEES_CONSENT = _(
    "Others may be invited to a session only with the parties' consent (People's Mediation "
    "Law art. 20)."
)
MSG_RISK_FIRST = _("Record the risk of escalation before the report to the police.")
MSG_NO_REPORT = _("No report to the police is waiting for its answer.")
MSG_TOP_TIER = _("The dispute is already at the highest tier.")
MSG_NOT_HIGHER = _("Escalation goes to a higher tier than the present one.")
MSG_NO_COURT_PERIOD = _("There is no running court mediation period to extend.")
MSG_EXTEND_CONSENT = _(
    "A court mediation period is extended only with every party's consent: record it."
)
MSG_EXTEND_NOT_LATER = _("The new time limit must be later than the current one, %(date)s.")
MSG_NO_TRANSFER = _("There is no transfer to another body to record a result for.")
MSG_DEPARTMENT = _("Choose a department of this street.")
MSG_PENDING_RESULT = _("Choose the result given by the receiving body.")

NAME_SEP = "、"


# --------------------------------------------------------------------------- consent (art. 17)


def has_parties(ctx: Context):
    if not ctx.detail.parties.exists():
        return MSG_NO_PARTIES
    return None


def clean_consent(ctx: Context) -> None:
    party = party_of(ctx)
    ctx.cleaned.update(
        party=party,
        on=day(ctx.payload, "on", today=ctx.today, not_before=ctx.case.received_on),
        manner=choice(ctx.payload, "manner", M, default=M.IN_PERSON),
        note=text(ctx.payload, "note"),
    )


def _consent(ctx: Context, agreed: bool) -> Consent:
    c = ctx.cleaned
    consent = Consent.objects.create(
        party=c["party"],
        agreed=agreed,
        on=c["on"],
        manner=c["manner"],
        note=c["note"],
        recorded_by=ctx.actor,
    )
    ctx.note = c["note"]
    ctx.data.update(
        party=c["party"].pk,
        party_masked=masked(c["party"]),
        agreed=agreed,
        on=c["on"].isoformat(),
        manner=c["manner"],
    )
    return consent


def apply_consent(ctx: Context) -> None:
    _consent(ctx, True)


def clean_refuse(ctx: Context) -> None:
    clean_consent(ctx)
    routes_optional(ctx)


def apply_refuse(ctx: Context) -> None:
    """A party's clear refusal: no mediation (art. 17); the case ends as refused."""
    _consent(ctx, False)
    record_routes(ctx)
    end_mediation(ctx, Outcome.REFUSED, ctx.cleaned["on"], final=True)


def routes_optional(ctx: Context) -> None:
    """The art. 26 notice of other routes, when the payload records it."""
    keys = ("routes_told_on", "routes_manner", "routes_text")
    if all(blank(ctx.payload.get(key)) for key in keys):
        ctx.cleaned["routes"] = None
        return
    ctx.cleaned["routes"] = {
        "on": day(ctx.payload, "routes_told_on", today=ctx.today, not_before=ctx.case.received_on),
        "manner": choice(ctx.payload, "routes_manner", M, default=M.IN_PERSON),
        "text": text(ctx.payload, "routes_text"),
    }


def record_routes(ctx: Context) -> None:
    routes = ctx.cleaned.get("routes")
    if not routes:
        return
    save(
        dispute(ctx),
        routes_told_on=routes["on"],
        routes_manner=routes["manner"],
        routes_text=routes["text"],
    )
    ctx.data.update(routes_told_on=routes["on"].isoformat(), routes_manner=routes["manner"])


# --------------------------------------------------------------------------- rights (art. 23–24)


def clean_rights(ctx: Context) -> None:
    party = party_of(ctx) if ctx.payload.get("party") not in (None, "") else None
    ctx.cleaned.update(
        party=party,
        on=day(ctx.payload, "on", today=ctx.today, not_before=ctx.case.received_on),
        manner=choice(ctx.payload, "manner", M, default=M.IN_PERSON),
    )


def apply_rights(ctx: Context) -> None:
    c = ctx.cleaned
    RightsNotice.objects.create(
        dispute=dispute(ctx),
        party=c["party"],
        on=c["on"],
        manner=c["manner"],
        note=text(ctx.payload, "note"),
        recorded_by=ctx.actor,
    )
    ctx.note = text(ctx.payload, "note")
    ctx.data.update(
        party=c["party"].pk if c["party"] else None,
        party_masked=masked(c["party"]) if c["party"] else "",
        on=c["on"].isoformat(),
        manner=c["manner"],
    )


# --------------------------------------------------------------------------- mediators (art. 19)


def clean_assign(ctx: Context) -> None:
    d = dispute(ctx)
    committee = d.committee
    if ctx.payload.get("committee") not in (None, ""):
        committee = committee_of(ctx.payload["committee"], ctx.case)
    values = many(ctx.payload, "mediators", limit=MAX_MEDIATORS)
    if not values:
        refuse(MSG_REQUIRED, field=label("mediators"))
    ctx.cleaned.update(
        committee=committee,
        mediators=mediators_of(
            values, committee_id=committee.pk if committee else None, on=ctx.today
        ),
        chosen_by=choice(ctx.payload, "chosen_by", ChosenBy, default=ChosenBy.COMMITTEE),
    )


def apply_assign(ctx: Context) -> None:
    d, c = dispute(ctx), ctx.cleaned
    committee = c["committee"]
    apply_committee(ctx, committee, committee.tier if committee else d.tier)
    d.mediators.set(c["mediators"])
    save(d, mediators_chosen_by=c["chosen_by"])
    # The first mediator with an account owns the case: reminders and their view reach them.
    lead = next((m.staff_id for m in c["mediators"] if m.staff_id), None)
    if lead is not None and ctx.case.owner_id != lead:
        from huiyin.org.models import Staff

        ctx.update_case(owner=Staff.objects.get(pk=lead))
    ctx.note = text(ctx.payload, "note")
    ctx.data.update(
        mediators=[m.pk for m in c["mediators"]],
        names=[m.name for m in c["mediators"]],
        chosen_by=c["chosen_by"],
        committee=committee.pk if committee else None,
    )


# --------------------------------------------------------------------------- start (受理)


def _names(parties) -> str:
    return NAME_SEP.join(p.name_masked for p in parties)


def start_precondition(ctx: Context):
    parties = list(ctx.detail.parties.all())
    if not parties:
        return MSG_NO_PARTIES
    if {p.side for p in parties} != {"a", "b"}:
        return MSG_BOTH_SIDES
    latest = {}
    for consent in Consent.objects.filter(party__in=parties).order_by("on", "id"):
        latest[consent.party_id] = consent.agreed
    missing = [p for p in parties if not latest.get(p.pk)]
    if missing:
        return str(MSG_CONSENT_MISSING) % {"names": _names(missing)}
    notices = RightsNotice.objects.filter(dispute=ctx.detail)
    if not notices.filter(party__isnull=True).exists():
        told = set(notices.values_list("party_id", flat=True))
        untold = [p for p in parties if p.pk not in told]
        if untold:
            return str(MSG_RIGHTS_MISSING) % {"names": _names(untold)}
    return None


def clean_start(ctx: Context) -> None:
    ctx.cleaned["started_on"] = day(
        ctx.payload, "started_on", today=ctx.today, not_before=ctx.case.received_on
    )


def apply_start(ctx: Context) -> None:
    on = ctx.cleaned["started_on"]
    save(dispute(ctx), started_on=on)
    clocks.start(ctx.case, clocks.GUIDELINE, on, actor=ctx.actor)
    ctx.note = text(ctx.payload, "note")
    ctx.data["started_on"] = on.isoformat()


# --------------------------------------------------------------------------- sessions (art. 27)


def clean_session(ctx: Context) -> None:
    d = dispute(ctx)
    on = day(ctx.payload, "on", today=ctx.today, not_before=d.started_on or ctx.case.received_on)
    values = many(ctx.payload, "mediators", limit=MAX_MEDIATORS)
    if values:
        mediators = mediators_of(values, committee_id=d.committee_id, on=on)
    else:
        mediators = list(d.mediators.all())
    if not mediators:
        refuse(MSG_MEDIATOR_FIRST)
    invitees = text(ctx.payload, "invitees", limit=2000)
    consented = flag(ctx.payload, "invitees_consented")
    if invitees and not consented:
        refuse(MSG_INVITEES_CONSENT)
    ctx.cleaned.update(
        on=on,
        place=text(ctx.payload, "place", required=True, limit=MAX_LINE),
        summary=text(ctx.payload, "summary", required=True),
        mediators=mediators,
        public=flag(ctx.payload, "public"),
        invitees=invitees,
        invitees_consented=consented,
    )


def apply_session(ctx: Context) -> None:
    c = ctx.cleaned
    session = MediationSession.objects.create(
        dispute=dispute(ctx),
        on=c["on"],
        place=c["place"],
        public=c["public"],
        invitees=c["invitees"],
        invitees_consented=c["invitees_consented"],
        summary=c["summary"],
        recorded_by=ctx.actor,
    )
    session.mediators.set(c["mediators"])
    ctx.data.update(
        session=session.pk,
        on=c["on"].isoformat(),
        public=c["public"],
        mediators=[m.pk for m in c["mediators"]],
    )


# --------------------------------------------------------------------------- risk (art. 25)


def clean_risk(ctx: Context) -> None:
    ctx.cleaned.update(
        noted_on=day(ctx.payload, "noted_on", today=ctx.today, not_before=ctx.case.received_on),
        risk=text(ctx.payload, "risk", required=True, limit=5000),
        measures=text(ctx.payload, "measures", required=True, limit=5000),
        police_matter=flag(ctx.payload, "police_matter"),
    )


def apply_risk(ctx: Context) -> None:
    c = ctx.cleaned
    note = RiskNote.objects.create(
        dispute=dispute(ctx),
        noted_on=c["noted_on"],
        risk=c["risk"],
        measures=c["measures"],
        police_matter=c["police_matter"],
        recorded_by=ctx.actor,
    )
    ctx.note = c["risk"]
    ctx.data.update(
        risk_note=note.pk, noted_on=c["noted_on"].isoformat(), police_matter=c["police_matter"]
    )


def _open_notes(ctx: Context):
    return RiskNote.objects.filter(dispute=ctx.detail, ended_on__isnull=True)


def police_precondition(ctx: Context):
    return None if _open_notes(ctx).exists() else MSG_RISK_FIRST


def _note_of(ctx: Context, candidates):
    if ctx.payload.get("risk_note") not in (None, ""):
        note = candidates.filter(pk=ident(ctx.payload["risk_note"], "risk_note")).first()
    else:
        note = candidates.order_by("-police_matter", "-noted_on", "-id").first()
    if note is None:
        refuse(MSG_RISK_FIRST)
    return note


def clean_police(ctx: Context) -> None:
    note = _note_of(ctx, _open_notes(ctx))
    reported_on = day(ctx.payload, "reported_on", today=ctx.today, not_before=note.noted_on)
    answer = text(ctx.payload, "answer", limit=5000)
    answered_on = None
    if answer:
        answered_on = day(ctx.payload, "answered_on", today=ctx.today, not_before=reported_on)
    ctx.cleaned.update(
        note=note,
        reported_on=reported_on,
        reported_to=text(ctx.payload, "reported_to", required=True, limit=MAX_LINE),
        answer=answer,
        answered_on=answered_on,
    )


def apply_police(ctx: Context) -> None:
    c = ctx.cleaned
    save(
        c["note"],
        police_matter=True,
        reported_on=c["reported_on"],
        reported_to=c["reported_to"],
        police_answer=c["answer"],
        answered_on=c["answered_on"],
    )
    ctx.data.update(
        risk_note=c["note"].pk,
        reported_on=c["reported_on"].isoformat(),
        reported_to=c["reported_to"],
        answered=bool(c["answer"]),
    )


def _awaiting_answer(ctx: Context):
    return _open_notes(ctx).filter(reported_on__isnull=False, answered_on__isnull=True)


def answer_precondition(ctx: Context):
    return None if _awaiting_answer(ctx).exists() else MSG_NO_REPORT


def clean_answer(ctx: Context) -> None:
    note = _note_of(ctx, _awaiting_answer(ctx))
    ctx.cleaned.update(
        note=note,
        answer=text(ctx.payload, "answer", required=True, limit=5000),
        answered_on=day(ctx.payload, "answered_on", today=ctx.today, not_before=note.reported_on),
    )


def apply_answer(ctx: Context) -> None:
    c = ctx.cleaned
    save(c["note"], police_answer=c["answer"], answered_on=c["answered_on"])
    ctx.data.update(risk_note=c["note"].pk, answered_on=c["answered_on"].isoformat())


# --------------------------------------------------------------------------- escalation


def escalate_precondition(ctx: Context):
    return MSG_TOP_TIER if ctx.detail.tier == Tier.DISTRICT else None


def clean_escalate(ctx: Context) -> None:
    d = dispute(ctx)
    tier = choice(ctx.payload, "to_tier", Tier)
    if TIER_RANK[tier] <= TIER_RANK.get(d.tier, -1):
        refuse(MSG_NOT_HIGHER)
    committee = None
    if ctx.payload.get("committee") not in (None, ""):
        committee = committee_of(ctx.payload["committee"], ctx.case, tier=tier)
    ctx.cleaned.update(
        tier=tier,
        committee=committee,
        on=day(ctx.payload, "on", today=ctx.today, not_before=ctx.case.received_on),
    )


def apply_escalate(ctx: Context) -> None:
    d, c = dispute(ctx), ctx.cleaned
    from_tier, from_committee = d.tier, d.committee_id
    apply_committee(ctx, c["committee"], c["tier"])
    # The mediators were the lower committee's; the new one assigns its own.
    if from_committee != (c["committee"].pk if c["committee"] else None):
        d.mediators.clear()
    # The new tier gets its own month ("一般在一个月内调结").
    if clocks.running(ctx.case, clocks.GUIDELINE) is not None:
        core_clocks.stop_clock(ctx.case, clocks.GUIDELINE, on=c["on"])
        clocks.start(ctx.case, clocks.GUIDELINE, c["on"], actor=ctx.actor)
    ctx.note = text(ctx.payload, "note")
    ctx.data.update(
        from_tier=from_tier,
        to_tier=c["tier"],
        committee=c["committee"].pk if c["committee"] else None,
        on=c["on"].isoformat(),
    )


# --------------------------------------------------------------------------- court period


def court_precondition(ctx: Context):
    return None if clocks.running_court_clock(ctx.case) is not None else MSG_NO_COURT_PERIOD


def clean_court_extension(ctx: Context) -> None:
    clock = clocks.running_court_clock(ctx.case)
    if not flag(ctx.payload, "parties_consented"):
        refuse(MSG_EXTEND_CONSENT)
    new_due = day(ctx.payload, "new_due_on", today=ctx.today, future_ok=True, required=True)
    if new_due <= clock.due_on:
        refuse(MSG_EXTEND_NOT_LATER, date=clock.due_on.isoformat())
    ctx.cleaned.update(
        clock=clock,
        new_due_on=new_due,
        consented_on=day(ctx.payload, "consented_on", today=ctx.today, not_before=clock.started_on),
    )


def apply_court_extension(ctx: Context) -> None:
    c = ctx.cleaned
    old = c["clock"].due_on
    core_clocks.extend_clock(ctx.case, c["clock"].code, new_due_on=c["new_due_on"])
    save(
        dispute(ctx),
        court_extended_to=c["new_due_on"],
        court_extension_consented_on=c["consented_on"],
    )
    ctx.note = text(ctx.payload, "note")
    ctx.data.update(
        code=c["clock"].code,
        old_due_on=old.isoformat(),
        new_due_on=c["new_due_on"].isoformat(),
        consented_on=c["consented_on"].isoformat(),
    )
    ctx.diff["court_due_on"] = [old, c["new_due_on"]]


# --------------------------------------------------------------------------- transfer (三调对接)


def clean_transfer(ctx: Context) -> None:
    department = None
    if ctx.payload.get("department") not in (None, ""):
        pk = ident(ctx.payload["department"], "department")
        department = Unit.objects.filter(pk=pk, street_id=ctx.case.street_id).first()
        if department is None:
            refuse(MSG_DEPARTMENT)
    body = text(ctx.payload, "body", limit=MAX_LINE) or (department.name if department else "")
    if not body:
        text(ctx.payload, "body", required=True)
    ctx.cleaned.update(
        body_kind=choice(ctx.payload, "body_kind", Transfer.Body),
        body=body,
        department=department,
        on=day(ctx.payload, "on", today=ctx.today, not_before=ctx.case.received_on),
    )


def apply_transfer(ctx: Context) -> None:
    c = ctx.cleaned
    transfer = Transfer.objects.create(
        dispute=dispute(ctx),
        direction=Transfer.Direction.OUT,
        body_kind=c["body_kind"],
        body=c["body"],
        department=c["department"],
        on=c["on"],
        note=text(ctx.payload, "note"),
    )
    end_mediation(ctx, Outcome.TRANSFERRED, c["on"], final=True)
    ctx.note = transfer.note
    ctx.data.update(
        transfer=transfer.pk, body_kind=c["body_kind"], body=c["body"], on=c["on"].isoformat()
    )


def _outgoing(ctx: Context):
    return Transfer.objects.filter(dispute=ctx.detail, direction=Transfer.Direction.OUT)


def transfer_result_precondition(ctx: Context):
    return None if _outgoing(ctx).exists() else MSG_NO_TRANSFER


def clean_transfer_result(ctx: Context) -> None:
    transfers = _outgoing(ctx)
    if ctx.payload.get("transfer") not in (None, ""):
        transfer = transfers.filter(pk=ident(ctx.payload["transfer"], "transfer")).first()
    else:
        transfer = transfers.order_by("-on", "-id").first()
    if transfer is None:
        refuse(MSG_NO_TRANSFER)
    result = choice(ctx.payload, "result", Transfer.Result)
    if result == Transfer.Result.PENDING:
        refuse(MSG_PENDING_RESULT)
    ctx.cleaned.update(
        transfer=transfer,
        result=result,
        result_on=day(ctx.payload, "result_on", today=ctx.today, not_before=transfer.on),
    )


def apply_transfer_result(ctx: Context) -> None:
    c = ctx.cleaned
    note = text(ctx.payload, "note")
    fields = {"result": c["result"], "result_on": c["result_on"]}
    if note:
        fields["note"] = note
    save(c["transfer"], **fields)
    ctx.note = note
    ctx.data.update(
        transfer=c["transfer"].pk, result=c["result"], result_on=c["result_on"].isoformat()
    )
