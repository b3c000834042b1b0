"""People's names: what an ID card can carry is accepted (tidied), anything else is refused
with a reason a clerk can read in Chinese."""

import pytest
from django.core.exceptions import ValidationError
from django.utils import translation

from households.validation import validate_person_name


@pytest.mark.parametrize(
    ("typed", "stored"),
    [
        ("张三", "张三"),
        ("  王小明 ", "王小明"),
        ("阿卜杜・热合曼", "阿卜杜·热合曼"),  # katakana middle dot
        ("阿卜杜•热合曼", "阿卜杜·热合曼"),  # bullet
        ("阿卜杜‧热合曼", "阿卜杜·热合曼"),  # hyphenation point
        ("阿卜杜.热合曼", "阿卜杜·热合曼"),  # full stop
        ("阿卜杜 ． 热合曼", "阿卜杜·热合曼"),  # full-width full stop with spaces around
        ("张 三", "张三"),
        ("𠀀明", "𠀀明"),  # extension B
        ("王〇", "王〇"),
        ("ＪＯＨＮ　ＳＭＩＴＨ", "JOHN SMITH"),  # full-width letters and ideographic space
        ("JOHN   SMITH", "JOHN SMITH"),
        ("Jean-Pierre O'Neil", "Jean-Pierre O'Neil"),
        ("Zoë", "Zoë"),
    ],
)
def test_names_an_id_card_carries_are_accepted_and_tidied(typed, stored):
    assert validate_person_name(typed) == stored


@pytest.mark.parametrize(
    ("typed", "words"),
    [
        ("<script>alert(1)</script>", "<、> 或 &"),
        ("张&三", "<、> 或 &"),
        ("张<b>三", "<、> 或 &"),
        ("张\t三", "U+0009"),
        ("张三\x00", "U+0000"),
        ("张三\n", "U+000A"),
        ("张\u200b三", "U+200B"),
        ("张\ud800三", "损坏"),
        ("张三3", "数字"),
        ("张三３", "数字"),
        ("·张三", "间隔号"),
        ("张··三", "间隔号"),
        ("张三·", "间隔号"),
        ("张三!", "“!”"),
        ("-JOHN", "“-”"),
        ("", "请填写姓名"),
        ("   ", "请填写姓名"),
        ("张" * 51, "最多50"),
    ],
)
def test_markup_control_characters_and_digits_are_refused_in_chinese(typed, words):
    with translation.override("zh-hans"), pytest.raises(ValidationError) as caught:
        validate_person_name(typed)
    assert words in caught.value.messages[0]


def test_a_name_that_is_not_text_is_refused():
    with pytest.raises(ValidationError):
        validate_person_name(["张三"])
