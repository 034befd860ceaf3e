"""The home page's to-do items about meeting tasks: the person's own, overdue or due soon.

Registered with :func:`huiyin.front.home.register` in ``MeetingsConfig.ready()``.
"""

from __future__ import annotations

from datetime import timedelta

from django.urls import reverse
from django.utils.translation import gettext as _

from huiyin.assessment.services.common import today
from huiyin.front.home import TodoItem
from huiyin.meetings.models import MeetingTask, TaskStatus
from huiyin.org.access import Reach

#: A task due within this many days is shown as due soon.
SOON_DAYS = 3


def meeting_todos(user, reach: Reach) -> list[TodoItem]:
    staff = getattr(user, "staff", None)
    if staff is None:
        return []
    day = today()
    mine = MeetingTask.objects.filter(owner=staff, status=TaskStatus.OPEN)
    overdue = mine.filter(due_on__lt=day).count()
    soon = mine.filter(due_on__gte=day, due_on__lte=day + timedelta(days=SOON_DAYS)).count()
    url = reverse("meetings:tasks") + "?show=mine"
    items = []
    if overdue:
        items.append(TodoItem(_("Meeting tasks overdue"), url, overdue, urgent=True))
    if soon:
        items.append(TodoItem(_("Meeting tasks due soon"), url, soon))
    return items
