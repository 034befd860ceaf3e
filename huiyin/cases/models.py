"""The case core every kind shares: the record, its number, timeline, clocks and attachments.

A petition (and later a dispute or an incident) is one :class:`Case` plus a row of the kind's
own model holding what only that kind has. Cases are read through one door,
``Case.objects.visible_to(user)`` / ``Case.objects.get_for_user(...)``, and changed through
:func:`huiyin.cases.workflow.fire` and the functions of :mod:`huiyin.cases.services`.
"""

from __future__ import annotations

import os
from datetime import date

from django.conf import settings
from django.core.files.storage import FileSystemStorage
from django.db import models, transaction
from django.db.models import Q
from django.http import Http404
from django.utils import timezone
from django.utils.deconstruct import deconstructible
from django.utils.translation import gettext_lazy as _

from huiyin.cases import deadlines
from huiyin.cases.kinds import KINDS, Kind
from huiyin.cases.search import GramsField
from huiyin.org.access import reach_of

# --------------------------------------------------------------------------- categories


class Category(models.Model):
    """A node of a per-kind category tree (信访事项分类), editable by an administrator."""

    kind = models.CharField(_("kind of case"), max_length=20, choices=Kind.choices)
    name = models.CharField(_("name"), max_length=50)
    parent = models.ForeignKey(
        "self",
        models.PROTECT,
        null=True,
        blank=True,
        related_name="children",
        verbose_name=_("parent category"),
    )
    active = models.BooleanField(_("in use"), default=True)
    order = models.PositiveSmallIntegerField(_("order"), default=0)

    class Meta:
        verbose_name = _("category")
        verbose_name_plural = _("categories")
        ordering = ["kind", "order", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["kind", "parent", "name"], name="category_unique_name_in_parent"
            ),
            models.UniqueConstraint(
                fields=["kind", "name"],
                condition=Q(parent__isnull=True),
                name="category_unique_root_name",
            ),
        ]

    def __str__(self) -> str:
        return self.name


# --------------------------------------------------------------------------- the case


class CaseQuerySet(models.QuerySet):
    def active(self) -> CaseQuerySet:
        """Cases not withdrawn (withdrawn ones stay on record but leave lists and numbers)."""
        return self.filter(withdrawn=False)

    def visible_to(self, user, *, perm: str | None = None, kind: str | None = None) -> CaseQuerySet:
        """The cases `user` may see: the one door for lists, pages, exports and the API.

        For each kind: the scope of the kind's view permission (the whole street, the person's
        communities and grids, or — for a unit-scoped grant — the cases their unit owns), plus
        cases assigned to the person, minus the kind's exclusions (for petitions: one about the
        person or their own unit, or one they stepped aside from — 条例 art. 28, 30, 46 — even
        with a street-wide grant; read once a request, and no condition at all for somebody
        with nothing hidden from them: huiyin.petitions.recusal).
        Who works on a kind without its view permission (a community worker
        registering a petition received in their community, 社区代办) sees only the cases they
        created themselves, while those stay inside that working permission's scope. With
        `perm`, only cases also inside that permission's scope. With `kind`, only cases of
        that kind (one condition on it: filtering the kind again afterwards
        makes the database test it twice on every row, a third of a million-case count).
        Nobody without the permission sees anything, superusers included.
        """
        reach = reach_of(user)
        staff_id = _staff_id(user)
        condition = Q(pk__in=[])
        kinds = KINDS.items() if kind is None else [(kind, KINDS[kind])]
        for name, kind_spec in kinds:
            kind_q = _scope_q(reach, kind_spec.view_perm, staff_id)
            if kind_q is None:
                kind_q = _created_q(reach, kind_spec, user)
            if kind_q is None:
                continue
            if perm is not None:
                perm_q = _scope_q(reach, perm, staff_id)
                if perm_q is None:
                    continue
                kind_q &= perm_q
            for exclusion in kind_spec.exclusions:
                hidden = exclusion(user, reach)
                if hidden is not None:
                    kind_q &= ~hidden
            condition |= Q(kind=name) & kind_q
        return self.filter(condition)

    def get_for_user(self, user, pk_or_number: int | str, *, perm: str | None = None) -> Case:
        """The case with this id or number if `user` may see it (and holds `perm` over it).

        Raises Http404 otherwise — the same answer whether or not the case exists — and
        records "access.denied" in the audit trail (in its own transaction, so it stays).
        """
        lookup = _lookup(pk_or_number)
        if lookup is None:
            raise Http404
        try:
            return self.visible_to(user, perm=perm).get(**lookup)
        except Case.DoesNotExist:
            _record_denial(user, lookup, perm)
            raise Http404 from None


