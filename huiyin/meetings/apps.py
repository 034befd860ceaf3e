"""Meetings and their tasks."""

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

ACTIONS = {
    "meeting.save": _("Recorded or changed a meeting"),
    "meeting.agenda": _("Changed a meeting's agenda"),
    "meeting.task": _("Set a task at a meeting"),
    "meeting.task_done": _("Marked a meeting's task done"),
}


class MeetingsConfig(AppConfig):
    name = "huiyin.meetings"
    verbose_name = _("Meetings and their tasks")

    def ready(self):
        from huiyin.front.home import register as register_todos
        from huiyin.meetings.home import meeting_todos
        from huiyin.privacy.audit import register_action
        from huiyin.reports.documents import meetings  # noqa: F401 - registers the 会议纪要

        for code, label in ACTIONS.items():
            register_action(code, label)
        register_todos(meeting_todos)
