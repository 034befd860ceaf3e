"""Demo incidents: a quarter of the duty office's incident work on the demo street, ending today.

`huiyin demo` calls :func:`load` after the disputes demo (the apps' order). Everything goes
through the incident services and workflow, by the account whose job it is: the 综治办 duty
officer (``governance``) registers, names the leader in charge, gives out tasks and reports
upward; the leader in charge (``leader`` or ``leader2``) concludes, closes and evaluates;
the community workers record the results of the tasks they own. The past is given the way a
duty officer entering the log after the fact gives it: the moments it happened and was learned
of, each report's sent-at, the conclusion's moment. Each step runs inside
:func:`huiyin.org.demo_times.happened`, so its timeline events, a task's "done at" and the
closing moment carry the moment the step took place; audit entries keep the moment of loading.

What a reader of the demo finds (the speech's "成功处置了 起非正常死亡事件和 起火警"):

* an unnatural death, found in the river by the police two months ago: the first report upward
  went out 95 minutes after the street learned of it (late: the limit is 60), the police's
  conclusion and the next of kin (made up, encrypted) recorded, the follow-up evaluation saying
  why the report was late;
* a fire in a shop's kitchen three weeks ago: the first report on time by phone, in writing
  within two hours, tasks to the community, closed with its outcome and the final report (终报);
* a gathering over unpaid wages (群体性事件, an estimated 36 people: not "large") at the site of
  a wage-arrears dispute of the disputes demo, grown out of a risk note about the project; the
  note closed with the labour inspection's action and its report upward;
* a road traffic accident two days ago, still being handled, its task open;
* a risk note about a demolition and resettlement project, still open with its reply task.

Deterministic: moments are fixed hours of days counted back from today in Beijing (none later
than yesterday, so the same at any hour), the next of kin from the seeded pool of made-up
people. Loaded in one transaction: a failed load leaves nothing, a second load adds nothing.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from typing import TextIO

from django.contrib.auth.models import User
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from huiyin.cases.deadlines import CHINA_TZ
from huiyin.cases.kinds import Kind
from huiyin.cases.models import Case
from huiyin.incidents import risk, services
from huiyin.incidents.models import Incident, RiskNote, Task
from huiyin.incidents.types import type_named
from huiyin.org import demo as org_demo
from huiyin.org.demo_times import happened
from huiyin.org.models import Community, Grid, Street

SEED = 20260405
GOVERNANCE, LEADER, LEADER2 = "governance", "leader", "leader2"
COMMUNITY2 = "community2"  # 翠屏路社区's community worker
ACCOUNTS = (GOVERNANCE, LEADER, LEADER2, COMMUNITY2)

#: Where reports upward go (the district's duty room), and the police station of the street.
DISTRICT = "区委区政府总值班室"
POLICE = "浓洄派出所"

#: Days back from today of each set piece (all moments are on days before today).
DEATH_AGE = 62
FIRE_AGE = 23
GATHERING_AGE = 45
ACCIDENT_AGE = 2
PROJECT_NOTE_AGE = 9
#: The people estimated at the gathering: below the district's "large" (100 by default).
GATHERING_PEOPLE = 36

__all__ = ["demo_users", "load", "wage_dispute"]


def demo_users() -> dict[str, User] | None:
    """The demo accounts the incidents need (with their staff profiles), or None."""
    users = {
        u.username: u
        for u in User.objects.filter(username__in=ACCOUNTS).select_related("staff")
        if hasattr(u, "staff")
    }
    return users if len(users) == len(ACCOUNTS) else None


def wage_dispute(street: Street, before: date) -> Case | None:
    """The wage-arrears (欠薪) dispute of the disputes demo behind the gathering: the earliest
    received before `before`, one with a risk note first (the demo notes a risk of 集体讨薪)."""
    cases = list(
        Case.objects.filter(
            street=street,
            kind=Kind.DISPUTE,
            category__name="欠薪",
            withdrawn=False,
            received_at__lt=datetime.combine(before, time(0, 0), tzinfo=CHINA_TZ),
        ).order_by("received_at", "pk")[:50]
    )
    from huiyin.disputes.models import RiskNote as DisputeRiskNote

    noted = set(
        DisputeRiskNote.objects.filter(dispute__case__in=cases).values_list(
            "dispute__case", flat=True
        )
    )
    return min(cases, key=lambda c: (c.pk not in noted, c.received_at, c.pk), default=None)


def construction_site(dispute: Case | None) -> str:
    """The site the dispute names ("翠微园附近工地拖欠农民工工资纠纷" → "翠微园附近工地"), or one
    of the demo street's when it names none."""
    title = dispute.title if dispute is not None else ""
    head, found, _rest = title.partition("拖欠")
    return head if found and head.endswith("工地") else "果丰新村安置房二期工地"