def _staff_id(user) -> int | None:
    return staff_of(user)[0]


def staff_of(user) -> tuple[int | None, int | None]:
    """(staff id, the id of the unit the person works in) of `user`, or Nones, cached on the
    user object for the request (the kinds' exclusions read the unit: 条例 art. 30, 46). An
    active person's row comes with their role grants (``reach_of``: no query of its own)."""
    if user is None or not getattr(user, "is_authenticated", False):
        return None, None
    cached = getattr(user, "_huiyin_staff_id", False)
    if cached is not False:
        return cached, getattr(user, "_huiyin_staff_unit_id", None)
    if user.is_active:
        from huiyin.org.access import reach_of

        return reach_of(user).staff
    from huiyin.org.models import Staff

    row = Staff.objects.filter(user=user).values_list("id", "unit_id").first()
    staff_id, unit_id = row if row is not None else (None, None)
    user._huiyin_staff_id = staff_id
    user._huiyin_staff_unit_id = unit_id
    return staff_id, unit_id


def _scope_q(reach, perm: str, staff_id: int | None) -> Q | None:
    """Rows inside the scope of `perm`, or assigned to the person; None when they lack it."""
    scope = reach.scope(perm)
    if scope.empty:
        return None
    condition = scope.q(street="street", community="community", grid="grid", unit="owner_unit")
    # Cases are owned by staff of their own street: a whole-street scope holds them already.
    if staff_id is not None and not scope.street_wide:
        condition |= Q(owner_id=staff_id)
    return condition


def _created_q(reach, kind_spec, user) -> Q | None:
    """The cases `user` created, inside the scope of a working permission of the kind that they
    hold; None when they hold none. Only for people without the kind's view permission, so
    nobody else's door changes (and no query gains a condition)."""
    if user is None or not getattr(user, "is_authenticated", False):
        return None
    scopes = [reach.scope(perm) for perm in kind_spec.work_perms]
    scopes = [scope for scope in scopes if not scope.empty]
    if not scopes:
        return None
    within = Q(pk__in=[])
    for scope in scopes:
        within |= scope.q(street="street", community="community", grid="grid", unit="owner_unit")
    return Q(created_by_id=user.pk) & within


def _lookup(pk_or_number: int | str) -> dict | None:
    if isinstance(pk_or_number, bool):
        return None
    if isinstance(pk_or_number, int):
        return {"pk": pk_or_number}
    text = str(pk_or_number).strip()
    if not text:
        return None
    if text.isascii() and text.isdigit():
        return {"pk": int(text)}
    return {"number": text}


def _record_denial(user, lookup: dict, perm: str | None) -> None:
    from huiyin.privacy.audit import record

    existing = Case.objects.filter(**lookup).first()
    label = str(lookup.get("number") or lookup.get("pk"))
    with transaction.atomic():
        record(
            "access.denied",
            actor=user if getattr(user, "is_authenticated", False) else None,
            target=existing,
            target_label=existing.number if existing else label,
            diff={"perm": perm} if perm else None,
        )


CaseManager = models.Manager.from_queryset(CaseQuerySet)


