"""Demo data of the reports app: the 百日大会战 campaign over the last 100 days, with pledges,
its commendations (3 先进单位, a handful of 先进个人 from the office's staff, one 通报批评, each
with its basis) and the 存在问题 and 下步工作 the office wrote.

`huiyin demo` calls load() after the petitions demo. Idempotent: a second run adds nothing.
Pledges are signed by office titles, never by a person's name. The commendations go through
the services, by the 综治办's account.
"""

from __future__ import annotations

import hashlib
import uuid
from datetime import timedelta

from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext

from huiyin.org.models import Community, Unit
from huiyin.reports.models import PLEDGE_DIR, Campaign, Pledge

NAME = "百日大会战"
THEME = "全力保稳定、献礼十分大"
GOALS = (
    "实现“三零四无”目标：零进京、零赴省、零到市；"
    "无重大政治事件、无非法聚集事件、无大规模群体性事件、无暴力恐怖事件。\n"
    "矛盾纠纷一周一排查、一周一上报；重点信访案件落实“五个一”包案责任。"
)
UNITS = ["浓洄派出所", "广安中学", "惠美家公司"]
DAYS = 100
#: Communities whose pledge scan is on file in the demo (the others have not signed yet).
SIGNED = 3


def _scan(title: str) -> bytes:
    """A one-page PDF standing in for a scanned pledge (ASCII text only: no embedded font)."""
    text = f"Pledge - {title}".encode("ascii", "replace")
    stream = b"BT /F1 18 Tf 72 720 Td (" + text + b") Tj ET"
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R"
        b" /Resources << /Font << /F1 5 0 R >> >> >>",
        b"<< /Length " + str(len(stream)).encode() + b" >>\nstream\n" + stream + b"\nendstream",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += f"{number} 0 obj\n".encode() + body + b"\nendobj\n"
    xref = len(out)
    out += f"xref\n0 {len(objects) + 1}\n0000000000 65535 f \n".encode()
    for offset in offsets:
        out += f"{offset:010d} 00000 n \n".encode()
    out += (
        f"trailer\n<< /Size {len(objects) + 1} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n".encode()
    )
    return bytes(out)


#: The office's written sections of the campaign's report.
PROBLEMS = (
    "个别社区矛盾纠纷排查上报不够及时，零报告流于形式；"
    "部分信访事项书面答复未载明法律政策依据；督办事项反馈存在逾期。"
)
NEXT_STEPS = (
    "坚持矛盾纠纷一周一排查、一周一上报；落实首办负责制，提高按期办结率；"
    "健全例会制度，逐项跟踪督办事项的落实。"
)
#: The demo's commendations: the 先进单位 (communities by their order, then units), the
#: number of 先进个人 from the staff, and the community criticised (by order).
COMMENDED_COMMUNITIES = 2
COMMENDED_UNITS = ["浓洄派出所"]
COMMENDED_STAFF = 5
UNIT_BASIS = "矛盾纠纷排查到位、化解及时，活动期间实现“三零”目标。"
STAFF_BASIS = "坚持一线接访，包案化解重点信访事项，群众满意。"
CRITICISM_BASIS = "矛盾纠纷排查连续两周未按时上报，督办事项逾期未反馈。"


def load(stdout) -> None:
    campaign = Campaign.objects.filter(name=NAME).first()
    if campaign is None:
        _campaign(stdout)
        campaign = Campaign.objects.filter(name=NAME).first()
    if campaign is not None:
        _commendations(campaign, stdout)


def _commendations(campaign: Campaign, stdout) -> None:
    """The campaign's commendations and written sections, once (by the 综治办's account)."""
    from django.contrib.auth.models import User

    from huiyin.org.models import Staff
    from huiyin.reports.commendations import Commendation, add_commendation

    actor = User.objects.filter(username="governance").first()
    if actor is None or Commendation.objects.filter(campaign=campaign).exists():
        return
    today = timezone.localdate()
    communities = list(campaign.communities.order_by("order", "id"))
    units = list(campaign.units.filter(name__in=COMMENDED_UNITS))
    staff = list(Staff.objects.filter(user__is_active=True).order_by("pk")[:COMMENDED_STAFF])
    with transaction.atomic():
        Campaign.objects.filter(pk=campaign.pk).update(problems=PROBLEMS, next_steps=NEXT_STEPS)
        for community in communities[:COMMENDED_COMMUNITIES]:
            add_commendation(
                campaign,
                actor=actor,
                kind="unit",
                community=community,
                basis=UNIT_BASIS,
                decided_on=today,
            )
        for unit in units:
            add_commendation(
                campaign, actor=actor, kind="unit", unit=unit, basis=UNIT_BASIS, decided_on=today
            )
        for member in staff:
            add_commendation(
                campaign,
                actor=actor,
                kind="staff",
                staff=member,
                basis=STAFF_BASIS,
                decided_on=today,
            )
        if len(communities) > COMMENDED_COMMUNITIES:
            add_commendation(
                campaign,
                actor=actor,
                kind="criticism",
                community=communities[-1],
                basis=CRITICISM_BASIS,
                decided_on=today,
            )


def _campaign(stdout) -> None:
    communities = list(Community.objects.order_by("order", "id"))
    if not communities:
        return
    today = timezone.localdate()
    start = today - timedelta(days=DAYS - 1)
    units = list(Unit.objects.filter(name__in=UNITS))
    storage = Pledge._meta.get_field("file").storage
    with transaction.atomic():
        campaign = Campaign.objects.create(
            name=NAME, theme=THEME, start=start, end=today, goals=GOALS
        )
        campaign.communities.set(communities)
        campaign.units.set(units)
        for index, community in enumerate(communities[:SIGNED]):
            content = _scan(f"community {index + 1}")
            name = storage.save(
                f"{PLEDGE_DIR}/{campaign.pk}/{uuid.uuid4().hex}.pdf", ContentFile(content)
            )
            Pledge.objects.create(
                campaign=campaign,
                community=community,
                signed_on=start + timedelta(days=index),
                signed_by=f"{community.name}党委书记",
                file=name,
                original_name=f"{community.name}承诺书.pdf",
                content_type="application/pdf",
                size=len(content),
                sha256=hashlib.sha256(content).hexdigest(),
            )
    stdout.write(
        gettext("Demo campaign %(name)s created: %(start)s to %(end)s.")
        % {"name": NAME, "start": start.isoformat(), "end": today.isoformat()}
    )
