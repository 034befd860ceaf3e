"""Correcting a dispute's type and basic details after registration ("correct_details").

A dispute registered as, say, 邻里 may turn out to be about unpaid wages: the type is corrected
with a reason, and the clocks follow it while the mediation runs (registered or mediating):

* becoming a labour dispute (劳动争议, 欠薪 below it) starts ``labour_mediation`` from the day
  the application was received, as registration would have (劳动争议调解仲裁法 art. 14: 15 days
  from the application) — so it may be overdue at once, and the page says so;
* ceasing to be one cancels the running ``labour_mediation`` clock: neither met nor late,
  and no longer in the case's due date or an overdue figure.

Once the mediation has ended (an agreement, under performance) the type may still be corrected
for the ledgers and figures, but the mediation clocks, already stopped, stay as they are; an
ended dispute (closed, failed, refused, transferred) is refused. The title, the amount
involved and the people involved may be corrected with it. The timeline event keeps the old
and new type and the reason; the audit entry the old and new values (a title only as "…": it
may name people, as in ``cases.services.update_case``).
"""

from __future__ import annotations

from decimal import Decimal

from django.utils.translation import gettext_lazy as _

from huiyin.cases import bounds
from huiyin.cases.kinds import Kind
from huiyin.cases.models import Case, Category
from huiyin.cases.workflow import Context
from huiyin.disputes import clocks, rules
from huiyin.disputes.checks import MSG_CHOICE, amount, blank, count, ident, label, refuse, text
from huiyin.disputes.models import Status
from huiyin.disputes.steps.common import dispute, save

#: The longest reason for a correction.
MAX_REASON = 500
TITLE_MAX = Case._meta.get_field("title").max_length

#: States in which the mediation runs, so its clocks follow the type.
RUNNING = (Status.REGISTERED, Status.MEDIATING)
#: States in which the dispute has ended: nothing is corrected any more.
ENDED = (Status.CLOSED, Status.FAILED, Status.REFUSED, Status.TRANSFERRED)

MSG_ENDED = _(
    "This dispute has ended; its type and basic details can no longer be corrected. Add a note "
    "to the timeline instead."
)
MSG_NOTHING = _("Nothing to correct: the values given are the ones already recorded.")

LABOUR_STARTED = "started"
LABOUR_CANCELLED = "cancelled"


def precondition(ctx: Context) -> str | None:
    if ctx.case.status in ENDED:
        return MSG_ENDED
    return None


def _category(ctx: Context) -> Category:
    """A dispute type in use, or the one the dispute already has (even if retired since)."""
    pk = ident(ctx.payload.get("category"), "category")
    found = Category.objects.filter(pk=pk, kind=Kind.DISPUTE).select_related("parent").first()
    if found is None or not (found.active or found.pk == ctx.case.category_id):
        refuse(MSG_CHOICE, field=label("category"))
    return found


def clean(ctx: Context) -> None:
    p, c, d = ctx.payload, ctx.cleaned, dispute(ctx)
    c["reason"] = text(p, "reason", required=True, limit=MAX_REASON)
    c["category"] = _category(ctx)
    changes: dict = {}
    if c["category"].pk != ctx.case.category_id:
        changes["category"] = c["category"]
    if not blank(p.get("title")):
        title = text(p, "title", limit=TITLE_MAX)
        if title != ctx.case.title:
            changes["title"] = title
    if "amount" in p:
        value = amount(p.get("amount"), "amount", rules.max_amount())
        if value != (Decimal(d.amount).quantize(Decimal("0.01")) if d.amount is not None else None):
            changes["amount"] = value
    if "people_count" in p:
        value = count(p.get("people_count"), "people_count", bounds.max_headcount())
        if value != d.people_count:
            changes["people_count"] = value
    if not changes:
        refuse(MSG_NOTHING)
    c["changes"] = changes


def _type_name(category: Category | None) -> str:
    """The type as the ledger names it: 劳动争议/欠薪."""
    return "/".join(reversed(rules.type_path(category))) if category is not None else ""


def apply(ctx: Context) -> None:
    from huiyin.cases import search

    c, d, case = ctx.cleaned, dispute(ctx), ctx.case
    changes = c["changes"]
    old_category = case.category
    data: dict = {"fields": sorted(changes)}
    audit: dict = {}
    if "category" in changes:
        new = changes["category"]
        data["category"] = [_type_name(old_category), _type_name(new)]
        audit["category"] = [case.category_id, new.pk]
        audit["type"] = data["category"]
        Case.objects.filter(pk=case.pk).update(category=new)
        case.category = new
        labour = _follow_labour(ctx, rules.is_labour_category(old_category), new)
        if labour:
            data["labour_clock"] = labour
            audit["labour_clock"] = labour
    if "title" in changes:
        Case.objects.filter(pk=case.pk).update(title=changes["title"])
        case.title = changes["title"]
        case.refresh_from_db(fields=["number", "description"])
        search.refresh([case])
        audit["title"] = "…"
    own = {k: changes[k] for k in ("amount", "people_count") if k in changes}
    for key, value in own.items():
        old = getattr(d, key)
        data[key] = audit[key] = [_plain(old), _plain(value)]
    if own:
        save(d, **own)
    ctx.note = c["reason"]
    ctx.data = data
    ctx.diff.update(audit)
    ctx.diff["reason"] = c["reason"]


def _follow_labour(ctx: Context, was_labour: bool, category: Category) -> str | None:
    """Start or cancel the labour clock as the type now says; None when nothing changes."""
    if ctx.case.status not in RUNNING:
        return None
    now_labour = rules.is_labour_category(category)
    if now_labour and not was_labour and clocks.running(ctx.case, clocks.LABOUR) is None:
        # From the day the application was received (art. 14), not from the correction.
        clocks.start(ctx.case, clocks.LABOUR, ctx.case.received_on, actor=ctx.actor)
        return LABOUR_STARTED
    if was_labour and not now_labour and clocks.running(ctx.case, clocks.LABOUR) is not None:
        clocks.cancel(ctx.case, clocks.LABOUR, ctx.today)
        return LABOUR_CANCELLED
    return None


def _plain(value):
    return str(value) if isinstance(value, Decimal) else value