class Case(models.Model):
    """The core record of a matter: a petition, a dispute or an incident."""

    Kind = Kind

    street = models.ForeignKey(
        "org.Street", models.PROTECT, related_name="cases", verbose_name=_("street")
    )
    kind = models.CharField(_("kind of case"), max_length=20, choices=Kind.choices)
    number = models.CharField(_("number"), max_length=40, unique=True)
    year = models.PositiveSmallIntegerField(_("year"))
    seq = models.PositiveIntegerField(_("sequence number"))
    title = models.CharField(_("title"), max_length=200)
    description = models.TextField(_("description"), blank=True)
    community = models.ForeignKey(
        "org.Community",
        models.PROTECT,
        null=True,
        blank=True,
        related_name="cases",
        verbose_name=_("community"),
    )
    grid = models.ForeignKey(
        "org.Grid",
        models.PROTECT,
        null=True,
        blank=True,
        related_name="cases",
        verbose_name=_("grid"),
    )
    category = models.ForeignKey(
        Category,
        models.PROTECT,
        null=True,
        blank=True,
        related_name="cases",
        verbose_name=_("category"),
    )
    # The kind's own states (see its workflow); a plain string so every kind fits.
    status = models.CharField(_("status"), max_length=30)
    owner_unit = models.ForeignKey(
        "org.Unit",
        models.PROTECT,
        null=True,
        blank=True,
        related_name="owned_cases",
        verbose_name=_("responsible unit"),
    )
    owner = models.ForeignKey(
        "org.Staff",
        models.PROTECT,
        null=True,
        blank=True,
        related_name="owned_cases",
        verbose_name=_("handler"),
    )
    received_at = models.DateTimeField(_("received at"))
    # The nearest due date of the office's running clocks, kept here for lists and filters.
    due_on = models.DateField(_("due on"), null=True, blank=True)
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)
    version = models.PositiveIntegerField(_("version"), default=1)
    withdrawn = models.BooleanField(_("withdrawn"), default=False)
    withdrawn_reason = models.TextField(_("reason for withdrawal"), blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("created by"),
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    objects = CaseManager()

    class Meta:
        verbose_name = _("case")
        verbose_name_plural = _("cases")
        ordering = ["-received_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["street", "kind", "year", "seq"], name="case_unique_sequence"
            ),
            models.CheckConstraint(condition=Q(version__gte=1), name="case_version_positive"),
        ]
        indexes = [
            # Every query of cases names the kind: no index on status or due_on alone, which
            # every insert and transition would keep up for nothing (migration 0008).
            models.Index(fields=["kind", "status"], name="case_kind_status"),
            models.Index(fields=["kind", "-received_at"], name="case_kind_received"),
            # The case lists' orders (nearest due date first; newest or oldest first) over the
            # cases not withdrawn, so a page of a million is an index walk, not a sort.
            # `withdrawn` (always false here) is listed so SQLite counts from the index alone.
            models.Index(
                fields=["kind", "due_on", "-received_at", "-id", "withdrawn"],
                condition=Q(withdrawn=False),
                name="case_list_due",
            ),
            models.Index(
                fields=["kind", "-received_at", "-id", "withdrawn"],
                condition=Q(withdrawn=False),
                name="case_list_received",
            ),
        ]

    def __str__(self) -> str:
        return self.number

    def save(self, *args, **kwargs):
        # The search grams follow the text in the same transaction (see cases/search.py). Inside
        # the caller's transaction no savepoint is needed: a failure fails the caller's change.
        update_fields = kwargs.get("update_fields")
        with transaction.atomic(using=kwargs.get("using"), savepoint=False):
            super().save(*args, **kwargs)
            if update_fields is None or {"number", "title", "description"} & set(update_fields):
                from huiyin.cases import search

                search.refresh([self], using=self._state.db or "default")

    def audit_label(self) -> str:
        return self.number

    @property
    def status_label(self) -> str:
        """The translated name of the status, from the kind's workflow."""
        from huiyin.cases.workflow import status_label

        return status_label(self.kind, self.status)

    @property
    def received_on(self) -> date:
        """The date received, in Beijing time."""
        return timezone.localtime(self.received_at, deadlines.CHINA_TZ).date()

    @property
    def is_closed(self) -> bool:
        return self.closed_at is not None


