"""Building incidents for tests through the real services and workflow.

from huiyin.incidents.tests import factories as itf

case = itf.register(personas[Role.GOVERNANCE_STAFF], community=community, type_name="火警")
case = itf.bring_to(case, "concluded", personas)     # through every step before it
"""

from __future__ import annotations

from datetime import datetime, timedelta

from django.utils import timezone

from huiyin.cases.deadlines import CHINA_TZ
from huiyin.cases.models import Case
from huiyin.incidents import services
from huiyin.incidents.models import Incident, Report
from huiyin.incidents.types import type_named
from huiyin.org.roles import Role


def at(text: str) -> datetime:
    """A Beijing moment from "2025-09-30 23:40"."""
    return datetime.fromisoformat(text).replace(tzinfo=CHINA_TZ)


def ago(**delta) -> datetime:
    return (timezone.now() - timedelta(**delta)).replace(microsecond=0)


def register(actor, *, type_name: str = "火警", community=None, grid=None, **extra) -> Case:
    data = {
        "title": "翠屏路12号底商厨房起火",
        "category": type_named(type_name),
        "occurred_at": ago(hours=3),
        "learned_at": ago(hours=2, minutes=50),
        "source": "hotline",
        "community": community,
        "grid": grid,
        "place": "翠屏路12号",
        **extra,
    }
    return services.register_incident(actor, **data)


def refresh(case: Case) -> Case:
    return Case.objects.select_related("category__parent").get(pk=case.pk)


def incident(case: Case) -> Incident:
    return Incident.objects.select_related("case__category__parent").get(pk=case.pk)


def leader_staff(personas):
    return personas[Role.LEADER].staff


def report(
    case: Case,
    actor,
    kind="first",
    *,
    channel="phone",
    sent_at=None,
    contents="初步情况：火势已控制，无人员伤亡。",
    **extra,
) -> Case:
    learned = incident(case).learned_at
    return services.record_report(
        case,
        actor,
        kind=kind,
        sent_at=sent_at or min(learned + timedelta(minutes=20), timezone.now()),
        recipient="区委总值班室",
        channel=channel,
        contents=contents,
        **extra,
    )


ORDER = ("registered", "handling", "concluded", "closed")


def bring_to(case: Case, status: str, personas) -> Case:
    """Through respond, the first report, conclude, the final report and close."""
    duty = personas[Role.GOVERNANCE_STAFF]
    target = ORDER.index(status)
    if target >= 1 and case.status == "registered":
        case = services.respond(case, duty, leader=leader_staff(personas), measures="消防到场")
    if target >= 2 and case.status == "handling":
        if not Report.objects.filter(incident_id=case.pk, kind="first").exists():
            case = report(case, duty)
        case = services.conclude(case, duty, outcome="明火扑灭，无人员伤亡。")
    if target >= 3 and case.status == "concluded":
        if not Report.objects.filter(incident_id=case.pk, kind="final").exists():
            case = report(case, duty, "final", channel="written", sent_at=timezone.now())
        case = services.step(case, "close", personas[Role.LEADER])
    return case
