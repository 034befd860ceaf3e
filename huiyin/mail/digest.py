"""The daily e-mail digest: each opted-in person's new notifications in one mail a day.

What a digest lists, for the kinds the person chose (:class:`~huiyin.mail.models.Topic`):

* reminders — their unread in-app notifications (:class:`huiyin.cases.models.Notification`)
  about time limits due soon or overdue;
* supervision orders (督办) — the bell's overdue-feedback notifications of an order, and the
  orders newly issued to a community or unit the person works for (a grant on it);
* assignments — matters newly assigned (交办: the petition's "assign", the dispute's mediators)
  to the person, or to their unit while nobody there holds it yet.

Only what the person may see now (``Case.objects.visible_to``), and only what is new: created
after their preference was turned on and within :data:`LOOKBACK_DAYS`, and not covered by an
earlier digest (each :class:`~huiyin.mail.models.MailDigest` keeps the ids it covered).

A mail names matters by their number, kind and category and the time limit's name and date,
with a link to the case page (``settings.HUIYIN_BASE_URL``): never a title (titles may name
people), never a petitioner's or party's name, ID number, phone or address.

Once a day per person: the digest row (user, day) is claimed — a unique constraint — before the
mail leaves and marked sent after; a failed send removes the claim and logs one line, so the
next run tries again. A claim left by a run that died is taken over after :data:`STALE_CLAIM`.
"""

from __future__ import annotations

import contextlib
import logging
import smtplib
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from django.conf import settings
from django.core.mail import EmailMessage, get_connection
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext, ngettext

from huiyin.cases import deadlines
from huiyin.cases.models import Case, CaseEvent, Notification
from huiyin.cases.views import case_url
from huiyin.mail.models import MailDigest, MailPreference, Topic

logger = logging.getLogger("huiyin.mail")

#: Nothing older than this many days goes into a digest (a person back from leave gets the
#: last week, not a year).
LOOKBACK_DAYS = 7
#: A claim this old was left by a run that died: the next run takes it over.
STALE_CLAIM = timedelta(hours=1)
#: The most lines per kind in one mail (the rest are counted and covered all the same).
MAX_LINES = 50
#: The timeline events that hand a matter to someone (petitions 交办; disputes' mediators).
ASSIGN_EVENTS = ("assign", "assign_mediators")
#: The code of the bell's notifications about an overdue supervision order.
SUPERVISION_CODE = "supervision_order"
#: The hour (Beijing) from which `huiyin tick` sends the day's digests.
DEFAULT_DIGEST_HOUR = 7


def base_url() -> str:
    return str(getattr(settings, "HUIYIN_BASE_URL", "") or "http://127.0.0.1:8000").rstrip("/")


def digest_hour() -> int:
    return int(getattr(settings, "HUIYIN_MAIL_DIGEST_HOUR", DEFAULT_DIGEST_HOUR))


def configured() -> bool:
    """Whether mail can leave: a relay is set, or (debug, demo) mail goes to the console."""
    backend = str(getattr(settings, "EMAIL_BACKEND", ""))
    return bool(getattr(settings, "HUIYIN_EMAIL_HOST", "")) or backend.endswith(
        "console.EmailBackend"
    )


# --------------------------------------------------------------------------- collecting


@dataclass
class Line:
    text: str
    url: str


@dataclass
class Digest:
    preference: MailPreference
    lines: dict[str, list[Line]] = field(default_factory=dict)
    counts: dict[str, int] = field(default_factory=dict)
    notification_ids: list[int] = field(default_factory=list)
    event_ids: list[int] = field(default_factory=list)
    order_ids: list[int] = field(default_factory=list)

    @property
    def user(self):
        return self.preference.user

    @property
    def count(self) -> int:
        return sum(self.counts.values())

    def add(self, topic: str, line: Line) -> None:
        self.counts[topic] = self.counts.get(topic, 0) + 1
        shown = self.lines.setdefault(topic, [])
        if len(shown) < MAX_LINES:
            shown.append(line)


def _covered(user, day: date) -> tuple[set[int], set[int], set[int]]:
    """The ids the person's recent digests covered (sent, or claimed by a run at work)."""
    notes: set[int] = set()
    events: set[int] = set()
    orders: set[int] = set()
    rows = MailDigest.objects.filter(
        user=user, day__gte=day - timedelta(days=LOOKBACK_DAYS + 1)
    ).values_list("notification_ids", "event_ids", "order_ids")
    for n, e, o in rows:
        notes.update(n or [])
        events.update(e or [])
        orders.update(o or [])
    return notes, events, orders


def _case_words(case: Case) -> str:
    """A matter as a mail names it: number, kind and category — nothing that names a person."""
    words = [case.number, str(Case.Kind(case.kind).label)]
    if case.category_id:
        words.append(case.category.name)
    return " · ".join(words)