@dataclass
class Demo:
    street: Street
    users: dict[str, User]
    today: date

    def at(self, age: int, hhmm: str, *, plus_days: int = 0) -> datetime:
        """The Beijing moment `hhmm` of the day `age` days before today (plus `plus_days`)."""
        hour, minute = (int(x) for x in hhmm.split(":"))
        day = self.today - timedelta(days=age - plus_days)
        return datetime.combine(day, time(hour, minute), tzinfo=CHINA_TZ)

    def staff(self, username: str):
        return self.users[username].staff

    def grid(self, community: str, order: int) -> Grid:
        return Grid.objects.get(
            community__street=self.street, community__name=community, order=order
        )

    def community(self, name: str) -> Community:
        return Community.objects.get(street=self.street, name=name)

    # ----------------------------------------------------------------- helpers over the services

    def report(self, case, kind, sent_at, contents, *, channel="phone", seq=None) -> Case:
        """A report upward, logged the moment it was sent."""
        with happened(sent_at):
            return services.record_report(
                case,
                self.users[GOVERNANCE],
                kind=kind,
                sent_at=sent_at,
                recipient=DISTRICT,
                channel=channel,
                contents=contents,
                seq=seq,
            )

    def task(self, case, actor, action, title, owner, due_at, *, given_at) -> Task:
        with happened(given_at):
            services.add_task(
                case, self.users[actor], action=action, title=title, owner=self.staff(owner).pk,
                due_at=due_at,
            )  # fmt: skip
        return Task.objects.filter(incident_id=case.pk).order_by("-pk").first()

    def finish(self, case, actor, task: Task, result: str, *, done_at: datetime) -> Case:
        """A task's result, recorded (and the task done) at `done_at`."""
        with happened(done_at):
            case = services.finish_task(case, self.users[actor], task=task, result=result)
        Task.objects.filter(pk=task.pk).update(done_at=min(done_at, timezone.now()))
        return case

    def register(self, moment: datetime, actor, **fields) -> Case:
        """Registered by the duty officer the moment the street learned of it."""
        with happened(moment):
            return services.register_incident(actor, **fields)

    def respond(self, moment: datetime, case, actor, **fields) -> Case:
        with happened(moment):
            return services.respond(case, actor, **fields)

    def conclude(self, case, actor, **fields) -> Case:
        """Concluded by the leader in charge, on the timeline at the conclusion's moment."""
        with happened(fields["concluded_at"]):
            return services.conclude(case, actor, **fields)

    def step(self, moment: datetime, case, name: str, actor, **payload) -> Case:
        """A workflow step of the incident, on its timeline at `moment`."""
        with happened(moment):
            return services.step(case, name, actor, **payload)

    # ----------------------------------------------------------------- the set pieces

    def unnatural_death(self) -> Case:
        """Found by the police at dawn; the first report went up 95 minutes later (late)."""
        duty = self.users[GOVERNANCE]
        learned = self.at(DEATH_AGE, "07:15")
        case = self.register(
            learned,
            duty,
            title="金鱼池社区河段发现一名溺水身亡人员",
            category=type_named("非正常死亡"),
            occurred_at=self.at(DEATH_AGE, "06:40"),
            learned_at=learned,
            source="police",
            community=self.community("金鱼池社区"),
            grid=self.grid("金鱼池社区", 2),
            place="金鱼池小区北侧河段",
            description="晨练群众发现河中有一人，报警后经120确认已死亡。派出所通报街道。",
            deaths=1,
            measures="社区干部到场协助民警维护现场秩序。",
        )
        case = self.respond(
            learned + timedelta(minutes=10),
            case,
            duty,
            leader=self.staff(LEADER),
            measures="分管领导带综治办、社区赶赴现场。",
        )
        case = self.step(
            learned + timedelta(minutes=20),
            case,
            "record_police",
            duty,
            police_notified_at=self.at(DEATH_AGE, "06:52"),
            police_unit=POLICE,
        )
        people = _kin_pool()
        kin = people.take("金鱼池社区")
        case = self.step(
            learned + timedelta(minutes=80),
            case,
            "record_kin",
            duty,
            kin_name=kin.name,
            kin_relation="儿子",
            kin_phone=kin.phone,
        )
        case = self.report(
            case,
            "first",
            learned + timedelta(minutes=95),
            "一、接报时间及来源：7时15分，浓洄派出所通报。\n"
            "二、发生时间、地点：当日6时40分许，金鱼池小区北侧河段。\n"
            "三、事件性质：非正常死亡，死因由公安机关调查。\n"
            "四、伤亡情况：死亡1人。\n"
            "五、已采取的措施：分管领导带综治办、社区到场，配合民警工作，联系家属。",
        )
        case = self.report(
            case,
            "first",
            learned + timedelta(minutes=170),
            "书面报告：金鱼池社区河段发现一名溺水身亡人员，经过及措施同电话报告。",
            channel="written",
        )
        verify = self.task(
            case, GOVERNANCE, "verify", "配合公安机关核实身份、联系家属", GOVERNANCE,
            self.at(DEATH_AGE, "12:00"), given_at=learned + timedelta(minutes=175),
        )  # fmt: skip
        aftermath = self.task(
            case, LEADER, "aftermath", "协助家属办理善后事宜", GOVERNANCE,
            self.at(DEATH_AGE, "18:00", plus_days=5), given_at=learned + timedelta(minutes=180),
        )  # fmt: skip
        case = self.finish(
            case, GOVERNANCE, verify, "已核实身份并通知家属到场。",
            done_at=self.at(DEATH_AGE, "11:40"),
        )  # fmt: skip
        case = self.step(
            self.at(DEATH_AGE, "16:30", plus_days=6),
            case,
            "record_police",
            duty,
            conclusion_received_at=self.at(DEATH_AGE, "16:30", plus_days=6),
            police_conclusion="经现场勘验和调查走访，排除刑事案件，系意外落水溺亡。",
        )
        case = self.report(
            case,
            "follow_up",
            self.at(DEATH_AGE, "17:10", plus_days=6),
            "续报：公安机关调查结论为排除刑事案件，系意外落水溺亡；家属无异议。",
            channel="written",
        )
        case = self.finish(
            case, GOVERNANCE, aftermath, "家属已办理善后，对处置无异议。",
            done_at=self.at(DEATH_AGE, "09:30", plus_days=7),
        )  # fmt: skip
        leader = self.users[LEADER]
        case = self.conclude(
            case,
            leader,
            outcome="排除刑事案件，善后事宜办结，家属无异议。",
            aftermath="社区对河段临水处增设警示标志和救生圈。",
            concluded_at=self.at(DEATH_AGE, "10:00", plus_days=8),
        )
        case = self.report(
            case,
            "final",
            self.at(DEATH_AGE, "15:00", plus_days=8),
            "终报：事件已处置完毕，善后办结，河段已增设警示标志。",
            channel="written",
        )
        closing = self.at(DEATH_AGE, "15:30", plus_days=8)
        case = self.step(closing, case, "close", leader, note="处置完毕。")
        return self.step(
            self.at(DEATH_AGE, "10:30", plus_days=12),
            case,
            "evaluate",
            leader,
            evaluation=(
                "初报迟报35分钟：接报后先行赶赴现场，未同步电话报告。"
                "已明确接报即报、边处置边报告，由值班人员先行电话报告。"
            ),
            evaluated_on=self.today - timedelta(days=DEATH_AGE - 12),
        )

    def fire(self) -> Case:
        """A kitchen fire in a shop under flats: reported on time, closed with the 终报."""
        duty = self.users[GOVERNANCE]
        learned = self.at(FIRE_AGE, "14:12")
        case = self.register(
            learned,
            duty,
            title="翠屏路12号底商餐馆厨房起火",
            category=type_named("火警"),
            occurred_at=self.at(FIRE_AGE, "14:05"),
            learned_at=learned,
            source="hotline",
            community=self.community("翠屏路社区"),
            grid=self.grid("翠屏路社区", 3),
            place="翠屏路12号底商",
            description="餐馆厨房油锅起火引燃排烟管道，烟雾进入楼上住户。消防救援站出警。",
            minor_injuries=1,
            direct_loss=Decimal("30000"),
            loss_note="厨房设备及排烟管道烧毁。",
            measures="疏散楼上住户，社区干部到场。",
        )
        case = self.respond(
            learned + timedelta(minutes=5),
            case,
            duty,
            leader=self.staff(LEADER2),
            measures="分管领导到场指挥，疏散楼上住户。",
        )
        case = self.report(
            case,
            "first",
            learned + timedelta(minutes=18),
            "初报：翠屏路12号底商餐馆厨房起火，消防救援站已出警，楼上住户已疏散，1人轻微呛伤。",
        )
        case = self.report(
            case,
            "first",
            learned + timedelta(minutes=88),
            "书面报告：14时40分明火扑灭，1人轻微呛伤已送医，直接损失初步估计3万元。",
            channel="written",
        )
        site = self.task(
            case, GOVERNANCE, "site", "设置警戒，组织楼上住户疏散和返家", COMMUNITY2,
            self.at(FIRE_AGE, "17:00"), given_at=learned + timedelta(minutes=90),
        )  # fmt: skip
        rectify = self.task(
            case, LEADER2, "rectify", "督促餐馆整改厨房燃气管线和排烟管道", COMMUNITY2,
            self.at(FIRE_AGE, "18:00", plus_days=10), given_at=learned + timedelta(minutes=95),
        )  # fmt: skip
        case = self.finish(
            case, COMMUNITY2, site, "16时住户全部返家，现场无复燃。",
            done_at=self.at(FIRE_AGE, "16:05"),
        )  # fmt: skip
        case = self.finish(
            case, COMMUNITY2, rectify, "餐馆已更换燃气管线、清洗排烟管道，复查合格。",
            done_at=self.at(FIRE_AGE, "09:20", plus_days=1),
        )  # fmt: skip
        leader = self.users[LEADER2]
        case = self.conclude(
            case,
            leader,
            outcome="明火于14时40分扑灭，无人员死亡，1人轻微呛伤已出院；餐馆整改后复查合格。",
            aftermath="社区对辖区底商餐馆开展厨房用火用气检查。",
            concluded_at=self.at(FIRE_AGE, "10:00", plus_days=1),
        )
        case = self.report(
            case,
            "final",
            self.at(FIRE_AGE, "16:00", plus_days=1),
            "终报：火警处置完毕，起火原因为油锅过热引燃排烟管道；整改已落实。",
            channel="written",
        )
        return self.step(self.at(FIRE_AGE, "16:30", plus_days=1), case, "close", leader)

    def gathering(self) -> tuple[Case, RiskNote]:
        """Workers gather at a site over unpaid wages; a risk note about the project came
        first, and the dispute of the disputes demo lies behind it."""
        duty = self.users[GOVERNANCE]
        day = self.today - timedelta(days=GATHERING_AGE)
        dispute = wage_dispute(self.street, day)
        if dispute is not None and dispute.community_id:
            community, grid = dispute.community, dispute.grid
        else:
            community, grid = self.community("果丰社区"), self.grid("果丰社区", 1)
        site = construction_site(dispute)
        note = risk.create_risk_note(
            duty,
            subject_kind="project",
            subject=f"{site}建设项目工程款及农民工工资支付",
            risk_type="wages",
            description="项目总包与分包结算争议，分包方拖欠部分农民工工资，工人多次到项目部讨要。",
            level="high",
            community=community,
            grid=grid,
            place=f"{site}项目部",
            noted_on=day - timedelta(days=3),
            action="labour_inspection",
            task_title="会同区人社局劳动监察大队约谈总包、分包单位",
            owner=self.staff(GOVERNANCE).pk,
            due_at=self.at(GATHERING_AGE, "17:00", plus_days=-1),
        )
        learned = self.at(GATHERING_AGE, "09:10")
        case = self.register(
            learned,
            duty,
            title=f"{site}项目部农民工聚集讨薪",
            category=type_named("群体性事件"),
            occurred_at=self.at(GATHERING_AGE, "08:50"),
            learned_at=learned,
            source="grid",
            community=community,
            grid=grid,
            place=f"{site}项目部门前",
            description="分包方拖欠工资，部分农民工在项目部门前聚集讨薪，秩序平稳。",
            people_count=GATHERING_PEOPLE,
            demands="要求结清拖欠的工资。",
            measures="社区、派出所到场，安排劳动者代表到项目部会议室协商。",
            dispute_case=dispute.number if dispute is not None else None,
            risk_note=note.pk,
        )
        case = self.respond(
            learned + timedelta(minutes=10),
            case,
            duty,
            leader=self.staff(LEADER),
            measures="分管领导到场，约总包、分包负责人协商。",
        )
        case = self.report(
            case,
            "first",
            learned + timedelta(minutes=25),
            f"初报：{site}项目部约{GATHERING_PEOPLE}名农民工聚集讨薪，秩序平稳，街道分管领导已到场。",
        )
        case = self.report(
            case,
            "first",
            learned + timedelta(minutes=100),
            "书面报告：聚集起因为分包方拖欠工资，已安排劳动者代表协商，人员情绪稳定。",
            channel="written",
        )
        labour = self.task(
            case, GOVERNANCE, "labour_inspection", "会同劳动监察核实欠薪金额和人数",
            GOVERNANCE, self.at(GATHERING_AGE, "17:00"), given_at=learned + timedelta(minutes=105),
        )  # fmt: skip
        mediate = self.task(
            case, LEADER, "mediate", "组织总包、分包和劳动者代表协商支付方案", GOVERNANCE,
            self.at(GATHERING_AGE, "18:00", plus_days=2),
            given_at=learned + timedelta(minutes=110),
        )  # fmt: skip
        case = self.finish(
            case, GOVERNANCE, labour, "核实拖欠工资，分包方确认欠付金额。",
            done_at=self.at(GATHERING_AGE, "11:20"),
        )  # fmt: skip
        case = self.finish(
            case, GOVERNANCE, mediate, "总包单位同意先行垫付，三日内支付到位；人员当日散去。",
            done_at=self.at(GATHERING_AGE, "11:50"),
        )  # fmt: skip
        leader = self.users[LEADER]
        case = self.conclude(
            case,
            leader,
            outcome="总包单位先行垫付拖欠工资，三日内支付到位；聚集人员当日12时前散去。",
            aftermath="欠薪纠纷转人民调解跟进，落实工资支付监管。",
            concluded_at=self.at(GATHERING_AGE, "18:00", plus_days=3),
        )
        case = self.report(
            case,
            "final",
            self.at(GATHERING_AGE, "10:00", plus_days=4),
            "终报：拖欠工资已由总包单位垫付到位，事件处置完毕。",
            channel="written",
        )
        closing = self.at(GATHERING_AGE, "10:30", plus_days=4)
        case = self.step(closing, case, "close", leader)
        first_task = note.tasks.order_by("pk").first()
        risk.finish_task(
            note, duty, task=first_task.pk, result="已约谈总包、分包单位，督促制定工资支付计划。"
        )
        note = risk.close_risk_note(
            note,
            duty,
            action_taken="劳动监察约谈后，总包单位垫付拖欠工资；纠纷转人民调解跟进。",
            reported_upward=True,
            reported_to="区人力资源和社会保障局",
            reported_at=self.at(GATHERING_AGE, "16:00", plus_days=1),
        )
        return case, note

    def road_accident(self) -> Case:
        """Two days ago, still being handled: reports sent, one task open."""
        duty = self.users[GOVERNANCE]
        learned = self.at(ACCIDENT_AGE, "17:48")
        case = self.register(
            learned,
            duty,
            title="北辰路与北辰商业街路口两车相撞",
            category=type_named("道路交通事故"),
            occurred_at=self.at(ACCIDENT_AGE, "17:35"),
            learned_at=learned,
            source="police",
            community=self.community("北辰社区"),
            grid=self.grid("北辰社区", 2),
            place="北辰路与北辰商业街路口",
            description="两辆小型客车相撞，2人轻伤送医，交警到场处理。",
            minor_injuries=2,
            direct_loss=Decimal("8000"),
        )
        case = self.respond(
            learned + timedelta(minutes=7),
            case,
            duty,
            leader=self.staff(LEADER2),
            measures="社区协助疏导交通。",
        )
        case = self.report(
            case, "first", learned + timedelta(minutes=22), "初报：路口两车相撞，2人轻伤送医。"
        )
        case = self.report(
            case,
            "first",
            learned + timedelta(minutes=75),
            "书面报告：交警已处理现场，伤者无生命危险。",
            channel="written",
        )
        self.task(
            case, GOVERNANCE, "coordinate", "会同交警、城建办核查路口信号灯和减速设施",
            GOVERNANCE, datetime.combine(self.today + timedelta(days=3), time(17, 0), CHINA_TZ),
            given_at=learned + timedelta(minutes=80),
        )  # fmt: skip
        return case

    def project_note(self) -> RiskNote:
        """A demolition and resettlement project: residents' objections to the plan, open."""
        return risk.create_risk_note(
            self.users[GOVERNANCE],
            subject_kind="project",
            subject="北辰路棚户区改造项目（二期）征收安置",
            risk_type="land",
            description="部分住户对安置房源和过渡费标准有意见，项目公示期内多次到社区咨询。",
            level="elevated",
            community=self.community("北辰社区"),
            grid=self.grid("北辰社区", 4),
            place="北辰路棚户区改造项目指挥部",
            noted_on=self.today - timedelta(days=PROJECT_NOTE_AGE),
            action="reply",
            task_title="会同城建办召开住户座谈会，逐条答复安置政策",
            owner=self.staff(GOVERNANCE).pk,
            due_at=datetime.combine(self.today + timedelta(days=5), time(17, 0), CHINA_TZ),
        )


