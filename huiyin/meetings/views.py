"""Meetings' pages: the list, a meeting (agenda, decisions, tasks, follow-through of earlier
meetings' tasks), recording and changing one, setting a task, a task's page (marked done by its
owner or the office), the task list and the minutes (会议纪要).

Who may do what is :mod:`huiyin.meetings.services`'s. A matter (case) is named only to those who
may see it (``Case.objects.visible_to``); to anyone else it is counted, never named."""

from __future__ import annotations

from urllib.parse import quote

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from huiyin.assessment.views.common import report, row_or_404, visible_cases
from huiyin.cases import bounds
from huiyin.cases.views import case_url
from huiyin.meetings import documents
from huiyin.meetings import services as service
from huiyin.meetings.forms import AgendaForm, DoneForm, MeetingForm, TaskForm
from huiyin.meetings.models import AgendaItem, Meeting, MeetingTask, TaskStatus
from huiyin.meetings.services import MeetingInvalid, today
from huiyin.org.access import reach_of
from huiyin.privacy import audit
from huiyin.reports.documents.render import DOCX_CONTENT_TYPE

PAGE_SIZE = 30
TASK_FILTERS = ("open", "overdue", "done", "mine", "all")


def _ctx(**more) -> dict:
    return {"nav_active": "assessment", "subnav_active": "meetings", **more}


def _require_view(user) -> None:
    if not service.may_view(user):
        raise PermissionDenied


def _require_manage(user) -> None:
    if not service.may_manage(user):
        raise PermissionDenied


def _matters(user, rows) -> None:
    """Mark each row (agenda item, task) with the matter the reader may open: ``matter_url``
    and ``matter_number``, or ``matter_hidden`` when the case is outside their view."""
    rows = list(rows)
    seen = visible_cases(user, [r.case_id for r in rows if r.case_id])
    for row in rows:
        row.matter_url = row.matter_number = ""
        row.matter_hidden = False
        if row.case_id and row.case_id in seen:
            row.matter_url = case_url(row.case.kind, row.case_id)
            row.matter_number = row.case.number
        elif row.case_id:
            row.matter_hidden = True


def _meeting(pk, user) -> Meeting:
    """A meeting of one of the person's streets; 404 otherwise."""
    mine = Meeting.objects.filter(street_id__in=reach_of(user).street_ids)
    return row_or_404(mine.select_related("chair", "street"), pk)


# --------------------------------------------------------------------------- meetings


@login_required
@require_GET
def meeting_list(request: HttpRequest) -> HttpResponse:
    if not service.may_view(request.user):
        if service.visible_tasks(request.user).exists():
            return redirect(f"{_task_list_url()}?show=mine")
        raise PermissionDenied
    streets = reach_of(request.user).street_ids  # the meetings of the person's own streets
    found = (
        Meeting.objects.filter(street_id__in=streets)
        .select_related("chair")
        .order_by("-held_on", "-pk")
    )
    page = Paginator(found, PAGE_SIZE).get_page(
        bounds.bounded_int(request.GET.get("page"), 1, bounds.MAX_PAGE, 1)
    )
    day = today()
    tasks = MeetingTask.objects.filter(status=TaskStatus.OPEN, meeting__street_id__in=streets)
    return render(
        request,
        "meetings/meetings.html",
        _ctx(
            page=page,
            may_manage=service.may_manage(request.user),
            open_count=tasks.count(),
            overdue_count=tasks.filter(due_on__lt=day).count(),
        ),
    )


def _task_list_url() -> str:
    from django.urls import reverse

    return reverse("meetings:tasks")