def _case_link(case: Case) -> str:
    return base_url() + case_url(case.kind, case.pk)


def _reminder_text(note: Notification) -> str:
    limits = "、".join(
        f"“{deadlines.LIMITS[c].label}”" for c in note.codes or [] if c in deadlines.LIMITS
    )
    state = str(Notification.Kind(note.kind).label) if note.kind in Notification.Kind else ""
    parts = [_case_words(note.case), state]
    if limits:
        parts.append(limits)
    if note.due_on:
        parts.append(gettext("due on %(date)s") % {"date": note.due_on.isoformat()})
    return "; ".join(p for p in parts if p)


def collect(preference: MailPreference, day: date, now: datetime) -> Digest:
    """What the person's digest of `day` lists (empty when nothing is new)."""
    from huiyin.assessment import bodies
    from huiyin.assessment.models import SupervisionOrder

    user = preference.user
    topics = preference.topics()
    digest = Digest(preference)
    start = max(preference.since, now - timedelta(days=LOOKBACK_DAYS))
    covered_notes, covered_events, covered_orders = _covered(user, day)
    visible = Case.objects.visible_to(user)

    if topics & {Topic.REMINDERS, Topic.SUPERVISION}:
        notes = (
            Notification.objects.for_user(user)
            .unread()
            .filter(created_at__gte=start, created_at__lte=now, case__in=visible)
            .exclude(pk__in=covered_notes)
            .select_related("case", "case__category")
            .order_by("created_at", "pk")
        )
        for note in notes:
            if SUPERVISION_CODE in (note.codes or []):
                if Topic.SUPERVISION not in topics:
                    continue
                text = gettext("%(case)s; the written feedback on a supervision order is overdue")
                digest.add(
                    Topic.SUPERVISION,
                    Line(text % {"case": _case_words(note.case)}, _case_link(note.case)),
                )
            elif Topic.REMINDERS in topics:
                digest.add(Topic.REMINDERS, Line(_reminder_text(note), _case_link(note.case)))
            else:
                continue
            digest.notification_ids.append(note.pk)

    if Topic.ASSIGNMENTS in topics:
        units = {g.unit_id for g in _grants(user) if g.unit_id}
        mine = Q(case__owner__user=user) | Q(case__owner__isnull=True, case__owner_unit__in=units)
        events = (
            CaseEvent.objects.filter(
                mine, kind__in=ASSIGN_EVENTS, at__gte=start, at__lte=now, case__in=visible
            )
            .exclude(actor=user)
            .exclude(pk__in=covered_events)
            .select_related("case", "case__category")
            .order_by("at", "pk")
        )
        for event in events:
            text = gettext("%(case)s; assigned on %(date)s") % {
                "case": _case_words(event.case),
                "date": timezone.localtime(event.at, deadlines.CHINA_TZ).date().isoformat(),
            }
            digest.add(Topic.ASSIGNMENTS, Line(text, _case_link(event.case)))
            digest.event_ids.append(event.pk)

    if Topic.SUPERVISION in topics:
        condition = Q(pk__in=[])
        for body in bodies.covered(user):
            condition |= Q(**body.filters())
        orders = (
            SupervisionOrder.objects.filter(condition, created_at__gte=start, created_at__lte=now)
            .exclude(created_by=user)
            .exclude(leader__user=user)
            .exclude(pk__in=covered_orders)
            .select_related("community", "unit")
            .order_by("created_at", "pk")
        )
        for order in orders:
            text = gettext(
                "Supervision order %(number)s to %(body)s; written feedback due on %(date)s"
            ) % {"number": order.number, "body": order.body_name, "date": order.deadline}
            url = base_url() + reverse("assessment:order", args=[order.pk])
            digest.add(Topic.SUPERVISION, Line(text, url))
            digest.order_ids.append(order.pk)
    return digest


def _grants(user):
    from huiyin.org.access import reach_of

    return reach_of(user).grants


# --------------------------------------------------------------------------- the mail


