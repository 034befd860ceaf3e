"""Demo data of the reports app: the 百日大会战 campaign over the last 100 days, with pledges.

`huiyin demo` calls load() after the petitions demo. Idempotent: a second run adds nothing.
Pledges are signed by office titles, never by a person's name.
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


def load(stdout) -> None:
    if Campaign.objects.filter(name=NAME).exists():
        return
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
