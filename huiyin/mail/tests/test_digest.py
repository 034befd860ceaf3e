"""The daily digest through a real SMTP server on loopback."""

from __future__ import annotations

import logging
from datetime import timedelta

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

from huiyin.assessment.bodies import UNIT, Body
from huiyin.assessment.services import supervision
from huiyin.cases import deadlines
from huiyin.cases.models import Notification
from huiyin.cases.reminders import tick
from huiyin.mail import digest
from huiyin.mail.models import MailDigest, MailPreference, Mode
from huiyin.mail.services import save_preference
from huiyin.mail.tests.sink import parsed, text_of
from huiyin.petitions.tests.factories import ID_1, PHONE_1, petitioner, register, step

pytestmark = pytest.mark.django_db

TITLE = "王五反映邻居李四私搭乱建"
CODE = next(iter(deadlines.LIMITS))


@pytest.fixture(autouse=True)
def mail_in_english(settings):
    # The mail is written in the office's language; the English msgids keep this stable.
    settings.LANGUAGE_CODE = "en"


def prefer(user, address, **modes):
    """Mail chosen an hour ago (the fixtures' assignments happened since)."""
    data = {"email": address, "reminders": Mode.DAILY, "assignments": Mode.DAILY}
    data["supervision"] = Mode.DAILY
    data.update(modes)
    pref = save_preference(user, data)
    MailPreference.objects.filter(pk=pref.pk).update(since=timezone.now() - timedelta(hours=1))
    return pref


def remind(user, case, **more):
    fields = {
        "kind": Notification.Kind.OVERDUE,
        "due_on": timezone.localdate() - timedelta(days=1),
        "codes": [CODE],
        "message": "x",
        **more,
    }
    return Notification.objects.create(recipient=user, case=case, **fields)


@pytest.fixture
def petitions(clerk, community, unit, handler):
    """p1: registered, naming its petitioner in the title; p2: assigned to the handler."""
    p1 = register(clerk, community=community, title=TITLE, petitioners=[petitioner("王五")])
    p2 = register(clerk, community=community, title=TITLE, petitioners=[petitioner("赵六")])
    case = step(p2.case, "accept", clerk)
    step(case, "assign", clerk, unit=unit, handler=handler.staff)
    return p1.case, p2.case


def by_recipient(sink) -> dict[str, str]:
    return {rcpt[0]: text_of(raw) for rcpt, raw in sink.messages}


def test_one_mail_per_person_with_only_the_kinds_chosen_and_nothing_identifying(
    sink, clerk, handler, petitions
):
    p1, p2 = petitions
    prefer(clerk, "clerk@street.gov.cn", assignments=Mode.OFF)
    prefer(handler, "handler@street.gov.cn", reminders=Mode.OFF, supervision=Mode.OFF)
    own = remind(clerk, p1)
    remind(handler, p2)  # reminders off for the handler
    remind(handler, p1)  # a matter the handler may not see: never mailed

    result = digest.send_digests()

    assert result.sent == 2 and len(sink.messages) == 2
    mails = by_recipient(sink)
    clerk_mail, handler_mail = mails["clerk@street.gov.cn"], mails["handler@street.gov.cn"]
    assert p1.number in clerk_mail
    assert f"https://huiyin.street.gov.cn/petitions/{p1.pk}/" in clerk_mail
    assert p2.number not in clerk_mail  # the clerk chose no assignments
    assert p2.number in handler_mail and "assigned on" in handler_mail
    assert "due on" not in handler_mail and p1.number not in handler_mail
    for text in (clerk_mail, handler_mail):
        for secret in ("王五", "赵六", "李四", TITLE, PHONE_1, ID_1, "翠屏路12号"):
            assert secret not in text
    assert parsed(sink.messages[0][1])["From"] == "huiyin@street.gov.cn"
    row = MailDigest.objects.get(user=clerk)
    assert (row.status, row.count, row.notification_ids) == ("sent", 1, [own.pk])
    assert row.sent_at is not None
    handler_row = MailDigest.objects.get(user=handler)
    assert handler_row.notification_ids == [] and len(handler_row.event_ids) == 1


def test_a_second_run_the_same_day_sends_nothing_and_the_next_day_only_the_new(
    sink, clerk, petitions
):
    p1, p2 = petitions
    prefer(clerk, "clerk@street.gov.cn")
    first = remind(clerk, p1)
    assert digest.send_digests().sent == 1
    later = remind(clerk, p2)

    assert digest.send_digests().sent == 0
    assert len(sink.messages) == 1

    tomorrow = timezone.localdate() + timedelta(days=1)
    result = digest.send_digests(tomorrow, now=timezone.now() + timedelta(days=1))
    assert result.sent == 1 and len(sink.messages) == 2
    mail = text_of(sink.messages[1][1])
    assert p2.number in mail and p1.number not in mail
    assert MailDigest.objects.get(user=clerk, day=tomorrow).notification_ids == [later.pk]
    assert first.pk not in MailDigest.objects.get(user=clerk, day=tomorrow).notification_ids


