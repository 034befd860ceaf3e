"""Fill a benchmark database with N petitions (and disputes) of realistic shape, fast.

    .venv/bin/python bench/generate.py --cases 1000000                    # SQLite in --data-dir
    .venv/bin/python bench/generate.py --cases 1000000 \\
        --database-url postgres://postgres@127.0.0.1:5432/huiyin_bench    # PostgreSQL
    .venv/bin/python bench/generate.py --cases 1000000 --disputes-share 0.25  # a quarter disputes

Never point it at the demo's or a real database: it adds rows (cases, petitions, clocks,
follow-ups, reception slots) to whatever database it is given, after migrating it. The data
dir (default /tmp/huiyin-bench) holds the SQLite file and the generated keys.

Shape: petitions spread over --years years up to today (weekdays busier), the demo street's
communities and grids, channel visit 45 % / phone 25 % / online 12 % / letter 10 % /
assigned 8 %; lodged at the street 85 %, district 9 %, city 4 %, province 1.5 %,
national 0.5 %; 5 % collective visits (5 to 60 people); 8 % repeats; statuses by age (recent
ones open, old ones mostly concluded, a few stuck past their limit); the clocks
``acceptance_notice`` and ``handling`` with outcomes; follow-ups with ratings for half the
replied ones; two leaders' reception days (Mondays and Thursdays) taking a third of the
visits that day; a title and a description drawn from 40 problems in 15 estates (see
_matter()) with their search grams. Petitioners are left out: they are encrypted and play no
part in counting.
With --disputes-share F, that share of the N cases are disputes instead, drawn over the same
days (ids follow the day received, whatever the kind): see bench/generate_disputes.py. The
petitions are the same with or without them (the disputes draw from random generators of
their own), only fewer.
Rows get explicit ids (PostgreSQL sequences are reset at the end), case numbers continue each
year's sequence, and the case counters are brought up to date.
"""

from __future__ import annotations

import argparse
import os
import random
import sys
import time
from collections import deque
from datetime import date, datetime, timedelta
from pathlib import Path

BATCH = 5000
ROOT = Path(__file__).resolve().parent.parent


def setup(database_url: str | None, data_dir: str) -> None:
    sys.path.insert(0, str(ROOT))
    # Demo mode: keys made in the data dir; not debug, which would log every query.
    os.environ.setdefault("HUIYIN_DEMO", "1")
    os.environ["HUIYIN_DATA_DIR"] = data_dir
    if database_url:
        os.environ["HUIYIN_DATABASE_URL"] = database_url
    else:
        os.environ.pop("HUIYIN_DATABASE_URL", None)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "huiyin.settings")
    Path(data_dir).mkdir(parents=True, exist_ok=True)
    import django

    django.setup()


def _weighted(rng: random.Random, table: list[tuple[object, float]]):
    values = [v for v, _w in table]
    weights = [w for _v, w in table]
    return lambda: rng.choices(values, weights)[0]


def _receipt(number: int) -> str:
    from huiyin.petitions.models import RECEIPT_ALPHABET, RECEIPT_LENGTH

    base = len(RECEIPT_ALPHABET)
    chars = []
    for _i in range(RECEIPT_LENGTH):
        number, digit = divmod(number, base)
        chars.append(RECEIPT_ALPHABET[digit])
    return "".join(reversed(chars))


