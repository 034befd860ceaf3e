"""The built-in scheme: handling quality only, published with the software.

:func:`ensure_default_scheme` makes it once (idempotent) and returns it. Its items judge how
matters were handled — answered on time, with their legal basis, to the petitioner's
satisfaction, disputes resolved and resolved low, reports filed on time, incidents reported on
time, rectifications done, supervision orders answered — and never how many people petitioned
or at which level (the design's principle 5). The scheme is published with the software: its
rules are this file and the README, known before any period, so it applies from the system's
first day. An office that wants other weights makes a new version and publishes it before the
period it is to judge.
"""

from __future__ import annotations

from decimal import Decimal

from django.db import IntegrityError, transaction
from django.utils import timezone

from huiyin.assessment.models import AppliesTo, Method, Scheme, SchemeItem, SchemeStatus
from huiyin.cases import bounds

#: The built-in scheme's name (data: shown as it is, and named so on the command line).
NAME = "办理质量考核（内置）"
DESCRIPTION = (
    "按办理质量考核：按期办结、依法答复、群众满意、就地化解、按时排查上报、突发事件按时报告、"
    "隐患整改、督办按时反馈。不以信访数量、人次或越级、进京、赴省、到市上访计分；越级信访"
    "启动对首办环节的责任倒查，不扣社区分数；一票否决建议只能依据事项及其办理记录，不得依据"
    "群众依法信访。"
)

B, C = AppliesTo.BOTH, AppliesTo.COMMUNITY

#: (title, applies to, method, key, max, target, floor, per matter, how it is judged)
ITEMS: tuple[tuple, ...] = (
    ("信访事项按期办结", B, Method.RATE, "petitions.on_time_rate", 20, "0.95", "0.60", None,
     "《信访工作条例》第三十二条：60日内办结并书面答复；逾期未答复的计入未按期。"),
    ("处理意见书载明依据", B, Method.RATE, "replies.with_basis_rate", 10, "1", "0.80", None,
     "《信访工作条例》第三十二条：书面答复载明认定的事实、依据和处理意见。"),
    ("群众满意", B, Method.RATE, "petitions.satisfaction_rate", 15, "0.90", "0.60", None,
     "《信访工作条例》第二十一条：信访人评价（满意、基本满意）。"),
    ("逾期未办事项", B, Method.DEDUCT, "petitions.overdue_open", 10, None, None, "2",
     "每件逾期未办的信访事项扣2分，扣完为止。"),
    ("矛盾纠纷化解", B, Method.RATE, "disputes.resolution_rate", 15, "0.90", "0.50", None,
     "调解达成协议的纠纷占调结纠纷的比例。"),
    ("小事不出社区", C, Method.RATE, "disputes.community_share", 10, "0.80", "0.40", None,
     "在网格、社区层级化解的纠纷占化解纠纷的比例。"),
    ("矛盾纠纷按时排查上报", B, Method.RATE, "screening.on_time_rate", 10, "0.90", "0.50", None,
     "一周一排查、一周一上报：按时上报（含零报告）的比例。"),
    ("突发事件按时报告", B, Method.RATE, "incidents.reporting_on_time_rate", 10, "1", "0.50",
     None, "首报在时限内报告的比例。"),
    ("隐患整改完成", B, Method.RATE, "rectifications.done_rate", 10, "0.90", "0.50", None,
     "到期整改任务按期完成的比例。"),
    ("督办按时书面反馈", B, Method.RATE, "supervision.on_time_rate", 10, "1", "0", None,
     "《信访工作条例》第四十条：收到督办后按期书面反馈是否采纳督办意见。"),
)  # fmt: skip


def _dec(value) -> Decimal | None:
    return None if value is None else Decimal(value)


def ensure_default_scheme() -> Scheme:
    """The built-in scheme, made and published once (its latest built-in version)."""
    found = Scheme.objects.filter(built_in=True, name=NAME).order_by("-version").first()
    if found is not None:
        return found
    try:
        with transaction.atomic():
            scheme = Scheme.objects.create(
                name=NAME,
                version=1,
                built_in=True,
                status=SchemeStatus.PUBLISHED,
                description=DESCRIPTION,
                valid_from=bounds.earliest_date(),
                published_at=timezone.now(),
            )
            SchemeItem.objects.bulk_create(
                [
                    SchemeItem(
                        scheme=scheme,
                        order=order,
                        title=title,
                        applies_to=applies,
                        method=method,
                        stat_key=key,
                        max_points=Decimal(top),
                        target=_dec(target),
                        floor=_dec(floor),
                        per_matter=_dec(per),
                        note=note,
                    )
                    for order, (title, applies, method, key, top, target, floor, per, note) in (
                        enumerate(ITEMS, start=1)
                    )
                ]
            )
    except IntegrityError:  # made meanwhile by another process
        return Scheme.objects.get(built_in=True, name=NAME, version=1)
    return scheme