def compose(digest: Digest, day: date) -> EmailMessage:
    """The mail of a digest, in the office's language."""
    with translation.override(settings.LANGUAGE_CODE):
        subject = ngettext(
            "Huiyin: %(count)s new item for %(day)s",
            "Huiyin: %(count)s new items for %(day)s",
            digest.count,
        ) % {"count": digest.count, "day": day.isoformat()}
        out = [
            gettext("Your new reminders in Huiyin, as of %(day)s.") % {"day": day.isoformat()},
            "",
        ]
        for topic in Topic:
            total = digest.counts.get(topic.value, 0)
            if not total:
                continue
            out.append(f"{topic.label} ({total})")
            for line in digest.lines.get(topic.value, []):
                out.append(f"- {line.text}")
                out.append(f"  {line.url}")
            if total > len(digest.lines.get(topic.value, [])):
                rest = total - len(digest.lines[topic.value])
                out.append(
                    ngettext(
                        "… and %(count)s more in Huiyin.", "… and %(count)s more in Huiyin.", rest
                    )
                    % {"count": rest}
                )
            out.append("")
        out.append(
            gettext(
                "Matters are named by number only: sign in to Huiyin to read them. "
                "Choose what you receive by e-mail on the page “E-mail reminders”: %(url)s"
            )
            % {"url": base_url() + reverse("mail:preferences")}
        )
    return EmailMessage(
        subject=subject,
        body="\n".join(out) + "\n",
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[digest.preference.email],
    )


# --------------------------------------------------------------------------- sending


@dataclass
class RunResult:
    sent: int = 0
    waiting: int = 0  # digests that could not be sent: tried again next run
    relay_down: bool = False

    def summary(self) -> str:
        return gettext("mail: %(sent)s digests sent, %(waiting)s waiting for the next run") % {
            "sent": self.sent,
            "waiting": self.waiting,
        }


#: What a failed send raises: the relay unreachable or refusing (never shown to a user).
SEND_ERRORS = (OSError, smtplib.SMTPException)


def _claim(digest: Digest, day: date, now: datetime) -> MailDigest | None:
    """Take the person's digest of `day`; None when it is sent or another run holds it."""
    user = digest.user
    try:
        with transaction.atomic():
            return MailDigest.objects.create(
                user=user,
                day=day,
                claimed_at=now,
                count=digest.count,
                notification_ids=digest.notification_ids,
                event_ids=digest.event_ids,
                order_ids=digest.order_ids,
            )
    except IntegrityError:
        return None


def _due_preferences(day: date, now: datetime):
    """The preferences of active accounts whose digest of `day` is neither sent nor being
    sent by another run (a claim younger than :data:`STALE_CLAIM`)."""
    done = MailDigest.objects.filter(day=day).filter(
        Q(status=MailDigest.Status.SENT) | Q(claimed_at__gte=now - STALE_CLAIM)
    )
    return (
        MailPreference.objects.filter(user__is_active=True)
        .exclude(email="")
        .exclude(user_id__in=done.values("user_id"))
        .select_related("user")
        .order_by("user_id")
    )


def send_digests(day: date | None = None, *, now: datetime | None = None) -> RunResult:
    """Send the digests of `day` (default today, Beijing) not sent yet; see the module doc."""
    now = now or timezone.now()
    day = day or timezone.localdate(now)
    result = RunResult()
    # A claim left by a run that died: its items were never sent.
    MailDigest.objects.filter(
        status=MailDigest.Status.SENDING, claimed_at__lt=now - STALE_CLAIM
    ).delete()
    digests = []
    for preference in _due_preferences(day, now):
        if not preference.active:
            continue
        with translation.override(settings.LANGUAGE_CODE):
            digest = collect(preference, day, now)
        if digest.count:
            digests.append(digest)
    if not digests:
        return result
    connection = get_connection(fail_silently=False)
    try:
        connection.open()
    except SEND_ERRORS as exc:
        # One line, no traceback, no address: the notifications stay for the next run.
        logger.warning(
            "mail: the mail relay could not be reached (%s); %s digests wait for the next run",
            type(exc).__name__,
            len(digests),
        )
        result.waiting, result.relay_down = len(digests), True
        return result
    try:
        for digest in digests:
            claim = _claim(digest, day, now)
            if claim is None:
                continue
            try:
                connection.send_messages([compose(digest, day)])
            except SEND_ERRORS as exc:
                claim.delete()
                result.waiting += 1
                logger.warning(
                    "mail: the digest of account %s was not sent (%s); it waits for the next run",
                    digest.user.pk,
                    type(exc).__name__,
                )
                continue
            MailDigest.objects.filter(pk=claim.pk).update(
                status=MailDigest.Status.SENT, sent_at=timezone.now()
            )
            result.sent += 1
    finally:
        with contextlib.suppress(*SEND_ERRORS):
            connection.close()
    if result.sent or result.waiting:
        logger.info(
            "mail: %s digests sent, %s waiting for the next run", result.sent, result.waiting
        )
    return result


def tick_hook(today: date) -> str | None:
    """`huiyin tick`'s part: the day's digests, once the digest hour has come (Beijing)."""
    if not configured():
        return None
    now = timezone.now()
    if timezone.localtime(now, deadlines.CHINA_TZ).hour < digest_hour():
        return None
    result = send_digests(today, now=now)
    if not (result.sent or result.waiting):
        return None
    return result.summary()
