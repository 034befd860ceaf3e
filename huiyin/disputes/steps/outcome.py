"""The outcome of a mediation: the agreement (written, art. 29; oral, art. 28 and 30), its
signatures and effect, performance (art. 31), closing, failure with the notice of other routes
(art. 26), judicial confirmation (art. 33; 民事诉讼法 art. 205–206) and follow-up visits."""

from __future__ import annotations

from datetime import date

from django.utils.translation import gettext_lazy as _

from huiyin.cases import clocks as core_clocks
from huiyin.cases import deadlines
from huiyin.cases.models import Clock
from huiyin.cases.workflow import Context
from huiyin.disputes import clocks, rules
from huiyin.disputes.checks import (
    MAX_LINE,
    MSG_REQUIRED,
    MSG_TOO_MANY,
    blank,
    choice,
    count,
    day,
    ident,
    label,
    many,
    refuse,
    text,
)
from huiyin.disputes.models import (
    Agreement,
    AgreementSignature,
    FollowUp,
    JudicialConfirmation,
    MediationSession,
    Outcome,
    Party,
    Performance,
)
from huiyin.disputes.models import Manner as M
from huiyin.disputes.steps.common import (
    actor_staff_id,
    dispute,
    end_mediation,
    end_risk_notes,
    mediators_of,
    party_of,
    save,
)
from huiyin.disputes.steps.mediation import record_routes, routes_optional

MSG_SESSION_FIRST = _("Record at least one mediation session before the agreement.")
MSG_ART29 = _(
    "A written agreement must state: %(missing)s (People's Mediation Law art. 29). "
    "Record them, or record an oral agreement."
)
MSG_PARTY_INFO = _(
    "A written agreement names each party with their basic information: the address is "
    "missing for %(names)s (People's Mediation Law art. 29)."
)
MSG_ORAL_CONTENT = _("Record the content of the oral agreement (People's Mediation Law art. 30).")
MSG_SIGNATURE_INVALID = _("Each signature names a party of this dispute and the date it was made.")
MSG_NOTHING_TO_SIGN = _("No written agreement is waiting for signatures or the seal.")
MSG_NOTHING_NEW = _("Record at least one signature, the mediator's signature or the seal.")
MSG_NO_AGREEMENT = _("There is no agreement in effect.")
MSG_NO_TERMS = _("The agreement has no performance terms to check.")
MSG_TERMS_UNCHECKED = _(
    "Check the performance of every term before closing (People's Mediation Law art. 31)."
)
MSG_UNPERFORMED_NOTE = _(
    "Some terms were not fully performed: record what the parties were told (a suit in court, "
    "People's Mediation Law art. 32; for unpaid wages a payment order, Labour Dispute "
    "Mediation and Arbitration Law art. 16)."
)
MSG_ROUTES_FIRST = _(
    "Tell the parties they may go to arbitration, administrative or judicial routes, and record "
    "it, before ending the mediation as failed (People's Mediation Law art. 26)."
)
MSG_ROUTES_ALREADY = _("The notice of other routes is already recorded.")
MSG_CONFIRM_WRITTEN = _("Judicial confirmation is for a written agreement in effect.")
MSG_CONFIRMATION_PENDING = _("An application for judicial confirmation awaits the court's ruling.")
MSG_ALREADY_CONFIRMED = _("The court has already confirmed this agreement.")
MSG_NO_APPLICATION = _("No application for judicial confirmation awaits a ruling.")
MSG_NOT_REJECTED = _(
    "Mediation starts again only after the court rejected the agreement (Civil Procedure Law "
    "art. 206)."
)
MSG_MISSING_FOR_COURT = _(
    "The court asks for each party's identity, address and contact details; missing for: "
    "%(names)s (Interpretation of the Civil Procedure Law art. 354)."
)
MSG_LATE_APPLICATION = _(
    "Applied after the 30 days from the agreement's effect (People's Mediation Law art. 33)."
)

#: The most performance terms one agreement may have, and copies it may be printed in.
MAX_TERMS = 50
MAX_COPIES = 50
SEP = "、"

#: What a written agreement must state besides the parties (art. 29), in the law's order.
ART29_FIELDS = (
    "facts_and_issues",
    "responsibilities",
    "terms",
    "performance_manner",
    "performance_place",
)


