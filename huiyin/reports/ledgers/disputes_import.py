"""Disputes already in Huiyin that a ledger's rows repeat: skipped, not imported twice.

The same matter is the same 登记日期, the same 纠纷简要情况 (the dispute's account, or its
title when it has none — what the export writes) and the same first 申请人 (by ID number,
else by name). The engine (``load.py``) calls :func:`existing_duplicates` for every batch of
valid rows; rows repeated within the file are the engine's error.
"""

from __future__ import annotations

from datetime import timedelta

from django.db.models import Q
from django.utils import timezone

from huiyin.cases.deadlines import CHINA_TZ
from huiyin.cases.kinds import Kind
from huiyin.cases.models import Case
from huiyin.disputes.models import Party
from huiyin.org.access import reach_of
from huiyin.org.roles import Perm
from huiyin.reports.ledgers.disputes_check import Row, duplicate_key, person_key
from huiyin.reports.ledgers.disputes_write import start_of_day
from huiyin.reports.ledgers.petitions_check import title_of

__all__ = ["existing_duplicates"]


def existing_duplicates(rows: list[Row], actor=None) -> dict[bytes, str]:
    """{duplicate key: case number} of the disputes in Huiyin these rows repeat; the number is
    "" for a dispute the importer may not open (skipped all the same)."""
    if not rows:
        return {}
    first = min(r.received_on for r in rows)
    last = max(r.received_on for r in rows)
    texts = {r.text for r in rows}
    titles = {title_of(text) for text in texts}
    cases = list(
        Case.objects.filter(
            kind=Kind.DISPUTE,
            withdrawn=False,
            received_at__gte=start_of_day(first),
            received_at__lt=start_of_day(last + timedelta(days=1)),
        )
        .filter(Q(title__in=titles) | Q(title__in=texts))
        .values_list("pk", "number", "title", "description", "received_at")
    )
    if not cases:
        return {}
    firsts: dict[int, Party] = {}
    applicants = Party.objects.filter(dispute_id__in=[c[0] for c in cases], side=Party.Side.A)
    for party in applicants.order_by("-order", "-id"):
        firsts[party.dispute_id] = party  # the last assignment is the first applicant
    shown = {c[0] for c in cases}
    if actor is not None and not reach_of(actor).can(Perm.ADMIN_MANAGE):
        shown = set(
            Case.objects.visible_to(actor, kind=Kind.DISPUTE)
            .filter(pk__in=shown)
            .values_list("pk", flat=True)
        )
    found = {}
    for pk, number, title, description, received_at in cases:
        party = firsts.get(pk)
        if party is None:
            continue
        day = timezone.localtime(received_at, CHINA_TZ).date()
        key = duplicate_key(day, description or title, person_key(party.name, party.id_number))
        found[key] = number if pk in shown else ""
    return found
