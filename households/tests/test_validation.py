"""ID and mobile numbers: which are accepted, and what a clerk reads when one is not.

Messages are checked in Chinese (the site's language) for the words that tell the clerk what
to fix, not for the exact sentence.
"""

import datetime
import re

import pytest
from django.core.exceptions import ValidationError
from django.utils import translation

from households.models import ID_NUMBER_PATTERN
from households.tests.factories import id_number_for
from households.validation import check_id_agrees, validate_id_number
from huaisi.phones import MOBILE_PATTERN, validate_mobile

# GB 11643's own example: Beijing Chaoyang, born 31 Dec 1949, a woman, check digit X.
WITH_X = "11010519491231002X"
# Hanjiang district (321003) was created in 2000; people born long before carry it.
HANJIANG_1960 = id_number_for(datetime.date(1960, 3, 8), "M")


def body_with_check(body17: str) -> str:
    """A 17-digit body plus its correct check digit: the checksum is right, so whatever is
    refused is refused for another reason."""
    weights = [pow(2, 17 - i, 11) for i in range(17)]
    total = sum(int(d) * w for d, w in zip(body17, weights, strict=True))
    return body17 + "10X98765432"[total % 11]


@pytest.fixture(autouse=True)
def _chinese():
    with translation.override("zh-hans"):
        yield


def refusal(value: str, validator=validate_id_number) -> ValidationError:
    with pytest.raises(ValidationError) as caught:
        validator(value)
    return caught.value


class TestIdNumber:
    @pytest.mark.parametrize(
        "value",
        [
            WITH_X,
            "11010519491231002x",  # a lower-case x, as phones type it
            " 11010519491231002X ",
            body_with_check("32100319850615018"),  # check digit X, Yangzhou
            HANJIANG_1960,
        ],
    )
    def test_valid_numbers_are_accepted_and_normalised(self, value):
        number = validate_id_number(value)
        assert re.fullmatch(ID_NUMBER_PATTERN, number), "the database CHECK would refuse it"
        assert number == value.strip().upper()

    def test_check_digit_x_is_accepted(self):
        assert validate_id_number(WITH_X).endswith("X")
        assert body_with_check("32100319850615018").endswith("X")
        assert validate_id_number(body_with_check("32100319850615018")).endswith("X")

    def test_region_created_after_the_birth_year_is_accepted(self):
        """321003 has existed since 2000; python-stdnum's own check would refuse a 1960 birth."""
        from stdnum.cn import ric

        assert not ric.is_valid(HANJIANG_1960)
        assert validate_id_number(HANJIANG_1960) == HANJIANG_1960

    @pytest.mark.parametrize(
        ("value", "count"),
        [("32100319600308001", 17), ("3210031960030800111", 19), ("", 0)],
    )
    def test_wrong_length_says_how_many_characters_there_are(self, value, count):
        error = refusal(value)
        assert error.code == "id_length"
        message = error.messages[0]
        assert "18位" in message and f"{count}位" in message

    @pytest.mark.parametrize(
        "value", ["32100319600308A011", "3210031960030800XX", "X21003196003080011"]
    )
    def test_letters_other_than_a_final_x_are_refused(self, value):
        error = refusal(value)
        assert error.code == "id_format"
        assert "17位数字" in error.messages[0] and "X" in error.messages[0]

    def test_a_mistyped_digit_fails_the_check_digit(self):
        good = HANJIANG_1960
        # Two neighbouring digits swapped: the commonest typing slip.
        swapped = good[:2] + good[3] + good[2] + good[4:]
        assert swapped != good
        error = refusal(swapped)
        assert error.code == "id_checksum"
        assert "校验码" in error.messages[0]

    @pytest.mark.parametrize(
        "body",
        [
            "32100319601308001",  # month 13
            "32100319600230001",  # 30 February
            "32100318790101001",  # born before 1880
            "32100320990101001",  # born in the future
            "99000019600101001",  # region 990000 exists nowhere
        ],
    )
    def test_impossible_birth_date_or_unknown_region_is_refused(self, body):
        error = refusal(body_with_check(body))
        assert error.code == "id_component"
        assert "出生日期" in error.messages[0] and "地区" in error.messages[0]

    def test_unknown_county_in_a_known_province_is_refused(self):
        refusal(body_with_check("32109919600101001"))


class TestIdAgreement:
    def test_matching_birth_date_and_gender_give_no_error(self):
        assert (
            check_id_agrees(
                id_number=HANJIANG_1960, birth_date=datetime.date(1960, 3, 8), gender="M"
            )
            == {}
        )

    def test_a_different_birth_date_is_named_with_the_date_in_the_number(self):
        errors = check_id_agrees(
            id_number=HANJIANG_1960, birth_date=datetime.date(1960, 8, 3), gender="M"
        )
        assert set(errors) == {"birth_date"}
        message = errors["birth_date"].messages[0]
        assert "1960-03-08" in message and "出生日期" in message

    def test_a_woman_entered_for_a_man_s_number(self):
        errors = check_id_agrees(
            id_number=HANJIANG_1960, birth_date=datetime.date(1960, 3, 8), gender="F"
        )
        assert set(errors) == {"gender"}
        assert "男" in errors["gender"].messages[0]

    def test_a_man_entered_for_a_woman_s_number(self):
        errors = check_id_agrees(id_number=WITH_X, birth_date=None, gender="M")
        assert set(errors) == {"gender"}
        assert "女" in errors["gender"].messages[0]

    def test_both_disagreements_reported_at_once(self):
        errors = check_id_agrees(id_number=WITH_X, birth_date=datetime.date(1950, 1, 1), gender="M")
        assert set(errors) == {"birth_date", "gender"}


class TestMobile:
    @pytest.mark.parametrize(
        "value",
        [
            "13812345678",
            "19912345678",
            "138 1234 5678",
            "138-1234-5678",
            "+86 138 1234 5678",
            "+8613812345678",
            " 13812345678 ",
        ],
    )
    def test_accepted_and_stored_as_eleven_digits(self, value):
        assert validate_mobile(value) == re.sub(r"\D", "", value).removeprefix("86")

    @pytest.mark.parametrize(
        "value",
        [
            "1381234567",  # 10 digits
            "138123456789",  # 12 digits
            "12812345678",  # 12x is no mobile prefix
            "23812345678",
            "0514-87654321",  # a landline
            "138abcd5678",
        ],
    )
    def test_refused_with_a_message_showing_the_right_form(self, value):
        error = refusal(value, validate_mobile)
        assert error.code == "mobile"
        message = error.messages[0]
        assert "11位" in message and "13812345678" in message

    def test_full_width_digits_never_come_out_as_a_number_the_database_refuses(self):
        try:
            # Typed "138" before the input method switched to full width.
            phone = validate_mobile("138１２３４５６７８")
        except ValidationError:
            return
        assert re.fullmatch(MOBILE_PATTERN, phone)


def test_messages_are_english_in_the_source_and_chinese_on_the_site():
    """The catalogue has every validation message: an untranslated one would show English."""
    with translation.override("en"):
        english = refusal("123").messages[0]
    chinese = refusal("123").messages[0]
    assert english.startswith("An ID number has 18 characters")
    assert chinese != english and re.search(r"[\u4e00-\u9fff]", chinese)
