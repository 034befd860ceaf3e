"""One reminder per person, case, kind and due date, naming every clock due that day.

Before, each clock reminded on its own: a petition's register/transfer and acceptance-notice
clocks (条例 art. 22 and 23, both 15 days from receipt) gave every clerk two notifications
for the same day. The notifications already written are merged here — the earliest of each
group is kept, with the codes of all its clocks, unread if any of the group was unread — before
the constraint moves from (recipient, clock, kind, due_on) to (recipient, case, kind, due_on).
"""

from django.db import migrations, models


def merge(apps, schema_editor):
    Notification = apps.get_model("cases", "Notification")
    order = [
        "register_transfer",
        "acceptance_notice",
        "transfer_objection",
        "handling",
        "extension_max",
        "review_request",
        "review_answer",
        "reexam_request",
        "reexam_answer",
        "judicial_confirmation",
    ]

    def place(code):
        return order.index(code) if code in order else len(order)

    groups = {}
    rows = (
        Notification.objects.order_by("created_at", "id")
        .values_list("id", "recipient_id", "case_id", "kind", "due_on", "clock__code", "read_at")
        .iterator()
    )
    for pk, recipient, case, kind, due_on, code, read_at in rows:
        key = (recipient, case, kind, due_on) if due_on is not None else ("single", pk)
        groups.setdefault(key, []).append((pk, code, read_at))
    for members in groups.values():
        keep = members[0][0]
        codes = sorted({code for _pk, code, _read in members if code}, key=place)
        reads = [read for _pk, _code, read in members]
        read_at = None if any(r is None for r in reads) else max(reads)
        Notification.objects.filter(pk=keep).update(codes=codes, read_at=read_at)
        extra = [pk for pk, _code, _read in members[1:]]
        if extra:
            Notification.objects.filter(pk__in=extra).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("cases", "0009_count_index_on_postgresql"),
    ]

    operations = [
        migrations.RemoveConstraint(
            model_name="notification",
            name="notification_once",
        ),
        migrations.AddField(
            model_name="notification",
            name="codes",
            field=models.JSONField(blank=True, default=list, verbose_name="time limits"),
        ),
        migrations.RunPython(merge, migrations.RunPython.noop),
        migrations.AddConstraint(
            model_name="notification",
            constraint=models.UniqueConstraint(
                fields=("recipient", "case", "kind", "due_on"), name="notification_once_per_day"
            ),
        ),
    ]
