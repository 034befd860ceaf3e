"""Matters, not people: no model or choice of the incidents is named after watching a person,
nobody involved is listed, and the only persons named are staff and, for an unnatural death,
the next of kin (encrypted). The LAW.md lint, for this app."""

from __future__ import annotations

from django.apps import apps
from django.db import models

from huiyin.incidents.models import Incident, Task

FORBIDDEN = (
    "risk_score",
    "watch",
    "whereabouts",
    "location_track",
    "稳控",
    "看护",
    "重点人员",
    "可疑人员",
    "截访",
    "劝返",
    "participant",
    "plate",
    "进京",
    "赴省",
)


def _app_models():
    return list(apps.get_app_config("incidents").get_models())


def test_no_field_or_choice_is_named_after_watching_a_person():
    for model in _app_models():
        for field in model._meta.get_fields():
            assert not any(word in field.name for word in FORBIDDEN), (model, field.name)
            for value, label in getattr(field, "choices", None) or ():
                text = f"{value} {label}".lower()
                assert not any(word in text for word in FORBIDDEN), (model, field.name, value)


def test_no_relation_to_a_petitioner_or_a_party():
    for model in _app_models():
        for field in model._meta.get_fields():
            if field.is_relation and field.related_model is not None:
                label = field.related_model._meta.label
                assert label not in ("petitions.Petitioner", "disputes.Party"), (model, field.name)


def test_people_involved_are_a_count_and_a_text():
    people = Incident._meta.get_field("people_count")
    assert isinstance(people, models.PositiveIntegerField)
    assert isinstance(Incident._meta.get_field("demands"), models.TextField)
    # A task belongs to a matter and is owned by staff; there is no person it is "about".
    relations = {f.name for f in Task._meta.get_fields() if f.is_relation}
    assert relations == {"incident", "risk_note", "owner", "done_by", "created_by"}


def test_the_next_of_kin_is_encrypted():
    from huiyin.privacy.fields import EncryptedTextField

    for name in ("kin_name", "kin_phone"):
        assert isinstance(Incident._meta.get_field(name), EncryptedTextField)
