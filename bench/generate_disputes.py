"""The disputes of bench/generate.py (``--disputes-share``): rows of realistic shape, in bulk.

bench/generate.py draws every case's day received and gives the disputes their share of
them, in the same batches as the petitions (ids follow the day received, as registration
gives them); :class:`DisputeRows` turns each into the rows the real registration and the
mediation steps write:

* the case (kind dispute, numbered 浓洄调〔year〕NNNN号) and its search grams;
* the dispute: source (a party's application 35 %, screening 22 %, the committee's initiative
  12 %, the police 8 %, patrols 7 %, a petition 5 %, courts 7 %, other 4 %; a court's name and
  document), a type of the tree of ``huiyin.disputes.types`` (weights and matters from the demo
  disputes' texts: title, facts, claims, amount, people involved), the tier and committee
  (the case's grid group 28 %, its community's committee 45 %, the street's 22 %, the
  district 5 %, the enterprise's committee for a quarter of the labour disputes), the outcome
  by age (recent ones registered or in mediation, old ones mostly closed with an agreement,
  8 % failed with the art. 26 notice, 4 % refused, 2 % transferred, a few stuck);
* two parties, side A a person and side B a person or the matter's organisation: name, ID
  number (valid check digit), phone and address encrypted, masked and blind-indexed with the
  privacy helpers the services use (the fields' own ``get_prep_value`` and ``index_value``,
  ``huiyin.privacy.masking``);
* the clocks: ``labour_mediation`` (labour types, from the day received), the court periods
  (from the day the materials came), ``mediation_guideline`` (from the start of mediation),
  ``performance`` (to the agreed term's due date) and the parties' ``judicial_confirmation``
  window after a written agreement (never in ``Case.due_on``); each stopped when the mediation
  ended, met or late; ``Case.due_on`` the nearest of the office's running ones;
* the mediators assigned (one or two of the committee's), the transfer a court, police or
  petition source records (三调对接, incoming), and the outgoing one of a transferred dispute.

Left out, as the petition generator leaves them out: timeline events, the audit trail, the
mediation sessions, agreements and consents (no list or figure of the list reads them).
The committees (the street's, one per community, a group per grid, the enterprise's) and
their mediators are created once, by name, like the demo's.
"""

from __future__ import annotations

import random
from datetime import date, datetime, timedelta
from decimal import Decimal

SOURCES = [
    ("application", 35),
    ("screening", 22),
    ("initiative", 12),
    ("police", 8),
    ("patrol", 7),
    ("petition", 5),
    ("court_assigned", 4),
    ("court_entrusted", 3),
    ("other", 4),
]
TIERS = [("grid", 28), ("community", 45), ("street", 22), ("district", 5)]
LABOUR_TYPES = ("劳动争议", "欠薪")
UNIT_NAME = "惠美家公司"  # the demo's enterprise with a committee of its own (果丰社区)
COURT = "浓洄区人民法院"
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何林罗高郑梁谢宋唐许韩邓冯曹彭曾肖田董袁潘蒋蔡余杜叶程"
GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华玉兰萍建国红梅文斌志鹏宇浩然俊峰雪琴慧"
OUT_BODIES = [
    ("administrative", "城建办", 30),
    ("court", COURT, 30),
    ("arbitration", "区劳动人事争议仲裁委员会", 15),
    ("police", "浓洄派出所", 15),
    ("trade", "区物业纠纷调解委员会", 10),
]


def _weighted(rng: random.Random, table):
    values = [row[:-1] if len(row) > 2 else row[0] for row in table]
    weights = [row[-1] for row in table]
    return lambda: rng.choices(values, weights)[0]


def _at(day: date) -> datetime:
    from huiyin.cases.deadlines import CHINA_TZ

    return datetime(day.year, day.month, day.day, 16, 0, tzinfo=CHINA_TZ)


def _status(rng: random.Random, age: int) -> str:
    if age < 7:
        table = [("registered", 55), ("mediating", 38), ("refused", 4), ("transferred", 3)]
    elif age < 60:
        table = [
            ("registered", 3),
            ("mediating", 30),
            ("agreed", 10),
            ("performing", 12),
            ("closed", 33),
            ("failed", 6),
            ("refused", 4),
            ("transferred", 2),
        ]
    else:
        table = [
            ("mediating", 0.4),  # stuck past the guideline
            ("agreed", 0.3),
            ("performing", 1.3),
            ("closed", 84),
            ("failed", 8),
            ("refused", 4),
            ("transferred", 2),
        ]
    values, weights = zip(*table, strict=True)
    return rng.choices(values, weights)[0]