# Text of the matters, so a search runs on text shaped like an office's: 40 problems, in
# 15 estates along 12 roads, with how long, what was tried and what is asked. No two
# descriptions need be alike; common words (小区, 反映, 要求) are in most of them.
_PROBLEMS = [
    ("物业服务", "物业公司收费后不履行保洁和安保职责，楼道垃圾长期无人清运"),
    ("拖欠农民工工资", "施工单位拖欠十余名工人工资共计八万余元，多次讨要未果"),
    ("违建影响采光", "邻居在楼顶搭建彩钢房，遮挡住户采光并存在消防隐患"),
    ("噪声扰民", "附近工地夜间连续施工，噪声持续到凌晨，严重影响休息"),
    ("征地补偿", "集体土地征收补偿款分配方案未公开，部分村民未领到补偿"),
    ("低保申请", "低保申请提交三个月仍无审核结果，家庭生活困难"),
    ("邻里纠纷", "楼上住户长期漏水渗到楼下，双方协商不成发生争吵"),
    ("道路破损", "路面坑洼积水，雨天行人和电动车通行困难，已有老人摔伤"),
    ("油烟污染", "临街餐馆油烟直排，未安装净化设备，油烟进入住户家中"),
    ("停车难", "小区车位被外来车辆长期占用，消防通道经常堵塞"),
    ("电梯故障", "老旧电梯频繁停运，维修基金申请迟迟未批"),
    ("供暖不热", "冬季室温长期低于十六度，供热公司多次报修未解决"),
    ("房屋漏水", "顶层房屋屋面防水层老化，下雨时室内漏水"),
    ("下水道堵塞", "单元下水管道堵塞返水，污水漫进一楼住户"),
    ("垃圾清运", "垃圾站满溢未及时清运，夏季异味严重蚊蝇滋生"),
    ("宠物扰民", "邻居饲养大型犬未拴绳，多次惊吓老人和儿童"),
    ("广场舞噪声", "晚间广场舞音响音量过大，持续到晚上十点以后"),
    ("占道经营", "商贩在人行道上摆摊经营，占用盲道影响通行"),
    ("棚改过渡费", "棚户区改造过渡费停发半年，回迁时间一再推迟"),
    ("拆迁安置", "拆迁安置房面积与协议不符，要求按协议重新安置"),
    ("房产证办理", "购房十年仍未办理不动产权证，开发商推诿"),
    ("医保报销", "异地就医费用报销被退回，理由不清"),
    ("养老金", "退休人员养老金核定有误，少发两年"),
    ("入学问题", "适龄儿童就近入学被拒，要求按学区政策安排"),
    ("劳动合同", "公司未签订劳动合同也未缴纳社会保险"),
    ("食品安全", "超市出售过期食品，投诉后未处理"),
    ("燃气安全", "小区燃气管道老化锈蚀，有泄漏气味"),
    ("树木修剪", "小区树木遮挡窗户且枝干压到电线，存在安全隐患"),
    ("路灯不亮", "背街小巷路灯损坏多日，夜间行走不安全"),
    ("充电桩", "电动车在楼道内充电，物业未设置集中充电桩"),
    ("加装电梯", "老旧小区加装电梯意见不一，低层住户反对"),
    ("租金纠纷", "房东提前收回房屋且不退押金"),
    ("装修扰民", "邻居装修周末和午休时间施工，电钻声不断"),
    ("水质问题", "自来水发黄有异味，二次供水水箱长期未清洗"),
    ("违规养殖", "居民在院内养鸡养鸽，粪便污染环境"),
    ("消防通道", "消防通道被杂物堆占，多次反映未清理"),
    ("公共收益", "小区公共收益去向不明，要求业委会公开账目"),
    ("公交线路", "公交线路调整后老人出行不便，要求恢复站点"),
    ("无障碍设施", "小区出入口台阶无坡道，轮椅无法通行"),
    ("工伤认定", "工作中受伤后单位不予申报工伤认定"),
]
_ESTATES = [
    "翠微园",
    "金鱼池小区",
    "果丰家园",
    "北辰花园",
    "柑子园新村",
    "翠屏路三巷",
    "和平里",
    "东风小区",
    "幸福苑",
    "光明楼",
    "向阳小区",
    "新华里",
    "枫林苑",
    "景泰家园",
    "百花小区",
]
_ROADS = [
    "翠屏路",
    "北辰路",
    "果丰路",
    "柑子园街",
    "金鱼池西街",
    "浓洄大道",
    "滨河路",
    "学府路",
    "建设路",
    "民主路",
    "工农路",
    "光华路",
]
_DURATIONS = ["近一个月", "两个多月", "半年来", "一年多", "自去年起", "近期", "多年来"]
_TRIED = [
    "曾向物业反映",
    "曾拨打12345热线",
    "曾向社区反映",
    "已向有关部门投诉",
    "曾自行协商",
    "曾申请调解",
    "尚未向其他部门反映",
]
_ASKS = [
    "要求尽快解决",
    "要求依法处理",
    "要求给予答复",
    "要求公开处理结果",
    "要求协调解决",
    "要求落实相关政策",
    "要求有关部门督促整改",
]


