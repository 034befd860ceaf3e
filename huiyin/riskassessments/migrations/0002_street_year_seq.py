# Numbers run per street and year: the sequence is unique within (street, year), not the year.

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("riskassessments", "0001_initial"),
    ]

    operations = [
        migrations.RemoveConstraint(
            model_name="riskassessment",
            name="riskassessment_year_seq",
        ),
        migrations.AddConstraint(
            model_name="riskassessment",
            constraint=models.UniqueConstraint(
                fields=("street", "year", "seq"), name="riskassessment_street_year_seq"
            ),
        ),
    ]
