# Numbers run per street and year: the sequence is unique within (street, year), not the year.

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("meetings", "0001_initial"),
    ]

    operations = [
        migrations.RemoveConstraint(
            model_name="meeting",
            name="meeting_year_seq",
        ),
        migrations.AddConstraint(
            model_name="meeting",
            constraint=models.UniqueConstraint(
                fields=("street", "year", "seq"), name="meeting_street_year_seq"
            ),
        ),
    ]
