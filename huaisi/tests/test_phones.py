"""One rule for phone numbers (huaisi.phones): every form that takes a number tidies it alike."""

import pytest
from django.core.exceptions import ValidationError

from grids.forms import PhoneField
from huaisi.phones import normalise_phone, validate_mobile

# How people write the same mobile number.
WRITTEN = [
    "13912345678",
    " 139 1234 5678 ",
    "139-1234-5678",
    "+86 139 1234 5678",
    "+8613912345678",
    "0086 139 1234 5678",
    "86 139 1234 5678",  # the country code without its plus
    "１３９１２３４５６７８",  # full-width digits from a Chinese input method
    "＋８６ 139-1234-5678",
]


@pytest.mark.parametrize("written", WRITTEN)
def test_the_roster_the_register_and_the_order_intake_store_the_same_number(written):
    assert normalise_phone(written) == "13912345678"  # the order intake's caller phone
    assert validate_mobile(written) == "13912345678"  # residents, volunteers
    assert PhoneField().clean(written) == "13912345678"  # the staff roster


@pytest.mark.parametrize(
    ("written", "stored"),
    [
        ("0571-8888 6666", "057188886666"),  # a landline keeps its area code
        ("86123456", "86123456"),  # a local landline starting 86 is no country code
        ("", ""),
        (None, ""),
    ],
)
def test_landlines_and_blanks(written, stored):
    assert normalise_phone(written) == stored


@pytest.mark.parametrize("written", ["139 1234 567a", "call me", "1391234567", "02512345678"])
def test_letters_are_kept_for_the_check_to_refuse_not_dropped_into_a_number(written):
    with pytest.raises(ValidationError):
        validate_mobile(written)
    with pytest.raises(ValidationError):
        PhoneField().clean(written)
