"""The demo over two streets (`huiyin demo --streets 2`): each round is its own street's and
scores that street's communities and units only; each street's office lists its own."""

from __future__ import annotations

import io

import pytest
from django.contrib.auth.models import User
from django.core.management import call_command
from django.test import override_settings

from huiyin.assessment.models import Round
from huiyin.assessment.services.rounds import rounds_of
from huiyin.org.models import Street

pytestmark = pytest.mark.django_db


@override_settings(PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"])
def test_each_streets_rounds_are_its_own():
    call_command("demo", no_serve=True, password="demo-pass-123", streets="2", stdout=io.StringIO())
    streets = list(Street.objects.order_by("pk"))
    assert len(streets) == 2
    found = list(Round.objects.all())
    assert found
    for row in found:
        for score in row.scores.select_related("community", "unit"):
            assert (score.community or score.unit).street_id == row.street_id
    office = User.objects.get(username="governance")
    assert set(rounds_of(office)) == {r for r in found if r.street_id == streets[0].pk}
    second = Street.objects.exclude(pk=streets[0].pk).get()
    # The second street's own people (the district officer holds both streets).
    others = list(
        User.objects.filter(staff__grants__street=second)
        .exclude(staff__grants__street=streets[0])
        .distinct()
    )
    assert others
    for user in others:
        assert all(r.street_id == second.pk for r in rounds_of(user))
