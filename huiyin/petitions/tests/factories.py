"""Building petitions for tests: through the real services, as a clerk would."""

from __future__ import annotations

from datetime import date, timedelta

from django.utils import timezone

from huiyin.cases.models import Case, Clock
from huiyin.cases.workflow import fire
from huiyin.org.roles import Role
from huiyin.petitions.models import Channel, Petition
from huiyin.petitions.services import register_petition
from huiyin.privacy.validators import resident_id_check_digit


def make_id(first17: str = "11010519900307123") -> str:
    return first17 + resident_id_check_digit(first17)


ID_1 = make_id("11010519900307123")
ID_2 = make_id("51130219850612002")
PHONE_1 = "13812345678"
PHONE_2 = "13987654321"


def petitioner(name="张三", *, id_number=ID_1, phone=PHONE_1, **extra) -> dict:
    return {"name": name, "id_number": id_number, "phone": phone, "address": "翠屏路12号", **extra}


def days_ago(n: int) -> date:
    return timezone.localdate() - timedelta(days=n)


def register(actor, *, petitioners: list[dict] | None = None, **data) -> Petition:
    """A petition registered by `actor` (a clerk), received 20 days ago unless told otherwise."""
    data.setdefault("title", "小区违建影响采光")
    data.setdefault("channel", Channel.VISIT)
    data.setdefault("received_at", days_ago(20))
    return register_petition(actor=actor, data=data, petitioners=petitioners or [petitioner()])


def refresh(petition: Petition) -> Petition:
    return Petition.objects.select_related("case").get(pk=petition.pk)


def step(case: Case, name: str, actor, **payload) -> Case:
    case = Case.objects.get(pk=case.pk)
    return fire(case, name, actor=actor, version=case.version, **payload)


#: The way through the workflow to each state, as (transition, role, payload) steps.
def path_to(state: str, *, unit) -> list[tuple[str, str, dict]]:
    clerk, handler = Role.PETITION_CLERK, Role.DEPARTMENT_HANDLER
    main = [
        ("accept", clerk, {}),
        ("assign", clerk, {"unit": unit}),
        ("start_handling", handler, {}),
        ("reply", handler, {"text": "经核查，已责令整改。", "delivery": "in_person"}),
        ("request_review", clerk, {"text": "对处理意见不服", "body": "street"}),
        ("answer_review", clerk, {"text": "维持原处理意见"}),
        ("request_reexam", clerk, {"text": "请求复核", "body": "street"}),
        ("answer_reexam", clerk, {"text": "复核维持"}),
        ("conclude", clerk, {}),
    ]
    targets = {
        "registered": 0,
        "accepted": 1,
        "assigned": 2,
        "handling": 3,
        "replied": 4,
        "review_requested": 5,
        "review_answered": 6,
        "reexam_requested": 7,
        "reexam_answered": 8,
        "concluded": 9,
    }
    if state == "declined":
        return [("decline", clerk, {"reason": "不属于信访事项"})]
    if state == "transferred":
        return [("transfer", clerk, {"transferred_to": "区住建委"})]
    return main[: targets[state]]


def bring_to(petition: Petition, state: str, personas, *, unit) -> Case:
    case = petition.case
    for name, role, payload in path_to(state, unit=unit):
        case = step(case, name, personas[role], **payload)
    assert case.status == state
    return case


def running(case: Case, code: str) -> Clock | None:
    return Clock.objects.filter(case=case, code=code, stopped_at__isnull=True).first()
