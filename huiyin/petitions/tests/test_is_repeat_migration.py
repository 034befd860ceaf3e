"""Migration petitions/0003: every petition linked to an earlier one is marked a repeat."""

from __future__ import annotations

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

BEFORE = [("petitions", "0002_track_attempt")]
AFTER = [("petitions", "0003_is_repeat")]


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_it_marks_the_petitions_linked_to_an_earlier_one(personas, community):
    from huiyin.org.roles import Role
    from huiyin.petitions.tests.factories import days_ago, register

    clerk = personas[Role.PETITION_CLERK]
    earlier = register(clerk, community=community, received_at=days_ago(30))
    later = register(clerk, community=community, received_at=days_ago(5), repeat_of=earlier.pk)
    executor = MigrationExecutor(connection)
    executor.migrate(BEFORE)
    try:
        executor = MigrationExecutor(connection)
        executor.migrate(AFTER)
    finally:
        executor = MigrationExecutor(connection)
        executor.loader.build_graph()
        executor.migrate(executor.loader.graph.leaf_nodes())

    from huiyin.petitions.models import Petition

    marks = dict(Petition.objects.values_list("pk", "is_repeat"))
    assert marks == {earlier.pk: False, later.pk: True}
