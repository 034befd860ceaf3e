"""Model fields for personal data: only ciphertext reaches the database.

    class Petitioner(models.Model):
        id_number = EncryptedTextField(
            _("resident ID"), blank=True,
            index_field="id_number_hash", index_purpose="resident_id",
        )
        id_number_hash = BlindIndexField()

        phone = EncryptedTextField(_("phone"), blank=True)

`EncryptedTextField` seals its value with `huiyin.privacy.crypto.encrypt()` on the way in and
opens it on the way out, so the attribute always holds plaintext and the column always holds a
`v1:<key id>:...` token. The token is bound to a context, by default
"<app_label>.<model_name>.<field name>": a token copied into another column does not open there.
Renaming a model or field therefore needs `context=` set to the old value.

Tokens are randomised, so the database cannot compare them: the only lookups allowed on an
encrypted field are `isnull` and `exact` against "" (empty). For exact-match search, give the
field a blind-index companion (`index_field=`, a `BlindIndexField`), filled on every save from
the value, and query it with `lookup_q()` (or `lookup_hash()`):

    Petitioner.objects.filter(lookup_q("id_number_hash", validate_resident_id(typed), "resident_id"))

Values are validated and normalised (`huiyin.privacy.validators`) by the forms and services
before they are saved; the index folds width, whitespace and case on top of that, so the same
ID typed with a lower-case x or full-width digits finds the same row.

When saving with `update_fields`, list the index field beside the encrypted one: saving one
without the other is refused, since it would leave a stale index.
"""

from __future__ import annotations

from django.core import checks
from django.db import models
from django.db.models import Q
from django.db.models.lookups import Exact, IsNull
from django.db.models.signals import pre_save

from huiyin.privacy import crypto


class EncryptedExact(Exact):
    """`field=""` works (empty values are stored empty); any other value cannot match a token."""

    def get_prep_lookup(self):
        if not hasattr(self.rhs, "resolve_expression") and self.rhs not in ("", None):
            raise ValueError(
                f"{self.lhs.target.model._meta.label}.{self.lhs.target.name} is encrypted and "
                "cannot be compared in the database; filter on its blind index with "
                "huiyin.privacy.fields.lookup_q() instead"
            )
        return super().get_prep_lookup()