def _matter(rng: random.Random, community: str) -> tuple[str, str]:
    problem, detail = rng.choice(_PROBLEMS)
    estate = rng.choice(_ESTATES)
    where = f"{rng.choice(_ROADS)}{rng.randint(1, 199)}号{estate}{rng.randint(1, 30)}号楼"
    title = f"反映{estate}{problem}问题"
    description = (
        f"{community}{where}居民反映：{detail}。{rng.choice(_DURATIONS)}情况未见好转，"
        f"{rng.choice(_TRIED)}，仍未解决。{rng.choice(_ASKS)}。"
    )
    return title, description


def generate(
    count: int, *, years: int, seed: int, disputes_share: float = 0.0, out=sys.stdout
) -> None:
    from django.core.management import call_command
    from django.db import connection, transaction
    from django.db.models import Max
    from django.utils import timezone

    from huiyin.cases.deadlines import CHINA_TZ
    from huiyin.cases.kinds import Kind
    from huiyin.cases.models import Case, CaseCounter, CaseSearch, Clock
    from huiyin.cases.search import grams_of
    from huiyin.org import demo
    from huiyin.org.models import Grid, Staff, Street, Unit
    from huiyin.petitions.models import (
        Channel,
        FollowUp,
        Level,
        Petition,
        ReceptionSlot,
        Satisfaction,
        Status,
    )

    started = time.perf_counter()
    call_command("migrate", interactive=False, verbosity=0)
    demo.load_organisation()
    street = Street.objects.get(name=demo.STREET)
    grids = list(Grid.objects.select_related("community").order_by("id"))
    departments = list(Unit.objects.filter(kind=Unit.Kind.OFFICE_DEPARTMENT).order_by("id"))
    leaders = _bench_leaders(Staff)
    rng = random.Random(seed)

    today = timezone.localdate()
    first_day = today - timedelta(days=365 * years - 1)
    days = [first_day + timedelta(days=i) for i in range((today - first_day).days + 1)]
    day_weights = [1.0 if d.weekday() < 5 else 0.35 for d in days]

    slots = _reception_slots(ReceptionSlot, leaders, first_day, today)
    channel = _weighted(
        rng,
        [
            (Channel.VISIT, 45),
            (Channel.PHONE, 25),
            (Channel.ONLINE, 12),
            (Channel.LETTER, 10),
            (Channel.ASSIGNED, 8),
        ],
    )
    level = _weighted(
        rng,
        [
            (Level.STREET, 85),
            (Level.DISTRICT, 9),
            (Level.CITY, 4),
            (Level.PROVINCE, 1.5),
            (Level.NATIONAL, 0.5),
        ],
    )
    rating = _weighted(
        rng,
        [
            (Satisfaction.SATISFIED, 70),
            (Satisfaction.BASICALLY_SATISFIED, 20),
            (Satisfaction.DISSATISFIED, 10),
        ],
    )

    received_days = sorted(rng.choices(days, day_weights, k=count))
    disputes = None
    if disputes_share > 0:
        from generate_disputes import DisputeRows

        pick = random.Random(seed + 1)
        is_dispute = [pick.random() < disputes_share for _day in received_days]
        disputes = DisputeRows(street, grids, today=today, first_day=first_day, seed=seed + 2)
    case_id = (Case.objects.aggregate(m=Max("id"))["m"] or 0) + 1
    clock_id = (Clock.objects.aggregate(m=Max("id"))["m"] or 0) + 1
    follow_id = (FollowUp.objects.aggregate(m=Max("id"))["m"] or 0) + 1
    seqs: dict[int, int] = {
        year: last or 0
        for year, last in Case.objects.filter(street=street, kind=Kind.PETITION)
        .values_list("year")
        .annotate(m=Max("seq"))
    }
    petition_ids: list[int] = []
    recent: deque[tuple[int, str]] = deque(maxlen=2000)  # for disputes turned from petitions
    written = 0

    for offset in range(0, count, BATCH):
        cases, petitions, clocks, follow_ups = [], [], [], []
        for index, received_on in enumerate(received_days[offset : offset + BATCH], offset):
            if disputes is not None and is_dispute[index]:
                cases.append(disputes.add(case_id, received_on, recent))
                case_id += 1
                continue
            age = (today - received_on).days
            grid = rng.choice(grids)
            received_at = datetime(
                received_on.year,
                received_on.month,
                received_on.day,
                rng.randint(8, 17),
                rng.randint(0, 59),
                tzinfo=CHINA_TZ,
            )
            year = received_on.year
            seqs[year] = seqs.get(year, 0) + 1
            ch = channel()
            lv = level()
            collective = ch == Channel.VISIT and rng.random() < 0.05 / 0.45
            headcount = rng.randint(5, 60) if collective else rng.choice((1, 1, 1, 1, 1, 1, 2, 3))
            status = _status(rng, age)
            decided_on = received_on + timedelta(days=rng.randint(0, 10))
            decided = status != Status.REGISTERED
            accepted = decided and status not in (Status.DECLINED, Status.TRANSFERRED)
            replied_on = None
            handling_outcome = ""
            handling_due = decided_on + timedelta(days=60)
            if status in _REPLIED:
                replied_on = min(decided_on + timedelta(days=rng.randint(10, 70)), today)
                handling_outcome = (
                    Clock.Outcome.MET if replied_on <= handling_due else Clock.Outcome.LATE
                )
            concluded_on = None
            if status == Status.CONCLUDED:
                concluded_on = min(
                    (replied_on or decided_on) + timedelta(days=rng.randint(0, 20)), today
                )

            notice_due = received_on + timedelta(days=15)
            running_due = []
            clocks.append(
                {
                    "id": clock_id,
                    "case_id": case_id,
                    "code": "acceptance_notice",
                    "party": Clock.Party.OFFICE,
                    "started_on": received_on,
                    "due_on": notice_due,
                    "days": 15,
                    "stopped_at": _at(decided_on) if decided else None,
                    "stopped_on": decided_on if decided else None,
                    "outcome": (
                        (Clock.Outcome.MET if decided_on <= notice_due else Clock.Outcome.LATE)
                        if decided
                        else ""
                    ),
                }
            )
            clock_id += 1
            if not decided:
                running_due.append(notice_due)
            if accepted:
                clocks.append(
                    {
                        "id": clock_id,
                        "case_id": case_id,
                        "code": "handling",
                        "party": Clock.Party.OFFICE,
                        "started_on": decided_on,
                        "due_on": handling_due,
                        "days": 60,
                        "stopped_at": _at(replied_on) if replied_on else None,
                        "stopped_on": replied_on,
                        "outcome": handling_outcome,
                    }
                )
                clock_id += 1
                if replied_on is None:
                    running_due.append(handling_due)

            repeat_of = None
            if len(petition_ids) > 1000 and rng.random() < 0.08:
                repeat_of = petition_ids[rng.randint(0, len(petition_ids) - 1)]
            title, description = _matter(rng, grid.community.name)
            number = f"浓洄信〔{year}〕{seqs[year]:04d}号"
            petition_ids.append(case_id)
            recent.append((case_id, number))
            slot = None
            if ch == Channel.VISIT and received_on in slots and rng.random() < 0.33:
                slot = slots[received_on]
            cases.append(
                {
                    "id": case_id,
                    "street_id": street.pk,
                    "kind": Kind.PETITION,
                    "number": number,
                    "year": year,
                    "seq": seqs[year],
                    "title": title,
                    "description": description,
                    "community_id": grid.community_id,
                    "grid_id": grid.pk,
                    "status": status,
                    "owner_unit_id": rng.choice(departments).pk if accepted else None,
                    "received_at": received_at,
                    "due_on": min(running_due) if running_due else None,
                    "closed_at": _at(concluded_on) if concluded_on else None,
                    "withdrawn": rng.random() < 0.002,
                }
            )
            petitions.append(
                {
                    "case_id": case_id,
                    "receipt_code": _receipt(case_id),
                    "channel": ch,
                    "assigned_by": "区信访局" if ch == Channel.ASSIGNED else "",
                    "level": lv,
                    "handling_level": Level.STREET,
                    "is_collective": collective,
                    "headcount": headcount,
                    "reception_slot_id": slot,
                    "repeat_of_id": repeat_of,
                    # A link to the earlier petition always comes with the mark (CHECK
                    # petition_repeat_link_is_repeat): the rows skip Petition.save().
                    "is_repeat": repeat_of is not None,
                    "accept_decision_on": decided_on if decided else None,
                    "decline_reason": "不属于信访事项" if status == Status.DECLINED else "",
                    "transferred_to": "区住建委" if status == Status.TRANSFERRED else "",
                    "replied_on": replied_on,
                    "reply_text": "已答复" if replied_on else "",
                    "concluded_on": concluded_on,
                }
            )
            if replied_on and rng.random() < 0.5:
                follow_ups.append(
                    {
                        "id": follow_id,
                        "petition_id": case_id,
                        "on": min(replied_on + timedelta(days=rng.randint(1, 15)), today),
                        "satisfaction": rating(),
                    }
                )
                follow_id += 1
            case_id += 1
        with transaction.atomic():
            insert(Case, cases)
            insert(
                CaseSearch,
                [
                    {
                        "case_id": c["id"],
                        "grams": grams_of(c["number"], c["title"], c["description"]),
                    }
                    for c in cases
                ],
            )
            insert(Petition, petitions)
            insert(Clock, clocks)
            insert(FollowUp, follow_ups)
            if disputes is not None:
                clock_id = disputes.insert(insert, clock_id)
        written += len(cases)
        if written % 100_000 < BATCH or written == count:
            out.write(f"{written:>9} cases  {time.perf_counter() - started:7.1f} s\n")
            out.flush()

    with transaction.atomic():
        for year, last in seqs.items():
            CaseCounter.objects.update_or_create(
                street=street, kind=Kind.PETITION, year=year, defaults={"last": last}
            )
        numbered = [Case, Clock, FollowUp, *(disputes.finish() if disputes else [])]
    if connection.vendor == "postgresql":
        from django.core.management.color import no_style

        with connection.cursor() as cursor:
            for sql in connection.ops.sequence_reset_sql(no_style(), numbered):
                cursor.execute(sql)
            cursor.execute("ANALYZE")
    else:
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
    out.write(f"done: {written} cases in {time.perf_counter() - started:.1f} s\n")