def _meeting_form(request, meeting: Meeting | None) -> HttpResponse:
    _require_manage(request.user)
    if request.method == "POST":
        form = MeetingForm(request.POST, user=request.user)
        if form.is_valid():
            try:
                saved = service.save_meeting(
                    actor=request.user, data=form.cleaned_data, meeting=meeting, request=request
                )
            except MeetingInvalid as exc:
                form.add_service_errors(exc)
            else:
                messages.success(request, _("The meeting was saved."))
                return redirect("meetings:detail", saved.pk)
    elif meeting is not None:
        form = MeetingForm(
            initial={
                "held_on": meeting.held_on,
                "title": meeting.title,
                "meeting_kind": meeting.meeting_kind,
                "place": meeting.place,
                "chair": str(meeting.chair_id),
                "attendees": [str(pk) for pk in meeting.attendees.values_list("pk", flat=True)],
                "decisions": meeting.decisions,
                "version": meeting.version,
            },
            user=request.user,
        )
    else:
        form = MeetingForm(
            initial={"held_on": today(), "meeting_kind": "regular"}, user=request.user
        )
    return render(request, "meetings/meeting_form.html", _ctx(form=form, meeting=meeting))


@login_required
def meeting_new(request: HttpRequest) -> HttpResponse:
    return _meeting_form(request, None)


@login_required
def meeting_edit(request: HttpRequest, pk: int) -> HttpResponse:
    _require_manage(request.user)
    return _meeting_form(request, _meeting(pk, request.user))


@login_required
@require_GET
def meeting_detail(request: HttpRequest, pk: int) -> HttpResponse:
    _require_view(request.user)
    meeting = _meeting(pk, request.user)
    agenda = list(meeting.agenda.select_related("case").order_by("order", "pk"))
    tasks = service.tasks_of(meeting)
    earlier = service.follow_through(meeting)
    _matters(request.user, [*agenda, *tasks, *earlier["open"], *earlier["done"]])
    manage = service.may_manage(request.user)
    return render(
        request,
        "meetings/meeting_detail.html",
        _ctx(
            meeting=meeting,
            attendees=list(meeting.attendees.order_by("name", "pk")),
            agenda=agenda,
            tasks=tasks,
            earlier=earlier,
            today=today(),
            decisions=[x for x in meeting.decisions.splitlines() if x.strip()],
            may_manage=manage,
            agenda_form=AgendaForm() if manage else None,
        ),
    )


@login_required
@require_POST
def agenda_add(request: HttpRequest, pk: int) -> HttpResponse:
    _require_manage(request.user)
    meeting = _meeting(pk, request.user)
    form = AgendaForm(request.POST)
    if form.is_valid():
        try:
            service.add_agenda_item(
                meeting, actor=request.user, data=form.cleaned_data, request=request
            )
        except MeetingInvalid as exc:
            report(request, exc)
        else:
            messages.success(request, _("The agenda item was added."))
    else:
        for errors in form.errors.values():
            for error in errors:
                messages.error(request, error)
    return redirect("meetings:detail", meeting.pk)


@login_required
@require_POST
def agenda_delete(request: HttpRequest, pk: int) -> HttpResponse:
    _require_manage(request.user)
    # An item of a meeting of the person's streets (another street's: 404, as an unknown one).
    mine = AgendaItem.objects.filter(meeting__street_id__in=reach_of(request.user).street_ids)
    item = row_or_404(mine, pk)
    service.remove_agenda_item(item, actor=request.user, request=request)
    messages.success(request, _("The agenda item was removed."))
    return redirect("meetings:detail", item.meeting_id)


@login_required
def task_new(request: HttpRequest, pk: int) -> HttpResponse:
    _require_manage(request.user)
    meeting = _meeting(pk, request.user)
    if request.method == "POST":
        form = TaskForm(request.POST, user=request.user)
        if form.is_valid():
            try:
                service.add_task(
                    meeting, actor=request.user, data=form.cleaned_data, request=request
                )
            except MeetingInvalid as exc:
                form.add_service_errors(exc)
            else:
                messages.success(request, _("The task was set."))
                return redirect("meetings:detail", meeting.pk)
    else:
        initial = {"due_on": max(today(), meeting.held_on)}
        form = TaskForm(initial=initial, user=request.user)
    return render(request, "meetings/task_form.html", _ctx(form=form, meeting=meeting))


