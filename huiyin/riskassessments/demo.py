"""Demo data of the decision risk assessments: the 柑子园社区 old-housing renewal with the
demolition of two dilapidated buildings — consultations of the households, the shop tenants
and a hearing, four risk points (issues, never people) with their measures followed up (one
done, one overdue, one in progress), the review, the conclusion 中 and the decision to go
ahead after adjustment — and a market's relocation still being consulted on.

`huiyin demo` calls :func:`load` after the organisation's. Idempotent: a second run adds
nothing. Everything goes through the services, by the 综治办's account; dates are counted back
from today, so the demo looks the same whenever it is loaded.
"""

from __future__ import annotations

from datetime import timedelta

from django.contrib.auth.models import User
from django.db import transaction

from huiyin.org.models import Unit
from huiyin.riskassessments import services as s
from huiyin.riskassessments.models import RiskAssessment

RENEWAL = "柑子园社区老旧小区改造及危旧房屋征收拆迁项目"


def _users() -> dict[str, User] | None:
    names = ("governance", "leader", "handler", "community1")
    found = {u.username: u for u in User.objects.filter(username__in=names).select_related("staff")}
    if len(found) != len(names) or not all(hasattr(u, "staff") for u in found.values()):
        return None
    return found


def load(stdout) -> None:
    if RiskAssessment.objects.exists():
        return
    users = _users()
    unit = Unit.objects.filter(name="城建办").first()
    if users is None or unit is None:
        return
    with transaction.atomic():
        _renewal(users, unit)
        _market(users)
    stdout.write("Decision risk assessments: 2.\n")


