"""factory_boy factories for the organisation, and personas: one signed-in person per role."""

from __future__ import annotations

import factory
from django.contrib.auth.models import User

from huiyin.org.models import Community, Grid, RoleGrant, Staff, Street, Unit
from huiyin.org.roles import Role

PASSWORD = "correct-horse-battery-9"


class StreetFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Street
        django_get_or_create = ("name",)

    name = "浓洄街道"
    # Each street's own (street short names are unique): 浓洄 for the usual street, else its
    # name without 街道.
    short_name = factory.LazyAttribute(
        lambda o: "浓洄" if o.name == "浓洄街道" else o.name.removesuffix("街道")[:10]
    )


class CommunityFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Community

    street = factory.SubFactory(StreetFactory)
    name = factory.Sequence(lambda n: f"测试{n}社区")
    order = factory.Sequence(int)


class GridFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Grid

    community = factory.SubFactory(CommunityFactory)
    name = factory.Sequence(lambda n: f"第{n}网格")
    order = factory.Sequence(int)


class UnitFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Unit

    street = factory.SubFactory(StreetFactory)
    name = factory.Sequence(lambda n: f"测试单位{n}")
    kind = Unit.Kind.OFFICE_DEPARTMENT


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        django_get_or_create = ("username",)
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    password = factory.PostGenerationMethodCall("set_password", PASSWORD)

    @factory.post_generation
    def _save(obj, create, extracted, **kwargs):
        if create:
            obj.save()


class StaffFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Staff

    user = factory.SubFactory(UserFactory)
    name = factory.Sequence(lambda n: f"测试员{n}")


def person(role: str, *, username: str | None = None, **scope) -> User:
    """A user holding `role` over `scope` (community=, grid= or unit=; street= or none: the
    whole street, the only one — the default street is made when there is none yet)."""
    user = UserFactory(username=username or f"{role}-{User.objects.count() + 1}")
    staff = StaffFactory(user=user)
    if not scope and not Street.objects.exists():
        StreetFactory()
    RoleGrant.objects.create(staff=staff, role=role, **scope)
    if role == Role.ADMINISTRATOR:
        user.is_staff = user.is_superuser = True
        user.save(update_fields=["is_staff", "is_superuser"])
    return user


def second_street() -> dict:
    """溪桥街道, a second street beside the test street, with a community, a grid, a unit and a
    person of every role but the administrator and the district officer (``"<role>-b"``).
    Make it after the first street's personas, whose whole-street grants are then the first's."""
    st = StreetFactory(name="溪桥街道", short_name="溪桥")
    community = CommunityFactory(street=st, name="石门社区")
    grid = GridFactory(community=community, name="第1网格")
    unit = UnitFactory(street=st, name="溪桥城建办")
    scopes = {
        Role.COMMUNITY_WORKER: {"community": community},
        Role.GRID_WORKER: {"grid": grid},
        Role.DEPARTMENT_HANDLER: {"unit": unit},
    }
    people = {
        role: person(role, username=f"{role}-b", **scopes.get(role, {"street": st}))
        for role in Role
        if role not in (Role.ADMINISTRATOR, Role.DISTRICT)
    }
    return {"street": st, "community": community, "grid": grid, "unit": unit, "people": people}
