from datetime import date, timedelta

import pytest
from django import forms
from django.core.exceptions import ValidationError
from django.test import override_settings
from django.utils import timezone, translation
from hypothesis import given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from huiyin.privacy.normalize import normalize_digits
from huiyin.privacy.validators import (
    PROVINCE_CODES,
    birth_date_from_id,
    phone_validator,
    resident_id_check_digit,
    resident_id_validator,
    validate_phone,
    validate_resident_id,
)

PUBLIC_EXAMPLE = "11010519491231002X"


@pytest.fixture(autouse=True)
def english():
    with translation.override("en"):
        yield


def make_id(region: str, born: date, sequence: str) -> str:
    first17 = f"{region}{born:%Y%m%d}{sequence}"
    return first17 + resident_id_check_digit(first17)


def rejection(value, **kwargs) -> ValidationError:
    with pytest.raises(ValidationError) as caught:
        validate_resident_id(value, **kwargs)
    return caught.value


@st.composite
def valid_ids(draw):
    province = draw(st.sampled_from(sorted(PROVINCE_CODES)))
    rest_of_region = draw(st.text("0123456789", min_size=4, max_size=4))
    born = draw(st.dates(min_value=date(1900, 1, 1), max_value=timezone.localdate()))
    sequence = draw(st.text("0123456789", min_size=3, max_size=3))
    return make_id(f"{province}{rest_of_region}", born, sequence), born


# --- normalisation ----------------------------------------------------------------------


def test_it_turns_full_width_digits_and_letters_into_ascii():
    assert normalize_digits("０８１６－２３４５６７８") == "0816-2345678"
    assert normalize_digits("Ｘｘ") == "Xx"


def test_it_strips_every_kind_of_whitespace_including_the_ideographic_space():
    assert normalize_digits(" 138\u30001234\t5678\n\u200b") == "13812345678"


def test_it_normalises_none_and_empty_to_empty():
    assert normalize_digits("") == ""
    assert normalize_digits(None) == ""


# --- resident ID ------------------------------------------------------------------------


def test_it_accepts_the_public_example_id():
    assert validate_resident_id(PUBLIC_EXAMPLE) == PUBLIC_EXAMPLE


def test_it_computes_the_check_digit_of_the_public_example():
    assert resident_id_check_digit(PUBLIC_EXAMPLE[:17]) == "X"


def test_it_accepts_ids_built_with_the_check_digit_function():
    for region, born, sequence in [
        ("110101", date(1990, 3, 7), "123"),
        ("510703", date(1965, 12, 31), "004"),
        ("830000", date(2000, 2, 29), "271"),
        ("650102", date(1900, 1, 1), "999"),
    ]:
        resident_id = make_id(region, born, sequence)
        assert validate_resident_id(resident_id) == resident_id


def test_it_upper_cases_a_final_lower_case_x():
    assert validate_resident_id(PUBLIC_EXAMPLE.lower()) == PUBLIC_EXAMPLE


def test_it_normalises_full_width_digits_and_spaces_in_an_id():
    full_width = "１１０１０５　１９４９１２３１　００２ｘ"
    assert validate_resident_id(full_width) == PUBLIC_EXAMPLE


def test_it_rejects_a_wrong_check_digit():
    wrong = PUBLIC_EXAMPLE[:17] + "1"
    error = rejection(wrong)
    assert error.code == "check_digit"
    assert "check digit" in error.messages[0]


def test_it_rejects_a_birth_date_that_does_not_exist():
    error = rejection(make_id("110101", date(1999, 2, 1), "123").replace("19990201", "19990230"))
    assert error.code == "birth_date"


def test_it_rejects_february_30_even_with_a_matching_check_digit():
    first17 = "110101" + "19990230" + "123"
    error = rejection(first17 + resident_id_check_digit(first17))
    assert error.code == "birth_date"


def test_it_rejects_a_birth_date_in_the_future():
    tomorrow = timezone.localdate() + timedelta(days=1)
    error = rejection(make_id("110101", tomorrow, "123"))
    assert error.code == "birth_date_future"


def test_it_accepts_a_birth_date_of_today():
    resident_id = make_id("110101", timezone.localdate(), "123")
    assert validate_resident_id(resident_id) == resident_id


def test_it_rejects_a_birth_date_before_1900():
    error = rejection(make_id("110101", date(1899, 12, 31), "123"))
    assert error.code == "birth_date_too_early"


def test_it_rejects_17_digits_with_the_length_message():
    error = rejection(PUBLIC_EXAMPLE[:17])
    assert error.code == "format"
    assert error.messages == [
        "Resident ID must have 18 characters: 17 digits and a final digit or X."
    ]


@pytest.mark.parametrize(
    "value",
    ["", "1101051949123100XX", "X1010519491231002X", "11010519491231002Y", "1101051949-231002X"],
)
def test_it_rejects_values_that_are_not_id_shaped(value):
    assert rejection(value).code == "format"


@pytest.mark.parametrize("province", ["00", "10", "16", "20", "30", "38", "55", "66", "80", "84"])
def test_it_rejects_an_unknown_province_code(province):
    error = rejection(make_id(province + "0101", date(1980, 1, 1), "123"))
    assert error.code == "region"


@pytest.mark.parametrize("province", ["71", "81", "82", "83"])
def test_it_accepts_taiwan_hong_kong_macao_and_residence_permit_codes(province):
    resident_id = make_id(province + "0000", date(1980, 1, 1), "123")
    assert validate_resident_id(resident_id) == resident_id


