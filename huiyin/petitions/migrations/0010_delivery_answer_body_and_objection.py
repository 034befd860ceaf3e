"""The written answer's delivery (送达, 条例 art. 35, 36: the petitioner's windows run from it),
the body that answers a review or re-examination and the day it received the request, and the
objection to a misdirected assignment (art. 23: returned to the sender)."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("petitions", "0009_confidential_persons_and_recusal"),
    ]

    operations = [
        migrations.AddField(
            model_name="petition",
            name="objected_on",
            field=models.DateField(blank=True, null=True, verbose_name="objected on"),
        ),
        migrations.AddField(
            model_name="petition",
            name="objection_reason",
            field=models.TextField(blank=True, verbose_name="reasons for the objection"),
        ),
        migrations.AddField(
            model_name="petition",
            name="reexam_body",
            field=models.CharField(
                blank=True,
                choices=[
                    ("street", "This street office"),
                    ("district_government", "District people's government"),
                    ("district_petition_bureau", "District petition bureau"),
                    ("district_department", "A department of the district"),
                    ("other", "Another body"),
                ],
                max_length=30,
                verbose_name="re-examining body",
            ),
        ),
        migrations.AddField(
            model_name="petition",
            name="reexam_received_on",
            field=models.DateField(
                blank=True,
                null=True,
                verbose_name="re-examination request received by that body on",
            ),
        ),
        migrations.AddField(
            model_name="petition",
            name="reply_delivered_manner",
            field=models.CharField(
                blank=True,
                choices=[
                    ("in_person", "Handed over in person"),
                    ("post", "By post"),
                    ("phone", "By phone"),
                    ("online", "Online"),
                ],
                max_length=20,
                verbose_name="reply delivered",
            ),
        ),
        migrations.AddField(
            model_name="petition",
            name="reply_delivered_on",
            field=models.DateField(blank=True, null=True, verbose_name="reply delivered on"),
        ),
        migrations.AddField(
            model_name="petition",
            name="review_answer_delivered_manner",
            field=models.CharField(
                blank=True,
                choices=[
                    ("in_person", "Handed over in person"),
                    ("post", "By post"),
                    ("phone", "By phone"),
                    ("online", "Online"),
                ],
                max_length=20,
                verbose_name="review answer delivered",
            ),
        ),
        migrations.AddField(
            model_name="petition",
            name="review_answer_delivered_on",
            field=models.DateField(
                blank=True, null=True, verbose_name="review answer delivered on"
            ),
        ),
        migrations.AddField(
            model_name="petition",
            name="review_body",
            field=models.CharField(
                blank=True,
                choices=[
                    ("street", "This street office"),
                    ("district_government", "District people's government"),
                    ("district_petition_bureau", "District petition bureau"),
                    ("district_department", "A department of the district"),
                    ("other", "Another body"),
                ],
                max_length=30,
                verbose_name="reviewing body",
            ),
        ),
        migrations.AddField(
            model_name="petition",
            name="review_received_on",
            field=models.DateField(
                blank=True, null=True, verbose_name="review request received by that body on"
            ),
        ),
        migrations.AddField(
            model_name="petition",
            name="sender_agreed_on",
            field=models.DateField(blank=True, null=True, verbose_name="sender agreed on"),
        ),
    ]