def current(ctx: Context) -> Agreement | None:
    return Agreement.objects.filter(dispute=ctx.detail).order_by("-id").first()


# --------------------------------------------------------------------------- the agreement


def agreement_precondition(ctx: Context):
    return (
        None if MediationSession.objects.filter(dispute=ctx.detail).exists() else MSG_SESSION_FIRST
    )


def _terms(ctx: Context, reached_on: date) -> list[dict]:
    terms = []
    for item in many(ctx.payload, "performance", limit=MAX_TERMS):
        if not isinstance(item, dict):
            refuse(MSG_REQUIRED, field=label("performance"))
        terms.append(
            {
                "term": text(item, "term", required=True, limit=500),
                "due_on": day(
                    item,
                    "due_on",
                    today=ctx.today,
                    future_ok=True,
                    required=True,
                    not_before=reached_on,
                ),
            }
        )
    return terms


def _signatures(ctx: Context, not_before: date) -> list[tuple[Party, date, str]]:
    raw = ctx.payload.get("signatures")
    if blank(raw):
        return []
    limit = rules.max_parties()
    if isinstance(raw, dict):
        if len(raw) > limit:
            refuse(MSG_TOO_MANY, field=label("signatures"), limit=limit)
        rows = [{"party": k, "on": v} for k, v in raw.items()]
    else:
        rows = many(ctx.payload, "signatures", limit=limit)
    result = []
    for row in rows:
        if not isinstance(row, dict) or blank(row.get("party")) or blank(row.get("on")):
            refuse(MSG_SIGNATURE_INVALID)
        party = party_of(ctx, "party", row["party"])
        on = day(row, "on", today=ctx.today, required=True, not_before=not_before)
        mark = choice(row, "mark", AgreementSignature.Mark, default="signature")
        result.append((party, on, mark))
    return result


def _sign_dates(ctx: Context, not_before: date) -> dict:
    out = {}
    for key in ("mediator_signed_on", "sealed_on"):
        out[key] = day(ctx.payload, key, today=ctx.today, required=None, not_before=not_before)
    return out


def clean_agreement(ctx: Context) -> None:
    d = dispute(ctx)
    form = choice(ctx.payload, "form", Agreement.Form)
    reached_on = day(
        ctx.payload, "reached_on", today=ctx.today, not_before=d.started_on or ctx.case.received_on
    )
    parties = list(d.parties.all())
    c = ctx.cleaned
    c.update(form=form, reached_on=reached_on, parties=parties)
    c["performance"] = _terms(ctx, reached_on)
    for key in ART29_FIELDS:
        c[key] = text(ctx.payload, key, limit=MAX_LINE * 2 if key == "performance_place" else 20000)
    c["content"] = text(ctx.payload, "content")
    copies = count(ctx.payload.get("copies"), "copies", MAX_COPIES)
    c["copies"] = copies or len(parties) + 1
    mediators = d.mediators.all()
    if ctx.payload.get("mediator") not in (None, ""):
        c["mediator"] = mediators_of(
            [ctx.payload["mediator"]], committee_id=d.committee_id, on=reached_on
        )[0]
    else:
        c["mediator"] = mediators.first()
    if form == Agreement.Form.ORAL:
        if not c["content"]:
            refuse(MSG_ORAL_CONTENT)
        c.update(signatures=[], mediator_signed_on=None, sealed_on=None)
        return
    # Art. 29: every content, or the agreement is refused with the list of what is missing.
    missing = [label(key) for key in ART29_FIELDS if not c[key]]
    if not c["performance"]:
        missing.append(label("performance"))
    if missing:
        refuse(MSG_ART29, missing=SEP.join(missing))
    no_address = [p for p in parties if not p.address.strip()]
    if no_address:
        refuse(MSG_PARTY_INFO, names=SEP.join(p.name_masked for p in no_address))
    c["signatures"] = _signatures(ctx, reached_on)
    c.update(_sign_dates(ctx, reached_on))


def _effective_on(agreement: Agreement, parties) -> date | None:
    """Art. 29(2): the day the last signature, seal or fingerprint was made — once all are."""
    if not agreement.is_written:
        return agreement.reached_on
    signed = dict(agreement.signatures.values_list("party_id", "signed_on"))
    if any(p.pk not in signed for p in parties):
        return None
    if agreement.mediator_signed_on is None or agreement.sealed_on is None:
        return None
    return max([*signed.values(), agreement.mediator_signed_on, agreement.sealed_on])


