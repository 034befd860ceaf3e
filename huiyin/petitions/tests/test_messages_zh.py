"""The refusals in Chinese, as the user sees them (zh-hans is the default language).

The msgids are merged into the catalogue by the integrator (from /tmp/tr-cases.json); until
then these tests skip rather than pin English text twice.
"""

from datetime import timedelta

import pytest
from django.utils import translation
from django.utils.translation import gettext

from huiyin.cases.exceptions import CaseRefused
from huiyin.cases.models import Case
from huiyin.cases.workflow import fire
from huiyin.org.roles import Role
from huiyin.petitions.services import PetitionInvalid
from huiyin.petitions.tests.factories import bring_to, petitioner, register, running, step

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def chinese(english):
    with translation.override("zh-hans"):
        if gettext("A matter cannot be concluded without a reply on record.").startswith("A "):
            pytest.skip("the new messages are not in the zh_Hans catalogue yet")
        yield


def refusal(case, name, user, *, version=None, **payload) -> str:
    current = Case.objects.get(pk=case.pk)
    with pytest.raises(CaseRefused) as caught:
        fire(
            current,
            name,
            actor=user,
            version=current.version if version is None else version,
            **payload,
        )
    return str(caught.value)


def test_it_refuses_bad_intake_in_chinese(clerk):
    with pytest.raises(PetitionInvalid) as caught:
        register(clerk, headcount=0)
    assert [str(m) for m in caught.value.errors["headcount"]] == ["人数至少为 1。"]
    crowd = [
        petitioner(f"群众{i}", id_number="", phone="", is_representative=False) for i in range(6)
    ]
    with pytest.raises(PetitionInvalid) as caught:
        register(clerk, is_collective=True, headcount=20, petitioners=crowd)
    assert [str(m) for m in caught.value.errors["petitioners"]] == ["集体访须至少标明一名代表。"]


def test_it_refuses_bad_transitions_in_chinese(petition, personas, unit, clerk, leader):
    case = petition.case
    assert refusal(case, "conclude", clerk) == "没有答复记录的事项不能办结。"
    assert refusal(case, "accept", leader) == "您的角色无权对此事项执行“受理”。"
    assert refusal(case, "accept", clerk, version=0) == "已被他人修改，请刷新后重试。"
    bring_to(petition, "handling", personas, unit=unit)
    before = case.received_on - timedelta(days=1)
    message = refusal(
        case,
        "reply",
        personas[Role.DEPARTMENT_HANDLER],
        text="答复",
        delivery="post",
        replied_on=before,
    )
    assert message.startswith("“答复日期”不能早于")


def test_it_refuses_extensions_in_chinese(petition, personas, unit, leader):
    from django.utils import timezone

    from huiyin.cases.models import Clock

    if gettext("This office's rules allow only one extension of the handling period.")[0] == "T":
        pytest.skip("the extension messages are not in the zh_Hans catalogue yet")
    case = petition.case
    bring_to(petition, "handling", personas, unit=unit)
    today = timezone.localdate()
    told = {"told_on": today, "told_manner": "written"}
    due = running(case, "handling").due_on
    step(case, "extend", leader, reason="复杂", new_due_on=due + timedelta(days=5), **told)
    message = refusal(
        case, "extend", leader, reason="再延", new_due_on=due + timedelta(days=9), **told
    )
    assert "本机关规定只能延期一次" in message
    assert "第三十四条" not in message

    other = register(personas[Role.PETITION_CLERK]).case
    bring_to(other.petition, "handling", personas, unit=unit)
    Clock.objects.filter(case=other, code="handling").update(due_on=today)
    message = refusal(
        other, "extend", leader, reason="迟了", new_due_on=today + timedelta(days=5), **told
    )
    assert message.startswith(
        f"办理期限已于 {today.year}年{today.month}月{today.day}日 届满，不能再延期"
    )
    assert "第三十四条" in message
