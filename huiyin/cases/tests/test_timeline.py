import pytest

from huiyin.cases.models import AppendOnlyError, CaseEvent
from huiyin.cases.tests.factories import make_case

pytestmark = pytest.mark.django_db


@pytest.fixture
def event():
    return CaseEvent.objects.create(case=make_case(), kind="note", note="电话回访")


def test_it_adds_events(event):
    assert CaseEvent.objects.filter(case=event.case).count() == 1


def test_it_refuses_to_change_an_event(event):
    event.note = "改写历史"
    with pytest.raises(AppendOnlyError):
        event.save()
    with pytest.raises(AppendOnlyError):
        CaseEvent.objects.filter(pk=event.pk).update(note="改写历史")
    with pytest.raises(AppendOnlyError):
        CaseEvent.objects.update(note="改写历史")
    with pytest.raises(AppendOnlyError):
        CaseEvent.objects.bulk_update([event], ["note"])
    assert CaseEvent.objects.get(pk=event.pk).note == "电话回访"


def test_it_refuses_to_delete_an_event(event):
    with pytest.raises(AppendOnlyError):
        event.delete()
    with pytest.raises(AppendOnlyError):
        CaseEvent.objects.filter(pk=event.pk).delete()
    assert CaseEvent.objects.filter(pk=event.pk).exists()
