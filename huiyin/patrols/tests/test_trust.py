"""Matters, not people: the patrol models keep no watch fields, no person on a finding, no
guest data on a place, and nothing locates a worker in the background.

The words are the project's trust check (huiyin/disputes/tests/test_access.py), extended with
what a patrol could drift into: suspects, plates, tracks of people.
"""

from __future__ import annotations

from pathlib import Path

from django.apps import apps

from huiyin.disputes.tests.test_access import FORBIDDEN
from huiyin.patrols.models import Finding, FindingKind, Place, Rectification

PATROL_WORDS = (
    *FORBIDDEN,
    "suspect",
    "plate",
    "vehicle",
    "id_number",
    "guest",
    "customer",
    "trajectory",
    "gps",
    "可疑",
    "车牌",
    "轨迹",
    "看护",
)


def _models():
    return list(apps.get_app_config("patrols").get_models())


def test_no_patrol_model_has_a_field_or_a_choice_named_after_watching_people():
    for model in _models():
        for field in model._meta.get_fields():
            name = field.name.lower()
            assert not any(word in name for word in PATROL_WORDS), (model, field.name)
            for value, label in getattr(field, "choices", None) or ():
                text = f"{value} {label}".lower()
                assert not any(word in text for word in PATROL_WORDS), (model, field.name, value)


def test_a_finding_is_about_a_condition_or_an_event_never_a_person():
    assert set(FindingKind.values) == {
        "hazard",
        "fire_risk",
        "damaged_facility",
        "condition",
        "dispute",
        "event",
    }
    # What a finding points at: its patrol, a place, a rectification, a case — and who wrote it.
    related = {f.related_model._meta.label for f in Finding._meta.get_fields() if f.is_relation}
    assert related <= {
        "patrols.Patrol",
        "patrols.Place",
        "patrols.Rectification",
        "patrols.FindingPhoto",
        "cases.Case",
        "auth.User",
    }
    for model in (Finding, Rectification, Place):
        for field in model._meta.get_fields():
            if field.is_relation:
                assert field.related_model._meta.label not in (
                    "petitions.Petitioner",
                    "disputes.Party",
                    "patrols.Volunteer",
                ), (model, field.name)


def test_no_page_or_script_of_patrols_asks_where_the_worker_is():
    root = Path(__file__).resolve().parents[1]
    for path in [*root.glob("templates/**/*.html"), *root.glob("static/**/*")]:
        if path.is_file():
            text = path.read_text(encoding="utf-8")
            assert "geolocation" not in text and "watchPosition" not in text, path
