import io
from pathlib import Path

import pytest
from django.contrib.auth.models import User
from django.core.management import call_command
from django.db import transaction
from django.test import override_settings

from huiyin.cases.models import Case
from huiyin.org import demo
from huiyin.org.access import reach_of
from huiyin.org.models import Community, Grid, RoleGrant, Staff, Street, Unit
from huiyin.org.roles import Role

SPEECH = Path(__file__).resolve().parents[3].parent / "shared" / "seed" / "speech-simplified.txt"

pytestmark = pytest.mark.django_db


def run_demo(streets: int = 1) -> str:
    out = io.StringIO()
    call_command("demo", no_serve=True, password="demo-pass-123", streets=str(streets), stdout=out)
    return out.getvalue()


def places(street: str = demo.STREET) -> tuple[int, int, int]:
    return (
        Community.objects.filter(street__name=street).count(),
        Grid.objects.filter(community__street__name=street).count(),
        Unit.objects.filter(street__name=street).count(),
    )


@pytest.fixture(scope="module")
def loaded(django_db_setup, django_db_blocker):
    """`huiyin demo` run twice over an empty database, once for the module's tests (the whole
    demo takes seconds to load); rolled back after the last one. The second run asks for two
    streets (`--streets 2`): the demo street stays as it was and the second one is added.

    Each test's own transaction nests inside this one, so it sees the street and leaves it.
    Yields the first run's output and what the street had after it (and the second's output).
    """
    fast = override_settings(PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"])
    with django_db_blocker.unblock(), fast, transaction.atomic():
        output = run_demo()
        counts = places()
        second = run_demo(streets=2)
        yield output, counts, second
        transaction.set_rollback(True)


def test_it_loads_the_demo_street_once(loaded):
    _output, counts, _second = loaded
    assert places() == counts
    assert Community.objects.filter(name__in=["柑子园社区", "翠屏路社区", "果丰社区"]).count() == 3
    assert Community.objects.filter(street__name=demo.STREET).count() == 5
    assert all(
        3 <= c.grids.count() <= 6 for c in Community.objects.filter(street__name=demo.STREET)
    )
    assert all(g.geometry["type"] == "Polygon" for g in Grid.objects.all())
    for name in ["浓洄派出所", "广安中学", "惠美家公司", "党政办", "综治办", "信访办", "司法所"]:
        assert Unit.objects.filter(name=name).exists()


def test_it_gives_one_account_per_role_with_the_given_password(loaded):
    out, _counts, _second = loaded
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


def test_two_streets_load_a_second_street_beside_the_default_one(loaded):
    _out, counts, second = loaded
    assert "溪桥街道" in second and "clerk-b" in second
    assert places() == counts  # the demo street is as it was
    st = Street.objects.get(name=demo.SECOND.name)
    assert places(st.name) == (2, 5, 5)
    # Its own staff, granted in it; the default accounts stay in the demo street.
    default = Street.objects.get(name=demo.STREET)
    assert RoleGrant.objects.get(staff__user__username="clerk-b").street == st
    assert set(reach_of(User.objects.get(username="clerk")).street_ids) == {default.pk}
    # The district officer is given both streets.
    district = reach_of(User.objects.get(username="district"))
    assert district.scope("petitions.view").street_ids == {default.pk, st.pk}
    # Its matters carry its own numbers and are seen by its own staff only.
    mine = Case.objects.filter(street=st)
    assert mine.count() == len(demo.SECOND_MATTERS)
    assert all(c.number.startswith("溪桥") for c in mine)
    clerk = User.objects.get(username="clerk")
    assert not Case.objects.visible_to(clerk).filter(street=st).exists()
    clerk_b = User.objects.get(username="clerk-b")
    assert not Case.objects.visible_to(clerk_b).filter(street=default).exists()
    assert Case.objects.visible_to(clerk_b).filter(street=st).exists()


def test_a_street_count_outside_the_demo_is_refused():
    from django.core.management.base import CommandError

    with pytest.raises(CommandError):
        call_command("demo", no_serve=True, password="demo-pass-123", streets="3")
    with pytest.raises(CommandError):
        call_command("demo", no_serve=True, password="demo-pass-123", streets="x" * 200)


def test_the_mails_links_follow_the_port_the_demo_serves(settings, monkeypatch):
    from huiyin.org.management.commands.demo import point_links_at

    monkeypatch.delenv("HUIYIN_BASE_URL", raising=False)
    point_links_at(8011)
    assert settings.HUIYIN_BASE_URL == "http://127.0.0.1:8011"
    import os

    assert os.environ["HUIYIN_BASE_URL"] == "http://127.0.0.1:8011"
    # An installation's own address stays.
    monkeypatch.setenv("HUIYIN_BASE_URL", "https://huiyin.example.gov.cn")
    settings.HUIYIN_BASE_URL = "https://huiyin.example.gov.cn"
    point_links_at(8012)
    assert settings.HUIYIN_BASE_URL == "https://huiyin.example.gov.cn"


def test_each_cases_history_reads_in_the_order_and_at_the_times_it_happened(loaded):
    """Registration at the moment received, later steps on their own days: never before the
    case was received, never after now, in the order written, and not all at the loading."""
    from datetime import timedelta

    from django.utils import timezone

    from huiyin.cases.models import CaseEvent

    now = timezone.now()
    received = dict(Case.objects.values_list("pk", "received_at"))
    timelines: dict[int, list[CaseEvent]] = {}
    for event in CaseEvent.objects.order_by("at", "pk").only(
        "case_id", "at", "kind", "from_status", "to_status"
    ):
        timelines.setdefault(event.case_id, []).append(event)
    assert timelines and set(timelines) <= set(received)
    one_minute = 0
    for case_id, events in timelines.items():
        assert events[0].kind == "registered", case_id
        assert events[0].at >= received[case_id], case_id
        assert events[-1].at <= now, case_id
        # Read in time order, each step starts from the status the one before left.
        status = events[0].to_status
        for event in events[1:]:
            if event.from_status:
                assert event.from_status == status, (case_id, event.kind)
                status = event.to_status
        minutes = {event.at.replace(second=0, microsecond=0) for event in events}
        one_minute += len(minutes) == 1
    assert one_minute < len(timelines) / 2
    days = {timezone.localdate(e.at) for events in timelines.values() for e in events}
    assert len(days) > 30
    # A closed case was closed when its last step was taken, not when the demo was loaded.
    closed = Case.objects.filter(closed_at__isnull=False)
    assert closed.exists()
    assert closed.filter(closed_at__lt=now - timedelta(days=1)).count() > closed.count() / 2
