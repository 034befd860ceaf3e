"""A model with encrypted fields for the tests, until the petition models exist.

It is unmanaged and has no migration. It is taken out of the app registry as soon as it is
defined, so the rest of the suite (a migrations check, say) never sees it; the
`scratch_table` fixture puts it back, with its table, for the tests that use it, so that the
`rotate-data-key` command finds it like any real model.
"""

from django.apps import apps
from django.db import models

from huiyin.privacy.fields import BlindIndexField, EncryptedTextField


class ScratchResident(models.Model):
    name = models.CharField(max_length=40, blank=True)
    id_number = EncryptedTextField(
        blank=True, index_field="id_number_hash", index_purpose="resident_id"
    )
    id_number_hash = BlindIndexField()
    # The companion comes first here on purpose: BlindIndexField computes itself anyway.
    phone_hash = BlindIndexField()
    phone = EncryptedTextField(
        blank=True, null=True, index_field="phone_hash", index_purpose="phone"
    )
    note = EncryptedTextField(blank=True, context="scratch.note")

    class Meta:
        app_label = "privacy"
        managed = False
        db_table = "privacy_test_scratchresident"

    def __str__(self) -> str:
        return f"resident #{self.pk}"


def register() -> None:
    apps.register_model("privacy", ScratchResident)


def unregister() -> None:
    apps.all_models["privacy"].pop("scratchresident", None)
    apps.clear_cache()


unregister()
