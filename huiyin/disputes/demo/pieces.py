"""The set pieces: disputes written to show every source, tier and outcome, and the clocks that
matter, placed by age so that each is there whatever the day (and hour) of loading."""

from __future__ import annotations

from datetime import timedelta

from huiyin.disputes import clocks
from huiyin.disputes.demo import texts as t
from huiyin.disputes.demo.plans import (
    GOVERNANCE,
    GRID_GROUPS,
    GRID_WORKER,
    GRID_WORKER_GRID,
    MEDIATOR,
    STREET_KEY,
    UNIT_KEY,
    CommitteeRef,
    Mediators,
    PartyRef,
    Planner,
    committee_key,
    moment,
)
from huiyin.disputes.models import JudicialConfirmation, Manner, Performance, Source, Tier
from huiyin.disputes.models import Transfer as T
from huiyin.petitions.demo import Course

CONFIRMED = JudicialConfirmation.Result.CONFIRMED
REJECTED = JudicialConfirmation.Result.REJECTED

#: Disputes found in screening: (age, type, grid (community, order), outcome).
FOUND = (
    (76, "邻里", ("柑子园社区", 1), "oral"),
    (63, "物业", ("北辰社区", 2), "written"),
    (50, "欠薪", ("果丰社区", 1), "written"),
    (41, "邻里", ("翠屏路社区", 2), "oral"),
    (29, "婚姻家庭", ("金鱼池社区", 1), "failed"),
    (22, "消费", ("北辰社区", 1), "oral"),
    (11, "邻里", ("柑子园社区", 3), "mediating"),
    (6, "损害赔偿", ("翠屏路社区", 3), "mediating"),
)


def set_pieces(p: Planner) -> None:
    fresh(p)
    labour_past_fifteen_days(p)
    court_referred(p)
    confirmation(p)
    escalated(p)
    ends_without_agreement(p)
    transfers(p)
    performance(p)
    from_petition(p)
    police_and_risk(p)
    patrols(p)
    found_in_screening(p)


def fresh(p: Planner) -> None:
    """Applied for on the last working day: one party has consented, the other not yet."""
    plan = p.new(p.ago(1), "消费", committee=committee_key("翠屏路社区"))
    c = Course(p, plan)
    c.then(0, "consent", plan.recorder, party=PartyRef(0), manner=Manner.IN_PERSON)


def labour_past_fifteen_days(p: Planner) -> None:
    """Unpaid wages, applied for three or four weeks ago and still in mediation: the worker
    may now seek arbitration (劳动争议调解仲裁法 art. 14)."""
    received = p.ago(30)
    for age in range(28, 19, -1):
        day = p.today - timedelta(days=age)
        if p.working(day) and p.due(clocks.LABOUR, day) < p.today - timedelta(days=1):
            received = day
            break
    plan = p.new(received, "欠薪", committee=committee_key("金鱼池社区"), matter=1)
    c = Course(p, plan)
    if p.begin(c, plan):
        p.sessions(c, plan, 2, first_gap=2)


def court_referred(p: Planner) -> None:
    """委派 (before filing) with its 30 days running; 委托 (after filing) extended with both
    parties' consent, then settled by a written agreement."""
    day = p.ago(9)
    plan = p.new(
        day,
        "合同",
        committee=STREET_KEY,
        matter=1,
        source=Source.COURT_ASSIGNED,
        court={
            "court_name": t.COURT,
            "court_document": p.court_number("民诉前调", day),
            "materials_received_on": day,
        },
    )
    c = Course(p, plan)
    if p.begin(c, plan):
        p.sessions(c, plan, 1)

    day = p.ago(52)
    plan = p.new(
        day,
        "损害赔偿",
        committee=STREET_KEY,
        matter=0,
        source=Source.COURT_ENTRUSTED,
        court={"court_name": t.COURT, "court_document": p.court_number("民初", day)},
    )
    c = Course(p, plan)
    if not (p.begin(c, plan) and p.sessions(c, plan, 1)):
        return
    due = p.due(clocks.COURT_ENTRUSTED, day)
    c.at(
        due - timedelta(days=2),
        "extend_court_period",
        MEDIATOR,
        new_due_on=due + timedelta(days=15),
        parties_consented=True,
        note="双方当事人均同意延长调解期限十五日。",
    )
    if p.sessions(c, plan, 1, first_gap=3) and p.written(c, plan, due=(10,)):
        p.perform(c, plan, followup=False)


