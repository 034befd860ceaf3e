"""The audit page names object types as people say them, not as Python does ("cases.case")."""

from django.urls import reverse
from django.utils import translation

from huiyin.org.models import Community
from huiyin.org.roles import Role
from huiyin.privacy import audit

URL = reverse("privacy:audit")


def test_it_names_an_object_type_by_its_model(db):
    with translation.override("zh-hans"):
        assert audit.target_type_label("org.community") == "社区"
    with translation.override("en"):
        assert audit.target_type_label("org.community") == "Community"


def test_it_keeps_a_type_that_is_no_model_as_it_is(db):
    assert audit.target_type_label("gone.model") == "gone.model"
    assert audit.target_type_label("not a label") == "not a label"


def test_it_shows_object_types_by_name_in_the_filter_and_the_table(client, personas, community):
    audit.record("object.update", target=Community.objects.get(pk=community.pk))
    client.force_login(personas[Role.AUDITOR])
    response = client.get(URL)
    choices = dict(response.context["form"].fields["target_type"].choices)
    assert choices["org.community"] == "社区"
    html = response.content.decode()
    assert f"社区 #{community.pk}" in html
    assert f">org.community #{community.pk}" not in html
    # Filtering still goes by the code.
    filtered = client.get(URL, {"target_type": "org.community"})
    assert [e.target_type for e in filtered.context["page"].object_list] == ["org.community"]
