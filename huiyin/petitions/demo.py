"""Demo petitions: about three months of a quiet street's petition work, ending today.

`huiyin demo` calls :func:`load` once the demo street and its accounts exist. Every petition is
registered with :func:`huiyin.petitions.services.register_petition` and moved on with
:func:`huiyin.cases.workflow.fire` by the demo account whose job it is (``clerk`` decides,
``handler`` / ``handler2`` handle for 城建办 / 社事办, ``leader`` / ``leader2`` approve
extensions and own key cases). The past is given the way a clerk entering late paperwork gives
it: ``received_at`` and the payload dates (``decided_on``, ``replied_on``, ...). So every case
number, clock, timeline event and audit entry is the real one. Each step runs inside
:func:`huiyin.org.demo_times.happened`: its timeline events (and a closing moment) are moved to
the moment it took place (registration at the moment received, later steps in office hours of
their days); audit entries keep the moment of loading, as the hash chain recorded them.

What a reader of the demo finds: ~200 petitions over five communities and their grids, every
channel and state, a few lodged at district, city and province level (the campaign's goal is
zero at city and above: two break it), collective visits, repeat petitions (one after a
re-examination, flagged per 条例 art. 36), a handful of overdue and due-soon clocks, four key
cases (包案) with their progress, and the leaders' reception slots with the people received.

Deterministic (a seeded generator and Faker, dates counted back from today) and loaded in one
transaction: a failed load leaves nothing, and a second load adds nothing.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import TextIO

from django.contrib.auth.models import User
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from faker import Faker

from huiyin.cases import clocks, deadlines
from huiyin.cases.deadlines import CHINA_TZ
from huiyin.cases.models import Case, Category
from huiyin.cases.workflow import fire
from huiyin.org import demo as org_demo
from huiyin.org.demo_times import happened, working_moment
from huiyin.org.models import Community, Grid, Staff, Street, Unit
from huiyin.petitions import services
from huiyin.petitions.models import (
    AnswerBody,
    Channel,
    Delivery,
    KeyCase,
    Level,
    Petition,
    ReceptionSlot,
    Referral,
    Satisfaction,
    TellManner,
)
from huiyin.privacy.validators import resident_id_check_digit

SEED = 20260401
PERIOD_DAYS = 91  # about three months, today included
UPCOMING_DAYS = 14  # reception days already on the calendar ahead

#: Real people named in the source speech: never a made-up petitioner.
NAMES_IN_SPEECH = frozenset({"熊异安"})

CLERK, HANDLER, HANDLER2, LEADER, LEADER2 = "clerk", "handler", "handler2", "leader", "leader2"
ACCOUNTS = (CLERK, HANDLER, HANDLER2, LEADER, LEADER2)

#: The handler account of each unit that has one; other units' replies are entered by the clerk.
UNIT_HANDLER = {"城建办": HANDLER, "社事办": HANDLER2}

# --------------------------------------------------------------------------- the street's texture

#: Made-up residential estates per community (翠微园 is the one the speech names).
ESTATES = {
    "柑子园社区": ["柑子园小区", "滨江花园", "柑园路"],
    "翠屏路社区": ["翠屏苑", "翠屏路", "西山坡安置小区"],
    "果丰社区": ["翠微园", "果丰新村", "果丰农贸市场"],
    "金鱼池社区": ["金鱼池小区", "池畔家园", "老纺织厂宿舍"],
    "北辰社区": ["北辰华府", "北辰路棚户区", "北辰商业街"],
}

# Category: weight, unit it goes to, (title, what the petitioner asks) templates, replies.
# "{estate}" is filled with an estate of the petition's community.
#: The basis a demo reply cites (处理意见书 "处理依据"), by category.
REPLY_BASIS = {
    "城建拆迁": "《国有土地上房屋征收与补偿条例》及本市房屋征收补偿有关规定。",
    "物业管理": "《物业管理条例》及本市物业管理有关规定。",
    "邻里纠纷": "《中华人民共和国民法典》相邻关系有关规定、《中华人民共和国人民调解法》。",
    "劳动社保": "《中华人民共和国劳动合同法》《保障农民工工资支付条例》。",
    "环境保护": "《中华人民共和国环境保护法》《中华人民共和国噪声污染防治法》。",
    "土地征收": "《中华人民共和国土地管理法》及其实施条例。",
    "涉法涉诉": "《信访工作条例》第三十一条（诉访分离）。",
    "教育医疗": "《中华人民共和国教育法》《医疗纠纷预防和处理条例》。",
    "其他": "《信访工作条例》第三十二条及相关政策规定。",
}

CATEGORIES: dict[str, dict] = {
    "城建拆迁": {
        "weight": 16,
        "units": ["城建办"],
        "titles": [
            ("反映{estate}旧城改造安置房延期交付", "要求明确交房时间并补发过渡费"),
            ("反映{estate}违章搭建影响通行和采光", "要求依法拆除违章建筑"),
            ("反映{estate}棚户区改造过渡费停发", "要求按协议继续发放过渡费"),
            ("对{estate}房屋拆迁评估价格有异议", "要求重新评估并说明依据"),
            ("反映{estate}道路施工围挡长期不撤", "要求尽快完工恢复通行"),
        ],
        "reply": "经城建办现场核查，已责成相关责任单位限期整改，整改情况将由社区跟踪回访。",
    },
    "物业管理": {
        "weight": 18,
        "units": ["城建办"],
        "titles": [
            ("反映{estate}物业服务不到位", "要求物业公司履行合同约定的保洁、安保义务"),
            ("要求解决{estate}电梯长期停运问题", "要求尽快维修电梯并公开维修资金使用情况"),
            ("对{estate}物业费上涨有异议", "要求物业公司公示调价依据"),
            ("反映{estate}小区公共收益不公开", "要求公开停车费、广告费等公共收益"),
            ("反映{estate}消防通道被车辆占用", "要求物业加强管理、清理通道"),
        ],
        "reply": "经协调，物业服务企业已作出书面整改承诺，社区将组织业主代表监督落实。",
    },
    "邻里纠纷": {
        "weight": 16,
        "units": ["司法所", "综治办"],
        "titles": [
            ("反映{estate}楼上住户漏水纠纷", "要求楼上住户维修防水并赔偿损失"),
            ("反映{estate}相邻通道被占用", "要求恢复公共通道"),
            ("反映{estate}邻居饲养犬只扰民", "要求规范饲养、消除噪声和卫生问题"),
            ("反映{estate}宅基地界址纠纷", "要求依法确认界址"),
        ],
        "reply": "经人民调解员组织双方调解，已达成调解协议，双方表示认可。",
    },
    "劳动社保": {
        "weight": 14,
        "units": ["社事办"],
        "titles": [
            ("反映{estate}附近建筑工地拖欠农民工工资", "要求用工单位结清工资"),
            ("要求办理灵活就业人员养老保险补缴", "咨询补缴政策并要求办理"),
            ("反映工伤认定进度缓慢", "要求加快工伤认定"),
            ("反映用人单位未签订劳动合同", "要求补签劳动合同并缴纳社保"),
        ],
        "reply": "经社事办会同劳动保障监察部门核查，已督促用人单位依法整改，相关待遇正在落实。",
    },
    "环境保护": {
        "weight": 12,
        "units": ["城建办", "应急办"],
        "titles": [
            ("反映{estate}餐饮油烟扰民", "要求商户安装油烟净化设施"),
            ("反映{estate}夜间施工噪声扰民", "要求限制夜间施工时间"),
            ("反映{estate}垃圾清运不及时", "要求增加清运频次"),
            ("反映{estate}污水管道堵塞外溢", "要求疏通并修复管道"),
        ],
        "reply": "经现场核查，已督促相关单位落实整改措施，问题已基本解决。",
    },
    "土地征收": {
        "weight": 6,
        "units": ["城建办"],
        "titles": [
            ("反映{estate}片区征地补偿款未足额发放", "要求足额发放征地补偿款"),
            ("要求落实征地农转非人员社保待遇", "要求按政策办理社保"),
            ("对{estate}征地安置方案有异议", "要求公开安置方案及测算依据"),
        ],
        "reply": "经核查，补偿标准符合政策规定，已向信访人解释说明，并协调落实未发放部分。",
    },
    "涉法涉诉": {
        "weight": 6,
        "units": ["司法所"],
        "titles": [
            ("对民事判决执行不到位有异议", "要求法院加快执行"),
            ("反映借款纠纷胜诉后对方拒不履行", "要求协调执行"),
            ("对治安处罚决定有异议", "要求重新处理"),
        ],
        "reply": "已引导信访人通过法定途径主张权利，并提供法律援助咨询。",
    },
    "教育医疗": {
        "weight": 7,
        "units": ["社事办"],
        "titles": [
            ("反映子女入学学位分配问题", "要求协调就近入学"),
            ("对社区卫生服务中心诊疗收费有疑问", "要求核查收费项目"),
            ("反映校外培训机构退费难", "要求督促机构退费"),
            ("要求解决随迁子女就近入学", "要求协调学位"),
        ],
        "reply": "经社事办协调相关单位，已就信访人反映的问题作出答复并落实。",
    },
    "其他": {
        "weight": 8,
        "units": ["党政办", "经发办", "社事办"],
        "titles": [
            ("咨询最低生活保障申请条件", "要求告知办理流程"),
            ("反映{estate}路灯损坏未修复", "要求尽快修复路灯"),
            ("要求在{estate}增设公交站点", "要求协调公交线路"),
            ("反映{estate}老旧小区加装电梯协调难", "要求街道协调低层住户"),
        ],
        "reply": "已将有关情况转相关部门研究办理，并向信访人作出说明。",
    },
}

#: Where a matter goes when the street is not the right body (转送).
TRANSFER_TO = {
    "劳动社保": "区人力资源和社会保障局",
    "教育医疗": "区教育委员会",
    "环境保护": "区生态环境局",
    "城建拆迁": "区住房和城乡建设委员会",
    "物业管理": "区住房和城乡建设委员会",
    "土地征收": "区规划和自然资源局",
    "涉法涉诉": "区人民法院",
    "邻里纠纷": "浓洄派出所",
    "其他": "区市场监督管理局",
}

#: Matters that belong to courts, arbitration or administrative review (诉访分离).
DECLINES = [
    (Referral.COURT, "该事项属于民事争议，已告知信访人依法向人民法院提起诉讼。"),
    (Referral.ARBITRATION, "劳动报酬争议属劳动人事争议仲裁受理范围，已引导信访人申请劳动仲裁。"),
    (Referral.ADMINISTRATIVE_REVIEW, "对行政处理决定不服，应依法申请行政复议，已书面告知。"),
]

FOLLOW_UP_NOTES = {
    Satisfaction.SATISFIED: ["信访人对处理结果表示满意。", "电话回访，问题已解决。"],
    Satisfaction.BASICALLY_SATISFIED: ["信访人表示基本满意，希望后续跟进。"],
    Satisfaction.DISSATISFIED: ["信访人对处理意见不认可，表示将申请复查。"],
}

REVIEW_REQUEST = "信访人对处理意见不服，申请复查。"
REVIEW_ANSWER = "经复查，原处理意见认定事实清楚、处理适当，予以维持。"
REEXAM_REQUEST = "信访人对复查意见不服，请求复核。"
REEXAM_ANSWER = "经复核，维持复查意见。同一事实和理由不再受理（《信访工作条例》第三十六条）。"
EXTENSION_REASON_1 = "需协调开发企业与区住建委共同确定回迁时间，情况复杂。"
EXTENSION_REASON_2 = "涉及多家用工单位，需调取社保缴费记录，情况复杂。"

#: Region codes for made-up resident IDs: the Guang'an area first, then a few migrants' homes.
REGION_CODES = ["511602", "511603", "511621", "511622", "511623", "511681"] * 4 + [
    "500101",
    "500222",
    "420102",
    "510104",
]
MOBILE_PREFIXES = [
    "130", "131", "132", "133", "135", "136", "138", "139", "150", "151", "152",
    "153", "155", "158", "159", "177", "180", "182", "183", "185", "187", "189", "199",
]  # fmt: skip

# --------------------------------------------------------------------------- people


@dataclass(frozen=True)
class Person:
    name: str
    male: bool
    id_number: str
    phone: str
    address: str


def _resident_id(rng: random.Random, male: bool, born: date) -> str:
    sequence = rng.randrange(0, 100) * 10 + rng.choice([1, 3, 5, 7, 9] if male else [0, 2, 4, 6, 8])
    first17 = f"{rng.choice(REGION_CODES)}{born:%Y%m%d}{sequence:03d}"
    return first17 + resident_id_check_digit(first17)


class People:
    """A deterministic pool of made-up residents: name, ID, mobile, address.

    The names come from Faker zh_CN in a fixed order, skipping the `avoid` set (the people named
    in the speech, the demo staff) and any repeat, so the pool is the same on every run.
    """

    POOL_SIZE = 600

    def __init__(self, *, seed: int = SEED, avoid: set[str] | frozenset[str] = frozenset()):
        fake = Faker("zh_CN")
        fake.seed_instance(seed)
        rng = random.Random(seed)
        avoid = set(avoid) | set(NAMES_IN_SPEECH)
        self.names: list[tuple[str, bool]] = []
        seen: set[str] = set()
        while len(self.names) < self.POOL_SIZE:
            male = rng.random() < 0.55
            name = fake.name_male() if male else fake.name_female()
            if name in avoid or name in seen:
                continue
            seen.add(name)
            self.names.append((name, male))
        self._rng = random.Random(seed + 1)
        self._next = 0
        self._ids: set[str] = set()
        self._phones: set[str] = set()

    def take(self, community: str) -> Person:
        if self._next >= len(self.names):
            raise RuntimeError("the demo ran out of made-up names; raise People.POOL_SIZE")
        name, male = self.names[self._next]
        self._next += 1
        rng = self._rng
        while True:
            born = date(rng.randint(1948, 2003), rng.randint(1, 12), rng.randint(1, 28))
            id_number = _resident_id(rng, male, born)
            if id_number not in self._ids:
                self._ids.add(id_number)
                break
        while True:
            phone = rng.choice(MOBILE_PREFIXES) + f"{rng.randrange(10**8):08d}"
            if phone not in self._phones:
                self._phones.add(phone)
                break
        estate = rng.choice(ESTATES.get(community, ["浓洄路"]))
        address = (
            f"{org_demo.STREET}{community}{estate}"
            f"{rng.randint(1, 18)}栋{rng.randint(1, 4)}单元{rng.randint(1, 18)}{rng.randint(1, 4):02d}号"
        )
        return Person(name, male, id_number, phone, address)


# --------------------------------------------------------------------------- plans


@dataclass
class Step:
    """One thing done to a petition, on a day of the past (or today)."""

    on: date
    action: str  # a transition, "follow_up", "rate", "key_case", "progress", "close_key_case"
    actor: str  # a demo username ("" for the petitioner rating online)
    payload: dict = field(default_factory=dict)


@dataclass
class Plan:
    """One petition to load: what register_petition is given, then its steps in order."""

    key: int
    received_at: datetime
    data: dict
    people: list[dict]
    steps: list[Step] = field(default_factory=list)
    repeat_of: Plan | None = None
    slot: int | None = None  # index into the planned reception slots
    # Filled while loading.
    petition: Petition | None = None
    case: Case | None = None
    key_case: KeyCase | None = None

    @property
    def received_on(self) -> date:
        return timezone.localtime(self.received_at, CHINA_TZ).date()


@dataclass
class SlotPlan:
    leader: str
    kind: str
    on: date
    start: time
    end: time
    place: str
    community: Community | None = None
    note: str = ""
    slot: ReceptionSlot | None = None


#: The payload key that carries the day of each dated action.
DATE_KEY = {
    "accept": "decided_on",
    "decline": "decided_on",
    "transfer": "decided_on",
    "reply": "replied_on",
    "conclude": "concluded_on",
    "request_review": "requested_on",
    "answer_review": "answered_on",
    "request_reexam": "requested_on",
    "answer_reexam": "answered_on",
    "extend": "approved_on",
}


class Course:
    """Builds a petition's steps day by day.

    Office work happens on working days: a step falling on a rest day moves to the next
    working day. A step that would fall after today is dropped, with everything after it (the
    matter simply has not got that far yet).
    """

    def __init__(self, planner: Planner, plan: Plan):
        self.planner, self.plan = planner, plan
        self.day = plan.received_on
        self.open = True

    def when(self, days: int) -> date | None:
        """The working day `days` after the current one, or None when it is still to come."""
        if not self.open:
            return None
        on = self.planner.next_working_day(self.day + timedelta(days=days))
        if on > self.planner.today:
            self.open = False
            return None
        return on

    def wait(self, days: int) -> bool:
        """Let `days` pass without a step."""
        on = self.when(days)
        if on is not None:
            self.day = on
        return on is not None

    def then(self, days: int, action: str, actor: str, **payload) -> bool:
        on = self.when(days)
        if on is None:
            return False
        self.day = on
        self.plan.steps.append(Step(on, action, actor, payload))
        return True

    def at(self, day: date, action: str, actor: str, **payload) -> bool:
        """A step on `day` (or the working day before it), but not before the current one."""
        if not self.open:
            return False
        on = max(self.day, self.planner.working_day_near(day))
        if on > self.planner.today:
            self.open = False
            return False
        self.day = on
        self.plan.steps.append(Step(on, action, actor, payload))
        return True

    def beside(self, days: int, action: str, actor: str, **payload) -> None:
        """A step `days` after the current one that leaves the course's day where it is."""
        still_open = self.open
        on = self.when(days)
        if on is not None:
            self.plan.steps.append(Step(on, action, actor, payload))
        self.open = still_open