class DisputeRows:
    """Builds one batch of disputes at a time (:meth:`add`), written by :meth:`insert`."""

    def __init__(self, street, grids: list, *, today: date, first_day: date, seed: int):
        from django.db.models import Max

        from huiyin.cases.kinds import Kind
        from huiyin.cases.models import Case, Category
        from huiyin.disputes.demo import texts
        from huiyin.disputes.models import Dispute, Party, Transfer
        from huiyin.disputes.types import ensure_default_types
        from huiyin.petitions.demo import ESTATES

        self.rng = rng = random.Random(seed)
        self.street, self.today = street, today
        self.grids = grids
        self.grids_of: dict[int, list] = {}
        for grid in grids:
            self.grids_of.setdefault(grid.community_id, []).append(grid)
        self.estates = ESTATES
        self.texts = texts
        ensure_default_types()
        self.types = {c.name: c.pk for c in Category.objects.filter(kind=Kind.DISPUTE, active=True)}
        names = [name for name in texts.MATTERS if name in self.types]
        self.type_name = _weighted(rng, [(name, texts.MATTERS[name][0]) for name in names])
        self.source = _weighted(rng, SOURCES)
        self.tier = _weighted(rng, TIERS)
        self.out_body = _weighted(rng, OUT_BODIES)
        self.committees, self.mediators, self.unit = self._committees(first_day)
        self.seqs: dict[int, int] = {
            year: last or 0
            for year, last in Case.objects.filter(street=street, kind=Kind.DISPUTE)
            .values_list("year")
            .annotate(m=Max("seq"))
        }
        through = Dispute.mediators.through
        self.next_id = {
            model: (model.objects.aggregate(m=Max("id"))["m"] or 0) + 1
            for model in (Party, Transfer, through)
        }
        self.fields = {f.name: f for f in Party._meta.concrete_fields}
        self._clear()

    # ------------------------------------------------------------------ the committees

    def _committees(self, first_day: date):
        from huiyin.disputes.models import Committee, Mediator, Tier
        from huiyin.org.models import Unit

        street = self.street
        places = [(("street", None), {"name": f"{street.name}人民调解委员会", "tier": Tier.STREET})]
        communities = {}
        for grid in self.grids:
            communities.setdefault(grid.community_id, grid.community)
        for community in communities.values():
            places.append(
                (
                    ("community", community.pk),
                    {
                        "name": f"{community.name}人民调解委员会",
                        "tier": Tier.COMMUNITY,
                        "community": community,
                    },
                )
            )
        for grid in self.grids:
            places.append(
                (
                    ("grid", grid.pk),
                    {
                        "name": f"{grid.community.name}{grid.name}调解小组",
                        "tier": Tier.GRID,
                        "grid": grid,
                        "community": grid.community,
                    },
                )
            )
        unit = Unit.objects.filter(street=street, name=UNIT_NAME).first()
        if unit is not None:
            places.append(
                (
                    ("unit", unit.pk),
                    {"name": f"{unit.name}人民调解委员会", "tier": Tier.UNIT, "unit": unit},
                )
            )
        committees, mediators = {}, {}
        for order, (key, fields) in enumerate(places, start=1):
            committee, _created = Committee.objects.get_or_create(
                street=street, name=fields.pop("name"), defaults={**fields, "order": order}
            )
            committees[key] = committee
            posts = list(Mediator.objects.filter(committee=committee, active=True))
            while len(posts) < (3 if committee.tier == Tier.STREET else 2):
                posts.append(
                    Mediator.objects.create(
                        committee=committee, name=self._name(), term_start=first_day
                    )
                )
            mediators[committee.pk] = [m.pk for m in posts]
        return committees, mediators, unit

    # ------------------------------------------------------------------ one dispute

    def add(self, case_id: int, received_on: date, petitions) -> dict:
        """The rows of one dispute; returns its case row (the caller keeps the cases' order).
        `petitions`: recent (id, number) of petitions, for a dispute turned from one."""
        from huiyin.cases.deadlines import CHINA_TZ
        from huiyin.cases.kinds import Kind
        from huiyin.cases.numbering import format_number

        rng, today = self.rng, self.today
        age = (today - received_on).days
        grid = rng.choice(self.grids)
        received_at = datetime(
            received_on.year,
            received_on.month,
            received_on.day,
            rng.randint(8, 17),
            rng.randint(0, 59),
            tzinfo=CHINA_TZ,
        )
        type_name = self.type_name()
        labour = type_name in LABOUR_TYPES
        matter = rng.choice(self.texts.MATTERS[type_name][1])
        source = self.source()
        committee, tier = self._tier(labour, grid)
        if committee is not None and committee.tier == "unit" and self.unit.community_id:
            grid = rng.choice(self.grids_of.get(self.unit.community_id) or [grid])
        community = grid.community
        year = received_on.year
        self.seqs[year] = self.seqs.get(year, 0) + 1
        number = format_number(self.street.short_name, Kind.DISPUTE, year, self.seqs[year])
        estate = rng.choice(self.estates.get(community.name, ["浓洄路"]))
        amount = None
        if matter.amount:
            amount = Decimal(rng.randrange(matter.amount[0], matter.amount[1] + 1, 100))
        fill = {"estate": estate, "amount": f"{amount:,.0f}" if amount else ""}
        title = matter.title.format(**fill)
        description = (
            f"{community.name}{estate}{rng.randint(1, 30)}号楼：{matter.facts}{matter.claims}。"
        )

        status = _status(rng, age)
        d = self._course(status, received_on, age)
        status = d.pop("status")
        petition_case = None
        if source == "petition" and petitions:
            petition_case = rng.choice(petitions)
        court_document = ""
        simplified = source == "court_entrusted" and rng.random() < 0.4
        if source.startswith("court_"):
            kind = "民诉前调" if source == "court_assigned" else "民初"
            court_document = f"（{year}）渝0105{kind}{rng.randint(1, 9999)}号"
        clocks = self._clocks(case_id, source, simplified, labour, received_on, d)
        running = [c["due_on"] for c in clocks if c["party"] == "office" and not c["stopped_on"]]
        self.clocks.extend(clocks)

        self.disputes.append(
            {
                "case_id": case_id,
                "source": source,
                "court_name": COURT if court_document else "",
                "court_document": court_document,
                "simplified": simplified,
                "materials_received_on": received_on if court_document else None,
                "petition_case_id": petition_case[0] if petition_case else None,
                "facts": matter.facts,
                "claims": matter.claims,
                "amount": amount,
                "people_count": max(2, rng.randint(*matter.people)),
                "tier": tier,
                "committee_id": committee.pk if committee else None,
                "mediators_chosen_by": (
                    ("committee" if rng.random() < 0.8 else "parties") if d["started_on"] else ""
                ),
                "started_on": d["started_on"],
                "ended_on": d["ended_on"],
                "outcome": d["outcome"],
                "failure_reason": rng.choice(self.texts.FAIL_REASONS) if status == "failed" else "",
                "routes_told_on": d["ended_on"] if status == "failed" else None,
                "routes_manner": "written" if status == "failed" else "",
                "routes_text": self.texts.ROUTES if status == "failed" else "",
                "closed_on": d["closed_on"],
            }
        )
        self._parties(case_id, community.name, matter.other)
        if d["started_on"] and committee is not None:
            posts = self.mediators[committee.pk]
            for mediator in rng.sample(posts, min(len(posts), rng.choice((1, 1, 2)))):
                self.links.append(self._row("links", dispute_id=case_id, mediator_id=mediator))
        self._transfers(case_id, source, received_on, petition_case, status, d)
        final = status in ("closed", "failed", "refused", "transferred")
        return {
            "id": case_id,
            "street_id": self.street.pk,
            "kind": Kind.DISPUTE,
            "number": number,
            "year": year,
            "seq": self.seqs[year],
            "title": title,
            "description": description,
            "community_id": community.pk,
            "grid_id": grid.pk,
            "category_id": self.types[type_name],
            "status": status,
            "owner_unit_id": committee.unit_id if committee and committee.tier == "unit" else None,
            "received_at": received_at,
            "due_on": min(running) if running else None,
            "closed_at": _at(d["closed_on"]) if final else None,
            "withdrawn": rng.random() < 0.002,
        }

    def _tier(self, labour: bool, grid):
        rng = self.rng
        if labour and self.unit is not None and rng.random() < 0.25:
            return self.committees[("unit", self.unit.pk)], "unit"
        tier = self.tier()
        if tier == "grid":
            return self.committees[("grid", grid.pk)], tier
        if tier == "community":
            return self.committees[("community", grid.community_id)], tier
        if tier == "street":
            return self.committees[("street", None)], tier
        return None, tier

    def _course(self, status: str, received_on: date, age: int) -> dict:
        """The mediation's dates and outcome for a dispute in `status` `age` days after it came."""
        rng, today = self.rng, self.today
        d = {"started_on": None, "ended_on": None, "outcome": "", "closed_on": None}
        d.update(form="", effective_on=None, perf_due=None, checked_on=None)
        if status == "registered":
            begins = False
        else:  # a refusal or a transfer may come before mediation starts
            begins = status not in ("refused", "transferred") or rng.random() < 0.5
        if begins:
            d["started_on"] = received_on + timedelta(days=rng.randint(0, min(age, 7)))
        if status in ("registered", "mediating"):
            d["status"] = status
            return d
        base = d["started_on"] or received_on
        span = rng.randint(1, 45) if begins else rng.randint(0, 5)
        ended = min(base + timedelta(days=span), today)
        d["ended_on"] = ended
        if status in ("failed", "refused", "transferred"):
            d.update(outcome=status, closed_on=ended)
            d["status"] = status
            return d
        d["outcome"] = "agreement"
        written = status in ("agreed", "performing") or rng.random() < 0.65
        d["form"] = "written" if written else "oral"
        d["effective_on"] = (
            min(ended + timedelta(days=rng.randint(0, 3)), today) if written else ended
        )
        if written and (status != "closed" or rng.random() < 0.7):
            d["perf_due"] = d["effective_on"] + timedelta(days=rng.randint(7, 90))
        if status == "closed":
            if d["perf_due"] is not None:
                checked = d["perf_due"] + timedelta(days=rng.randint(0, 10))
                if checked > today:
                    status = "performing"  # not checked yet
                else:
                    d["checked_on"] = d["closed_on"] = checked
            else:
                d["closed_on"] = min(d["effective_on"] + timedelta(days=rng.randint(0, 15)), today)
        d["status"] = status
        return d

    def _clocks(self, case_id, source, simplified, labour, received_on, d) -> list[dict]:
        from huiyin.disputes import clocks as codes

        ended = d["ended_on"]
        rows = []

        def clock(code, start, days, stop, *, party="office", lapsed=False):
            due = start + timedelta(days=days)
            outcome = ""
            if lapsed:
                outcome = "lapsed"
            elif stop is not None:
                outcome = "met" if stop <= due else "late"
            rows.append(
                {
                    "case_id": case_id,
                    "code": code,
                    "party": party,
                    "started_on": start,
                    "due_on": due,
                    "days": days,
                    "stopped_at": _at(stop) if stop else None,
                    "stopped_on": stop,
                    "outcome": outcome,
                }
            )

        if labour:
            clock(codes.LABOUR, received_on, 15, ended)
        if source == "court_assigned":
            clock(codes.COURT_ASSIGNED, received_on, 30, ended)
        elif source == "court_entrusted":
            code = codes.COURT_ENTRUSTED_SIMPLE if simplified else codes.COURT_ENTRUSTED
            clock(code, received_on, 7 if simplified else 15, ended)
        if d["started_on"]:
            clock(codes.GUIDELINE, d["started_on"], 30, ended)
        if d["perf_due"] is not None:
            effective = d["effective_on"]
            clock(codes.PERFORMANCE, effective, (d["perf_due"] - effective).days, d["checked_on"])
        if d["form"] == "written":
            effective = d["effective_on"]
            window_end = effective + timedelta(days=30)
            if self.rng.random() < 0.04:  # the parties applied to the court
                applied = min(effective + timedelta(days=self.rng.randint(1, 30)), self.today)
                clock(codes.CONFIRMATION, effective, 30, applied, party="petitioner")
            elif window_end >= self.today:
                clock(codes.CONFIRMATION, effective, 30, None, party="petitioner")
            else:
                clock(
                    codes.CONFIRMATION, effective, 30, window_end, party="petitioner", lapsed=True
                )
        return rows

    def _parties(self, case_id: int, community: str, organisation: str) -> None:
        rng = self.rng
        estates = self.estates.get(community, ["浓洄路"])
        for order, side in enumerate(("a", "b")):
            address = (
                f"{self.street.name}{community}{rng.choice(estates)}"
                f"{rng.randint(1, 30)}栋{rng.randint(1, 6)}单元{rng.randint(101, 1806)}号"
            )
            if side == "b" and organisation:
                phone = self._phone() if rng.random() < 0.5 else ""
                self.parties.append(
                    self._party(
                        case_id, side, order, "organisation", organisation, "", phone, address
                    )
                )
                self.parties[-1]["legal_representative"] = self._name()
                continue
            self.parties.append(
                self._party(
                    case_id, side, order, "person", self._name(), self._id(), self._phone(), address
                )
            )

    def _party(self, case_id, side, order, kind, name, id_number, phone, address) -> dict:
        from huiyin.privacy import masking

        fields = self.fields
        person = kind == "person"
        return {
            "dispute_id": case_id,
            "side": side,
            "kind": kind,
            "order": order,
            "name": name,
            "name_hash": fields["name"].index_value(name),
            "name_masked": masking.mask_name(name) if person else name[:100],
            "id_number": id_number,
            "id_number_hash": fields["id_number"].index_value(id_number),
            "id_number_masked": masking.mask_resident_id(id_number),
            "phone": phone,
            "phone_hash": fields["phone"].index_value(phone),
            "phone_masked": masking.mask_phone(phone),
            "address": address,
        }

    def _transfers(self, case_id, source, received_on, petition_case, status, d) -> None:
        incoming = {"court_assigned": "court", "court_entrusted": "court", "police": "police"}
        incoming["petition"] = "petition"
        if source in incoming:
            body = {"court": COURT, "police": "浓洄派出所"}.get(incoming[source], "")
            if source == "petition":
                body = petition_case[1] if petition_case else ""
            self.transfers.append(
                self._row(
                    "transfers",
                    dispute_id=case_id,
                    direction="in",
                    body_kind=incoming[source],
                    body=body,
                    on=received_on,
                    result="accepted",
                    result_on=received_on,
                )
            )
        if status == "transferred":
            kind, body = self.out_body()
            on = d["ended_on"]
            done = (self.today - on).days > 30
            self.transfers.append(
                self._row(
                    "transfers",
                    dispute_id=case_id,
                    direction="out",
                    body_kind=kind,
                    body=body,
                    on=on,
                    result=self.rng.choice(("resolved", "not_resolved")) if done else "pending",
                    result_on=on + timedelta(days=self.rng.randint(5, 30)) if done else None,
                )
            )

    # ------------------------------------------------------------------ made-up people

    def _name(self) -> str:
        rng = self.rng
        return rng.choice(SURNAMES) + "".join(rng.choices(GIVEN, k=rng.choice((1, 2, 2))))

    def _id(self) -> str:
        from huiyin.privacy.validators import resident_id_check_digit

        rng = self.rng
        born = date(1950, 1, 1) + timedelta(days=rng.randrange(365 * 55))
        first17 = f"500105{born:%Y%m%d}{rng.randrange(1000):03d}"
        return first17 + resident_id_check_digit(first17)

    def _phone(self) -> str:
        return f"1{self.rng.choice('35789')}{self.rng.randrange(10**9):09d}"

    # ------------------------------------------------------------------ writing

    def _row(self, table: str, **row) -> dict:
        from huiyin.disputes.models import Dispute, Transfer

        model = {"transfers": Transfer, "links": Dispute.mediators.through}[table]
        row["id"] = self.next_id[model]
        self.next_id[model] += 1
        return row

    def _clear(self) -> None:
        self.disputes: list[dict] = []
        self.parties: list[dict] = []
        self.clocks: list[dict] = []
        self.links: list[dict] = []
        self.transfers: list[dict] = []

    def insert(self, insert, clock_id: int) -> int:
        """Write the batch's rows after their cases (`insert` is generate.py's); the clocks get
        ids from `clock_id` on. Returns the next clock id."""
        from huiyin.cases.models import Clock
        from huiyin.disputes.models import Dispute, Party, Transfer

        for row in self.clocks:
            row["id"] = clock_id
            clock_id += 1
        for row in self.parties:
            row["id"] = self.next_id[Party]
            self.next_id[Party] += 1
        insert(Dispute, self.disputes)
        insert(Party, self.parties)
        insert(Clock, self.clocks)
        insert(Dispute.mediators.through, self.links)
        insert(Transfer, self.transfers)
        self._clear()
        return clock_id

    def finish(self) -> list:
        """Bring the dispute counters up to date; returns the models whose ids were given."""
        from huiyin.cases.kinds import Kind
        from huiyin.cases.models import CaseCounter
        from huiyin.disputes.models import Dispute, Party, Transfer

        for year, last in self.seqs.items():
            CaseCounter.objects.update_or_create(
                street=self.street, kind=Kind.DISPUTE, year=year, defaults={"last": last}
            )
        return [Party, Transfer, Dispute.mediators.through]