def _take_effect(ctx: Context, agreement: Agreement, parties) -> None:
    on = _effective_on(agreement, parties)
    if on is None:
        return
    save(agreement, effective_on=on)
    if agreement.is_written:
        # The parties' window, never the office's deadline (人民调解法 art. 33).
        clocks.start(
            ctx.case, clocks.CONFIRMATION, on, actor=ctx.actor, party=Clock.Party.PETITIONER
        )
    clocks.sync_performance(ctx.case, agreement, on, actor=ctx.actor)
    ctx.data["effective_on"] = on.isoformat()


def _add_signatures(agreement: Agreement, signatures) -> None:
    for party, on, mark in signatures:
        AgreementSignature.objects.update_or_create(
            agreement=agreement, party=party, defaults={"signed_on": on, "mark": mark}
        )


def apply_agreement(ctx: Context) -> None:
    c = ctx.cleaned
    agreement = Agreement.objects.create(
        dispute=dispute(ctx),
        form=c["form"],
        reached_on=c["reached_on"],
        content=c["content"],
        mediator=c["mediator"],
        mediator_signed_on=c["mediator_signed_on"],
        sealed_on=c["sealed_on"],
        copies=c["copies"],
        recorded_by=ctx.actor,
        **{key: c[key] for key in ART29_FIELDS},
    )
    _add_signatures(agreement, c["signatures"])
    for order, term in enumerate(c["performance"]):
        Performance.objects.create(
            agreement=agreement, term=term["term"], due_on=term["due_on"], order=order
        )
    end_mediation(ctx, Outcome.AGREEMENT, c["reached_on"], final=False)
    ctx.data.update(
        agreement=agreement.pk,
        form=c["form"],
        reached_on=c["reached_on"].isoformat(),
        terms=len(c["performance"]),
    )
    _take_effect(ctx, agreement, c["parties"])
    ctx.note = text(ctx.payload, "note")


def sign_precondition(ctx: Context):
    agreement = current(ctx)
    if agreement is None or not agreement.is_written or agreement.effective:
        return MSG_NOTHING_TO_SIGN
    return None


def clean_sign(ctx: Context) -> None:
    agreement = current(ctx)
    signatures = _signatures(ctx, agreement.reached_on)
    dates = _sign_dates(ctx, agreement.reached_on)
    if not signatures and not any(dates.values()):
        refuse(MSG_NOTHING_NEW)
    ctx.cleaned.update(agreement=agreement, signatures=signatures, **dates)


def apply_sign(ctx: Context) -> None:
    c = ctx.cleaned
    agreement = c["agreement"]
    _add_signatures(agreement, c["signatures"])
    fields = {k: c[k] for k in ("mediator_signed_on", "sealed_on") if c[k] is not None}
    if fields:
        save(agreement, **fields)
    ctx.data.update(
        agreement=agreement.pk,
        signed=[p.pk for p, _on, _mark in c["signatures"]],
        **{k: v.isoformat() for k, v in fields.items()},
    )
    _take_effect(ctx, agreement, list(dispute(ctx).parties.all()))


# --------------------------------------------------------------------------- performance (art. 31)


def performance_precondition(ctx: Context):
    agreement = current(ctx)
    if agreement is None or not agreement.effective:
        return MSG_NO_AGREEMENT
    if not agreement.performances.exists():
        return MSG_NO_TERMS
    return None


def clean_performance(ctx: Context) -> None:
    agreement = current(ctx)
    term = agreement.performances.filter(pk=ident(ctx.payload.get("term"), "term")).first()
    if term is None:
        refuse(MSG_NO_TERMS)
    ctx.cleaned.update(
        agreement=agreement,
        term=term,
        result=choice(ctx.payload, "result", Performance.Result),
        checked_on=day(ctx.payload, "checked_on", today=ctx.today, not_before=agreement.reached_on),
        note=text(ctx.payload, "note"),
    )