class Planner:
    """Draws the three months: reception slots, then petitions with their courses."""

    def __init__(
        self,
        *,
        today: date,
        now: datetime,
        communities: list[Community],
        grids: dict[int, list[Grid]],
        categories: dict[str, Category],
        units: dict[str, Unit],
        staff: dict[str, Staff],
        people: People,
    ):
        self.today, self.now = today, now
        self.start = today - timedelta(days=PERIOD_DAYS - 1)
        self.communities, self.grids = communities, grids
        self.categories, self.units, self.staff = categories, units, staff
        self.people = people
        self.rng = random.Random(SEED)
        self.calendar = deadlines.current_calendar()
        self.plans: list[Plan] = []
        self.slots: list[SlotPlan] = []
        self.reserved: set[int] = set()  # plans the set pieces build on: no random repeats
        self._doc_numbers: dict[str, int] = {}
        self._quota: dict[str, int] = {}

    # ----------------------------------------------------------------- days

    def working(self, d: date) -> bool:
        return self.calendar.is_working_day(d)

    def next_working_day(self, d: date) -> date:
        while not self.working(d):
            d += timedelta(days=1)
        return d

    def working_day_near(self, d: date) -> date:
        """`d`, or the last working day before it; the first one after it where going back
        would leave the period (which day of the week the period starts on depends on today)."""
        back = d
        while not self.working(back):
            back -= timedelta(days=1)
        if back >= self.start:
            return back
        while not self.working(d):
            d += timedelta(days=1)
        return d

    def quota(self, name: str, share: float) -> bool:
        """True for `share` of the calls under `name`, spread evenly: the demo's shares (of
        collective visits, say) stay the same whichever day it is loaded on, where a random
        draw would drift with the number of working days in the period."""
        seen = self._quota.get(name, 0) + 1
        self._quota[name] = seen
        return int(seen * share) > int((seen - 1) * share)

    def ago(self, days: int) -> date:
        return self.today - timedelta(days=days)

    def day_due_in(self, days: int, left: tuple[int, int], ages: range) -> date:
        """A working day among `ages` days ago from which a `days`-day limit ends `left` days
        from today (inclusive range); the nearest age otherwise."""
        for age in ages:
            d = self.ago(age)
            remaining = (deadlines.due_date(d, days) - self.today).days
            if self.working(d) and left[0] <= remaining <= left[1]:
                return d
        return self.working_day_near(self.ago(ages[0]))

    def moment(self, day: date, earliest: time, latest: time) -> datetime:
        """A time on `day` between `earliest` and `latest`, never later than now."""
        lo = earliest.hour * 60 + earliest.minute
        hi = latest.hour * 60 + latest.minute
        minutes = self.rng.randint(lo, hi)
        at = datetime.combine(day, time(minutes // 60, minutes % 60), tzinfo=CHINA_TZ)
        if at > self.now:
            midnight = datetime.combine(day, time(0, 0), tzinfo=CHINA_TZ)
            at = max(midnight, self.now - timedelta(minutes=self.rng.randint(5, 90)))
        return at

    def office_hours(self, age: int) -> datetime:
        """A time in office hours on the working day `age` days ago (or the one before)."""
        return self.moment(self.working_day_near(self.ago(age)), time(8, 40), time(17, 0))

    # ----------------------------------------------------------------- petitions

    def community(self, name: str | None = None) -> Community:
        if name is not None:
            return next(c for c in self.communities if c.name == name)
        weights = [len(self.grids.get(c.pk, [])) or 1 for c in self.communities]
        return self.rng.choices(self.communities, weights)[0]

    def category_name(self, collective: bool = False) -> str:
        names = list(CATEGORIES)
        weights = [CATEGORIES[n]["weight"] for n in names]
        if collective:
            # Groups come about housing, land, wages and estates, seldom about a neighbour.
            weights = [
                w * (3 if n in ("城建拆迁", "土地征收", "劳动社保", "物业管理") else 0.2)
                for n, w in zip(names, weights, strict=True)
            ]
        return self.rng.choices(names, weights)[0]

    def doc_number(self, prefix: str) -> str:
        last = self._doc_numbers.get(prefix, self.rng.randint(20, 60))
        self._doc_numbers[prefix] = last + self.rng.randint(3, 17)
        return f"{prefix}〔{self.today.year}〕{self._doc_numbers[prefix]}号"

    def petitioners(
        self, community: Community, count: int, *, id_share: float, representatives: int = 0
    ) -> list[dict]:
        rows = []
        for i in range(count):
            person = self.people.take(community.name)
            rows.append(
                {
                    "name": person.name,
                    "id_number": person.id_number if self.rng.random() < id_share else "",
                    "phone": person.phone,
                    "address": person.address,
                    "is_representative": i < representatives,
                }
            )
        return rows

    def new_plan(
        self,
        received_at: datetime,
        *,
        channel: str,
        category: str | None = None,
        community: str | None = None,
        title: tuple[str, str] | None = None,
        collective: bool = False,
        headcount: int | None = None,
        representatives: int = 0,
        level: str = Level.STREET,
        assigned_by: str = "",
        assigned_doc_no: str = "",
        complained_unit: str | None = None,
        complained_text: str = "",
        people: list[dict] | None = None,
        repeat_of: Plan | None = None,
        slot: int | None = None,
    ) -> Plan:
        rng = self.rng
        comm = self.community(community)
        category = category or self.category_name(collective)
        grid = rng.choice(self.grids[comm.pk]) if self.grids.get(comm.pk) else None
        if title is None:
            title = rng.choice(CATEGORIES[category]["titles"])
        estate = rng.choice(ESTATES.get(comm.name, ["浓洄路"]))
        subject, ask = (part.replace("{estate}", estate) for part in title)
        if people is None:
            if collective:
                people = self.petitioners(
                    comm, representatives, id_share=1.0, representatives=representatives
                )
            else:
                id_share = {Channel.PHONE: 0.4, Channel.LETTER: 0.7}.get(channel, 0.9)
                people = self.petitioners(comm, 1 if rng.random() < 0.9 else 2, id_share=id_share)
        if collective:
            description = (
                f"{comm.name}群众{headcount}人集体来访（推选代表{representatives}人），"
                f"{subject}，{ask}。"
            )
        else:
            description = f"信访人{subject}，{ask}。"
        data = {
            "title": subject,
            "description": description,
            "channel": channel,
            "level": level,
            "handling_level": Level.STREET,
            "community": comm,
            "grid": grid,
            "category": self.categories.get(category),
            "is_collective": collective,
            "assigned_by": assigned_by,
            "assigned_doc_no": assigned_doc_no,
            "complained_unit": self.units.get(complained_unit) if complained_unit else None,
            "complained_text": complained_text,
            "_category": category,
        }
        if headcount is not None:
            data["headcount"] = headcount
        if slot is not None:
            data["received_by"] = self.staff[self.slots[slot].leader]
        plan = Plan(
            key=len(self.plans),
            received_at=received_at,
            data=data,
            people=people,
            repeat_of=repeat_of,
            slot=slot,
        )
        self.plans.append(plan)
        return plan

    def course(self, plan: Plan) -> Course:
        return Course(self, plan)

    # ----------------------------------------------------------------- steps

    def unit_for(self, plan: Plan) -> str:
        complained = plan.data["complained_unit"]
        options = [
            u
            for u in CATEGORIES[plan.data["_category"]]["units"]
            if u in self.units and self.units[u] != complained
        ]
        # Never the unit complained about (条例 art. 30, 46): the party office takes it then.
        return self.rng.choice(options) if options else "党政办"

    def assign(self, course: Course, unit: str, days: int = 0) -> bool:
        payload: dict = {"unit": self.units[unit]}
        if unit in UNIT_HANDLER:
            payload["handler"] = self.staff[UNIT_HANDLER[unit]]
        return course.then(days, "assign", CLERK, **payload)

    def reply(self, course: Course, unit: str, days: int) -> bool:
        category = course.plan.data["_category"]
        text = CATEGORIES[category]["reply"]
        # 条例 art. 32: the facts found and the basis, as a reply written in Huiyin states them.
        facts = f"经{unit}会同所在社区调查核实，信访人反映的情况基本属实。"
        basis = REPLY_BASIS.get(category, REPLY_BASIS["其他"])
        delivery = self.rng.choice(
            [Delivery.IN_PERSON, Delivery.IN_PERSON, Delivery.POST, Delivery.PHONE]
        )
        # A unit with a handler account replies itself; for the others the clerk enters it.
        actor = UNIT_HANDLER.get(unit, CLERK)
        return course.then(
            days, "reply", actor, text=text, facts=facts, basis=basis, delivery=delivery
        )

    def satisfaction(self) -> str:
        return self.rng.choices(
            [Satisfaction.SATISFIED, Satisfaction.BASICALLY_SATISFIED, Satisfaction.DISSATISFIED],
            [78, 16, 6],
        )[0]

    def follow_up(self, course: Course, days: int, satisfaction: str) -> None:
        note = self.rng.choice(FOLLOW_UP_NOTES[satisfaction])
        course.beside(days, "follow_up", CLERK, satisfaction=satisfaction, note=note)

    def rate(self, course: Course, satisfaction: str) -> None:
        """The petitioner rates the handling on the public tracker (条例 art. 21), once it is
        replied; the service dates a rating the day it is given, so: today."""
        if any(s.action == "reply" for s in course.plan.steps):
            course.plan.steps.append(Step(self.today, "rate", "", {"satisfaction": satisfaction}))

    def progress(self, course: Course, days: int, actor: str, text: str) -> None:
        on = course.when(days)
        if on is not None:
            course.then(days, "progress", actor, text=f"{on.month}月{on.day}日，{text}")

    def key_case(self, course: Course, leader: str, unit: str, months: int, **five) -> None:
        """Mark the petition a key case (包案) the day of the current step."""
        course.plan.steps.append(
            Step(
                course.day,
                "key_case",
                leader,
                {
                    "leader": self.staff[leader],
                    "responsible_unit": self.units[unit],
                    # The time limit is set from now: a key case's limit cannot be in the past.
                    "time_limit": self.today + timedelta(days=months),
                    **five,
                },
            )
        )
        self.reserved.add(course.plan.key)

    # ----------------------------------------------------------------- courses

    def ordinary_course(self, plan: Plan) -> None:
        """The usual life of a petition: decided within days, handled within 60, replied."""
        rng, course = self.rng, self.course(plan)
        category = plan.data["_category"]
        on_the_spot = plan.data["channel"] == Channel.VISIT and rng.random() < 0.5
        if not course.wait(0 if on_the_spot else rng.randint(1, 7)):
            return
        may_refuse = plan.data["level"] == Level.STREET and not plan.data["is_collective"]
        decline_share = 0.22 if category in ("涉法涉诉", "劳动社保") else 0.04
        roll = rng.random()
        if may_refuse and roll < decline_share:
            referral, reason = rng.choice(DECLINES)
            course.then(0, "decline", CLERK, reason=reason, referral=referral)
        elif may_refuse and roll < decline_share + 0.08:
            course.then(0, "transfer", CLERK, transferred_to=TRANSFER_TO[category])
        else:
            course.then(0, "accept", CLERK)
            self.handle(course, reply_after=rng.randint(12, 50))
            return
        # The decline or transfer notice is the answer; the clerk closes the file soon after.
        if rng.random() < 0.65:
            course.then(rng.randint(1, 4), "conclude", CLERK)

    def handle(self, course: Course, *, reply_after: int) -> None:
        """Assign, handle and reply `reply_after` days after acceptance; then the aftermath."""
        rng = self.rng
        accepted = course.day
        unit = self.unit_for(course.plan)
        if not self.assign(course, unit, rng.randint(0, 2)):
            return
        if unit in UNIT_HANDLER and not course.then(
            rng.randint(0, 3), "start_handling", UNIT_HANDLER[unit]
        ):
            return
        days = max(0, (accepted + timedelta(days=reply_after) - course.day).days)
        if self.reply(course, unit, days):
            self.aftermath(course)

    def aftermath(self, course: Course) -> None:
        """After the reply: a follow-up visit, perhaps a review, and the conclusion."""
        rng = self.rng
        satisfaction = self.satisfaction()
        if rng.random() < 0.75 or satisfaction == Satisfaction.DISSATISFIED:
            self.follow_up(course, rng.randint(2, 10), satisfaction)
        elif (self.today - course.day).days <= 14 and rng.random() < 0.4:
            self.rate(course, self.satisfaction())
        if satisfaction == Satisfaction.DISSATISFIED and rng.random() < 0.7:
            self.review(course, reexam=rng.random() < 0.3)
        elif rng.random() < 0.9:
            course.then(rng.randint(3, 12), "conclude", CLERK)

    def review(self, course: Course, *, reexam: bool) -> None:
        rng = self.rng
        if not course.then(rng.randint(8, 25), "request_review", CLERK, text=REVIEW_REQUEST):
            return
        if not course.then(rng.randint(10, 25), "answer_review", CLERK, text=REVIEW_ANSWER):
            return
        if reexam:
            if not course.then(rng.randint(5, 20), "request_reexam", CLERK, text=REEXAM_REQUEST):
                return
            if not course.then(rng.randint(10, 25), "answer_reexam", CLERK, text=REEXAM_ANSWER):
                return
        course.then(rng.randint(2, 6), "conclude", CLERK)

    # ----------------------------------------------------------------- the calendar

    def plan_slots(self) -> None:
        """Weekly reception days (alternating leaders), fortnightly outreach, roving receptions."""
        rng = self.rng
        leaders = [LEADER, LEADER2]
        monday = self.start - timedelta(days=self.start.weekday())
        week = 0
        while monday <= self.today + timedelta(days=UPCOMING_DAYS):
            wednesday = monday + timedelta(days=2)
            last = self.today + timedelta(days=UPCOMING_DAYS)
            if self.start <= wednesday <= last and self.working(wednesday):
                self.slots.append(
                    SlotPlan(
                        leaders[week % 2],
                        ReceptionSlot.SlotKind.RECEPTION_DAY,
                        wednesday,
                        time(9, 0),
                        time(11, 30),
                        "浓洄街道信访接待大厅",
                        note="领导坐班接访",
                    )
                )
            friday = monday + timedelta(days=4)
            if week % 2 == 1 and self.start <= friday <= self.today and self.working(friday):
                community = self.communities[(week // 2) % len(self.communities)]
                self.slots.append(
                    SlotPlan(
                        leaders[(week // 2) % 2],
                        ReceptionSlot.SlotKind.OUTREACH,
                        friday,
                        time(14, 30),
                        time(17, 0),
                        f"{community.name}党群服务中心",
                        community,
                        "带队下访",
                    )
                )
            tuesday = monday + timedelta(days=1)
            if week in (2, 7, 11) and self.start <= tuesday <= self.today:
                community = rng.choice(self.communities)
                estate = rng.choice(ESTATES.get(community.name, ["浓洄路"]))
                if self.working(tuesday):
                    self.slots.append(
                        SlotPlan(
                            LEADER,
                            ReceptionSlot.SlotKind.ROVING,
                            tuesday,
                            time(9, 30),
                            time(12, 0),
                            f"{community.name}{estate}",
                            community,
                            "会同区委派驻工作组巡回接访",
                        )
                    )
            monday += timedelta(days=7)
            week += 1
        self.slots.sort(key=lambda s: (s.on, s.start))

    def slot_petitions(self) -> None:
        """The people received in each slot that has taken place."""
        rng = self.rng
        for index, slot in enumerate(self.slots):
            if datetime.combine(slot.on, slot.start, tzinfo=CHINA_TZ) > self.now:
                continue
            if slot.kind == ReceptionSlot.SlotKind.RECEPTION_DAY:
                count = rng.randint(2, 4)
            else:
                count = rng.randint(1, 3)
            for _i in range(count):
                at = self.moment(slot.on, slot.start, slot.end)
                group: dict = {}
                if self.quota("slot_collective", 0.12):
                    group = {
                        "collective": True,
                        "headcount": rng.choice([5, 6, 8, 9, 12, 15, 18, 26]),
                        "representatives": rng.randint(1, 5),
                    }
                plan = self.new_plan(
                    at,
                    channel=Channel.VISIT,
                    community=slot.community.name if slot.community else None,
                    slot=index,
                    **group,
                )
                self.ordinary_course(plan)

    def daily_petitions(self) -> None:
        """Letters, visits, calls and online petitions, day by day."""
        rng = self.rng
        day = self.start
        while day <= self.today:
            working = self.working(day)
            count = rng.choice([1, 1, 2, 2, 2, 3]) if working else rng.choice([0, 0, 0, 1, 1])
            for _i in range(count):
                if working:
                    channel = rng.choices(
                        [Channel.VISIT, Channel.PHONE, Channel.LETTER, Channel.ONLINE],
                        [42, 34, 9, 15],
                    )[0]
                else:
                    channel = rng.choice([Channel.PHONE, Channel.ONLINE])
                window = {
                    Channel.VISIT: (time(8, 40), time(17, 20)),
                    Channel.PHONE: (time(8, 0), time(20, 0)),
                    Channel.LETTER: (time(9, 0), time(11, 30)),
                    Channel.ONLINE: (time(7, 0), time(23, 30)),
                }[channel]
                group: dict = {}
                if channel == Channel.VISIT and self.quota("daily_collective", 0.14):
                    group = {
                        "collective": True,
                        "headcount": rng.choice([5, 7, 8, 10, 11, 14, 20, 23, 35]),
                        "representatives": rng.choices([1, 2, 3, 4, 5], [2, 4, 5, 3, 1])[0],
                    }
                plan = self.new_plan(self.moment(day, *window), channel=channel, **group)
                self.ordinary_course(plan)
            day += timedelta(days=1)

    def over_level(self) -> None:
        """Matters lodged at the district (a handful) and one at the city, sent back to us."""
        rng = self.rng
        for age in (84, 71, 58, 44, 33, 19, 8):
            group: dict = {}
            if age == 33:
                group = {"collective": True, "headcount": 12, "representatives": 2}
            plan = self.new_plan(
                self.office_hours(age),
                channel=Channel.ASSIGNED,
                level=Level.DISTRICT,
                assigned_by="区信访办",
                assigned_doc_no=self.doc_number("区信办交"),
                **group,
            )
            course = self.course(plan)
            if course.then(rng.randint(1, 3), "accept", CLERK):
                self.handle(course, reply_after=rng.randint(15, 40))
        plan = self.new_plan(
            self.office_hours(62),
            channel=Channel.ASSIGNED,
            category="物业管理",
            level=Level.CITY,
            assigned_by="市信访办",
            assigned_doc_no=self.doc_number("市信办转"),
        )
        course = self.course(plan)
        if course.then(2, "accept", CLERK):
            self.handle(course, reply_after=30)

    def complaints_about_units(self) -> None:
        """Petitions about a unit: never assigned to it, never shown to its people."""
        about = [
            ("城建办", "城建拆迁", ("反映城建办对{estate}违建查处推诿", "要求依法查处并说明情况")),
            (
                "城建办",
                "物业管理",
                ("对城建办处理{estate}物业纠纷的方式有意见", "要求更换经办人员"),
            ),
            ("浓洄派出所", "其他", ("对浓洄派出所处置{estate}噪声警情有意见", "要求依法处理")),
            ("广安中学", "教育医疗", ("反映广安中学违规收取资料费", "要求退还费用")),
        ]
        for age, (unit, category, title) in zip((66, 38, 24, 11), about, strict=True):
            if unit not in self.units:
                continue
            plan = self.new_plan(
                self.office_hours(age),
                channel=self.rng.choice([Channel.VISIT, Channel.LETTER, Channel.ONLINE]),
                category=category,
                title=title,
                complained_unit=unit,
            )
            self.ordinary_course(plan)

    def repeats(self) -> None:
        """A few people come back about the same matter (重复信访), linked to the first time."""
        rng = self.rng
        candidates = [
            p
            for p in self.plans
            if not p.data["is_collective"]
            and (self.today - p.received_on).days >= 45
            and any(s.action == "reply" for s in p.steps)
            # Coming back after a re-examination is the one set piece of its own (art. 36).
            and not any(s.action == "answer_reexam" for s in p.steps)
            and p.repeat_of is None
            and p.key not in self.reserved
        ]
        rng.shuffle(candidates)
        for earlier in candidates[:8]:
            age = rng.randint(3, (self.today - earlier.received_on).days - 30)
            plan = self.new_plan(
                self.office_hours(age),
                channel=rng.choice([Channel.VISIT, Channel.PHONE]),
                category=earlier.data["_category"],
                community=earlier.data["community"].name,
                title=(f"再次{earlier.data['title']}", "要求落实答复意见"),
                people=[{**earlier.people[0], "is_representative": False}],
                repeat_of=earlier,
            )
            self.ordinary_course(plan)

    # ----------------------------------------------------------------- the set pieces

    def set_pieces(self) -> None:
        """Petitions written to show every state, the overdue clocks and the key cases."""
        self.key_case_land()
        self.key_case_judgment()
        self.key_case_province()
        self.key_case_wages()
        self.overdue_and_due_soon()
        self.long_roads()
        self.fresh_decisions()

    def key_case_land(self) -> None:
        """The speech's "翠屏路社区8组土地纠纷": a collective visit on land compensation,
        replied, reviewed, and now waiting for its re-examination answer."""
        plan = self.new_plan(
            self.moment(self.working_day_near(self.ago(88)), time(9, 0), time(11, 0)),
            channel=Channel.VISIT,
            category="土地征收",
            community="翠屏路社区",
            title=("反映翠屏路社区8组土地征收补偿分配纠纷", "要求公开补偿款分配方案并足额发放"),
            collective=True,
            headcount=23,
            representatives=3,
        )
        c = self.course(plan)
        c.then(0, "accept", CLERK)
        self.key_case(
            c,
            LEADER,
            "城建办",
            35,
            plan="一月内完成补偿款分配情况核查并公示；两月内召开组民代表会议形成分配方案。",
            team=[self.staff[CLERK], self.staff[HANDLER]],
            team_note="翠屏路社区党委书记、司法所法律顾问",
        )
        self.assign(c, "城建办", 1)
        c.then(1, "start_handling", HANDLER)
        self.progress(c, 6, LEADER, "包案领导主持召开协调会，城建办、社区与8组群众代表参加。")
        self.reply(c, "城建办", 20)
        self.progress(c, 3, HANDLER, "补偿款分配情况核查完毕，已在组务公开栏公示。")
        c.then(9, "request_review", CLERK, text="群众代表对补偿分配意见不服，申请复查。")
        c.then(
            16, "answer_review", CLERK, text="经复查，分配方案符合组民代表会议决议，维持原意见。"
        )
        c.then(8, "request_reexam", CLERK, text=REEXAM_REQUEST)
        self.progress(c, 4, LEADER, "包案领导约见群众代表，听取意见，复核程序同步推进。")

    def key_case_judgment(self) -> None:
        """The speech's "翠微园42案": seen through — reviewed, re-examined, concluded; the same
        person's new petition on the same facts is flagged (条例 art. 36) and declined."""
        plan = self.new_plan(
            self.moment(self.working_day_near(self.ago(90)), time(9, 0), time(11, 0)),
            channel=Channel.LETTER,
            category="涉法涉诉",
            community="果丰社区",
            title=("反映果丰社区“翠微园42案”判决执行问题", "要求协调落实生效判决"),
        )
        c = self.course(plan)
        c.then(1, "accept", CLERK)
        self.key_case(
            c,
            LEADER2,
            "司法所",
            20,
            plan="会同司法所、法院执行局研究执行方案；落实困难救助，做好解释疏导。",
            team=[self.staff[CLERK]],
            team_note="果丰社区调委会主任",
        )
        self.assign(c, "司法所", 1)
        self.progress(c, 4, LEADER2, "与法院执行局召开联席会，确定分期履行方案。")
        self.reply(c, "司法所", 12)
        c.then(5, "request_review", CLERK, text=REVIEW_REQUEST)
        c.then(11, "answer_review", CLERK, text=REVIEW_ANSWER)
        c.then(4, "request_reexam", CLERK, text=REEXAM_REQUEST)
        c.then(11, "answer_reexam", CLERK, text=REEXAM_ANSWER)
        self.follow_up(c, 2, Satisfaction.BASICALLY_SATISFIED)
        c.then(3, "conclude", CLERK)
        self.progress(c, 1, LEADER2, "判决款项已分期到位，信访人息诉罢访，案件化解。")
        c.then(0, "close_key_case", LEADER2)
        again = self.new_plan(
            self.office_hours(6),
            channel=Channel.VISIT,
            category="涉法涉诉",
            community="果丰社区",
            title=("再次反映“翠微园42案”判决执行问题", "要求重新处理"),
            people=[{**plan.people[0], "is_representative": False}],
            repeat_of=plan,
        )
        self.course(again).then(
            0,
            "decline",
            CLERK,
            reason=(
                "该事项已经复核终结，信访人以同一事实和理由再次提出，"
                "依据《信访工作条例》第三十六条不再受理。"
            ),
        )

    def key_case_province(self) -> None:
        """First raised at the street, then carried to the province (a broken "零赴省");
        handled by 城建办 with its one extension of the handling period."""
        first = self.new_plan(
            self.office_hours(86),
            channel=Channel.VISIT,
            category="城建拆迁",
            community="北辰社区",
            title=("反映北辰路棚户区改造过渡费停发", "要求按协议继续发放过渡费"),
        )
        c = self.course(first)
        c.then(0, "accept", CLERK)
        self.assign(c, "城建办", 1)
        c.then(1, "start_handling", HANDLER)
        self.reply(c, "城建办", 25)
        self.follow_up(c, 4, Satisfaction.DISSATISFIED)
        self.reserved.add(first.key)
        plan = self.new_plan(
            self.office_hours(52),
            channel=Channel.ASSIGNED,
            category="城建拆迁",
            community="北辰社区",
            title=("反映北辰路棚户区改造过渡费长期停发", "要求补发过渡费并明确回迁时间"),
            level=Level.PROVINCE,
            assigned_by="省信访局（经市、区信访部门转交）",
            assigned_doc_no=self.doc_number("省信转"),
            people=[{**first.people[0], "is_representative": False}],
            repeat_of=first,
        )
        c = self.course(plan)
        c.then(1, "accept", CLERK)
        self.key_case(
            c,
            LEADER2,
            "城建办",
            40,
            plan="核清过渡费停发原因；协调开发企业补发；明确回迁时间并书面告知。",
            team=[self.staff[CLERK], self.staff[HANDLER]],
            team_note="北辰社区居委会主任",
        )
        self.assign(c, "城建办", 0)
        c.then(1, "start_handling", HANDLER)
        self.progress(c, 7, HANDLER, "已约谈开发企业，企业承诺分两批补发过渡费。")
        # The extension is approved a few days before the 60 days run out.
        c.at(self.ago(4), "extend", LEADER2, reason=EXTENSION_REASON_1, _extend_days=30)
        self.progress(c, 1, LEADER2, "第一批过渡费已补发到位，回迁方案正在审定。")

    def key_case_wages(self) -> None:
        """A collective visit about unpaid wages at 惠美家公司, lodged at the city (a broken
        "零到市"); handled by 社事办, its reply due within days."""
        accepted = self.day_due_in(60, (2, 5), range(58, 54, -1))
        plan = self.new_plan(
            self.moment(self.working_day_near(accepted - timedelta(days=1)), time(9), time(16)),
            channel=Channel.ASSIGNED,
            category="劳动社保",
            community="果丰社区",
            title=("反映惠美家公司拖欠员工工资", "要求公司结清拖欠工资"),
            collective=True,
            headcount=32,
            representatives=5,
            level=Level.CITY,
            assigned_by="市信访办",
            assigned_doc_no=self.doc_number("市信办转"),
            complained_unit="惠美家公司",
        )
        c = self.course(plan)
        c.at(accepted, "accept", CLERK)
        self.key_case(
            c,
            LEADER,
            "社事办",
            10,
            plan="会同劳动保障监察核清欠薪数额；督促企业制定清偿计划；做好职工情绪疏导。",
            team=[self.staff[CLERK], self.staff[HANDLER2]],
            team_note="区劳动保障监察大队",
        )
        self.assign(c, "社事办", 0)
        c.then(1, "start_handling", HANDLER2)
        self.progress(c, 5, HANDLER2, "欠薪数额核清，涉及职工32人，企业已提交清偿计划。")
        self.progress(c, 20, LEADER, "首期工资已发放，包案领导到企业督导剩余款项支付。")

    def overdue_and_due_soon(self) -> None:
        # The acceptance notice (15 days) not yet sent.
        for age in (20, 17):
            self.new_plan(self.office_hours(age), channel=Channel.LETTER)
        # Due within days: an acceptance notice, and a handling period.
        for ages in (range(14, 10, -1), range(13, 9, -1)):
            day = self.day_due_in(15, (1, 3), ages)
            self.new_plan(self.moment(day, time(8, 30), time(17, 0)), channel=Channel.PHONE)
        accepted = self.day_due_in(60, (1, 3), range(60, 55, -1))
        plan = self.new_plan(
            self.moment(self.working_day_near(accepted - timedelta(days=2)), time(7), time(23)),
            channel=Channel.ONLINE,
            category="环境保护",
        )
        c = self.course(plan)
        c.at(accepted, "accept", CLERK)
        self.assign(c, "城建办", 0)
        c.then(1, "start_handling", HANDLER)
        # The handling period (60 days) run out: twice in handling, once at a unit whose
        # reply the clerk is still waiting for.
        for age, unit, category in ((78, "城建办", "物业管理"), (72, "社事办", "劳动社保")):
            plan = self.new_plan(self.office_hours(age), channel=Channel.VISIT, category=category)
            c = self.course(plan)
            c.then(1, "accept", CLERK)
            self.assign(c, unit, 1)
            c.then(2, "start_handling", UNIT_HANDLER[unit])
        plan = self.new_plan(self.office_hours(75), channel=Channel.PHONE, category="邻里纠纷")
        c = self.course(plan)
        c.then(2, "accept", CLERK)
        self.assign(c, "司法所", 1)
        # A review requested 40 days ago and not answered within its 30 days.
        plan = self.new_plan(self.office_hours(84), channel=Channel.VISIT, category="物业管理")
        c = self.course(plan)
        c.then(0, "accept", CLERK)
        self.assign(c, "城建办", 0)
        c.then(1, "start_handling", HANDLER)
        self.reply(c, "城建办", 20)
        self.follow_up(c, 3, Satisfaction.DISSATISFIED)
        c.at(self.ago(40), "request_review", CLERK, text=REVIEW_REQUEST)

    def long_roads(self) -> None:
        """An extension that ended in a reply in time; a re-examination answered but not yet
        concluded; a review answered last week."""
        plan = self.new_plan(self.office_hours(89), channel=Channel.VISIT, category="劳动社保")
        c = self.course(plan)
        c.then(1, "accept", CLERK)
        self.assign(c, "社事办", 0)
        c.then(1, "start_handling", HANDLER2)
        c.then(55, "extend", LEADER, reason=EXTENSION_REASON_2, _extend_days=25)
        self.reply(c, "社事办", 18)
        self.rate(c, Satisfaction.SATISFIED)

        plan = self.new_plan(self.office_hours(87), channel=Channel.LETTER, category="邻里纠纷")
        c = self.course(plan)
        c.then(1, "accept", CLERK)
        self.assign(c, "司法所", 0)
        self.reply(c, "司法所", 12)
        c.then(5, "request_review", CLERK, text=REVIEW_REQUEST)
        c.then(12, "answer_review", CLERK, text=REVIEW_ANSWER)
        c.then(4, "request_reexam", CLERK, text=REEXAM_REQUEST)
        c.then(14, "answer_reexam", CLERK, text=REEXAM_ANSWER)

        plan = self.new_plan(self.office_hours(70), channel=Channel.PHONE, category="环境保护")
        c = self.course(plan)
        c.then(1, "accept", CLERK)
        self.assign(c, "城建办", 0)
        c.then(1, "start_handling", HANDLER)
        self.reply(c, "城建办", 18)
        c.then(10, "request_review", CLERK, text="信访人认为问题仍未解决，申请复查。")
        c.at(self.ago(7), "answer_review", CLERK, text="经复查，已责成施工单位调整作业时间。")

    def fresh_decisions(self) -> None:
        """States that chance alone may miss on some days: a visit accepted on the spot on the
        last working day and not yet assigned; a call transferred, its file not yet closed."""
        day = self.working_day_near(self.ago(1))
        plan = self.new_plan(self.moment(day, time(9), time(16)), channel=Channel.VISIT)
        self.course(plan).then(0, "accept", CLERK)
        plan = self.new_plan(self.office_hours(30), channel=Channel.PHONE, category="教育医疗")
        self.course(plan).then(2, "transfer", CLERK, transferred_to=TRANSFER_TO["教育医疗"])

    # ----------------------------------------------------------------- all of it

    def plan(self) -> list[Plan]:
        self.plan_slots()
        self.set_pieces()
        self.over_level()
        self.complaints_about_units()
        self.slot_petitions()
        self.daily_petitions()
        self.repeats()
        return self.plans


# --------------------------------------------------------------------------- loading


class Loader:
    """Runs the plans through the real services, in the order the days happened."""

    def __init__(self, users: dict[str, User]):
        self.users = users

    def run(self, plans: list[Plan], slots: list[SlotPlan]) -> None:
        for slot in slots:
            slot.slot = services.schedule_reception(
                actor=self.users[CLERK],
                leader=self.users[slot.leader].staff,
                kind=slot.kind,
                on=slot.on,
                start_time=slot.start,
                end_time=slot.end,
                place=slot.place,
                community=slot.community,
                note=slot.note,
            )
        # Day by day: registrations first (in the order received), then each petition's steps.
        timeline: list[tuple[tuple, Plan, Step | None]] = []
        for plan in plans:
            timeline.append(((plan.received_on, 0, plan.received_at, plan.key, 0), plan, None))
            for index, step in enumerate(plan.steps):
                timeline.append(((step.on, 1, plan.received_at, plan.key, index), plan, step))
        timeline.sort(key=lambda item: item[0])
        for order, plan, step in timeline:
            if step is None:
                # Registered at the moment received, the way a clerk enters it at the desk.
                with happened(plan.received_at):
                    self.register(plan, slots)
            else:
                with happened(working_moment(step.on, plan.key, order[-1])):
                    self.do(plan, step)

    def register(self, plan: Plan, slots: list[SlotPlan]) -> None:
        data = {k: v for k, v in plan.data.items() if not k.startswith("_")}
        data["received_at"] = plan.received_at
        if plan.repeat_of is not None:
            data["repeat_of"] = plan.repeat_of.petition
        if plan.slot is not None:
            data["reception_slot"] = slots[plan.slot].slot
        plan.petition = services.register_petition(
            actor=self.users[CLERK], data=data, petitioners=plan.people
        )
        plan.case = plan.petition.case

    def do(self, plan: Plan, step: Step) -> None:
        actor = self.users.get(step.actor)
        payload = dict(step.payload)
        if step.action == "follow_up":
            services.record_follow_up(plan.petition, actor=actor, on=step.on, **payload)
        elif step.action == "rate":
            phone = next(p["phone"] for p in plan.people if p["phone"])
            services.rate_from_public(
                plan.petition.receipt_code, phone[-4:], payload["satisfaction"]
            )
        elif step.action == "key_case":
            plan.key_case = services.mark_key_case(plan.petition, actor=actor, **payload)
        elif step.action == "progress":
            services.add_progress(plan.key_case, actor=actor, **payload)
        elif step.action == "close_key_case":
            services.close_key_case(plan.key_case, actor=actor)
        else:
            if step.action in DATE_KEY:
                payload[DATE_KEY[step.action]] = step.on
            if step.action in ("accept", "decline", "transfer"):
                # The written notice of the decision goes out the day it is decided (条例 art. 23).
                payload.setdefault("told_on", step.on)
                payload.setdefault("told_manner", TellManner.WRITTEN)
            if step.action in ("request_review", "request_reexam"):
                # The demo's reviews and re-examinations are the street's own to answer, so
                # their time limits show among the street's (条例 art. 35, 36).
                payload.setdefault("body", AnswerBody.STREET)
            if step.action == "extend":
                # The reason is told in writing the day it is approved (延期告知书).
                payload.setdefault("told_on", step.on)
                payload.setdefault("told_manner", TellManner.WRITTEN)
            extend_days = payload.pop("_extend_days", None)
            if extend_days is not None:
                running = clocks.running_clock(plan.case, "handling")
                payload["new_due_on"] = deadlines.due_date(running.due_on, extend_days)
            plan.case = fire(
                plan.case, step.action, actor=actor, version=plan.case.version, **payload
            )


def demo_users() -> dict[str, User] | None:
    """The demo accounts the petitions need (with their staff profiles), or None."""
    users = {
        u.username: u
        for u in User.objects.filter(username__in=ACCOUNTS).select_related("staff")
        if hasattr(u, "staff")
    }
    return users if len(users) == len(ACCOUNTS) else None


def planner_for(street: Street, users: dict[str, User], now: datetime) -> Planner:
    """A planner over the demo street as it is in the database, for the day of `now`."""
    communities = list(Community.objects.filter(street=street).order_by("order", "id"))
    grids: dict[int, list[Grid]] = {}
    for grid in Grid.objects.filter(community__street=street).order_by("order", "id"):
        grids.setdefault(grid.community_id, []).append(grid)
    categories = {
        c.name: c
        for c in Category.objects.filter(kind=Case.Kind.PETITION, parent=None, active=True)
    }
    # The demo staff's names are made up too: a petitioner must not share one.
    avoid = set(Staff.objects.values_list("name", flat=True))
    return Planner(
        today=timezone.localdate(now, CHINA_TZ),
        now=now,
        communities=communities,
        grids=grids,
        categories=categories,
        units={u.name: u for u in Unit.objects.filter(street=street)},
        staff={name: user.staff for name, user in users.items()},
        people=People(avoid=avoid),
    )


def load(stdout: TextIO) -> None:
    """Add the demo petitions once; print one summary line."""
    street = org_demo.street()
    users = demo_users()
    if street is None or users is None:
        stdout.write(_("Demo petitions skipped: the demo street or its accounts are missing."))
        return
    if Case.objects.filter(street=street, kind=Case.Kind.PETITION).exists():
        stdout.write(_("Demo petitions already loaded: nothing added."))
        return
    planner = planner_for(street, users, timezone.now())
    plans = planner.plan()
    today = planner.today
    with transaction.atomic():
        Loader(users).run(plans, planner.slots)
        # What `huiyin tick` does first: close the petitioner's windows that ran out unused.
        clocks.close_lapsed_windows(today)
    petitions = Petition.objects.filter(case__street=street)
    stdout.write(
        _(
            "Demo petitions: %(petitions)d petitions (%(collective)d collective visits, "
            "%(key_cases)d key cases, %(overdue)d overdue) and %(slots)d reception slots added."
        )
        % {
            "petitions": petitions.count(),
            "collective": petitions.filter(is_collective=True).count(),
            "key_cases": KeyCase.objects.filter(case__petition__in=petitions).count(),
            "overdue": Case.objects.filter(
                street=street,
                kind=Case.Kind.PETITION,
                closed_at__isnull=True,
                due_on__lt=today,
            ).count(),
            "slots": len(planner.slots),
        }
    )
