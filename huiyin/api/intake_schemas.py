"""What intake takes: petitions (collective visits included), disputes and incidents.

Every field is bounded here (length, range, choices) and checked again, in full, by the
kind's own registration service, whose messages come back as field errors. The people's
names, ID numbers, phones and addresses are write-only: the API never returns them.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Annotated, Literal

from ninja import Field, Schema
from pydantic import ConfigDict

from huiyin.api.schemas import Id, text
from huiyin.disputes.models import Party, Source, Tier
from huiyin.incidents.grading import Grade
from huiyin.incidents.models import Source as IncidentSource
from huiyin.petitions.models import Channel, Level

Count = Annotated[int, Field(ge=0, le=10**9)]
Headcount = Annotated[int, Field(ge=1, le=10**9)]
Amount = Annotated[Decimal, Field(ge=0, le=Decimal("999999999999.99"))]
WRITE_ONLY = {"writeOnly": True}

ChannelName = Literal[tuple(Channel.values)]  # type: ignore[valid-type]
LevelName = Literal[tuple(Level.values)]  # type: ignore[valid-type]


class PetitionerIn(Schema):
    """One petitioner (write-only: never returned)."""

    model_config = ConfigDict(json_schema_extra=WRITE_ONLY)

    name: text(40) = Field(..., json_schema_extra=WRITE_ONLY)
    id_number: text(40) = Field("", json_schema_extra=WRITE_ONLY)
    phone: text(40) = Field("", json_schema_extra=WRITE_ONLY)
    address: text(200) = Field("", json_schema_extra=WRITE_ONLY)
    is_representative: bool = False


class PetitionIn(Schema):
    """A petition as registered at the window (条例 art. 17–23)."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "title": "小区停车位划分引发邻里矛盾",
                    "description": "居民反映物业擅自划分公共车位，要求重新协商。",
                    "channel": "visit",
                    "community": 1,
                    "is_collective": True,
                    "headcount": 6,
                    "petitioners": [
                        {
                            "name": "王小明",
                            "phone": "13800138000",
                            "id_number": "11010519491231002X",
                            "address": "柑子园社区3栋2单元",
                            "is_representative": True,
                        }
                    ],
                }
            ]
        }
    )

    title: text(200)
    description: text(20000) = ""
    channel: ChannelName  # type: ignore[valid-type]
    assigned_by: text(100) = Field("", description="who assigned it (channel assigned)")
    assigned_doc_no: text(60) = ""
    level: LevelName = "street"  # type: ignore[valid-type]
    handling_level: LevelName = "street"  # type: ignore[valid-type]
    received_at: datetime | None = Field(
        None, description="Beijing time unless an offset is given; default now"
    )
    community: Id | None = None
    grid: Id | None = None
    category: Id | None = None
    is_collective: bool = Field(False, description="集体访 (a joint letter or call too)")
    headcount: Headcount | None = Field(None, description="人次; default the petitioners named")
    complained_unit: Id | None = None
    complained_staff: Id | None = Field(
        None, description="the staff member complained about never sees it (条例 art. 30, 46)"
    )
    complained_text: text(200) = ""
    reception_slot: Id | None = None
    repeat_of: text(40) | None = Field(None, description="number or id of an earlier petition")
    told_on_the_spot: bool = False
    contact_unclear: bool = False
    is_anonymous: bool = Field(False, description="an anonymous letter names no petitioner")
    petitioners: list[PetitionerIn] = Field(default_factory=list, max_length=200)


class PartyIn(Schema):
    """One party of a dispute (write-only: never returned)."""

    model_config = ConfigDict(json_schema_extra=WRITE_ONLY)

    side: Literal[tuple(Party.Side.values)]  # type: ignore[valid-type]
    kind: Literal[tuple(Party.PartyKind.values)] = "person"  # type: ignore[valid-type]
    name: text(100) = Field(..., json_schema_extra=WRITE_ONLY)
    id_number: text(40) = Field("", json_schema_extra=WRITE_ONLY)
    phone: text(40) = Field("", json_schema_extra=WRITE_ONLY)
    address: text(200) = Field("", json_schema_extra=WRITE_ONLY)
    legal_representative: text(40) = Field("", json_schema_extra=WRITE_ONLY)


class DisputeIn(Schema):
    """A dispute found in screening, applied for, or referred (人民调解法 art. 17–18)."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "title": "楼上漏水致楼下墙面受损",
                    "source": "application",
                    "received_on": "2026-03-02",
                    "community": 1,
                    "claims": "赔偿维修费用",
                    "amount": "3500.00",
                    "parties": [
                        {"side": "a", "name": "李四", "phone": "13900139000"},
                        {"side": "b", "name": "赵五"},
                    ],
                }
            ]
        }
    )

    title: text(200)
    description: text(20000) = ""
    source: Literal[tuple(Source.values)]  # type: ignore[valid-type]
    received_on: date
    community: Id | None = None
    grid: Id | None = None
    category: Id | None = Field(None, description="a dispute type (reference/categories)")
    facts: text(20000) = ""
    claims: text(20000) = ""
    amount: Amount | None = Field(None, description="yuan")
    people_count: Headcount | None = None
    tier: Literal[tuple(Tier.values)] | None = None  # type: ignore[valid-type]
    committee: Id | None = None
    court_name: text(100) = ""
    court_document: text(60) = ""
    simplified: bool = False
    materials_received_on: date | None = None
    petition_case: text(40) | None = Field(None, description="number or id of the petition")
    parties: list[PartyIn] = Field(default_factory=list, max_length=200)


class IncidentIn(Schema):
    """An incident as the street learned of it (突发事件应对法; 初报 follows on the web)."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "title": "翠屏路一餐馆厨房起火",
                    "category": 1,
                    "occurred_at": "2026-03-02T10:20:00+08:00",
                    "learned_at": "2026-03-02T10:30:00+08:00",
                    "source": "hotline",
                    "community": 1,
                    "place": "翠屏路18号",
                    "measures": "已报119，疏散周边商户",
                }
            ]
        }
    )

    title: text(200)
    description: text(20000) = ""
    category: Id = Field(..., description="an incident type (reference/categories)")
    occurred_at: datetime
    learned_at: datetime
    source: Literal[tuple(IncidentSource.values)]  # type: ignore[valid-type]
    community: Id | None = None
    grid: Id | None = None
    place: text(200) = ""
    dispute_case: text(40) | None = None
    petition_case: text(40) | None = None
    people_count: Headcount | None = Field(None, description="an estimate, never a list")
    demands: text(20000) = ""
    deaths: Count = 0
    missing: Count = 0
    serious_injuries: Count = 0
    minor_injuries: Count = 0
    direct_loss: Amount | None = Field(None, description="yuan, first estimate")
    loss_note: text(20000) = ""
    measures: text(20000) = ""
    grade: Literal[tuple(Grade.values)] | None = None  # type: ignore[valid-type]