def insert(model, rows: list[dict]) -> None:
    """INSERT rows (dicts of attnames; missing ones take the field's default) in one
    executemany: the ORM's bulk_create spends most of its time compiling each value, which
    a benchmark of a million rows does not need. Values are adapted the way the backend's
    fields would (dates, datetimes, JSON, decimals, encrypted text)."""
    from django.db import connection, models
    from django.utils import timezone

    from huiyin.privacy.fields import EncryptedTextField

    if not rows:
        return
    ops = connection.ops
    now = timezone.now()
    table_name = model._meta.db_table
    with connection.cursor() as cursor:
        existing = {
            column.name
            for column in connection.introspection.get_table_description(cursor, table_name)
        }
    # Only the columns the migrated table has: a field added to the model whose migration
    # is not written yet is left out rather than failing the whole run.
    fields = [field for field in model._meta.concrete_fields if field.column in existing]
    adapters = []
    for field in fields:
        if isinstance(field, models.DateTimeField):
            adapters.append(ops.adapt_datetimefield_value)
        elif isinstance(field, models.DateField):
            adapters.append(ops.adapt_datefield_value)
        elif isinstance(field, models.JSONField | models.DecimalField):
            adapters.append(lambda value, f=field: f.get_db_prep_save(value, connection))
        elif isinstance(field, EncryptedTextField):
            # Sealed as the field seals it on save (AES-GCM, bound to the field's context).
            adapters.append(field.get_prep_value)
        else:
            adapters.append(None)
    defaults = []
    for field in fields:
        if getattr(field, "auto_now", False) or getattr(field, "auto_now_add", False):
            defaults.append(now)
        else:
            defaults.append(field.get_default())  # "" for text fields, None when nullable
    names = [field.attname for field in fields]
    table = ops.quote_name(table_name)
    columns = ", ".join(ops.quote_name(field.column) for field in fields)
    placeholders = ", ".join(["%s"] * len(fields))
    values = []
    for row in rows:
        item = []
        for name, adapt, default in zip(names, adapters, defaults, strict=True):
            value = row.get(name, default)
            if adapt is not None and value is not None:
                value = adapt(value)
            item.append(value)
        values.append(item)
    with connection.cursor() as cursor:
        cursor.executemany(f"INSERT INTO {table} ({columns}) VALUES ({placeholders})", values)


