from datetime import date

import pytest
from django.template import Context, Engine
from hypothesis import given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from huiyin.privacy.masking import mask_address, mask_name, mask_phone, mask_resident_id
from huiyin.privacy.validators import resident_id_check_digit


def make_id(first17: str) -> str:
    return first17 + resident_id_check_digit(first17)


@pytest.mark.parametrize("mask", [mask_resident_id, mask_phone, mask_name, mask_address])
@pytest.mark.parametrize("empty", [None, "", "   "])
def test_it_masks_nothing_as_empty(mask, empty):
    assert mask(empty) == ""


def test_it_shows_the_first_6_and_last_4_of_an_18_digit_id():
    assert mask_resident_id("110101199003071234") == "110101********1234"
    assert mask_resident_id("11010519491231002x") == "110105********002X"


def test_it_shows_the_first_6_and_last_3_of_a_15_digit_id():
    assert mask_resident_id("110105491231002") == "110105******002"


def test_it_masks_a_full_width_id_like_a_typed_one():
    assert mask_resident_id("１１０１０１１９９００３０７１２３４") == "110101********1234"


def test_it_masks_an_odd_length_id_but_the_last_4():
    assert mask_resident_id("E123456789") == "******6789"
    assert mask_resident_id("1234") == "****"


@hypothesis_settings(database=None)
@given(
    region=st.text("0123456789", min_size=6, max_size=6),
    born=st.dates(min_value=date(1900, 1, 1), max_value=date(2099, 12, 31)),
    sequence=st.text("0123456789", min_size=3, max_size=3),
)
def test_it_never_shows_the_birth_date_of_an_id(region, born, sequence):
    resident_id = make_id(f"{region}{born:%Y%m%d}{sequence}")
    masked = mask_resident_id(resident_id)
    assert len(masked) == 18
    assert masked[6:14] == "********"
    assert masked[:6] == region and masked[14:] == resident_id[14:]


def test_it_shows_the_first_3_and_last_4_of_a_mobile():
    assert mask_phone("13812345678") == "138****5678"
    assert mask_phone("+86 138 1234 5678") == "138****5678"
    assert mask_phone("１３８１２３４５６７８") == "138****5678"


def test_it_keeps_the_area_code_and_last_3_of_a_fixed_line():
    assert mask_phone("0816-2345678") == "0816-****678"
    assert mask_phone("08162345678") == "0816-****678"
    assert mask_phone("010-12345678") == "010-*****678"


def test_it_masks_an_unrecognised_phone_but_the_last_4():
    assert mask_phone("1381234567") == "******4567"
    assert mask_phone("12345") == "*****"


@pytest.mark.parametrize(
    ("name", "masked"),
    [
        ("张三", "张*"),
        ("李小龙", "李**"),
        ("欧阳修文", "欧阳**"),
        ("诸葛亮", "诸葛*"),
        ("司马相如", "司马**"),
        ("万俟卨", "万俟*"),
        ("司马", "司*"),
        ("王", "*"),
        ("  张三 ", "张*"),
        ("买买提·艾力", "买*****"),
    ],
)
def test_it_keeps_only_the_surname_of_a_name(name, masked):
    assert mask_name(name) == masked


def test_it_keeps_the_first_6_characters_of_an_address():
    assert mask_address("四川省绵阳市涪城区城厢街道东街12号") == "四川省绵阳市****"
    assert mask_address("城厢街道") == "城厢街道****"


def test_it_offers_template_filters():
    engine = Engine(libraries={"privacy": "huiyin.privacy.templatetags.privacy"})
    template = engine.from_string(
        "{% load privacy %}{{ p.id|mask_id }} {{ p.phone|mask_phone }} "
        "{{ p.name|mask_name }} {{ p.address|mask_address }} [{{ p.missing|mask_name }}]"
    )
    person = {
        "id": "110101199003071234",
        "phone": "13812345678",
        "name": "欧阳修文",
        "address": "四川省绵阳市涪城区城厢街道",
        "missing": None,
    }
    rendered = template.render(Context({"p": person}))
    assert rendered == "110101********1234 138****5678 欧阳** 四川省绵阳市**** []"


def test_it_still_escapes_what_the_filters_leave_visible():
    engine = Engine(libraries={"privacy": "huiyin.privacy.templatetags.privacy"})
    template = engine.from_string("{% load privacy %}{{ address|mask_address }}")
    assert template.render(Context({"address": "<b>x</b>街道"})) == "&lt;b&gt;x&lt;/****"
