"""Overdue supervision orders in the bell, from ``huiyin tick`` (registered in ``ready()``).

An order whose written feedback is past its deadline (and not closed) is reminded once per
deadline: the order is claimed with a conditional UPDATE of ``reminded_overdue_for`` in the
transaction that writes the notifications, so two copies of tick never remind twice; a new
deadline is reminded again. The reminders are the case core's
:class:`~huiyin.cases.models.Notification` rows (the bell counts them), kind "overdue", on one
of the order's matters the person may see (the notification opens that matter, whose page
names the order), the message naming the order.

Who is told: the issuing leader, the office (``assessment.manage``) and the target body's own
staff (a grant on it) — each only about a matter they may see (``Case.objects.visible_to``).
"""

from __future__ import annotations

import logging
from datetime import date

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import transaction
from django.db.models import F
from django.utils import translation
from django.utils.translation import gettext

from huiyin.assessment.models import SupervisionOrder
from huiyin.cases.models import Case, Notification
from huiyin.org.models import RoleGrant
from huiyin.org.roles import ROLE_PERMISSIONS, Perm

logger = logging.getLogger("huiyin.tick")

CODE = "supervision_order"


def message(order: SupervisionOrder) -> str:
    return gettext(
        "Supervision order %(number)s to %(body)s: the written feedback was due on %(date)s "
        "and has not been received (Regulations art. 40)."
    ) % {"number": order.number, "body": order.body_name, "date": order.deadline.isoformat()}


def _people(order: SupervisionOrder, grants: list[tuple]) -> set[int]:
    people: set[int] = set()
    if order.leader.user_id:
        people.add(order.leader.user_id)
    for user_id, role, community_id, unit_id in grants:
        if (
            Perm.ASSESSMENT_MANAGE in ROLE_PERMISSIONS.get(role, frozenset())
            or order.community_id
            and community_id == order.community_id
            or order.unit_id
            and unit_id == order.unit_id
        ):
            people.add(user_id)
    return people


def _claim(order: SupervisionOrder) -> bool:
    return (
        SupervisionOrder.objects.filter(pk=order.pk, feedback_on__isnull=True)
        .exclude(reminded_overdue_for=order.deadline)
        .update(reminded_overdue_for=order.deadline)
        == 1
    )


def remind(day: date) -> tuple[int, int]:
    """(orders reminded, notifications written) for the orders overdue at the end of `day`."""
    todo = list(
        SupervisionOrder.objects.filter(
            feedback_on__isnull=True, closed_on__isnull=True, deadline__lt=day
        )
        .exclude(reminded_overdue_for=F("deadline"))
        .select_related("leader", "community", "unit")
        .prefetch_related("cases")
        .order_by("deadline", "pk")
    )
    if not todo:
        return 0, 0
    grants = list(
        RoleGrant.objects.filter(staff__user__is_active=True).values_list(
            "staff__user_id", "role", "community_id", "unit_id"
        )
    )
    users = {u.pk: u for u in get_user_model().objects.filter(is_active=True)}
    reminded = written = 0
    with translation.override(settings.LANGUAGE_CODE):
        for order in todo:
            case_ids = [c.pk for c in order.cases.all()]
            rows = []
            for user_id in sorted(_people(order, grants)):
                user = users.get(user_id)
                if user is None or not case_ids:
                    continue
                seen = (
                    Case.objects.visible_to(user)
                    .filter(pk__in=case_ids)
                    .order_by("pk")
                    .values_list("pk", flat=True)
                    .first()
                )
                if seen is not None:
                    rows.append(
                        Notification(
                            recipient_id=user_id,
                            case_id=seen,
                            kind=Notification.Kind.OVERDUE,
                            due_on=None,
                            codes=[CODE],
                            message=message(order)[:300],
                        )
                    )
            with transaction.atomic():
                if not _claim(order):
                    continue
                reminded += 1
                Notification.objects.bulk_create(rows)
                written += len(rows)
    return reminded, written


def tick_hook(today: date) -> str:
    reminded, written = remind(today)
    return gettext("supervision: %(orders)s orders overdue, %(sent)s reminders") % {
        "orders": reminded,
        "sent": written,
    }