def apply_performance(ctx: Context) -> None:
    c = ctx.cleaned
    save(c["term"], result=c["result"], checked_on=c["checked_on"], note=c["note"])
    clocks.sync_performance(ctx.case, c["agreement"], c["checked_on"], actor=ctx.actor)
    ctx.note = c["note"]
    ctx.data.update(
        term=c["term"].pk,
        result=c["result"],
        checked_on=c["checked_on"].isoformat(),
        due_on=c["term"].due_on.isoformat(),
    )
    # Unpaid wages agreed and not paid: the worker may seek a payment order (劳动争议调解仲裁法
    # art. 16); the case page says so.
    if c["result"] != Performance.Result.PERFORMED and dispute(ctx).is_labour:
        ctx.data["payment_order_route"] = True


def close_precondition(ctx: Context):
    agreement = current(ctx)
    if agreement is None or not agreement.effective:
        return MSG_NO_AGREEMENT
    if agreement.performances.filter(result="").exists():
        return MSG_TERMS_UNCHECKED
    return None


def clean_close(ctx: Context) -> None:
    agreement = current(ctx)
    note = text(ctx.payload, "note")
    unperformed = agreement.performances.exclude(result=Performance.Result.PERFORMED).exists()
    if unperformed and not note:
        refuse(MSG_UNPERFORMED_NOTE)
    ctx.cleaned.update(
        agreement=agreement,
        note=note,
        closed_on=day(ctx.payload, "closed_on", today=ctx.today, not_before=agreement.effective_on),
        unperformed=unperformed,
    )


def apply_close(ctx: Context) -> None:
    c = ctx.cleaned
    d = dispute(ctx)
    save(d, closed_on=c["closed_on"])
    core_clocks.stop_clock(ctx.case, clocks.PERFORMANCE, on=c["closed_on"])
    end_risk_notes(d, c["closed_on"])
    ctx.note = c["note"]
    ctx.data.update(closed_on=c["closed_on"].isoformat(), fully_performed=not c["unperformed"])


# --------------------------------------------------------------------------- failure (art. 26)


def clean_fail(ctx: Context) -> None:
    d = dispute(ctx)
    routes_optional(ctx)
    if ctx.cleaned["routes"] is None and d.routes_told_on is None:
        refuse(MSG_ROUTES_FIRST)
    ctx.cleaned.update(
        reason=text(ctx.payload, "reason", required=True),
        ended_on=day(
            ctx.payload,
            "ended_on",
            today=ctx.today,
            not_before=d.started_on or ctx.case.received_on,
        ),
    )


def apply_fail(ctx: Context) -> None:
    c = ctx.cleaned
    record_routes(ctx)
    save(dispute(ctx), failure_reason=c["reason"])
    end_mediation(ctx, Outcome.FAILED, c["ended_on"], final=True)
    ctx.note = c["reason"]
    ctx.data["ended_on"] = c["ended_on"].isoformat()


def routes_precondition(ctx: Context):
    return MSG_ROUTES_ALREADY if ctx.detail.routes_told_on is not None else None


def clean_routes(ctx: Context) -> None:
    routes_optional(ctx)


def apply_routes(ctx: Context) -> None:
    record_routes(ctx)
    ctx.note = text(ctx.payload, "routes_text")


# --------------------------------------------------------------------------- judicial confirmation


def _confirmations(agreement: Agreement):
    return JudicialConfirmation.objects.filter(agreement=agreement).order_by("-applied_on", "-id")


def confirmation_precondition(ctx: Context):
    agreement = current(ctx)
    if agreement is None or not agreement.is_written or not agreement.effective:
        return MSG_CONFIRM_WRITTEN
    last = _confirmations(agreement).first()
    if last is not None and last.pending:
        return MSG_CONFIRMATION_PENDING
    if last is not None and last.result == JudicialConfirmation.Result.CONFIRMED:
        return MSG_ALREADY_CONFIRMED
    return None


def _court_warnings(ctx: Context, agreement: Agreement) -> list[str]:
    warnings = []
    by_type = rules.confirmation_warning(ctx.case.category)
    if by_type:
        warnings.append(by_type)
    incomplete = [
        p
        for p in dispute(ctx).parties.all()
        if not p.address or not p.phone or (p.is_person and not p.id_number)
    ]
    if incomplete:
        names = SEP.join(p.name_masked for p in incomplete)
        warnings.append(str(MSG_MISSING_FOR_COURT) % {"names": names})
    return warnings


