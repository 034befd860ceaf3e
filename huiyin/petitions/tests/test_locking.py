"""Optimistic locking when two people change the same petition at the same moment."""

import threading

import pytest
from django.db import connection

from huiyin.cases.exceptions import StaleCase
from huiyin.cases.models import Case
from huiyin.cases.workflow import fire
from huiyin.org.roles import Role
from huiyin.petitions.tests.factories import register
from huiyin.privacy.models import AuditEntry


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_it_lets_exactly_one_of_two_simultaneous_writers_win(personas, community):
    if connection.vendor != "postgresql":
        pytest.skip("threads sharing SQLite's in-memory test database are not meaningful")
    clerk = personas[Role.PETITION_CLERK]
    case = register(clerk, community=community).case
    barrier = threading.Barrier(2)
    outcomes = []

    def writer(name, payload):
        try:
            seen = Case.objects.get(pk=case.pk)
            barrier.wait()
            fire(seen, name, actor=clerk, version=seen.version, **payload)
            outcomes.append(name)
        except StaleCase:
            outcomes.append("stale")
        finally:
            connection.close()

    threads = [
        threading.Thread(target=writer, args=("accept", {})),
        threading.Thread(target=writer, args=("decline", {"reason": "不属于信访事项"})),
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(outcomes) in (["accept", "stale"], ["decline", "stale"])
    final = Case.objects.get(pk=case.pk)
    assert final.version == 2
    assert (
        final.status
        == {"accept": "accepted", "decline": "declined"}[next(o for o in outcomes if o != "stale")]
    )
    assert AuditEntry.objects.filter(action="case.transition").count() == 1
    assert AuditEntry.objects.filter(action="case.transition_refused").count() == 1
