"""What the URL x role crawl (huiyin.testing.crawl) needs of the meetings' pages.

The demo loads two meetings with tasks (:mod:`huiyin.meetings.demo`). :data:`FILLERS` fills each
page's path: a meeting's pages with the first meeting (every holder of ``assessment.view``
reads them all) — and for a task, one the person may see ("in": assessment.view, or their own)
and one they may not ("out").
"""

from __future__ import annotations

from huiyin.meetings import models as m


def _first(model):
    def fill(w, p, scope: str) -> list[dict]:
        if scope != "in":
            return []
        found = model.objects.order_by("pk").values_list("pk", flat=True).first()
        return [{"pk": found or 1}]

    return fill


def _task(w, p, scope: str) -> list[dict]:
    from huiyin.meetings.services import may_see_task

    tasks = list(m.MeetingTask.objects.select_related("owner").order_by("pk"))
    if p.user is None:
        return [{"pk": tasks[0].pk}] if tasks and scope == "out" else []
    pool = [t for t in tasks if may_see_task(p.user, t) == (scope == "in")]
    return [{"pk": pool[0].pk}] if pool else []


FILLERS = {
    **{
        f"meetings:{name}": _first(m.Meeting)
        for name in ("detail", "edit", "agenda_add", "task_new", "minutes")
    },
    "meetings:agenda_delete": _first(m.AgendaItem),
    **{f"meetings:{name}": _task for name in ("task", "task_done")},
}
