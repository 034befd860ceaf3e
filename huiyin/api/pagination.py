"""Cursor pagination over the web lists' orders: a page costs the same wherever it is.

The cursor is the last row's sort key (due date, moment received, id), signed so that a
client cannot forge one; the next page is the rows after it in the same order (a keyset
condition on the ``case_list_*`` indexes), never an OFFSET that reads every row before.

Orders (the web lists'): ``due`` — nearest due date first, cases without one last, then
newest first; ``-received`` — newest first; ``received`` — oldest first. Ties end on the id.
"""

from __future__ import annotations

from datetime import date, datetime

from django.core import signing
from django.db.models import F, Q, QuerySet
from django.utils.translation import gettext_lazy as _

from huiyin.api.problems import Problem
from huiyin.cases.models import Case

SALT = "huiyin.api.cursor"
MAX_CURSOR = 400
DEFAULT_LIMIT = 50
MAX_LIMIT = 100

MSG_CURSOR = _("The cursor is not valid: start again from the first page.")


def order(cases: QuerySet, sort: str) -> QuerySet:
    if sort == "received":
        return cases.order_by("received_at", "id")
    if sort == "-received":
        return cases.order_by("-received_at", "-id")
    return cases.order_by(F("due_on").asc(nulls_last=True), "-received_at", "-id")


def encode(case: Case, sort: str) -> str:
    key = [
        sort,
        case.due_on.isoformat() if case.due_on else None,
        case.received_at.isoformat(),
        case.pk,
    ]
    return signing.dumps(key, salt=SALT, compress=True)


def decode(cursor: str, sort: str) -> tuple[date | None, datetime, int]:
    """The key of the last row seen; 400 for a cursor not ours or of another order."""
    if len(cursor) > MAX_CURSOR:
        raise Problem("malformed", MSG_CURSOR)
    try:
        key = signing.loads(cursor, salt=SALT)
        seen_sort, due, received, pk = key
        if seen_sort != sort or not isinstance(pk, int):
            raise ValueError(key)
        due_on = date.fromisoformat(due) if due is not None else None
        received_at = datetime.fromisoformat(received)
    except (signing.BadSignature, ValueError, TypeError):
        raise Problem("malformed", MSG_CURSOR) from None
    return due_on, received_at, pk


def after(cases: QuerySet, sort: str, cursor: str) -> QuerySet:
    """The rows after `cursor` in the order `sort`."""
    due_on, received_at, pk = decode(cursor, sort)
    if sort == "received":
        return cases.filter(Q(received_at__gt=received_at) | Q(received_at=received_at, pk__gt=pk))
    newer_first = Q(received_at__lt=received_at) | Q(received_at=received_at, pk__lt=pk)
    if sort == "-received":
        return cases.filter(newer_first)
    if due_on is None:
        return cases.filter(Q(due_on__isnull=True) & newer_first)
    return cases.filter(
        Q(due_on__gt=due_on) | Q(due_on__isnull=True) | (Q(due_on=due_on) & newer_first)
    )


def page(cases: QuerySet, sort: str, cursor: str | None, limit: int) -> tuple[list, str | None]:
    """(the page's cases, the cursor of the next page or None)."""
    if cursor:
        cases = after(cases, sort, cursor)
    rows = list(order(cases, sort)[: limit + 1])
    if len(rows) > limit:
        rows = rows[:limit]
        return rows, encode(rows[-1], sort)
    return rows, None
