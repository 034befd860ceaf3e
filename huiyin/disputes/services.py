"""Dispute services: registration, parties, a petition turned into mediation, identity.

Screens, the ledger importer, the demo and the API call these (and the step functions of
:mod:`huiyin.disputes.actions`, re-exported here, for the workflow's transitions). Each checks
permissions, validates with translatable messages and writes the change with its timeline
event and audit entry in one transaction.

Errors:

* :class:`DisputeInvalid` — bad input; ``errors`` maps a field (``"amount"``,
  ``"parties"``, ``"parties.0.phone"``...) to its messages, for a form to show;
* :class:`~huiyin.cases.exceptions.TransitionRefused` — the step is not possible now, or the
  person may not take it here (with the message to show);
* ``PermissionDenied`` — the person may not register disputes there (audited);
* ``Http404`` — the case is not visible to the person (audited by the door).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date

from django.core.exceptions import PermissionDenied
from django.db import transaction

from huiyin.cases import bounds
from huiyin.cases.exceptions import TransitionRefused
from huiyin.cases.kinds import Kind
from huiyin.cases.models import Case, CaseEvent
from huiyin.cases.services import holds
from huiyin.disputes import checks, rules
from huiyin.disputes import clocks as dispute_clocks
from huiyin.disputes.actions import (  # the step functions are services too
    apply_confirmation,
    assign_mediators,
    close_dispute,
    correct_details,
    escalate,
    extend_court_period,
    fail_with_notice,
    mediate_again,
    note_risk,
    record_agreement,
    record_confirmation,
    record_consent,
    record_followup,
    record_performance,
    record_police_answer,
    record_session,
    record_transfer_result,
    report_to_police,
    sign_agreement,
    start_mediation,
    tell_rights,
    tell_routes,
    transfer,
)
from huiyin.disputes.models import Consent, Dispute, Manner, Party, Source, Status
from huiyin.disputes.registration import (
    MSG_BOTH_SIDES,
    MSG_CHOICE,
    MSG_NO_PERM,
    MSG_NOT_PETITION,
    MSG_PARTY_STATE,
    MSG_TOO_MANY_PARTIES,
    REGISTER_PERMS,
    DisputeInvalid,
    Errors,
    check_scope,
    clean_party,
    clean_registration,
    create_dispute,
    create_party,
    deny,
    masked_party,
    register_dispute,
    street_of,
)
from huiyin.org.access import reach_of
from huiyin.org.roles import Perm


def add_party(
    case: Case,
    actor,
    *,
    side: str,
    name: str,
    kind: str = Party.PartyKind.PERSON,
    id_number: str = "",
    phone: str = "",
    address: str = "",
    legal_representative: str = "",
    request=None,
) -> Party:
    """Add a party to a dispute before its mediation ends (registered or in mediation).

    Needs DISPUTES_SCREEN or DISPUTES_MEDIATE over the case.
    """
    from huiyin.privacy.audit import record

    case = Case.objects.get_for_user(actor, case.pk)
    if case.kind != Kind.DISPUTE or not holds(actor, case, *REGISTER_PERMS):
        raise TransitionRefused(MSG_NO_PERM)
    errors = Errors()
    row = {
        "side": side,
        "kind": kind,
        "name": name,
        "id_number": id_number,
        "phone": phone,
        "address": address,
        "legal_representative": legal_representative,
    }
    person = clean_party(row, "party", errors)
    errors.raise_if_any()
    with transaction.atomic():
        dispute = Dispute.objects.select_for_update().get(pk=case.pk)
        current = Case.objects.get(pk=case.pk)
        if current.status not in (Status.REGISTERED, Status.MEDIATING) or current.withdrawn:
            raise TransitionRefused(MSG_PARTY_STATE)
        existing = dispute.parties.count()
        if existing >= rules.max_parties():
            raise DisputeInvalid(
                {"party": [str(MSG_TOO_MANY_PARTIES) % {"max": rules.max_parties()}]}
            )
        party = create_party(dispute, person, existing)
        CaseEvent.objects.create(
            case=case,
            actor=actor,
            kind="party_added",
            data={"party": party.pk, **masked_party(party)},
        )
        record(
            "object.create",
            actor=actor,
            target=party,
            target_label=case.number,
            diff=masked_party(party),
            request=request,
        )
    return party


# --------------------------------------------------------------------------- from a petition


def petition_to_dispute(
    petition_case: Case,
    actor,
    *,
    parties: Sequence[Mapping] = (),
    copy_petitioners: bool = True,
    consented_on: date | str | None = None,
    consent_manner: str = Manner.WRITTEN,
    received_on: date | str | None = None,
    title: str | None = None,
    description: str | None = None,
    category=None,
    tier: str | None = None,
    committee=None,
    facts: str = "",
    claims: str = "",
    amount=None,
    people_count=None,
    request=None,
) -> Case:
    """Turn a petition into a people's mediation with both parties' consent (条例 art. 33, 37).

    The dispute (source "petition") links to the petition and the petition's timeline notes
    the dispute's number: the link both ways. With `copy_petitioners` the petitioners become
    side-A parties (their identity copied encrypted, never shown); `parties` adds the others
    (side B at least). Every party's consent is recorded on `consented_on` (default today) in
    `consent_manner`. Title, description and place default to the petition's. One transaction;
    DisputeInvalid, PermissionDenied and Http404 as :func:`register_dispute`.
    """
    from huiyin.petitions.models import Petitioner

    petition = Case.objects.get_for_user(actor, petition_case.pk)
    if petition.kind != Kind.PETITION:
        raise DisputeInvalid({"petition_case": [MSG_NOT_PETITION]})
    reach = reach_of(actor)
    if not any(reach.can(perm) for perm in REGISTER_PERMS):
        deny(actor, "dispute.register")
    rows = []
    if copy_petitioners:
        for p in Petitioner.objects.filter(petition_id=petition.pk).order_by("order", "id"):
            rows.append(
                {
                    "side": Party.Side.A,
                    "name": p.name,
                    "id_number": p.id_number,
                    "phone": p.phone,
                    "address": p.address,
                }
            )
    rows.extend(parties or ())
    data = {
        "title": petition.title if title is None else title,
        "description": petition.description if description is None else description,
        "community": petition.community,
        "grid": petition.grid,
        "category": category,
        "source": Source.PETITION,
        "received_on": received_on or bounds.today(),
        "parties": rows,
        "facts": facts,
        "claims": claims,
        "amount": amount,
        "people_count": people_count,
        "tier": tier,
        "committee": committee,
        "petition_case": petition,
    }
    errors = Errors()
    c = clean_registration(actor, data, errors)
    if {p.get("side") for p in c["parties"]} != {Party.Side.A, Party.Side.B}:
        errors.add("parties", MSG_BOTH_SIDES)
    consent_on = errors.guard(
        "consented_on",
        checks.day,
        {"consented_on": consented_on},
        "consented_on",
        today=bounds.today(),
        not_before=petition.received_on,
    )
    if consent_manner not in Manner.values:
        errors.add("consent_manner", MSG_CHOICE)
    street = street_of(c, actor)
    if street is None:
        errors.add("community", MSG_CHOICE)
    errors.raise_if_any()
    check_scope(actor, c, street)
    with transaction.atomic():
        case = create_dispute(actor, c, street, request)
        for party in Party.objects.filter(dispute_id=case.pk):
            Consent.objects.create(
                party=party, agreed=True, on=consent_on, manner=consent_manner, recorded_by=actor
            )
            CaseEvent.objects.create(
                case=case,
                actor=actor,
                kind="consent",
                data={
                    "party": party.pk,
                    "party_masked": party.name_masked,
                    "agreed": True,
                    "on": consent_on.isoformat(),
                    "manner": consent_manner,
                },
            )
        CaseEvent.objects.create(
            case=case,
            actor=actor,
            kind="from_petition",
            data={"petition_case": petition.pk, "petition_number": petition.number},
        )
    return case


# --------------------------------------------------------------------------- identity


def parties_for_display(case: Case | Dispute | int) -> list[dict]:
    """The parties with masked identity only (no decryption): for every screen and list."""
    pk = getattr(case, "pk", case)
    return list(
        Party.objects.filter(dispute_id=pk).values(
            "id",
            "side",
            "kind",
            "name_masked",
            "id_number_masked",
            "phone_masked",
            "legal_representative",
            "order",
        )
    )


def party_identity(request, party_id: int) -> dict[str, str]:
    """A party's full identity (name, id_number, phone, address) for those who mediate.

    Through the case's door (Http404, audited, when it is not visible to ``request.user``);
    then Perm.IDENTITY_VIEW or DISPUTES_MEDIATE over the case (the mediator writes the
    agreement with it), else PermissionDenied. Audited "identity.view" / "access.denied"
    either way (field names, never values). Call it outside a transaction of your own.
    """
    from django.http import Http404

    from huiyin.privacy import audit

    pk = bounds.bounded_int(party_id, 1, bounds.MAX_ID)
    dispute_id = (
        Party.objects.filter(pk=pk).values_list("dispute_id", flat=True).first() if pk else None
    )
    if dispute_id is None:
        raise Http404
    case = Case.objects.get_for_user(request.user, dispute_id)
    party = Party.objects.get(pk=pk)
    fields = {
        "name": party.name,
        "id_number": party.id_number,
        "phone": party.phone,
        "address": party.address,
    }
    names = list(fields)
    allowed = reach_of(request.user).can(Perm.IDENTITY_VIEW) or holds(
        request.user, case, Perm.DISPUTES_MEDIATE
    )
    with transaction.atomic():
        if not allowed:
            audit.record(
                "access.denied",
                request=request,
                target=case,
                diff={"permission": Perm.DISPUTES_MEDIATE, "fields": names, "party": party.pk},
            )
        else:
            audit.record(
                "identity.view",
                request=request,
                target=case,
                diff={"fields": names, "party": party.pk},
            )
    if not allowed:
        raise PermissionDenied
    return fields


# --------------------------------------------------------------------------- reading


def confirmation_warning(case: Case) -> str:
    """The art. 355 warning for the dispute's type, or "" (shown before the parties apply)."""
    return rules.confirmation_warning(case.category)


escalation_offer = dispute_clocks.escalation_offer
labour_arbitration_open = dispute_clocks.labour_arbitration_open
confirmation_window = dispute_clocks.confirmation_window


__all__ = [
    "DisputeInvalid",
    "REGISTER_PERMS",
    "add_party",
    "confirmation_warning",
    "confirmation_window",
    "escalation_offer",
    "labour_arbitration_open",
    "parties_for_display",
    "party_identity",
    "petition_to_dispute",
    "register_dispute",
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