def test_nothing_new_sends_nothing_and_off_means_off(sink, clerk, handler, petitions):
    p1, _ = petitions
    prefer(clerk, "clerk@street.gov.cn")
    off = {"reminders": Mode.OFF, "assignments": Mode.OFF, "supervision": Mode.OFF}
    prefer(handler, "", **off)
    remind(handler, p1)
    assert digest.send_digests().sent == 0
    assert sink.messages == [] and not MailDigest.objects.exists()


def test_a_notification_read_in_the_bell_or_older_than_the_choice_is_not_mailed(
    sink, clerk, petitions
):
    p1, p2 = petitions
    old = remind(clerk, p2)
    prefer(clerk, "clerk@street.gov.cn")
    # Before the person asked for mail: no backlog.
    Notification.objects.filter(pk=old.pk).update(created_at=timezone.now() - timedelta(hours=2))
    remind(clerk, p1, read_at=timezone.now())
    assert digest.send_digests().sent == 0


def test_a_relay_that_cannot_be_reached_leaves_everything_for_the_next_run(
    sink, settings, dead_port, clerk, petitions, caplog
):
    p1, _ = petitions
    prefer(clerk, "clerk@street.gov.cn")
    note = remind(clerk, p1)
    settings.EMAIL_PORT = dead_port

    with caplog.at_level(logging.WARNING, logger="huiyin.mail"):
        result = digest.send_digests()
    assert result.relay_down and result.waiting == 1 and result.sent == 0
    assert not MailDigest.objects.exists()
    lines = [r for r in caplog.records if r.name == "huiyin.mail"]
    assert len(lines) == 1 and "could not be reached" in lines[0].getMessage()
    assert lines[0].exc_info is None  # one clear line, no traceback
    assert "clerk@street.gov.cn" not in lines[0].getMessage()

    with pytest.raises(CommandError, match="could not be reached"):
        call_command("mail-digest")

    settings.EMAIL_PORT = sink.port
    assert digest.send_digests().sent == 1
    assert p1.number in text_of(sink.messages[0][1])
    assert MailDigest.objects.get(user=clerk).notification_ids == [note.pk]


def test_the_command_sends_and_refuses_without_a_relay(sink, settings, clerk, petitions):
    p1, _ = petitions
    prefer(clerk, "clerk@street.gov.cn")
    remind(clerk, p1)
    call_command("mail-digest")
    assert len(sink.messages) == 1
    settings.HUIYIN_EMAIL_HOST = ""
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    with pytest.raises(CommandError, match="HUIYIN_EMAIL_HOST"):
        call_command("mail-digest")


def test_tick_sends_the_digest_from_the_digest_hour_only(sink, settings, clerk, petitions):
    p1, _ = petitions
    prefer(clerk, "clerk@street.gov.cn")
    remind(clerk, p1)
    settings.HUIYIN_MAIL_DIGEST_HOUR = 24  # the hour never comes
    tick()
    assert sink.messages == []
    settings.HUIYIN_MAIL_DIGEST_HOUR = 0
    result = tick()
    assert len(sink.messages) == 1
    assert any(line.startswith("mail: 1 digests sent") for line in result.lines)
    tick()
    assert len(sink.messages) == 1


def test_a_claim_of_another_run_is_respected_and_a_stale_one_taken_over(sink, clerk, petitions):
    p1, _ = petitions
    prefer(clerk, "clerk@street.gov.cn")
    remind(clerk, p1)
    claim = MailDigest.objects.create(user=clerk, day=timezone.localdate())
    assert digest.send_digests().sent == 0
    MailDigest.objects.filter(pk=claim.pk).update(
        claimed_at=timezone.now() - digest.STALE_CLAIM - timedelta(minutes=1)
    )
    assert digest.send_digests().sent == 1
    assert MailDigest.objects.get(user=clerk).status == MailDigest.Status.SENT


def test_supervision_orders_reach_the_target_units_staff(sink, leader, handler, unit, petitions):
    _, p2 = petitions
    prefer(handler, "handler@street.gov.cn", assignments=Mode.OFF, reminders=Mode.OFF)
    today = timezone.localdate()
    order = supervision.issue_order(
        actor=leader,
        data={
            "cases": [p2.number],
            "ground": "delay",
            "instruction": "请城建办五日内拿出处理意见。",
            "requirements": "书面反馈是否采纳督办意见。",
            "issued_on": today,
            "deadline": today + timedelta(days=5),
        },
        body=Body(UNIT, unit.pk, unit.name),
    )
    remind(handler, p2, codes=["supervision_order"], due_on=None)

    assert digest.send_digests().sent == 1
    mail = text_of(sink.messages[0][1])
    assert order.number in mail and f"/assessment/supervision/{order.pk}/" in mail
    assert "supervision order is overdue" in mail and p2.number in mail
    assert "王五" not in mail and "赵六" not in mail and TITLE not in mail
    row = MailDigest.objects.get(user=handler)
    assert row.order_ids == [order.pk] and row.count == 2
