# Each street's short name is its own (empty may repeat: the full name is used then), since it
# begins the numbers of the street's cases, meetings and orders.

from django.db import migrations, models
from django.db.models import Count
from django.utils.translation import gettext


def refuse_shared_short_names(apps, schema_editor):
    """Say which streets share a short name, rather than fail on the constraint."""
    Street = apps.get_model("org", "Street")
    shared = (
        Street.objects.exclude(short_name="")
        .values("short_name")
        .annotate(n=Count("id"))
        .filter(n__gt=1)
        .values_list("short_name", flat=True)
    )
    if shared:
        names = "; ".join(
            f"{short}: "
            + ", ".join(Street.objects.filter(short_name=short).values_list("name", flat=True))
            for short in shared
        )
        message = gettext(
            "These streets share a short name: %(names)s. Give each street a short name of its"
            " own in the administration, then upgrade again."
        )
        raise RuntimeError(message % {"names": names})


class Migration(migrations.Migration):
    dependencies = [
        ("org", "0005_street_days"),
    ]

    operations = [
        migrations.RunPython(refuse_shared_short_names, migrations.RunPython.noop),
        migrations.AddConstraint(
            model_name="street",
            constraint=models.UniqueConstraint(
                condition=models.Q(("short_name", ""), _negated=True),
                fields=("short_name",),
                name="street_unique_short_name",
                violation_error_message=(
                    "Another street already has this short name. The short name begins the"
                    " street's case, meeting and order numbers, so each street needs its own."
                ),
            ),
        ),
    ]
