"""The disputes' figures (section ``disputes``): each dated by its own event, at Beijing
midnight; types rolled up to the top level; tiers; rates; judicial confirmation; who counts
what. Disputes are made through the real services and workflow, as a mediator would."""

from __future__ import annotations

import json
import re
from datetime import date, datetime, time, timedelta

import pytest

from huiyin.cases.deadlines import CHINA_TZ
from huiyin.cases.models import Case, Category
from huiyin.disputes.models import Performance
from huiyin.disputes.tests import factories as df
from huiyin.org.roles import Role
from huiyin.reports import stats
from huiyin.reports.stats import disputes as dispute_stats
from huiyin.reports.stats.engine import today as beijing_today

pytestmark = pytest.mark.django_db

MEDIATOR, GOV = Role.MEDIATOR, Role.GOVERNANCE_STAFF


def ago(n: int) -> date:
    return beijing_today() - timedelta(days=n)


#: The period of most tests: ten to three days ago, both ends included.
def period() -> stats.Period:
    return stats.Period(ago(10), ago(3))


def figures(p: stats.Period | None = None, **kw) -> dict:
    return stats.compute(p or period(), **kw)["disputes"]


# --------------------------------------------------------------------------- building


def register(personas, *, received: int = 20, **data) -> Case:
    return df.register(personas[GOV], received_on=ago(received), **data)


def mediate(case: Case, personas, *, on: date) -> Case:
    """Consent, rights, mediators and the start of mediation on `on`."""
    a, b = df.parties(case)[0], df.parties(case)[-1]
    mediator = personas[MEDIATOR]
    case = df.step(case, "consent", mediator, party=a.pk, on=on)
    case = df.step(case, "consent", mediator, party=b.pk, on=on)
    case = df.step(case, "tell_rights", mediator, on=on)
    mediators = [m.pk for m in df._mediators(case)]
    case = df.step(case, "assign_mediators", personas[GOV], mediators=mediators)
    return df.step(case, "start_mediation", mediator, started_on=on)


def agree(case: Case, personas, *, on: date, form: str = "written", **extra) -> Case:
    """A session and an agreement reached (and, written, signed and sealed) on `on`."""
    mediator = personas[MEDIATOR]
    case = df.step(case, "record_session", mediator, on=on, place="社区调解室", summary="陈述")
    if form == "written":
        payload = df.written_agreement(case, on=on, **extra)
    else:
        payload = {"form": "oral", "reached_on": on, "content": "当场赔偿200元。", **extra}
    return df.step(case, "record_agreement", mediator, **payload)


def fail(case: Case, personas, *, on: date) -> Case:
    return df.step(
        case,
        "fail",
        personas[MEDIATOR],
        reason="双方分歧过大",
        routes_manner="in_person",
        routes_told_on=on,
        ended_on=on,
    )


def refuse(case: Case, personas, *, on: date) -> Case:
    b = df.parties(case)[-1]
    return df.step(case, "refuse", personas[MEDIATOR], party=b.pk, on=on)


def resolved(personas, *, on: date, received: int = 20, **data) -> Case:
    case = register(personas, received=received, **data)
    case = mediate(case, personas, on=ago(received))
    return agree(case, personas, on=on)


# --------------------------------------------------------------------------- the keys


def test_the_section_has_exactly_the_keys_of_the_readme(personas):
    d = figures()
    assert list(d) == [
        "registered",
        "mediated",
        "resolved",
        "failed",
        "resolution_rate",
        "by_type",
        "by_tier",
        "community_share",
        "agreements",
        "performed",
        "judicial",
    ]
    assert list(d["by_type"]) == [*dispute_stats.TYPE_KEYS.values(), "unclassified"]
    assert list(d["by_tier"]) == ["grid", "community", "unit", "street", "district"]
    assert list(d["agreements"]) == ["written", "oral"]
    assert list(d["judicial"]) == ["applied", "confirmed", "rejected"]
    flat = stats.flat(stats.compute(period()))
    assert flat["disputes.by_type.labour"] == 0
    assert flat["disputes.judicial.confirmed"] == 0


