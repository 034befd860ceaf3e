"""What several steps share: the dispute's place and committee, the end of a mediation."""

from __future__ import annotations

from datetime import date

from django.utils.translation import gettext_lazy as _

from huiyin.cases.models import staff_of
from huiyin.cases.workflow import Context
from huiyin.disputes import clocks
from huiyin.disputes.checks import ident, label, refuse
from huiyin.disputes.models import Committee, Dispute, Mediator, Party, RiskNote, Tier

MSG_PARTY_UNKNOWN = _("Choose a party of this dispute.")
MSG_COMMITTEE_UNKNOWN = _("Choose an active mediation committee of this street.")
MSG_COMMITTEE_TIER = _("The committee is not of the chosen tier.")
MSG_COMMITTEE_PLACE = _("The committee does not serve the dispute's community.")
MSG_MEDIATOR_UNKNOWN = _(
    "Choose mediators of the handling committee who are active and within their term."
)

#: The most mediators one step may name.
MAX_MEDIATORS = 20


def save(obj, **fields) -> None:
    for name, value in fields.items():
        setattr(obj, name, value)
    obj.save(update_fields=list(fields))


def dispute(ctx: Context) -> Dispute:
    return ctx.detail


def party_of(ctx: Context, key: str = "party", value=None) -> Party:
    pk = ident(ctx.payload.get(key) if value is None else value, key)
    party = Party.objects.filter(pk=pk, dispute_id=ctx.case.pk).first()
    if party is None:
        refuse(MSG_PARTY_UNKNOWN)
    return party


def committee_of(value, case, *, tier: str | None = None) -> Committee:
    """An active committee of the case's street that can handle it at `tier`."""
    pk = ident(value, "committee")
    committee = Committee.objects.filter(pk=pk, street_id=case.street_id, active=True).first()
    if committee is None:
        refuse(MSG_COMMITTEE_UNKNOWN)
    if tier is not None and committee.tier != tier:
        refuse(MSG_COMMITTEE_TIER)
    check_committee_place(committee, case.community_id, case.grid_id)
    return committee


def check_committee_place(committee: Committee, community_id, grid_id) -> None:
    """A grid's group or a community's committee handles disputes of its own place only."""
    if committee.tier == Tier.COMMUNITY and committee.community_id != community_id:
        refuse(MSG_COMMITTEE_PLACE)
    if committee.tier == Tier.GRID and (
        committee.community_id != community_id or (grid_id and committee.grid_id != grid_id)
    ):
        refuse(MSG_COMMITTEE_PLACE)


def mediators_of(values, *, committee_id: int | None, on: date) -> list[Mediator]:
    """Mediators active and within their term on `on`, of the committee when there is one."""
    ids = [ident(v, "mediators") for v in values]
    found = {m.pk: m for m in Mediator.objects.filter(pk__in=ids).select_related("committee")}
    result = []
    for pk in dict.fromkeys(ids):
        mediator = found.get(pk)
        if mediator is None or not mediator.in_term(on) or not mediator.committee.active:
            refuse(MSG_MEDIATOR_UNKNOWN)
        if committee_id is not None and mediator.committee_id != committee_id:
            refuse(MSG_MEDIATOR_UNKNOWN)
        result.append(mediator)
    return result


def apply_committee(ctx: Context, committee: Committee | None, tier: str) -> None:
    """Hand the dispute to `committee` at `tier`: a unit's committee makes its unit the case's
    owner unit, so that unit's grants reach it (``Case.objects.visible_to``)."""
    d = dispute(ctx)
    changed = {}
    if d.tier != tier:
        changed["tier"] = tier
    if d.committee_id != (committee.pk if committee else None):
        changed["committee"] = committee
    if changed:
        save(d, **changed)
    unit_committee = committee is not None and committee.tier == Tier.UNIT
    if unit_committee and ctx.case.owner_unit_id != committee.unit_id:
        ctx.update_case(owner_unit=committee.unit)


def actor_staff_id(ctx: Context) -> int | None:
    return staff_of(ctx.actor)[0]


def end_mediation(ctx: Context, outcome: str, on: date, *, final: bool) -> None:
    """The mediation ended on `on` with `outcome`: its clocks stop; in a final state the case is
    closed and its risk notes end with it (never carried on)."""
    d = dispute(ctx)
    fields = {"ended_on": on, "outcome": outcome}
    if final:
        fields["closed_on"] = on
    save(d, **fields)
    clocks.stop_mediation_clocks(ctx.case, on)
    if final:
        end_risk_notes(d, on)


def end_risk_notes(d: Dispute, on: date) -> None:
    RiskNote.objects.filter(dispute=d, ended_on__isnull=True).update(ended_on=on)


def masked(party: Party) -> str:
    return party.name_masked


def field(key: str) -> str:
    return label(key)