@login_required
@require_GET
def minutes(request: HttpRequest, pk: int) -> HttpResponse:
    """The 会议纪要, naming only the matters the reader may see (the others counted)."""
    _require_view(request.user)
    meeting = _meeting(pk, request.user)
    earlier = service.follow_through(meeting)
    ids = [
        *meeting.agenda.exclude(case=None).values_list("case_id", flat=True),
        *(t.case_id for t in [*service.tasks_of(meeting), *earlier["open"], *earlier["done"]]),
    ]
    data = documents.minutes_docx(meeting, visible=visible_cases(request.user, ids))
    audit.record(
        "document.export",
        actor=request.user,
        target=meeting,
        diff={"document": documents.NAME},
        request=request,
    )
    response = HttpResponse(data, content_type=DOCX_CONTENT_TYPE)
    response["Content-Disposition"] = (
        'attachment; filename="meeting-minutes.docx"; '
        f"filename*=UTF-8''{quote(documents.filename(meeting))}"
    )
    return response


# --------------------------------------------------------------------------- tasks


@login_required
@require_GET
def task_list(request: HttpRequest) -> HttpResponse:
    viewer = service.may_view(request.user)
    found = service.visible_tasks(request.user)
    if not viewer and not found.exists():
        raise PermissionDenied
    default = "open" if viewer else "mine"
    show = request.GET.get("show") if request.GET.get("show") in TASK_FILTERS else default
    day = today()
    staff = getattr(request.user, "staff", None)
    if show == "open":
        found = found.filter(status=TaskStatus.OPEN)
    elif show == "overdue":
        found = found.filter(status=TaskStatus.OPEN, due_on__lt=day)
    elif show == "done":
        found = found.filter(status=TaskStatus.DONE)
    elif show == "mine":
        found = found.filter(owner=staff) if staff is not None else found.none()
    page = Paginator(found.order_by("status", "due_on", "pk"), PAGE_SIZE).get_page(
        bounds.bounded_int(request.GET.get("page"), 1, bounds.MAX_PAGE, 1)
    )
    _matters(request.user, page.object_list)
    return render(
        request,
        "meetings/tasks.html",
        _ctx(page=page, show=show, today=day, viewer=viewer, filters=TASK_FILTERS),
    )


def _task(request, pk) -> MeetingTask:
    # The tasks the person may see: of their streets' meetings, or their own (else 404).
    task = row_or_404(service.visible_tasks(request.user).select_related("done_by"), pk)
    if not service.may_see_task(request.user, task):
        raise Http404
    return task


@login_required
@require_GET
def task_detail(request: HttpRequest, pk: int) -> HttpResponse:
    task = _task(request, pk)
    _matters(request.user, [task])
    finish = task.status == TaskStatus.OPEN and service.may_finish(request.user, task)
    return render(
        request,
        "meetings/task_detail.html",
        _ctx(
            task=task,
            today=today(),
            overdue=task.overdue_on(today()),
            viewer=service.may_view(request.user),
            done_form=DoneForm(initial={"done_on": today(), "version": task.version})
            if finish
            else None,
        ),
    )


@login_required
@require_POST
def task_done(request: HttpRequest, pk: int) -> HttpResponse:
    task = _task(request, pk)
    if not service.may_finish(request.user, task):
        raise PermissionDenied
    form = DoneForm(request.POST)
    if form.is_valid():
        try:
            service.finish_task(task, actor=request.user, data=form.cleaned_data, request=request)
        except MeetingInvalid as exc:
            report(request, exc)
        else:
            messages.success(request, _("The task was marked done."))
    else:
        for errors in form.errors.values():
            for error in errors:
                messages.error(request, error)
    return redirect("meetings:task", task.pk)