class CaseSearch(models.Model):
    """The search grams of a case's number, title and description (see cases/search.py).

    Their text index is not a Django index: an FTS5 table kept by triggers on SQLite, a GIN
    index over the tsvector column on PostgreSQL, both made by migration 0007. A migration
    that rebuilds this table on SQLite must make the FTS5 table and triggers again.
    """

    case = models.OneToOneField(
        Case, models.CASCADE, primary_key=True, related_name="search", verbose_name=_("case")
    )
    grams = GramsField(_("search grams"), blank=True)

    class Meta:
        verbose_name = _("search grams")
        verbose_name_plural = _("search grams")

    def __str__(self) -> str:
        return str(self.case_id)


class CaseCounter(models.Model):
    """The last sequence number given per street, kind and year (locked while allocating)."""

    street = models.ForeignKey("org.Street", models.PROTECT, related_name="+")
    kind = models.CharField(max_length=20, choices=Kind.choices)
    year = models.PositiveSmallIntegerField()
    last = models.PositiveIntegerField(default=0)

    class Meta:
        verbose_name = _("case counter")
        verbose_name_plural = _("case counters")
        constraints = [
            models.UniqueConstraint(fields=["street", "kind", "year"], name="case_counter_unique")
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.year}: {self.last}"


# --------------------------------------------------------------------------- timeline


class AppendOnlyError(Exception):
    """Timeline rows are history: they are added, never changed or removed."""


class AppendOnlyQuerySet(models.QuerySet):
    def update(self, **kwargs):
        raise AppendOnlyError(f"{self.model.__name__} rows cannot be changed")

    def delete(self):
        raise AppendOnlyError(f"{self.model.__name__} rows cannot be deleted")

    def bulk_update(self, objs, fields, batch_size=None):
        raise AppendOnlyError(f"{self.model.__name__} rows cannot be changed")

    def _raw_delete(self, using):
        raise AppendOnlyError(f"{self.model.__name__} rows cannot be deleted")


class AppendOnlyModel(models.Model):
    objects = AppendOnlyQuerySet.as_manager()

    class Meta:
        abstract = True
        base_manager_name = "objects"

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise AppendOnlyError(f"{type(self).__name__} rows cannot be changed")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise AppendOnlyError(f"{type(self).__name__} rows cannot be deleted")


class CaseEvent(AppendOnlyModel):
    """One line of a case's timeline: registration, a transition, a note, a clock started..."""

    case = models.ForeignKey(Case, models.PROTECT, related_name="events", verbose_name=_("case"))
    at = models.DateTimeField(_("time"), default=timezone.now, db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("actor"),
    )
    # "registered", a transition name, "note", "imported", "clock_started", ...
    kind = models.CharField(_("event"), max_length=40)
    from_status = models.CharField(_("from status"), max_length=30, blank=True)
    to_status = models.CharField(_("to status"), max_length=30, blank=True)
    note = models.TextField(_("note"), blank=True)
    data = models.JSONField(_("details"), default=dict, blank=True)

    class Meta(AppendOnlyModel.Meta):
        verbose_name = _("timeline event")
        verbose_name_plural = _("timeline events")
        ordering = ["at", "id"]
        indexes = [models.Index(fields=["case", "at"], name="case_event_case_at")]

    def __str__(self) -> str:
        return f"{self.case_id} {self.kind}"

    @property
    def label(self) -> str:
        """The translated name of the event (a transition's label, or a core event's)."""
        from huiyin.cases.workflow import event_label

        return event_label(self.case.kind, self.kind)


# --------------------------------------------------------------------------- clocks


def clock_codes() -> list[tuple[str, object]]:
    return [(code, lim.label) for code, lim in deadlines.LIMITS.items()]