def test_with_nothing_ended_the_rates_are_none_not_zero(personas, community):
    register(personas, received=5, community=community)
    d = figures()
    assert d["registered"] == 1
    assert (d["resolved"], d["failed"]) == (0, 0)
    assert d["resolution_rate"] is None
    assert d["community_share"] is None
    json.dumps(stats.compute(period()))  # None is JSON null


# --------------------------------------------------------------------------- period boundaries


def received_at(case: Case, moment: datetime) -> None:
    Case.objects.filter(pk=case.pk).update(received_at=moment)


def test_registered_counts_from_beijing_midnight_to_the_last_second_of_the_last_day(
    personas, community
):
    p = period()
    first = datetime.combine(p.start, time(0, 0), CHINA_TZ)
    after = datetime.combine(p.end + timedelta(days=1), time(0, 0), CHINA_TZ)
    moments = {
        "the minute before": first - timedelta(minutes=1),
        "midnight of the first day": first,
        "the last second": after - timedelta(seconds=1),
        "midnight after the last day": after,
    }
    for moment in moments.values():
        received_at(register(personas, community=community), moment)
    assert figures(p)["registered"] == 2
    # 16:00 UTC of the day before the first day is Beijing midnight of the first day.
    assert first.astimezone(CHINA_TZ).date() == p.start


def test_each_event_counts_in_the_period_of_its_own_date(personas, community):
    p = period()
    # Received long before the period, mediated the day before it, settled on its first day.
    early = register(personas, received=30, community=community)
    early = mediate(early, personas, on=ago(11))
    agree(early, personas, on=ago(10))
    # Mediated on its first day, failed the day after it ended.
    late = mediate(register(personas, received=30, community=community), personas, on=ago(10))
    fail(late, personas, on=ago(2))
    # Mediated on the period's last day and a party refused the same day.
    refused = mediate(register(personas, received=30, community=community), personas, on=ago(3))
    refuse(refused, personas, on=ago(3))
    # A party refused before any mediation started: ended without agreement too.
    refuse(register(personas, received=8, community=community), personas, on=ago(4))

    d = figures(p)
    assert d["registered"] == 1  # only the one received in the period
    assert d["mediated"] == 2  # started on the first day and on the last day
    assert d["resolved"] == 1  # agreement on the first day
    assert d["failed"] == 2  # two refusals; the failure came the day after
    assert d["resolution_rate"] == round(1 / 3, 4)
    # The day after the period: the failure, nothing else.
    after = figures(stats.Period(ago(2), ago(2)))
    assert (after["failed"], after["resolved"], after["mediated"]) == (1, 0, 0)


def test_a_transfer_is_neither_resolved_nor_failed(personas, community):
    case = register(personas, received=30, community=community)
    df.step(case, "transfer", personas[GOV], body_kind="administrative", body="区住建委", on=ago(5))
    d = figures()
    assert (d["resolved"], d["failed"], d["resolution_rate"]) == (0, 0, None)


# --------------------------------------------------------------------------- types and tiers


def test_unpaid_wages_count_as_labour_disputes(personas, community):
    register(personas, received=5, community=community, category=df.dispute_type("欠薪"))
    register(personas, received=5, community=community, category=df.dispute_type("劳动争议"))
    register(personas, received=5, community=community, category=df.dispute_type("邻里"))
    register(personas, received=5, community=community)
    d = figures()
    assert d["by_type"]["labour"] == 2
    assert d["by_type"]["neighbours"] == 1
    assert d["by_type"]["unclassified"] == 1
    assert sum(d["by_type"].values()) == d["registered"] == 4


def test_a_type_an_administrator_adds_has_its_own_key(personas, community):
    from huiyin.cases.kinds import Kind

    added = Category.objects.create(kind=Kind.DISPUTE, name="征地拆迁", order=200)
    below = Category.objects.create(kind=Kind.DISPUTE, name="补偿款", parent=added)
    register(personas, received=5, community=community, category=below)
    d = figures()
    assert d["by_type"][f"type_{added.pk}"] == 1
    assert dispute_stats.type_labels()[f"type_{added.pk}"] == "征地拆迁"


