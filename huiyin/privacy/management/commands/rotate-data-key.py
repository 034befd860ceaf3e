"""`huiyin rotate-data-key`: re-encrypt personal data under the current HUIYIN_DATA_KEY.

Every EncryptedTextField of every installed model is read; a value sealed with an old key
(HUIYIN_OLD_DATA_KEYS) is sealed again with the current one, and each blind index is
recomputed under the current key. Batches commit one by one, so an interrupted run resumes
where it stopped; a second run finds nothing to do. Before writing anything the command
checks that every value names a key it has: otherwise it stops and names the missing key.
"""

from __future__ import annotations

from collections import Counter

from django.apps import apps
from django.core.management.base import BaseCommand, CommandError
from django.db import DEFAULT_DB_ALIAS, models, transaction
from django.db.models import ExpressionWrapper, F
from django.utils.translation import gettext as _

from huiyin.privacy import audit, crypto
from huiyin.privacy.fields import EncryptedTextField, encrypted_fields


def _raw(field: EncryptedTextField) -> ExpressionWrapper:
    """The column as stored: a plain text output field skips the decrypting converter."""
    return ExpressionWrapper(F(field.attname), output_field=models.TextField())


class Command(BaseCommand):
    help = (
        "Re-encrypt personal data sealed with an old key (HUIYIN_OLD_DATA_KEYS) under "
        "HUIYIN_DATA_KEY and recompute the blind indexes."
    )

    def add_arguments(self, parser):
        parser.add_argument("--batch-size", type=int, default=500, help="rows per transaction")
        parser.add_argument(
            "--dry-run", action="store_true", help="count what would change, change nothing"
        )
        parser.add_argument("--database", default=DEFAULT_DB_ALIAS)

    def handle(self, *args, batch_size: int, dry_run: bool, database: str, **options):
        if batch_size < 1:
            raise CommandError(_("--batch-size must be at least 1."))
        self.db = database
        current = crypto.current_key_id()
        targets = [
            (model, fields)
            for model in apps.get_models()
            if not model._meta.proxy and (fields := encrypted_fields(model))
        ]
        self.stdout.write(
            _("Current data key: %(key)s; old keys: %(old)s")
            % {"key": current, "old": ", ".join(crypto.known_key_ids()[1:]) or "-"}
        )
        self.survey(targets)

        checked = rotated = reindexed = 0
        for model, fields in targets:
            c, r, i = self.rotate(model, fields, batch_size=batch_size, dry_run=dry_run)
            checked, rotated, reindexed = checked + c, rotated + r, reindexed + i

        if dry_run:
            self.stdout.write(
                _(
                    "Dry run: %(rows)d of %(checked)d rows would be re-encrypted and "
                    "%(indexes)d blind indexes recomputed."
                )
                % {"rows": rotated, "checked": checked, "indexes": reindexed}
            )
            return
        if rotated or reindexed:
            with transaction.atomic(using=database):
                audit.record(
                    "data_key.rotate",
                    diff={"key": current, "rows": rotated, "indexes": reindexed},
                )
            self.stdout.write(
                self.style.SUCCESS(
                    _(
                        "Done: %(rows)d rows re-encrypted under key %(key)s, %(indexes)d blind "
                        "indexes recomputed, %(checked)d rows checked."
                    )
                    % {"rows": rotated, "key": current, "indexes": reindexed, "checked": checked}
                )
            )
            self.stdout.write(
                _(
                    "When every server runs with this key, remove the old one from HUIYIN_OLD_DATA_KEYS."
                )
            )
        else:
            self.stdout.write(
                self.style.SUCCESS(
                    _("Nothing to rotate: all %(checked)d rows are sealed with key %(key)s.")
                    % {"checked": checked, "key": current}
                )
            )

    def survey(self, targets) -> None:
        """Refuse before writing anything if some value names a key we do not have."""
        known = set(crypto.known_key_ids())
        problems = []
        for model, fields in targets:
            manager = model._base_manager.db_manager(self.db)
            for field in fields:
                by_key: Counter[str] = Counter()
                values = manager.annotate(_token=_raw(field)).values_list("_token", flat=True)
                for token in values.iterator(chunk_size=2000):
                    if token:
                        try:
                            by_key[crypto.token_key_id(token)] += 1
                        except crypto.DecryptionError:
                            by_key[""] += 1
                label = f"{model._meta.label}.{field.name}"
                for kid, count in sorted(by_key.items()):
                    if kid == "":
                        problems.append(
                            _("%(field)s: %(count)d values are not encrypted tokens.")
                            % {"field": label, "count": count}
                        )
                    elif kid not in known:
                        problems.append(
                            _(
                                "%(field)s: %(count)d values are sealed with data key %(key)s, "
                                "which is neither HUIYIN_DATA_KEY nor in HUIYIN_OLD_DATA_KEYS."
                            )
                            % {"field": label, "count": count, "key": kid}
                        )
        if problems:
            raise CommandError(
                "\n".join(
                    [
                        _("Nothing was changed: some personal data cannot be decrypted."),
                        *problems,
                        _("Add the missing key to HUIYIN_OLD_DATA_KEYS and run again."),
                    ]
                )
            )

    def rotate(self, model, fields, *, batch_size: int, dry_run: bool) -> tuple[int, int, int]:
        manager = model._base_manager.db_manager(self.db)
        raw = {f"_raw_{field.attname}": _raw(field) for field in fields}
        index_names = [field.index_field for field in fields if field.index_field]
        total = manager.count()
        label = model._meta.label
        checked = rotated = reindexed = 0
        last_pk = None
        while True:
            with transaction.atomic(using=self.db):
                rows = manager.annotate(**raw).order_by("pk").select_for_update()
                if last_pk is not None:
                    rows = rows.filter(pk__gt=last_pk)
                batch = list(rows.values_list("pk", *raw, *index_names)[:batch_size])
                if not batch:
                    break
                for pk, *values in batch:
                    tokens = dict(zip(fields, values[: len(fields)], strict=True))
                    indexes = dict(zip(index_names, values[len(fields) :], strict=True))
                    changes, token_changed = self.changes_for(label, pk, tokens, indexes)
                    rotated += token_changed
                    reindexed += any(name in changes for name in index_names)
                    if changes and not dry_run:
                        manager.filter(pk=pk).update(**changes)
                checked += len(batch)
                last_pk = batch[-1][0]
            self.stdout.write(
                _("%(model)s: %(done)d of %(total)d rows checked")
                % {"model": label, "done": checked, "total": total}
            )
        return checked, rotated, reindexed

    def changes_for(self, label, pk, tokens, indexes) -> tuple[dict, bool]:
        """The column values to write for one row, and whether a token is re-encrypted."""
        changes: dict = {}
        token_changed = False
        for field, token in tokens.items():
            plain = ""
            if token:
                try:
                    plain = crypto.decrypt(token, context=field.context)
                except crypto.DecryptionError as exc:
                    raise CommandError(
                        _(
                            "Cannot decrypt %(model)s #%(pk)s, field %(field)s: %(error)s. This "
                            "batch was left unchanged; earlier batches are already rotated."
                        )
                        % {"model": label, "pk": pk, "field": field.name, "error": exc}
                    ) from None
                if crypto.needs_rotation(token):
                    # update() seals the plaintext again through the field, under the current key.
                    changes[field.attname] = plain
                    token_changed = True
            if field.index_field:
                wanted = field.index_value(plain)
                if (indexes[field.index_field] or "") != wanted:
                    changes[field.index_field] = wanted
        return changes, token_changed
