"""Row access: visible_to(user) and get_for_user(), the one door to cases."""

import pytest
from django.http import Http404

from huiyin.cases.kinds import Kind
from huiyin.cases.models import Case
from huiyin.cases.tests.factories import make_case
from huiyin.org.models import Staff
from huiyin.org.roles import Perm, Role
from huiyin.privacy.models import AuditEntry
from huiyin.testing import factories as f

pytestmark = pytest.mark.django_db

PETITIONS = {"in_community", "in_other_community", "in_grid", "unit_owned", "other_unit", "mine"}
DISPUTES = {"dispute_in_community", "dispute_in_grid"}

EXPECTED = {
    Role.PETITION_CLERK: PETITIONS,
    Role.GOVERNANCE_STAFF: PETITIONS | DISPUTES,
    Role.COMMUNITY_WORKER: DISPUTES,  # both are in 柑子园社区
    Role.GRID_WORKER: {"dispute_in_grid"},
    Role.MEDIATOR: DISPUTES,
    Role.DEPARTMENT_HANDLER: {"unit_owned", "mine"},
    Role.LEADER: PETITIONS | DISPUTES,
    Role.AUDITOR: PETITIONS | DISPUTES,
    Role.ADMINISTRATOR: set(),
}


@pytest.fixture
def cases(personas, street, community, other_community, grid, unit):
    other_unit = f.UnitFactory(street=street, name="社事办")
    handler_staff = Staff.objects.get(user=personas[Role.DEPARTMENT_HANDLER])
    return {
        "in_community": make_case(street=street, community=community),
        "in_other_community": make_case(street=street, community=other_community),
        "in_grid": make_case(street=street, community=community, grid=grid),
        "unit_owned": make_case(street=street, community=other_community, owner_unit=unit),
        "other_unit": make_case(street=street, owner_unit=other_unit),
        "mine": make_case(street=street, owner_unit=other_unit, owner=handler_staff),
        "dispute_in_community": make_case(
            street=street, kind=Kind.DISPUTE, status="reported", community=community
        ),
        "dispute_in_grid": make_case(
            street=street, kind=Kind.DISPUTE, status="reported", community=community, grid=grid
        ),
    }


def _names(cases, queryset):
    ids = set(queryset.values_list("pk", flat=True))
    return {name for name, case in cases.items() if case.pk in ids}


@pytest.mark.parametrize("role", list(EXPECTED))
def test_it_shows_each_role_the_cases_in_its_scope(personas, cases, role):
    assert _names(cases, Case.objects.visible_to(personas[role])) == EXPECTED[role]


@pytest.mark.parametrize("role", list(EXPECTED))
@pytest.mark.parametrize("kind", [Kind.PETITION, Kind.DISPUTE])
def test_it_narrows_to_one_kind_as_a_filter_on_the_kind_would(personas, cases, role, kind):
    user = personas[role]
    expected = _names(cases, Case.objects.visible_to(user).filter(kind=kind))
    assert _names(cases, Case.objects.visible_to(user, kind=kind)) == expected
    assert all(("dispute" in name) == (kind == Kind.DISPUTE) for name in expected)
    if expected:  # (a person who sees none of the kind gets no SQL at all)
        sql = str(Case.objects.visible_to(user, kind=kind).query)
        assert sql.count('"cases_case"."kind" =') == 1  # tested once per row, not twice


def test_it_shows_nothing_to_people_without_a_role(cases, outsider):
    assert not Case.objects.visible_to(outsider).exists()


def test_it_shows_nothing_to_anonymous_visitors(cases):
    from django.contrib.auth.models import AnonymousUser

    assert not Case.objects.visible_to(AnonymousUser()).exists()
    assert not Case.objects.visible_to(None).exists()


def test_it_does_not_let_a_superuser_flag_bypass_the_permissions(personas, cases):
    admin = personas[Role.ADMINISTRATOR]
    assert admin.is_superuser
    assert not Case.objects.visible_to(admin).exists()