def test_tiers_count_the_tier_that_handled_the_dispute_last(personas, community, grid):
    register(personas, received=5, community=community, grid=grid, tier="grid")
    register(personas, received=5, community=community)  # community by default
    escalated = register(personas, received=5, community=community, grid=grid, tier="grid")
    df.step(escalated, "escalate", personas[GOV], to_tier="street", on=ago(4))
    unit_case = register(personas, received=5, community=community, tier="unit")
    d = figures()
    assert d["by_tier"] == {"grid": 1, "community": 1, "unit": 1, "street": 1, "district": 0}
    assert sum(d["by_tier"].values()) == d["registered"]
    assert unit_case.dispute.tier == "unit"


def test_community_share_is_the_resolved_at_grid_or_community_tier(personas, community, grid):
    resolved(personas, on=ago(5), community=community, grid=grid, tier="grid")
    resolved(personas, on=ago(5), community=community)
    resolved(personas, on=ago(5), community=community, tier="street")
    resolved(personas, on=ago(5), community=community, tier="unit")
    d = figures()
    assert d["resolved"] == 4
    assert d["community_share"] == 0.5
    assert d["resolution_rate"] == 1.0


# --------------------------------------------------------------------------- agreements


def test_agreements_by_form_and_performance(personas, community):
    written = resolved(personas, on=ago(6), community=community)
    term = Performance.objects.get(agreement__dispute_id=written.pk)
    df.step(written, "record_performance", personas[MEDIATOR], term=term.pk, result="performed")
    partly = resolved(personas, on=ago(6), community=community)
    term = Performance.objects.get(agreement__dispute_id=partly.pk)
    df.step(partly, "record_performance", personas[MEDIATOR], term=term.pk, result="partly")
    oral = mediate(register(personas, community=community), personas, on=ago(20))
    oral = agree(oral, personas, on=ago(5), form="oral")
    df.step(oral, "close", personas[MEDIATOR], closed_on=ago(5))  # nothing left to perform
    open_oral = mediate(register(personas, community=community), personas, on=ago(20))
    agree(open_oral, personas, on=ago(5), form="oral")

    d = figures()
    assert d["resolved"] == 4
    assert d["agreements"] == {"written": 2, "oral": 2}
    assert sum(d["agreements"].values()) == d["resolved"]
    # Performed in full (the written one) and closed with nothing to perform (an oral one).
    assert d["performed"] == 2


def test_judicial_confirmation_counts_applications_and_rulings_by_their_dates(personas, community):
    mediator = personas[MEDIATOR]
    confirmed = resolved(personas, on=ago(9), community=community)
    df.step(confirmed, "apply_confirmation", mediator, court="南岸区人民法院", applied_on=ago(8))
    df.step(confirmed, "record_confirmation", mediator, result="confirmed", result_on=ago(7))
    rejected = resolved(personas, on=ago(9), community=community)
    df.step(rejected, "apply_confirmation", mediator, court="南岸区人民法院", applied_on=ago(8))
    df.step(rejected, "record_confirmation", mediator, result="rejected", result_on=ago(2))
    pending = resolved(personas, on=ago(12), community=community)
    df.step(pending, "apply_confirmation", mediator, court="南岸区人民法院", applied_on=ago(11))

    d = figures()
    assert d["judicial"] == {"applied": 2, "confirmed": 1, "rejected": 0}
    assert d["resolved"] == 2
    later = figures(stats.Period(ago(2), ago(0)))
    assert later["judicial"] == {"applied": 0, "confirmed": 0, "rejected": 1}

    # After the court's rejection the parties mediate again: no longer resolved.
    df.step(rejected, "mediate_again", mediator, started_on=ago(1))
    assert figures()["resolved"] == 1
    assert figures(stats.Period(ago(1), ago(0)))["mediated"] == 1


# --------------------------------------------------------------------------- who counts what