_REPLIED = frozenset(
    {"replied", "review_requested", "review_answered", "reexam_requested", "concluded"}
)


def _status(rng: random.Random, age: int) -> str:
    if age < 15:
        table = [
            ("registered", 50),
            ("accepted", 15),
            ("assigned", 10),
            ("handling", 15),
            ("declined", 5),
            ("transferred", 5),
        ]
    elif age < 75:
        table = [
            ("registered", 1),
            ("handling", 40),
            ("replied", 30),
            ("concluded", 19),
            ("declined", 5),
            ("transferred", 5),
        ]
    else:
        table = [
            ("handling", 0.5),
            ("replied", 4),
            ("review_requested", 0.5),
            ("concluded", 88),
            ("declined", 4),
            ("transferred", 3),
        ]
    values, weights = zip(*table, strict=True)
    return rng.choices(values, weights)[0]


def _at(day: date | None) -> datetime | None:
    from huiyin.cases.deadlines import CHINA_TZ

    if day is None:
        return None
    return datetime(day.year, day.month, day.day, 16, 0, tzinfo=CHINA_TZ)


def _bench_leaders(Staff) -> list:
    from django.contrib.auth.models import User

    leaders = []
    for index in (1, 2):
        user, _created = User.objects.get_or_create(username=f"bench-leader{index}")
        staff, _created = Staff.objects.get_or_create(
            user=user, defaults={"name": f"测试领导{index}"}
        )
        leaders.append(staff)
    return leaders