def confirmation(p: Planner) -> None:
    """An agreement inside its 30-day window (signed by side B days after side A); one the
    court confirmed; one on title to land the court rejected, mediated again."""
    plan = p.new(p.ago(27), "邻里", committee=committee_key("柑子园社区"), matter=0)
    c = Course(p, plan)
    if p.begin(c, plan) and p.sessions(c, plan, 2):
        p.written(c, plan, due=(28, 45), sign_later=True, at=p.ago(15))

    plan = p.new(p.ago(80), "合同", committee=committee_key("翠屏路社区"), matter=0)
    c = Course(p, plan)
    agreed = p.begin(c, plan) and p.sessions(c, plan, 2) and p.written(c, plan, due=(12, 30))
    if agreed and p.confirm(c, plan, CONFIRMED):
        p.perform(c, plan)

    plan = p.new(p.ago(74), "房屋宅基地", committee=committee_key("北辰社区"), matter=0)
    c = Course(p, plan)
    agreed = p.begin(c, plan) and p.sessions(c, plan, 2) and p.written(c, plan, due=(20,))
    if agreed and p.confirm(c, plan, REJECTED):
        c.then(4, "mediate_again", plan.recorder, note="法院驳回后，双方同意重新调解。")
        c.then(
            0,
            "note_risk",
            GOVERNANCE,
            risk="界址争议反复，双方亲属曾在现场发生推搡，存在矛盾升级的风险。",
            measures="网格员每周走访；调解期间双方暂停施工；必要时邀请国土所现场复核界址。",
        )
        p.sessions(c, plan, 1, first_gap=4)


def escalated(p: Planner) -> None:
    """A community's month passed without an agreement: handed to the street's committee
    ("小事不出社区，大事不出街道"), which settles it."""
    plan = p.new(
        p.ago(86), "物业", committee=committee_key("果丰社区"), matter=0, source=Source.INITIATIVE
    )
    c = Course(p, plan)
    if not (p.begin(c, plan) and p.sessions(c, plan, 2)):
        return
    started = next(s.on for s in plan.steps if s.action == "start_mediation")
    guideline = p.due(clocks.GUIDELINE, started)
    if not c.at(
        p.next_working_day(guideline + timedelta(days=1)),
        "escalate",
        GOVERNANCE,
        to_tier=Tier.STREET,
        committee=CommitteeRef(STREET_KEY),
        note="社区调解超过一个月未调结，移交街道人民调解委员会（大调解中心）。",
    ):
        return
    plan.handling, plan.recorder = STREET_KEY, MEDIATOR
    c.then(
        0,
        "note_risk",
        GOVERNANCE,
        risk="部分业主酝酿到街道集中反映，存在矛盾激化风险。",
        measures="街道调委会牵头，社区、物业服务企业和业主代表三方协商；每周通报维修进度。",
    )
    c.then(0, "assign_mediators", GOVERNANCE, mediators=Mediators(STREET_KEY, 2))
    if p.sessions(c, plan, 2, first_gap=2) and p.written(c, plan, due=(10, 24)):
        p.perform(c, plan)


def ends_without_agreement(p: Planner) -> None:
    """Refused by a party (art. 17); failed twice, each with the art. 26 notice."""
    plan = p.new(p.ago(40), "邻里", committee=committee_key(*GRID_WORKER_GRID), matter=3)
    p.run(plan, "refused")
    p.run(p.new(p.ago(57), "损害赔偿", committee=committee_key("北辰社区"), matter=1), "failed")
    p.run(p.new(p.ago(33), "合同", committee=STREET_KEY, matter=1), "failed")


def transfers(p: Planner) -> None:
    """三调对接: to a department (administrative mediation), to the court, to arbitration."""
    plan = p.new(p.ago(45), "物业", committee=committee_key("北辰社区"), matter=1)
    c = Course(p, plan)
    if p.begin(c, plan) and p.sessions(c, plan, 1):
        p.transfer(c, plan, T.Body.ADMINISTRATIVE, result=T.Result.RESOLVED, department="城建办")
    p.run(p.new(p.ago(38), "房屋宅基地", committee=STREET_KEY, matter=1), "transferred")
    plan = p.new(p.ago(31), "劳动争议", committee=UNIT_KEY, matter=0)
    c = Course(p, plan)
    if p.begin(c, plan) and p.sessions(c, plan, 1):
        p.transfer(c, plan, T.Body.ARBITRATION, t.ARBITRATION, T.Result.ACCEPTED)