class Clock(models.Model):
    """One statutory time limit of one case, running from its own start event.

    Clocks of the `office` bind the office and feed ``Case.due_on`` and the reminders; clocks
    of the `petitioner` are the petitioner's windows (to ask for a review, say): shown, never
    "overdue" for the office. Clocks of `another body` bind the body one level up that answers
    a review or re-examination (条例 art. 35, 36) when that body is not this office: shown,
    never in the office's due dates or overdue figures.

    A clock can be suspended (a re-examination hearing is not counted, 条例 art. 36):
    ``suspended_on`` is the first day of the running suspension, ``suspended_days`` the days
    not counted so far; the due date is computed over ``days + suspended_days``.
    """

    class Party(models.TextChoices):
        OFFICE = "office", _("Office")
        PETITIONER = "petitioner", _("Petitioner")
        OTHER_BODY = "other_body", _("Another body")

    class Outcome(models.TextChoices):
        MET = "met", _("Met in time")
        LATE = "late", _("Late")
        CANCELLED = "cancelled", _("Cancelled")
        LAPSED = "lapsed", _("Window closed unused")

    case = models.ForeignKey(Case, models.PROTECT, related_name="clocks", verbose_name=_("case"))
    code = models.CharField(_("time limit"), max_length=40, choices=clock_codes)
    party = models.CharField(_("party"), max_length=20, choices=Party.choices, default=Party.OFFICE)
    started_on = models.DateField(_("started on"))
    due_on = models.DateField(_("due on"))
    days = models.PositiveSmallIntegerField(_("days"))
    working_days = models.BooleanField(_("working days"), default=False)
    # Years the due date was computed in without the holiday notice: the date is provisional.
    unknown_years = models.JSONField(_("years without holiday data"), default=list, blank=True)
    extended = models.BooleanField(_("extended"), default=False)
    suspended_on = models.DateField(_("suspended since"), null=True, blank=True)
    suspended_days = models.PositiveSmallIntegerField(_("days not counted"), default=0)
    stopped_at = models.DateTimeField(_("stopped at"), null=True, blank=True)
    stopped_on = models.DateField(_("stopped on"), null=True, blank=True)
    outcome = models.CharField(_("outcome"), max_length=20, choices=Outcome.choices, blank=True)
    # The due date `huiyin tick` last reminded about, as "due soon" and as "overdue": claimed
    # with a conditional UPDATE so two copies never remind twice; an extension (a new due
    # date) makes the clock remindable again.
    reminded_soon_for = models.DateField(_("reminded due soon for"), null=True, blank=True)
    reminded_overdue_for = models.DateField(_("reminded overdue for"), null=True, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("clock")
        verbose_name_plural = _("clocks")
        ordering = ["started_on", "id"]
        constraints = [
            # One running clock per limit and case; stopped ones stay as history.
            models.UniqueConstraint(
                fields=["case", "code"],
                condition=Q(stopped_at__isnull=True),
                name="clock_one_running_per_code",
            ),
        ]
        indexes = [
            models.Index(fields=["stopped_at", "due_on"], name="clock_running_due"),
            # The bell's "another body's time limits" looks these up on every page.
            models.Index(
                fields=["due_on"],
                name="clock_other_body_running",
                condition=Q(party="other_body", stopped_at__isnull=True),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.case_id} {self.code} {self.due_on}"

    @property
    def running(self) -> bool:
        return self.stopped_at is None

    @property
    def suspended(self) -> bool:
        return self.stopped_at is None and self.suspended_on is not None

    @property
    def warning(self) -> bool:
        """True while the due date is provisional (a year without holiday data)."""
        return bool(self.unknown_years)

    @property
    def limit(self) -> deadlines.Limit:
        return deadlines.LIMITS[self.code]

    @property
    def label(self) -> str:
        return str(self.limit.label)

    @property
    def article(self) -> str:
        return self.limit.article

    def days_left(self, today: date | None = None) -> int:
        """Calendar days to the due date: 0 on the last day, negative when overdue."""
        return deadlines.days_left(self.due_on, today or timezone.localdate())


# --------------------------------------------------------------------------- attachments


@deconstructible
class PrivateStorage(FileSystemStorage):
    """Files under settings.ATTACHMENT_DIR, outside the web root: they have no URL."""

    def __init__(self, **kwargs):
        kwargs.pop("location", None)
        super().__init__(**kwargs)

    # Read at each use, not frozen when the model class is built.
    @property
    def base_location(self):
        return str(settings.ATTACHMENT_DIR)

    @property
    def location(self):
        return os.path.abspath(self.base_location)

    def url(self, name):
        raise ValueError("attachments are served only through a permission check")


def attachment_storage() -> PrivateStorage:
    return PrivateStorage()


def attachment_path(instance, filename: str) -> str:
    # The name is chosen by the attach() service; this is only a fallback.
    return f"{instance.case_id}/{filename}"


class StoredFile(models.Model):
    """What every kept file records beside the file itself (see attachments.inspect_upload).

    Never deleted: a file is withdrawn with a reason.
    """

    original_name = models.CharField(_("file name"), max_length=200)
    content_type = models.CharField(_("file type"), max_length=100)
    size = models.PositiveBigIntegerField(_("file size"))
    sha256 = models.CharField(_("SHA-256"), max_length=64)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("uploaded by"),
    )
    uploaded_at = models.DateTimeField(_("uploaded at"), default=timezone.now)
    withdrawn = models.BooleanField(_("withdrawn"), default=False)
    withdrawn_reason = models.TextField(_("reason for withdrawal"), blank=True)

    class Meta:
        abstract = True


class Attachment(StoredFile):
    """A file attached to a case, its type checked from its content."""

    case = models.ForeignKey(
        Case, models.PROTECT, related_name="attachments", verbose_name=_("case")
    )
    file = models.FileField(
        _("file"), storage=attachment_storage, upload_to=attachment_path, max_length=200
    )

    class Meta:
        verbose_name = _("attachment")
        verbose_name_plural = _("attachments")
        ordering = ["uploaded_at", "id"]

    def __str__(self) -> str:
        return self.original_name


# --------------------------------------------------------------------------- holidays


class CalendarDay(models.Model):
    """A statutory holiday or a make-up working day (调休), from the State Council's notice."""

    class DayKind(models.TextChoices):
        HOLIDAY = "holiday", _("Holiday (day off)")
        WORKDAY = "workday", _("Make-up working day")

    date = models.DateField(_("date"), unique=True)
    kind = models.CharField(_("kind"), max_length=10, choices=DayKind.choices)
    note = models.CharField(_("note"), max_length=60, blank=True)

    class Meta:
        verbose_name = _("holiday or make-up working day")
        verbose_name_plural = _("holidays and make-up working days")
        ordering = ["date"]

    def __str__(self) -> str:
        return f"{self.date} {self.get_kind_display()}"


class CalendarYear(models.Model):
    """A year whose official holiday notice has been entered in full.

    Deadlines running into a year without this row are computed with weekends only and carry
    a warning until the year is entered.
    """

    year = models.PositiveSmallIntegerField(_("year"), unique=True)
    source = models.CharField(
        _("source"),
        max_length=200,
        blank=True,
        help_text=_("The notice the days were taken from, e.g. 国办发明电〔2025〕7号."),
    )

    class Meta:
        verbose_name = _("holiday year")
        verbose_name_plural = _("holiday years")
        ordering = ["-year"]

    def __str__(self) -> str:
        return str(self.year)


# --------------------------------------------------------------------------- notifications


class NotificationQuerySet(models.QuerySet):
    def for_user(self, user) -> NotificationQuerySet:
        """A person's own notifications: nobody ever reads another's."""
        if user is None or not getattr(user, "is_authenticated", False):
            return self.none()
        return self.filter(recipient=user)

    def unread(self) -> NotificationQuerySet:
        return self.filter(read_at__isnull=True)


class Notification(models.Model):
    """An in-app message to one person about one case: its time limits due soon or overdue.

    Written by ``huiyin tick`` (:mod:`huiyin.cases.reminders`), once per recipient, case, kind
    and due date — the unique constraint is the database's guarantee of "once". Clocks of the
    case that fall due on the same day (register/transfer and the acceptance notice, 条例
    art. 22 and 23, both 15 days from receipt) share one notification that names them all
    (``codes``); ``clock`` is the first of them.
    """

    class Kind(models.TextChoices):
        DUE_SOON = "due_soon", _("Due soon")
        OVERDUE = "overdue", _("Overdue")

    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        models.CASCADE,
        related_name="notifications",
        verbose_name=_("recipient"),
    )
    case = models.ForeignKey(
        Case, models.CASCADE, related_name="notifications", verbose_name=_("case")
    )
    clock = models.ForeignKey(
        Clock,
        models.CASCADE,
        null=True,
        blank=True,
        related_name="notifications",
        verbose_name=_("clock"),
    )
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    # The due date reminded about: an extended clock is reminded again for its new date.
    due_on = models.DateField(_("due on"), null=True, blank=True)
    # The codes of the clocks reminded about (deadlines.LIMITS), in statutory order.
    codes = models.JSONField(_("time limits"), default=list, blank=True)
    message = models.CharField(_("message"), max_length=300)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    read_at = models.DateTimeField(_("read at"), null=True, blank=True)

    objects = NotificationQuerySet.as_manager()

    class Meta:
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["recipient", "case", "kind", "due_on"], name="notification_once_per_day"
            ),
        ]
        indexes = [
            models.Index(fields=["recipient", "read_at"], name="notification_unread"),
            models.Index(fields=["recipient", "-created_at"], name="notification_newest"),
        ]

    def __str__(self) -> str:
        return f"{self.recipient_id} {self.kind} {self.case_id}"

    @property
    def is_read(self) -> bool:
        return self.read_at is not None

    @property
    def text(self) -> str:
        """The message in the reader's language (the stored one when there is no clock)."""
        if self.due_on is None:
            return self.message
        labels = [str(deadlines.LIMITS[c].label) for c in self.codes if c in deadlines.LIMITS]
        if not labels:
            if self.clock_id is None:
                return self.message
            labels = [self.clock.label]
        return notification_text(self.kind, self.case.number, labels, self.due_on)


