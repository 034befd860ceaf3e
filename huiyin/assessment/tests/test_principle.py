"""Handling, not head-counts: no rule, target or ranking moves with the number of petitions or
the level at which they were lodged (the design's principle 5)."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from huiyin.assessment import keys
from huiyin.assessment.defaults import ensure_default_scheme
from huiyin.assessment.models import Method, Scheme, SchemeItem, SchemeStatus
from huiyin.assessment.scoring import score
from huiyin.assessment.services import schemes, targets
from huiyin.assessment.services.common import AssessmentInvalid
from huiyin.org.roles import Role
from huiyin.petitions.models import Channel, Level
from huiyin.petitions.tests.factories import petitioner, register, step

pytestmark = pytest.mark.django_db

HEAD_COUNT_KEYS = [
    "petitions.batches",
    "petitions.headcount",
    "petitions.total",
    "petitions.by_level.national.batches",
    "petitions.by_level.city.headcount",
    "petitions.visits_by_level.province.batches",
    "petitions.over_level.batches",
    "petitions.upward.headcount",
    "petitions.collective.batches",
    "petitions.repeat",
    "petitions.first",
    "petitions.registered",
    "petitions.by_channel.visit.batches",
    "receptions.headcount",
    "goals.zero_national",
    "goals.counts.zero_city.batches",
    "incidents.over_level",
    "disputes.by_level.city",
]


def ranking(scheme, period):
    return [(r.body.key, r.total, r.max_total, r.rank) for r in score(scheme, period)]


def test_extra_lawful_petitions_do_not_move_the_ranking(
    handled, period, personas, community, other_community, unit
):
    scheme = ensure_default_scheme()
    before = ranking(scheme, period)
    clerk = personas[Role.PETITION_CLERK]
    today = timezone.localdate()
    # Lodged today, so nothing of them is overdue (a petition left past its time limits is a
    # handling failure, and scored as one). Every level (over-level, to Beijing, to the province…), every channel, a collective
    # visit of thirty, repeat petitions: in the community that ranked lower and in the other.
    for where in (community, other_community):
        for level in Level.values:
            for channel in (Channel.VISIT, Channel.LETTER, Channel.ONLINE):
                register(
                    clerk,
                    community=where,
                    level=level,
                    channel=channel,
                    title="又一件信访",
                    received_at=today,
                )
        register(
            clerk,
            community=where,
            level=Level.NATIONAL,
            is_collective=True,
            headcount=30,
            petitioners=[petitioner("代表甲", is_representative=True)],
            title="集体进京访",
            received_at=today,
        )
        repeat = register(
            clerk, community=where, level=Level.PROVINCE, title="重复信访", received_at=today
        )
        # Accepted and assigned, within its time limits: handling under way is not scored.
        step(step(repeat.case, "accept", clerk), "assign", clerk, unit=unit)
    assert ranking(scheme, period) == before


def test_the_built_in_scheme_scores_handling_only():
    scheme = ensure_default_scheme()
    assert scheme.published and scheme.built_in
    items = list(scheme.items.all())
    assert len(items) >= 8
    for item in items:
        assert item.method != Method.MANUAL
        assert keys.refusal(item.stat_key) is None, item.stat_key
        assert item.stat_key in keys.CATALOGUE
    assert ensure_default_scheme().pk == scheme.pk  # made once


@pytest.mark.parametrize("key", HEAD_COUNT_KEYS)
def test_a_head_count_or_level_key_is_refused(key):
    assert keys.refusal(key) == keys.MSG_HEAD_COUNT


def test_an_unknown_key_is_refused_as_unknown():
    why = keys.refusal("disputes.registered")
    assert why is not None and why != keys.MSG_HEAD_COUNT


@pytest.mark.parametrize(
    "key", ["petitions.by_level.national.batches", "petitions.over_level.batches"]
)
def test_a_rule_on_petition_counts_is_refused_by_the_editor(personas, key):
    draft = Scheme.objects.create(name="草稿", valid_from=timezone.localdate() + timedelta(days=30))
    with pytest.raises(AssessmentInvalid) as refused:
        schemes.save_item(
            draft,
            actor=personas[Role.GOVERNANCE_STAFF],
            data={
                "title": "进京访",
                "method": Method.DEDUCT,
                "stat_key": key,
                "max_points": 10,
                "per_matter": 5,
            },
        )
    assert refused.value.errors["stat_key"] == [keys.MSG_HEAD_COUNT]
    assert not draft.items.exists()


def test_a_draft_holding_a_head_count_rule_is_not_published(personas):
    draft = Scheme.objects.create(name="草稿", valid_from=timezone.localdate() + timedelta(days=30))
    SchemeItem.objects.create(
        scheme=draft,
        title="越级访",
        method=Method.DEDUCT,
        stat_key="petitions.over_level.batches",
        max_points=Decimal(10),
        per_matter=Decimal(5),
    )
    with pytest.raises(AssessmentInvalid) as refused:
        schemes.publish(draft, actor=personas[Role.GOVERNANCE_STAFF])
    assert keys.MSG_HEAD_COUNT in refused.value.errors["__all__"]
    draft.refresh_from_db()
    assert draft.status == SchemeStatus.DRAFT


def test_a_target_on_petition_counts_is_refused():
    with pytest.raises(AssessmentInvalid) as refused:
        targets.check_target(
            {"stat_key": "goals.zero_national", "comparison": "at_most", "threshold": 0}
        )
    assert refused.value.errors["stat_key"] == [keys.MSG_HEAD_COUNT]
