import io
from pathlib import Path

import pytest
from django.contrib.auth.models import User
from django.core.management import call_command
from django.db import transaction
from django.test import override_settings

from huiyin.org.models import Community, Grid, RoleGrant, Staff, Unit
from huiyin.org.roles import Role

SPEECH = Path(__file__).resolve().parents[3].parent / "shared" / "seed" / "speech-simplified.txt"

pytestmark = pytest.mark.django_db


def run_demo() -> str:
    out = io.StringIO()
    call_command("demo", no_serve=True, password="demo-pass-123", stdout=out)
    return out.getvalue()


def places() -> tuple[int, int, int]:
    return (Community.objects.count(), Grid.objects.count(), Unit.objects.count())


@pytest.fixture(scope="module")
def loaded(django_db_setup, django_db_blocker):
    """`huiyin demo` run twice over an empty database, once for the module's tests (the whole
    demo takes seconds to load); rolled back after the last one.

    Each test's own transaction nests inside this one, so it sees the street and leaves it.
    Yields the first run's output and what the street had after it.
    """
    fast = override_settings(PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"])
    with django_db_blocker.unblock(), fast, transaction.atomic():
        output = run_demo()
        counts = places()
        run_demo()
        yield output, counts
        transaction.set_rollback(True)


def test_it_loads_the_demo_street_once(loaded):
    _output, counts = loaded
    assert places() == counts
    assert Community.objects.filter(name__in=["柑子园社区", "翠屏路社区", "果丰社区"]).count() == 3
    assert Community.objects.count() == 5
    assert all(3 <= c.grids.count() <= 6 for c in Community.objects.all())
    assert all(g.geometry["type"] == "Polygon" for g in Grid.objects.all())
    for name in ["浓洄派出所", "广安中学", "惠美家公司", "党政办", "综治办", "信访办", "司法所"]:
        assert Unit.objects.filter(name=name).exists()


def test_it_gives_one_account_per_role_with_the_given_password(loaded):
    out, _counts = loaded
    assert "demo-pass-123" in out
    for username in ["admin", "clerk", "leader", "mediator", "handler", "community1", "grid1"]:
        assert User.objects.get(username=username).check_password("demo-pass-123")
        assert username in out
    assert set(RoleGrant.objects.values_list("role", flat=True)) == set(Role.values)


def test_it_never_uses_a_real_name_from_the_speech(loaded):
    names = set(Staff.objects.values_list("name", flat=True))
    assert "熊异安" not in names
    if SPEECH.exists():
        text = SPEECH.read_text(encoding="utf-8")
        assert not [n for n in names if n in text]