def _kin_pool():
    """Made-up people sharing no name with the staff, mediators and parties of the demo."""
    from huiyin.disputes import demo as disputes_demo
    from huiyin.disputes.models import Mediator, Party

    taken = set(Mediator.objects.values_list("name", flat=True))
    taken |= {p.name for p in Party.objects.only("name")}
    return disputes_demo.people_pool(taken, seed=SEED)


def load(stdout: TextIO) -> None:
    """Add the demo incidents and risk notes once; print one summary line."""
    street = org_demo.street()
    users = demo_users()
    if street is None or users is None:
        stdout.write(_("Demo incidents skipped: the demo street or its accounts are missing."))
        return
    if (
        Case.objects.filter(street=street, kind=Kind.INCIDENT).exists()
        or RiskNote.objects.filter(street=street).exists()
    ):
        stdout.write(_("Demo incidents already loaded: nothing added."))
        return
    demo = Demo(street, users, timezone.localdate(timezone.now(), CHINA_TZ))
    with transaction.atomic():
        demo.unnatural_death()
        demo.fire()
        demo.gathering()
        demo.road_accident()
        demo.project_note()
    incidents = Incident.objects.filter(case__street=street)
    stdout.write(
        _(
            "Demo incidents: %(incidents)d incidents (%(closed)d closed, %(open)d being "
            "handled) and %(notes)d risk notes added."
        )
        % {
            "incidents": incidents.count(),
            "closed": incidents.filter(case__closed_at__isnull=False).count(),
            "open": incidents.filter(case__closed_at__isnull=True).count(),
            "notes": RiskNote.objects.filter(street=street).count(),
        }
    )
