"""Template context for the notification bell in the top bar: one query per page."""

from __future__ import annotations

from django.http import HttpRequest

from huiyin.cases.models import Notification


def notifications(request: HttpRequest) -> dict:
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    return {"unread_notifications": Notification.objects.for_user(user).unread().count()}