def performance(p: Planner) -> None:
    """Written agreements performed in part, and not at all (wages: the payment-order route),
    and one of the enterprise's committee performed in full."""
    plan = p.new(p.ago(88), "土地承包", committee=committee_key("翠屏路社区"), matter=0)
    c = Course(p, plan)
    if p.begin(c, plan) and p.sessions(c, plan, 2) and p.written(c, plan, due=(7, 21)):
        p.perform(c, plan, (Performance.Result.PERFORMED, Performance.Result.PARTLY))

    plan = p.new(p.ago(70), "欠薪", committee=STREET_KEY, matter=0)
    c = Course(p, plan)
    c.then(
        0,
        "note_risk",
        GOVERNANCE,
        risk="涉及农民工人数较多，存在集体讨薪、聚集上访的风险。",
        measures="街道综治办、社事办联合约谈用工单位；安排专人对接劳动者代表，每日通报进展。",
    )
    if p.begin(c, plan) and p.sessions(c, plan, 2) and p.written(c, plan, due=(10, 25)):
        unpaid = Performance.Result.NOT_PERFORMED
        p.perform(c, plan, (unpaid, unpaid))

    p.run(p.new(p.ago(60), "劳动争议", committee=UNIT_KEY, matter=1), "written")

    # The first instalment repaid and checked, the second due in weeks: under supervision.
    plan = p.new(p.ago(30), "合同", committee=committee_key("柑子园社区"), matter=1)
    c = Course(p, plan)
    if p.begin(c, plan) and p.sessions(c, plan, 1) and p.written(c, plan, due=(4, 75)):
        p.perform(c, plan)


def from_petition(p: Planner) -> None:
    """A petition turned into mediation with both parties' consent (条例 art. 33)."""
    petition = p.petition
    if petition is None:
        return
    day = p.next_working_day(petition.received_on + timedelta(days=3))
    if day > p.today - timedelta(days=10):
        return
    title = petition.title
    matter = 1 if "通道" in title else 2 if "犬" in title else 0
    plan = p.new(
        day, "邻里", committee=STREET_KEY, matter=matter, source=Source.PETITION, petition=petition
    )
    plan.parties = [party for party in plan.parties if party["side"] == "b"]
    c = Course(p, plan)
    if p.begin(c, plan) and p.sessions(c, plan, 2) and p.written(c, plan, due=(10,)):
        p.perform(c, plan)


def police_and_risk(p: Planner) -> None:
    """Referred by the police; a family dispute whose risk was reported to the police."""
    plan = p.new(p.ago(64), "损害赔偿", committee=STREET_KEY, matter=0, source=Source.POLICE)
    p.run(plan, "oral")

    plan = p.new(p.ago(47), "婚姻家庭", committee=committee_key("金鱼池社区"), matter=1)
    c = Course(p, plan)
    c.then(
        0,
        "note_risk",
        GOVERNANCE,
        risk="双方在社区办公室发生激烈争吵，一方情绪失控，存在纠纷激化、引发治安案件的风险。",
        measures="分别疏导双方情绪；邀请社区民警参与调解；调解期间双方不单独接触。",
        police_matter=True,
    )
    c.then(1, "report_to_police", GOVERNANCE, reported_to=t.POLICE_STATION)
    c.beside(
        2,
        "police_answer",
        GOVERNANCE,
        answer="派出所已指派社区民警参与调解并开展法治宣传，双方承诺不采取过激行为。",
    )
    if p.begin(c, plan) and p.sessions(c, plan, 2):
        p.oral(c, plan)


def patrols(p: Planner) -> None:
    """Found on patrol by the grid worker (their grid) and by the 综治办."""
    plan = p.new(
        p.ago(55),
        "其他",
        committee=committee_key(*GRID_WORKER_GRID),
        source=Source.PATROL,
        registrar=GRID_WORKER,
    )
    p.run(plan, "oral")
    plan = p.new(
        p.ago(19),
        "邻里",
        committee=committee_key("翠屏路社区", 2),
        matter=1,
        source=Source.PATROL,
        registrar=GOVERNANCE,
    )
    p.run(plan, "oral")


def found_in_screening(p: Planner) -> None:
    """Registered from a body's weekly report (排查发现), then mediated."""
    for age, kind, (community, order), outcome in FOUND:
        if (community, order) in p.avoid_grids:
            continue
        key = (community, order)
        committee = committee_key(*key) if key in GRID_GROUPS else committee_key(community)
        day = p.ago(age)
        plan = p.new(
            day,
            kind,
            committee=committee,
            source=Source.SCREENING,
            community=community,
            found_at=moment(day, p.now, p.rng),
        )
        plan.grid = p.grid(community, order)
        p.run(plan, outcome)