def limit_order(code: str) -> int:
    """The place of a clock's code in the statute's order (unknown codes last)."""
    order = list(deadlines.LIMITS)
    return order.index(code) if code in order else len(order)


def notification_text(kind: str, number: str, limits: str | list[str], due_on: date) -> str:
    """The sentence of a reminder: which limits of which case fall due, or fell due, when.

    One limit: "…: “limit” is due on …"; several due the same day: one sentence naming them
    all ("…：两项期限：“…”、“…”，均于 … 到期").
    """
    from django.utils.translation import gettext, ngettext, pgettext

    if isinstance(limits, str):
        limits = [limits]
    day = due_on.isoformat()
    if len(limits) == 1:
        params = {"number": number, "limit": limits[0], "date": day}
        if kind == Notification.Kind.OVERDUE:
            return gettext("%(number)s: “%(limit)s” was due on %(date)s and is overdue.") % params
        return gettext("%(number)s: “%(limit)s” is due on %(date)s.") % params
    count = len(limits)
    words = {2: gettext("two time limits"), 3: gettext("three time limits")}
    how_many = words.get(count) or ngettext(
        "%(count)d time limit", "%(count)d time limits", count
    ) % {"count": count}
    named = pgettext("between items of a list", ", ").join(f"“{label}”" for label in limits)
    params = {"number": number, "how_many": how_many, "limits": named, "date": day}
    if kind == Notification.Kind.OVERDUE:
        return (
            gettext(
                "%(number)s: %(how_many)s, %(limits)s, were all due on %(date)s and are overdue."
            )
            % params
        )
    return gettext("%(number)s: %(how_many)s, %(limits)s, are all due on %(date)s.") % params
