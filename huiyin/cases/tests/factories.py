"""Core cases for the engine tests, made directly (numbers allocated like the services do)."""

from __future__ import annotations

from datetime import datetime

from django.db import transaction
from django.utils import timezone

from huiyin.cases import numbering
from huiyin.cases.kinds import Kind
from huiyin.cases.models import Case
from huiyin.testing.factories import StreetFactory


def make_case(*, kind: str = Kind.PETITION, status: str = "registered", **fields) -> Case:
    street = fields.pop("street", None) or StreetFactory()
    received_at = fields.pop("received_at", None) or timezone.now()
    year = timezone.localtime(received_at).year if isinstance(received_at, datetime) else 2026
    with transaction.atomic():
        seq, number = numbering.allocate(street, kind, year)
        return Case.objects.create(
            street=street,
            kind=kind,
            number=number,
            year=year,
            seq=seq,
            title=fields.pop("title", "测试事项"),
            status=status,
            received_at=received_at,
            **fields,
        )