def clean_confirmation(ctx: Context) -> None:
    agreement = current(ctx)
    applied_on = day(ctx.payload, "applied_on", today=ctx.today, not_before=agreement.effective_on)
    window = deadlines.limit(clocks.CONFIRMATION).due(agreement.effective_on).date
    ctx.cleaned.update(
        agreement=agreement,
        court=text(ctx.payload, "court", required=True, limit=MAX_LINE),
        applied_on=applied_on,
        late=applied_on > window,
        warnings=_court_warnings(ctx, agreement),
    )


def apply_confirmation(ctx: Context) -> None:
    c = ctx.cleaned
    warnings = list(c["warnings"])
    if c["late"]:
        warnings.append(str(MSG_LATE_APPLICATION))
    application = JudicialConfirmation.objects.create(
        agreement=c["agreement"],
        court=c["court"],
        applied_on=c["applied_on"],
        late=c["late"],
        warning="\n".join(warnings),
        note=text(ctx.payload, "note"),
    )
    # The parties used their window (late or not): it stops.
    core_clocks.stop_clock(ctx.case, clocks.CONFIRMATION, on=c["applied_on"])
    ctx.note = application.note
    ctx.data.update(
        confirmation=application.pk,
        court=c["court"],
        applied_on=c["applied_on"].isoformat(),
        late=c["late"],
        warnings=warnings,
    )


def ruling_precondition(ctx: Context):
    agreement = current(ctx)
    last = _confirmations(agreement).first() if agreement else None
    return None if last is not None and last.pending else MSG_NO_APPLICATION


def clean_ruling(ctx: Context) -> None:
    application = _confirmations(current(ctx)).first()
    ctx.cleaned.update(
        application=application,
        result=choice(ctx.payload, "result", JudicialConfirmation.Result),
        result_on=day(ctx.payload, "result_on", today=ctx.today, not_before=application.applied_on),
    )


def apply_ruling(ctx: Context) -> None:
    c = ctx.cleaned
    note = text(ctx.payload, "note")
    fields = {"result": c["result"], "result_on": c["result_on"]}
    if note:
        fields["note"] = note
    save(c["application"], **fields)
    ctx.note = note
    ctx.data.update(
        confirmation=c["application"].pk, result=c["result"], result_on=c["result_on"].isoformat()
    )


def again_precondition(ctx: Context):
    agreement = current(ctx)
    last = _confirmations(agreement).first() if agreement else None
    if last is None or last.result != JudicialConfirmation.Result.REJECTED:
        return MSG_NOT_REJECTED
    return None


def clean_again(ctx: Context) -> None:
    last = _confirmations(current(ctx)).first()
    ctx.cleaned["started_on"] = day(
        ctx.payload, "started_on", today=ctx.today, not_before=last.result_on or last.applied_on
    )


def apply_again(ctx: Context) -> None:
    on = ctx.cleaned["started_on"]
    save(dispute(ctx), outcome="", ended_on=None, closed_on=None, started_on=on)
    for code in (clocks.PERFORMANCE, clocks.CONFIRMATION):
        clocks.cancel(ctx.case, code, on)
    clocks.start(ctx.case, clocks.GUIDELINE, on, actor=ctx.actor)
    ctx.note = text(ctx.payload, "note")
    ctx.data["started_on"] = on.isoformat()


# --------------------------------------------------------------------------- follow-up (回访)


def clean_followup(ctx: Context) -> None:
    agreement = current(ctx)
    floor = agreement.reached_on if agreement else ctx.case.received_on
    ctx.cleaned.update(
        on=day(ctx.payload, "on", today=ctx.today, not_before=floor),
        manner=choice(ctx.payload, "manner", M, default=M.IN_PERSON),
        note=text(ctx.payload, "note", required=True),
    )


def apply_followup(ctx: Context) -> None:
    c = ctx.cleaned
    visit = FollowUp.objects.create(
        dispute=dispute(ctx),
        on=c["on"],
        manner=c["manner"],
        by_id=actor_staff_id(ctx),
        note=c["note"],
    )
    ctx.note = c["note"]
    ctx.data.update(follow_up=visit.pk, on=c["on"].isoformat(), manner=c["manner"])