def test_it_rejects_15_digit_legacy_ids_by_default():
    error = rejection("110105491231002")
    assert error.code == "legacy_id"
    assert error.messages == [
        "15-digit legacy ID numbers are not accepted; please enter the 18-digit number."
    ]


def test_it_accepts_15_digit_legacy_ids_when_allowed():
    assert validate_resident_id("110105491231002", allow_legacy_15=True) == "110105491231002"


def test_it_takes_the_legacy_default_from_the_setting():
    with override_settings(ALLOW_LEGACY_ID=True):
        assert validate_resident_id("110105491231002") == "110105491231002"
        assert rejection("110105491231002", allow_legacy_15=False).code == "legacy_id"


def test_it_still_checks_province_and_birth_date_of_legacy_ids():
    assert rejection("990105491231002", allow_legacy_15=True).code == "region"
    assert rejection("110105490230002", allow_legacy_15=True).code == "birth_date"


def test_it_reads_the_birth_date_from_an_id():
    assert birth_date_from_id(PUBLIC_EXAMPLE) == date(1949, 12, 31)
    assert birth_date_from_id("110105491231002") == date(1949, 12, 31)


def test_it_refuses_to_read_a_birth_date_from_garbage():
    with pytest.raises(ValueError):
        birth_date_from_id("12345")


def test_it_refuses_a_check_digit_for_anything_but_17_digits():
    for bad in ["", "1234567890123456", "123456789012345678", "1101051949123100X"]:
        with pytest.raises(ValueError):
            resident_id_check_digit(bad)


@hypothesis_settings(database=None)
@given(valid_ids())
def test_it_accepts_every_well_formed_id(generated):
    resident_id, born = generated
    assert validate_resident_id(resident_id) == resident_id
    assert validate_resident_id(resident_id.lower()) == resident_id
    assert birth_date_from_id(resident_id) == born


@hypothesis_settings(database=None)
@given(valid_ids(), st.data())
def test_it_rejects_every_single_character_change(generated, data):
    resident_id, _ = generated
    position = data.draw(st.integers(min_value=0, max_value=17), label="position")
    alphabet = "0123456789X" if position == 17 else "0123456789"
    replacement = data.draw(
        st.sampled_from([c for c in alphabet if c != resident_id[position]]), label="replacement"
    )
    changed = resident_id[:position] + replacement + resident_id[position + 1 :]
    with pytest.raises(ValidationError):
        validate_resident_id(changed)


def test_it_offers_a_form_field_validator_for_ids():
    class Form(forms.Form):
        id_number = forms.CharField(validators=[resident_id_validator])

    assert Form({"id_number": PUBLIC_EXAMPLE}).is_valid()
    form = Form({"id_number": PUBLIC_EXAMPLE[:17] + "1"})
    assert not form.is_valid()
    assert "check digit" in form.errors["id_number"][0]


# --- phone numbers ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("13812345678", "13812345678"),
        ("19912345678", "19912345678"),
        ("138 1234 5678", "13812345678"),
        ("138-1234-5678", "13812345678"),
        ("+86 138 1234 5678", "13812345678"),
        ("+8613812345678", "13812345678"),
        ("0086 13812345678", "13812345678"),
        ("１３８　１２３４　５６７８", "13812345678"),
        ("＋８６１３８１２３４５６７８", "13812345678"),
    ],
)
def test_it_accepts_and_normalises_mobile_numbers(typed, expected):
    assert validate_phone(typed) == expected


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("0816-2345678", "0816-2345678"),
        ("08162345678", "0816-2345678"),
        ("0816 23456789", "0816-23456789"),
        ("(0816)2345678", "0816-2345678"),
        ("０８１６－２３４５６７８", "0816-2345678"),
        ("010-12345678", "010-12345678"),
        ("01012345678", "010-12345678"),
        ("020 87654321", "020-87654321"),
        ("+86 816 2345678", "0816-2345678"),
        ("+86 10 12345678", "010-12345678"),
    ],
)
def test_it_accepts_fixed_lines_and_writes_them_with_a_hyphen_after_the_area_code(typed, expected):
    assert validate_phone(typed) == expected


@pytest.mark.parametrize("typed", ["1381234567", "138123456789"])
def test_it_explains_mobile_length_for_10_and_12_digit_numbers(typed):
    with pytest.raises(ValidationError) as caught:
        validate_phone(typed)
    assert caught.value.code == "mobile_length"
    assert caught.value.messages == ["Mobile numbers have 11 digits starting with 13–19."]


@pytest.mark.parametrize("typed", ["2345678", "23456789", "234-5678"])
def test_it_asks_for_the_area_code_of_a_bare_local_number(typed):
    with pytest.raises(ValidationError) as caught:
        validate_phone(typed)
    assert caught.value.code == "area_code_missing"
    assert "0816-2345678" in caught.value.messages[0]


@pytest.mark.parametrize(
    "typed", ["", "abc", "12345678901", "0816-23456", "0816-234567890", "123", "138123456x8"]
)
def test_it_rejects_other_phone_input_with_the_generic_message(typed):
    with pytest.raises(ValidationError) as caught:
        validate_phone(typed)
    assert caught.value.code == "invalid"


def test_it_offers_a_form_field_validator_for_phones():
    class Form(forms.Form):
        phone = forms.CharField(validators=[phone_validator])

    assert Form({"phone": "0816-2345678"}).is_valid()
    assert not Form({"phone": "1381234567"}).is_valid()