@pytest.mark.parametrize("role", list(EXPECTED))
def test_it_opens_a_case_in_scope_and_refuses_others_with_404(personas, cases, role):
    user = personas[role]
    for name, case in cases.items():
        if name in EXPECTED[role]:
            assert Case.objects.get_for_user(user, case.pk) == case
        else:
            with pytest.raises(Http404):
                Case.objects.get_for_user(user, case.pk)


def test_it_opens_a_case_by_its_number(personas, cases):
    case = cases["in_community"]
    clerk = personas[Role.PETITION_CLERK]
    assert Case.objects.get_for_user(clerk, case.number) == case
    assert Case.objects.get_for_user(clerk, str(case.pk)) == case


def test_it_audits_a_denial_without_revealing_existence(personas, cases):
    handler = personas[Role.DEPARTMENT_HANDLER]
    case = cases["in_community"]
    with pytest.raises(Http404) as existing:
        Case.objects.get_for_user(handler, case.pk)
    with pytest.raises(Http404) as missing:
        Case.objects.get_for_user(handler, 999_999)
    assert str(existing.value) == str(missing.value)
    denials = AuditEntry.objects.filter(action="access.denied", actor=handler).order_by("seq")
    assert [(e.target_id, e.target_label) for e in denials] == [
        (str(case.pk), case.number),
        ("", "999999"),
    ]


def test_it_narrows_to_a_permission_when_asked(personas, cases):
    handler = personas[Role.DEPARTMENT_HANDLER]
    governance = personas[Role.GOVERNANCE_STAFF]
    owned = cases["unit_owned"]
    assert Case.objects.get_for_user(handler, owned.pk, perm=Perm.PETITIONS_HANDLE) == owned
    # Governance staff see petitions but may not decide them.
    with pytest.raises(Http404):
        Case.objects.get_for_user(governance, owned.pk, perm=Perm.PETITIONS_DECIDE)
    assert not Case.objects.visible_to(governance, perm=Perm.PETITIONS_DECIDE).exists()
    assert AuditEntry.objects.filter(action="access.denied", actor=governance).exists()


def test_it_lists_in_a_constant_number_of_queries(personas, cases, django_assert_num_queries):
    clerk = personas[Role.PETITION_CLERK]
    Case.objects.visible_to(clerk).count()  # warms the per-request caches
    with django_assert_num_queries(1):
        list(Case.objects.visible_to(clerk))


def test_the_staff_row_comes_with_the_role_grants(unit, community, django_assert_num_queries):
    from django.contrib.auth import get_user_model

    from huiyin.cases.models import staff_of
    from huiyin.org.access import reach_of
    from huiyin.org.models import RoleGrant

    User = get_user_model()  # noqa: N806

    user = f.person(Role.PETITION_CLERK, unit=unit)
    staff = Staff.objects.get(user=user)
    RoleGrant.objects.create(staff=staff, role=Role.COMMUNITY_WORKER, community=community)
    user = User.objects.get(pk=user.pk)  # a fresh request's user
    with django_assert_num_queries(1):
        reach = reach_of(user)
        assert staff_of(user) == (staff.pk, None)
    assert reach.roles == {Role.PETITION_CLERK, Role.COMMUNITY_WORKER}
    assert reach.scope(Perm.PETITIONS_REGISTER).community_ids == {community.pk}
    # Staff without a role, and a user who is no staff member.
    RoleGrant.objects.filter(staff=staff).delete()
    Staff.objects.filter(pk=staff.pk).update(unit=unit)
    user = User.objects.get(pk=user.pk)
    assert (reach_of(user).grants, staff_of(user)) == ((), (staff.pk, unit.pk))
    nobody = f.UserFactory(username="nobody")
    assert (reach_of(nobody).grants, staff_of(nobody)) == ((), (None, None))
    # An inactive account holds no grants; its staff row is still read (its own query).
    Staff.objects.filter(pk=staff.pk).update(unit=None)
    User.objects.filter(pk=user.pk).update(is_active=False)
    user = User.objects.get(pk=user.pk)
    with django_assert_num_queries(1):
        assert (reach_of(user).grants, staff_of(user)) == ((), (staff.pk, None))