def _reception_slots(ReceptionSlot, leaders, first_day: date, last_day: date) -> dict:
    """Reception days on Mondays and Thursdays, leaders taking turns: {date: slot id}."""
    from datetime import time as clock

    existing = dict(ReceptionSlot.objects.filter(leader__in=leaders).values_list("date", "id"))
    new = []
    day = first_day
    turn = 0
    while day <= last_day:
        if day.weekday() in (0, 3) and day not in existing:
            new.append(
                ReceptionSlot(
                    leader=leaders[turn % len(leaders)],
                    kind=ReceptionSlot.SlotKind.RECEPTION_DAY,
                    date=day,
                    start_time=clock(9),
                    end_time=clock(11, 30),
                    place="街道信访接待室",
                )
            )
            turn += 1
        day += timedelta(days=1)
    ReceptionSlot.objects.bulk_create(new, batch_size=BATCH)
    return dict(ReceptionSlot.objects.filter(leader__in=leaders).values_list("date", "id"))


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", type=int, required=True, help="cases to add")
    parser.add_argument(
        "--disputes-share",
        type=float,
        default=0.0,
        help="the share of the cases that are disputes (default 0: petitions only)",
    )
    parser.add_argument("--database-url", help="postgres://... (default: SQLite in --data-dir)")
    parser.add_argument("--data-dir", default="/tmp/huiyin-bench", help="never the demo's")  # noqa: S108
    parser.add_argument("--years", type=int, default=10, help="spread over this many years")
    parser.add_argument("--seed", type=int, default=20260101)
    args = parser.parse_args(argv)
    if args.cases < 1:
        parser.error("--cases must be at least 1")
    if not 0 <= args.disputes_share <= 1:
        parser.error("--disputes-share must be between 0 and 1")
    setup(args.database_url, args.data_dir)
    generate(args.cases, years=args.years, seed=args.seed, disputes_share=args.disputes_share)


if __name__ == "__main__":
    main()