def _renewal(users, unit) -> None:
    office, day = users["governance"], s.today()
    a = s.create_assessment(
        actor=office,
        data={
            "title": RENEWAL,
            "description": (
                "对柑子园社区2000年以前建成的6栋住宅实施综合改造（管网、屋面、加装电梯），"
                "并依法征收拆除其中2栋经鉴定为D级的危旧房屋，涉及住户86户、临街商铺12间。"
            ),
            "unit": unit.pk,
            "leader": users["leader"].staff.pk,
            "assessor_kind": "self",
            "assessor_name": "浓洄街道综治办、城建办联合评估小组",
            "plan": (
                "一、成立评估小组；二、分利益群体征求意见：住户问卷、商铺租户座谈、补偿方案听证；"
                "三、会商分析风险点并提出防范化解措施；四、形成评估报告报办事处主任办公会。"
            ),
            "response_plan": (
                "设立项目接待点，专人解答政策；出现集中反映问题时24小时内召开协调会；"
                "施工期间安排安全巡查，发现隐患立即停工整改。"
            ),
            "opened_on": day - timedelta(days=60),
        },
    )
    consultations = [
        (
            "questionnaire",
            "拟征收房屋住户",
            55,
            71,
            48,
            9,
            14,
            "多数住户支持改造；意见集中在补偿标准参照时点、过渡期房源和老年住户的安置楼层。",
        ),
        ("forum", "临街商铺经营者", 50, 12, 5, 4, 3, "关注停业损失补偿和施工期间的临时经营场所。"),
        (
            "hearing",
            "住户及商铺代表",
            42,
            21,
            15,
            3,
            3,
            "听证补偿安置方案，建议公开评估机构选定程序、补偿结果分户公示。",
        ),
    ]
    for method, group, ago, people, yes, no, neutral, summary in consultations:
        s.add_consultation(
            a,
            actor=office,
            data={
                "method": method,
                "group": group,
                "held_on": day - timedelta(days=ago),
                "participants": people,
                "in_favour": yes,
                "against": no,
                "neutral": neutral,
                "summary": summary,
            },
        )
    risks = [
        (
            "补偿安置标准",
            "评估时点与市场价差异可能引发对补偿标准的异议。",
            4,
            4,
            "委托有资质的评估机构，评估结果分户送达并公示；设立复核渠道。",
        ),
        (
            "征收程序公开",
            "程序不透明易引发不信任。",
            3,
            4,
            "征收决定、补偿方案、评估机构选定全过程公开，接受监督。",
        ),
        (
            "施工安全与扰民",
            "施工噪声、粉尘及临时通道安全。",
            3,
            3,
            "限定施工时段，设置安全围挡和临时通道，专人巡查。",
        ),
        ("过渡安置房源", "过渡期房源不足。", 2, 3, "提前储备周转房源，发放过渡安置补助。"),
    ]
    points = [
        s.add_risk_point(
            a,
            actor=office,
            data={
                "issue": issue,
                "description": text,
                "likelihood": likelihood,
                "impact": impact,
                "measures": measures,
            },
        )
        for issue, text, likelihood, impact, measures in risks
    ]
    review = {"reviewed_on": day - timedelta(days=35)}
    findings = {
        "legality": ("pass", "征收依据《国有土地上房屋征收与补偿条例》，程序符合规定。"),
        "reasonableness": ("pass", "改造符合多数住户意愿，补偿方案兼顾各方利益。"),
        "feasibility": ("pass", "资金已纳入区级年度计划，周转房源可以落实。"),
        "controllability": ("concern", "补偿标准存在争议，需完善复核渠道后方可控。"),
    }
    for code, (result, finding) in findings.items():
        review[f"{code}_result"], review[f"{code}_finding"] = result, finding
    a = s.record_review(a, actor=office, data=review)
    a = s.conclude(
        a,
        actor=office,
        data={
            "level": "medium",
            "conclusion": "项目总体风险中等，在落实补偿复核、程序公开等措施后风险可控，建议调整后实施。",
            "concluded_on": day - timedelta(days=30),
        },
    )
    s.decide(
        a,
        actor=office,
        data={
            "decision": "adjusted",
            "decided_on": day - timedelta(days=25),
            "decision_body": "浓洄街道办事处主任办公会",
            "decision_note": "补偿方案增加复核程序，过渡安置补助标准上调后实施。",
        },
    )
    handler, worker = users["handler"].staff, users["community1"].staff
    done = s.add_measure(
        points[1],
        actor=office,
        data={
            "action": "公示征收决定和补偿方案",
            "owner": handler.pk,
            "due_on": day - timedelta(days=20),
        },
    )
    s.update_measure(
        done,
        actor=office,
        data={
            "status": "done",
            "done_on": day - timedelta(days=22),
            "note": "已在社区公示栏和网站公示。",
        },
    )
    s.add_measure(
        points[0],
        actor=office,
        data={
            "action": "分户送达评估结果并受理复核申请",
            "owner": handler.pk,
            "due_on": day - timedelta(days=5),
        },
    )
    s.add_measure(
        points[3],
        actor=office,
        data={"action": "落实周转房源12套", "owner": worker.pk, "due_on": day + timedelta(days=30)},
    )


def _market(users) -> None:
    office, day = users["governance"], s.today()
    a = s.create_assessment(
        actor=office,
        data={
            "title": "翠屏路农贸市场搬迁",
            "description": "翠屏路农贸市场整体搬迁至新建市场，涉及固定摊位约60个。",
            "body_name": "浓洄街道经发办",
            "leader": users["leader"].staff.pk,
            "assessor_kind": "third_party",
            "assessor_name": "某社会稳定风险评估咨询机构",
            "plan": "问卷调查摊位经营者和周边居民，座谈听取意见，会商分析后形成报告。",
            "opened_on": day - timedelta(days=10),
        },
    )
    s.add_consultation(
        a,
        actor=office,
        data={
            "method": "questionnaire",
            "group": "市场固定摊位经营者",
            "held_on": day - timedelta(days=5),
            "participants": 48,
            "in_favour": 30,
            "against": 10,
            "neutral": 8,
            "summary": "关注新市场摊位租金和客流。",
        },
    )
    s.add_risk_point(
        a,
        actor=office,
        data={
            "issue": "新市场摊位租金",
            "likelihood": 3,
            "impact": 2,
            "measures": "首年租金减免，公开摊位分配规则。",
        },
    )