class BlindIndexField(models.CharField):
    """The companion of an encrypted field: HMAC-SHA256 hex of its normalised value, or ""."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("max_length", 64)
        kwargs.setdefault("db_index", True)
        kwargs.setdefault("editable", False)
        kwargs.setdefault("blank", True)
        kwargs.setdefault("default", "")
        super().__init__(*args, **kwargs)

    def pre_save(self, model_instance, add):
        # Fields save in declaration order: recompute here too, in case this field comes first.
        for field in model_instance._meta.concrete_fields:
            if isinstance(field, EncryptedTextField) and field.index_field == self.name:
                value = field.index_value(getattr(model_instance, field.attname))
                setattr(model_instance, self.attname, value)
                return value
        return super().pre_save(model_instance, add)


class EncryptedTextField(models.TextField):
    """A text field stored as an AES-GCM token; see the module docstring."""

    description = "Text encrypted at rest"

    def __init__(
        self,
        *args,
        context: str | None = None,
        index_field: str | None = None,
        index_purpose: str | None = None,
        **kwargs,
    ):
        self.explicit_context = context
        self.context = context or ""
        self.index_field = index_field
        self.index_purpose = index_purpose
        super().__init__(*args, **kwargs)

    def contribute_to_class(self, cls, name, private_only=False):
        super().contribute_to_class(cls, name, private_only=private_only)
        self.context = (
            self.explicit_context or f"{cls._meta.app_label}.{cls._meta.model_name}.{name}"
        )
        if self.index_field and not cls._meta.abstract and cls.__module__ != "__fake__":
            pre_save.connect(
                self._refuse_stale_index,
                sender=cls,
                weak=False,
                dispatch_uid=f"huiyin.privacy.index:{cls._meta.label}.{name}",
            )

    def deconstruct(self):
        name, path, args, kwargs = super().deconstruct()
        for key, value in (
            ("context", self.explicit_context),
            ("index_field", self.index_field),
            ("index_purpose", self.index_purpose),
        ):
            if value:
                kwargs[key] = value
        return name, path, args, kwargs

    # --- the blind index -------------------------------------------------------------------

    @property
    def purpose(self) -> str:
        return self.index_purpose or self.context

    def index_value(self, value) -> str:
        """The blind index of `value` under the current key; "" for an empty value."""
        if value is None or value == "":
            return ""
        return crypto.blind_index(str(value), purpose=self.purpose)

    def _refuse_stale_index(self, sender, instance, update_fields=None, **kwargs):
        if update_fields and self.name in update_fields and self.index_field not in update_fields:
            raise ValueError(
                f"{sender._meta.label}.save(update_fields=...) names {self.name} but not its "
                f"blind index {self.index_field}; add it, or the index goes stale"
            )

    def check(self, **kwargs):
        return [*super().check(**kwargs), *self._check_index_field()]

    def _check_index_field(self):
        if not self.index_field:
            if self.index_purpose:
                return [
                    checks.Error(
                        "index_purpose is set but index_field is not.",
                        obj=self,
                        id="privacy.E002",
                    )
                ]
            return []
        try:
            companion = self.model._meta.get_field(self.index_field)
        except Exception:
            return [
                checks.Error(
                    f"index_field {self.index_field!r} is not a field of {self.model.__name__}.",
                    hint="Add it, e.g. `id_number_hash = BlindIndexField()`.",
                    obj=self,
                    id="privacy.E001",
                )
            ]
        if not isinstance(companion, models.CharField) or (companion.max_length or 0) < 64:
            return [
                checks.Error(
                    f"index_field {self.index_field!r} must be a CharField of max_length >= 64.",
                    hint="Use huiyin.privacy.fields.BlindIndexField().",
                    obj=self,
                    id="privacy.E003",
                )
            ]
        fields = list(self.model._meta.concrete_fields)
        if not isinstance(companion, BlindIndexField) and fields.index(companion) < fields.index(
            self
        ):
            return [
                checks.Error(
                    f"index_field {self.index_field!r} is declared before {self.name!r}, so it "
                    "would be saved before it is computed.",
                    hint="Use BlindIndexField() or declare the companion after the field.",
                    obj=self,
                    id="privacy.E004",
                )
            ]
        return []

    # --- to and from the database -----------------------------------------------------------

    def pre_save(self, model_instance, add):
        value = super().pre_save(model_instance, add)
        if self.index_field:
            setattr(model_instance, self.index_field, self.index_value(value))
        return value

    def get_prep_value(self, value):
        value = super().get_prep_value(value)
        if value is None or value == "":
            return value
        return crypto.encrypt(value, context=self.context)

    def from_db_value(self, value, expression, connection):
        if value is None or value == "":
            return value
        return crypto.decrypt(value, context=self.context)

    def get_lookup(self, lookup_name):
        if lookup_name == "exact":
            return EncryptedExact
        if lookup_name == "isnull":
            return IsNull
        return None

    def get_transform(self, lookup_name):
        return None


def lookup_hash(value: str, purpose: str) -> str:
    """The blind index of `value` under the current data key, for `filter(<index>=...)`.

    Pass the value normalised as it was saved (e.g. through validate_resident_id()). While a
    key rotation is pending, rows not yet rotated carry an index under the old key: prefer
    lookup_q(), which matches both.
    """
    if not value:
        raise ValueError("lookup_hash() needs a value to look up")
    return crypto.blind_index(value, purpose=purpose)


def lookup_q(index_field: str, value: str, purpose: str) -> Q:
    """`Q(<index_field>__in=...)` matching `value` under the current and any old data key."""
    if not value:
        raise ValueError("lookup_q() needs a value to look up")
    return Q(**{f"{index_field}__in": crypto.blind_index_candidates(value, purpose=purpose)})


def encrypted_fields(model) -> list[EncryptedTextField]:
    """The encrypted fields whose column lives in `model`'s own table."""
    return [f for f in model._meta.local_concrete_fields if isinstance(f, EncryptedTextField)]
