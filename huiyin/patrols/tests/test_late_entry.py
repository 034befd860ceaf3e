"""An inspection entered days after it was made (the paper record typed in later): the deadlines
it gave and its re-inspection count from the day of the inspection, never before it."""

from __future__ import annotations

from datetime import timedelta

import pytest

from huiyin.patrols import services
from huiyin.patrols.models import Rectification, RectificationStatus
from huiyin.patrols.services import PatrolInvalid
from huiyin.patrols.tests.factories import inspect
from huiyin.screening import periods

pytestmark = pytest.mark.django_db


def test_an_inspection_entered_later_keeps_the_deadline_it_gave(community_worker, cafe):
    day = periods.today() - timedelta(days=20)
    inspect(community_worker, cafe, fail=(1,), inspected_on=day, deadline=day + timedelta(days=5))
    task = Rectification.objects.get()
    assert task.deadline == day + timedelta(days=5)
    assert task.overdue_on(periods.today())  # entered late, and overdue already
    assert list(services.overdue()) == [task]


@pytest.mark.parametrize("before", [1, 30])
def test_a_deadline_before_the_inspection_day_is_refused(community_worker, cafe, before):
    day = periods.today() - timedelta(days=10)
    with pytest.raises(PatrolInvalid) as refused:
        inspect(
            community_worker, cafe, fail=(2,), inspected_on=day,
            deadline=day - timedelta(days=before),
        )  # fmt: skip
    assert any(key.startswith("deadline-") for key in refused.value.errors)
    assert not Rectification.objects.exists()


def test_the_reinspection_counts_from_the_inspection_day(community_worker, cafe):
    day = periods.today() - timedelta(days=20)
    inspect(community_worker, cafe, fail=(1,), inspected_on=day, deadline=day + timedelta(days=5))
    task = Rectification.objects.get()
    with pytest.raises(PatrolInvalid) as refused:
        services.reinspect(community_worker, task, on=day - timedelta(days=1), result="passed")
    assert "on" in refused.value.errors
    services.reinspect(community_worker, task, on=day + timedelta(days=4), result="passed")
    task.refresh_from_db()
    assert task.status == RectificationStatus.DONE and task.done_on == day + timedelta(days=4)
