"""Migration cases/0010: the reminders already written are merged, one per case and day."""

from __future__ import annotations

from datetime import date

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.utils import timezone

BEFORE = [("cases", "0009_count_index_on_postgresql")]
AFTER = [("cases", "0010_one_notification_per_case_and_day")]


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_it_merges_the_reminders_of_one_case_and_day(personas):
    from huiyin.org.roles import Role
    from huiyin.petitions.tests.factories import register

    clerk = personas[Role.PETITION_CLERK]
    case = register(clerk).case
    clocks = {c.code: c.pk for c in case.clocks.all()}
    executor = MigrationExecutor(connection)
    executor.migrate(BEFORE)
    try:
        old = executor.loader.project_state(BEFORE).apps.get_model("cases", "Notification")
        day, now = date(2026, 12, 8), timezone.now()
        for code, read_at in (("acceptance_notice", now), ("register_transfer", None)):
            old.objects.create(
                recipient_id=clerk.pk,
                case_id=case.pk,
                clock_id=clocks[code],
                kind="due_soon",
                due_on=day,
                message=code,
                read_at=read_at,
            )
        old.objects.create(
            recipient_id=clerk.pk,
            case_id=case.pk,
            clock_id=clocks["acceptance_notice"],
            kind="overdue",
            due_on=day,
            message="overdue",
            read_at=now,
        )
    finally:
        executor = MigrationExecutor(connection)
        executor.migrate(AFTER)
        executor.loader.build_graph()
        executor.migrate(executor.loader.graph.leaf_nodes())

    from huiyin.cases.models import Notification

    rows = list(Notification.objects.order_by("kind").values_list("kind", "codes", "read_at"))
    assert [(kind, codes) for kind, codes, _read in rows] == [
        ("due_soon", ["register_transfer", "acceptance_notice"]),
        ("overdue", ["acceptance_notice"]),
    ]
    assert rows[0][2] is None  # one of the two was unread: the merged one is unread
    assert rows[1][2] is not None
