"""Migrations assessment/0005-0006: each existing round takes the street of the bodies it
scored (else the first street), and the street is then required."""

from __future__ import annotations

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.utils import timezone

from huiyin.testing import factories as f

BEFORE = [("assessment", "0004_supervision_street_year_seq")]
AFTER = [("assessment", "0006_round_street_required")]


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_each_round_takes_the_street_of_the_bodies_it_scored(street):
    second = f.StreetFactory(name="溪桥街道", short_name="溪桥")
    community_b = f.CommunityFactory(street=second, name="石门社区")
    executor = MigrationExecutor(connection)
    executor.migrate(BEFORE)
    try:
        old = executor.loader.project_state(BEFORE).apps
        Scheme = old.get_model("assessment", "Scheme")
        Round = old.get_model("assessment", "Round")
        Score = old.get_model("assessment", "Score")
        today = timezone.localdate()
        scheme = Scheme.objects.create(name="旧方案", status="published", valid_from=today)
        scored = Round.objects.create(scheme=scheme, name="乙街旧轮次", start=today, end=today)
        Score.objects.create(round=scored, community_id=community_b.pk)
        empty = Round.objects.create(scheme=scheme, name="空轮次", start=today, end=today)
        executor = MigrationExecutor(connection)
        executor.migrate(AFTER)
        new = executor.loader.project_state(AFTER).apps.get_model("assessment", "Round")
        streets = dict(new.objects.values_list("pk", "street_id"))
        assert streets == {scored.pk: second.pk, empty.pk: street.pk}
    finally:
        executor = MigrationExecutor(connection)
        executor.loader.build_graph()
        executor.migrate(executor.loader.graph.leaf_nodes())
