import pytest
from django.core.exceptions import PermissionDenied
from django.test import RequestFactory

from huiyin.org.roles import Role
from huiyin.privacy.identity import reveal
from huiyin.privacy.models import AuditEntry
from huiyin.privacy.tests.conftest import ID_NUMBER, PHONE


def request_by(user):
    request = RequestFactory().get("/petitions/1/identity/", REMOTE_ADDR="10.0.0.8")
    request.user = user
    return request


@pytest.mark.parametrize("role", [Role.PETITION_CLERK, Role.LEADER])
def test_it_reveals_to_identity_viewers_and_records_which_fields(personas, resident, role):
    user = personas[role]
    shown = reveal(
        request_by(user),
        target=resident,
        fields={"id_number": resident.id_number, "phone": resident.phone},
    )
    assert shown == {"id_number": ID_NUMBER, "phone": PHONE}
    (entry,) = AuditEntry.objects.all()
    assert (entry.action, entry.actor, entry.ip) == ("identity.view", user, "10.0.0.8")
    assert (entry.target_type, entry.target_id) == (
        "privacy.scratchresident",
        str(resident.pk),
    )
    assert entry.diff == {"fields": ["id_number", "phone"]}
    stored = entry.canonical().decode()
    assert ID_NUMBER not in stored and PHONE not in stored


@pytest.mark.parametrize(
    "role", [Role.DEPARTMENT_HANDLER, Role.COMMUNITY_WORKER, Role.AUDITOR, Role.ADMINISTRATOR]
)
def test_it_refuses_everyone_else_and_records_the_refusal(personas, resident, role):
    user = personas[role]
    with pytest.raises(PermissionDenied):
        reveal(request_by(user), target=resident, fields={"id_number": resident.id_number})
    (entry,) = AuditEntry.objects.all()
    assert (entry.action, entry.actor) == ("access.denied", user)
    assert entry.diff == {"permission": "identity.view", "fields": ["id_number"]}
    assert ID_NUMBER not in entry.canonical().decode()


def test_it_refuses_an_anonymous_visitor(db, resident):
    from django.contrib.auth.models import AnonymousUser

    with pytest.raises(PermissionDenied):
        reveal(request_by(AnonymousUser()), target=resident, fields={"phone": PHONE})
    (entry,) = AuditEntry.objects.all()
    assert entry.actor is None and entry.action == "access.denied"