def test_a_community_worker_counts_only_their_communitys_disputes(
    personas, community, other_community
):
    resolved(personas, on=ago(5), received=5, community=community)
    other = resolved(personas, on=ago(5), received=5, community=other_community)
    df.step(other, "apply_confirmation", personas[MEDIATOR], court="南岸区人民法院")

    worker = personas[Role.COMMUNITY_WORKER]
    mine = figures(stats.Period(ago(10), ago(0)), user=worker)
    assert (mine["registered"], mine["mediated"], mine["resolved"]) == (1, 1, 1)
    assert mine["judicial"]["applied"] == 0
    everyone = figures(stats.Period(ago(10), ago(0)), user=personas[GOV])
    assert (everyone["registered"], everyone["resolved"]) == (2, 2)
    assert everyone["judicial"]["applied"] == 1
    # Without the dispute permission, nothing at all (a petition clerk).
    clerk = figures(stats.Period(ago(10), ago(0)), user=personas[Role.PETITION_CLERK])
    assert (clerk["registered"], clerk["resolved"], clerk["judicial"]["applied"]) == (0, 0, 0)
    # The same with a scope instead of a person.
    scoped = figures(stats.Period(ago(10), ago(0)), scope=stats.Scope(community_id=community.pk))
    assert (scoped["registered"], scoped["resolved"]) == (1, 1)


def test_a_withdrawn_dispute_never_counts(personas, community):
    from huiyin.cases.services import withdraw_case

    case = resolved(personas, on=ago(5), received=5, community=community)
    withdraw_case(case, actor=personas[GOV], version=case.version, reason="重复登记")
    d = figures(stats.Period(ago(10), ago(0)))
    assert (d["registered"], d["mediated"], d["resolved"]) == (0, 0, 0)


def test_per_community_rows_add_up_to_the_figures(personas, community, other_community):
    resolved(personas, on=ago(5), received=5, community=community)
    resolved(personas, on=ago(5), received=5, community=other_community)
    failed = mediate(register(personas, received=5, community=community), personas, on=ago(4))
    fail(failed, personas, on=ago(4))
    p = stats.Period(ago(10), ago(0))
    rows = dispute_stats.per_community(p)
    d = figures(p)
    for key in ("registered", "mediated", "resolved", "failed"):
        assert sum(row[key] for row in rows) == d[key], key
    by_id = {row["id"]: row for row in rows}
    assert by_id[community.pk]["failed"] == 1
    worker_rows = dispute_stats.per_community(p, user=personas[Role.COMMUNITY_WORKER])
    assert [row["id"] for row in worker_rows] == [community.pk]


def test_it_counts_in_four_queries_however_many_disputes(
    personas, community, django_assert_num_queries
):
    for _i in range(3):
        resolved(personas, on=ago(5), received=8, community=community)
    with django_assert_num_queries(4):
        dispute_stats.figures(period())


def readme_keys(prefix: str) -> list[str]:
    """The README's JSON keys starting with `prefix`, braces and alternatives expanded."""
    from pathlib import Path

    readme = (Path(__file__).resolve().parents[3] / "README.md").read_text("utf-8")
    text = readme[readme.index("**JSON keys**") : readme.index("`stats.flat()` gives")]
    keys = []
    for key in re.findall(rf"`({prefix}\.[^`]+)`", text):
        if "<type>" in key:
            continue
        expanded = [key]
        for pattern in (r"\{([^}]+)\}", r"<([^>]+)>"):
            out = []
            for item in expanded:
                found = re.search(pattern, item)
                if found is None:
                    out.append(item)
                    continue
                for choice in re.split(r"[,|]", found[1]):
                    out.append(item[: found.start()] + choice + item[found.end() :])
            expanded = out
        keys.extend(expanded)
    return keys


def test_the_readme_names_every_key_and_every_key_is_there(db):
    flat = stats.flat(stats.compute(period()))
    disputes = readme_keys("disputes")
    screening = readme_keys("screening")
    assert "disputes.by_tier.district" in disputes and "disputes.judicial.rejected" in disputes
    assert "screening.nil" in screening
    assert [key for key in disputes + screening if key not in flat] == []
    documented = set(disputes + screening)
    counted = {k for k in flat if k.startswith(("disputes.", "screening."))}
    assert {k for k in counted if not k.startswith("disputes.by_type.")} <= documented
