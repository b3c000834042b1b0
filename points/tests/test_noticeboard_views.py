"""The public notice board (公示栏) and the honour poster (红榜): readable without logging in,
printable, names as public notices print them and nothing more personal."""

import datetime
import re
from pathlib import Path

import pytest
from django.urls import reverse

from households.tests.factories import ResidentFactory
from huaisi.periods import next_half, previous_half
from huaisi.privacy import mask_id_number, mask_phone
from points import services
from points.tests.conftest import earn, last_month, new_household
from points.views.public import public_name

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def english(client):
    client.cookies["django_language"] = "en"


def give(household, rules, staff, times: int, day: datetime.date) -> None:
    for _ in range(times):
        earn(household, rules["mediation"], staff, deed_date=day)


@pytest.fixture
def published(area, rules, staff):
    """V1: last month's ranking (A 30, B 20, C 10, D 10, E 0) and the last half year's honour
    list (A 30, B 20, C and D tied at third with 10), with heads of household for A and C."""
    month = last_month()
    half = previous_half()
    households = {n: new_household(area.m111, number=f"NB-{n}") for n in "ABCDE"}
    for name, times in (("A", 3), ("B", 2), ("C", 1), ("D", 1)):
        give(households[name], rules, staff, times, month + datetime.timedelta(days=3))
    if not half <= month < next_half(half):  # last month lies outside the last half year
        for name, times in (("A", 3), ("B", 2), ("C", 1), ("D", 1)):
            give(households[name], rules, staff, times, half + datetime.timedelta(days=3))
    heads = {
        "A": ResidentFactory(
            household=households["A"], head=True, name="钱多多", phone="13987654321"
        ),
        "C": ResidentFactory(household=households["C"], head=True, name="欧阳明月"),
    }
    services.ranking_publish(month=month)
    services.honours_publish(half=half)
    return households, heads


def test_anyone_reads_the_board_with_names_as_notices_print_them(client, area, published):
    households, heads = published
    response = client.get(reverse("noticeboard", args=[area.v1.pk]))
    html = response.content.decode()
    assert response.status_code == 200
    for number in ("NB-A", "NB-B", "NB-C", "NB-D", "NB-E"):
        assert number in html
    assert "钱*多" in html and "欧**月" in html
    assert "钱多多" not in html and "欧阳明月" not in html
    for head in heads.values():
        assert head.id_number not in html and mask_id_number(head.id_number) not in html
        assert head.phone not in html and mask_phone(head.phone) not in html
    assert not re.search(r"\d{11}", html)
    assert "counts in the month it is approved" in html


def test_the_ranking_table_shows_ranks_and_points(client, area, published):
    html = client.get(reverse("noticeboard", args=[area.v1.pk])).content.decode()
    rows = re.findall(
        r'<td class="num rank"[^>]*>(\d+)</td>\s*<td class="mono"[^>]*>(NB-\w)</td>.*?'
        r'<td class="num"[^>]*>(-?\d+)</td>',
        html.split('id="board-ranking"')[1],
        re.S,
    )
    assert rows[:5] == [
        ("1", "NB-A", "30"),
        ("2", "NB-B", "20"),
        ("3", "NB-C", "10"),
        ("3", "NB-D", "10"),
        ("5", "NB-E", "0"),
    ]


def test_the_board_is_printable(client, area, published):
    html = client.get(reverse("noticeboard", args=[area.v1.pk])).content.decode()
    # The print button (shown by print-button.js) and the links stay off the paper.
    assert re.search(
        r'<p class="toolbar no-print">\s*<button type="button" data-print hidden>', html
    )
    assert "/static/css/kiosk.css" in html and "/static/js/print-button.js" in html
    css = (Path(__file__).resolve().parents[2] / "static/css/kiosk.css").read_text()
    assert "@media print" in css and ".board-table tr { break-inside: avoid; }" in css


def test_honours_poster_lists_every_household_tied_at_third(client, area, published):
    response = client.get(reverse("noticeboard-honours", args=[area.v1.pk]))
    html = response.content.decode()
    assert response.status_code == 200
    names = re.findall(r'<span class="honour-name">([^<]+)</span>', html)
    ranks = re.findall(r'<li class="honour honour-(\d)">', html)
    assert ranks == ["1", "2", "3", "3"]
    assert names == ["钱*多", "NB-B", "欧**月", "NB-D"]  # without a head: the number
    half = previous_half()
    label = f"{'First' if half.month == 1 else 'Second'} half of {half.year}"
    assert label in html
    assert "households tied at third place are all listed" in html


def test_honours_poster_for_a_chosen_half_and_a_bad_one(client, area, published):
    half = previous_half()
    code = f"{half.year}H{1 if half.month == 1 else 2}"
    url = reverse("noticeboard-honours", args=[area.v1.pk])
    assert client.get(url, {"half": code}).status_code == 200
    none = client.get(url, {"half": "2001H1"}).content.decode()
    assert "No honour list has been published for this village yet." in none
    bad = client.get(url, {"half": "spring"})
    assert bad.status_code == 400
    assert "Write the half year as 2026H1 or 2026H2." in bad.content.decode()


def test_an_empty_village_says_nothing_is_published(client, area):
    html = client.get(reverse("noticeboard", args=[area.v2.pk])).content.decode()
    assert "No monthly ranking has been published for this village yet." in html
    assert "No honour list has been published for this village yet." in html
    assert client.get(reverse("noticeboard", args=[999999])).status_code == 404


def test_the_board_shows_the_top_50_or_everyone(client, area, rules, staff):
    month = last_month()
    for n in range(51):
        new_household(area.m112, number=f"MANY-{n:02d}")
    services.ranking_publish(month=month)
    url = reverse("noticeboard", args=[area.v1.pk])
    html = client.get(url).content.decode()
    assert html.count('class="num rank"') == 50
    assert "The top 50 of 51 households ranked." in html
    everyone = client.get(url, {"all": "1"}).content.decode()
    assert everyone.count('class="num rank"') == 51


@pytest.mark.parametrize("extra", [0, 30])
def test_board_queries_do_not_grow_with_households(
    client, area, rules, staff, extra, django_assert_num_queries
):
    month = last_month()
    for n in range(extra):
        household = new_household(area.m112, number=f"Q-{n:02d}")
        ResidentFactory(household=household, head=True)
    give(new_household(area.m111), rules, staff, 1, month + datetime.timedelta(days=1))
    services.ranking_publish(month=month)
    services.honours_publish(half=previous_half())
    # The village; the ranking and honour list; their rows; the heads' names; the count.
    with django_assert_num_queries(7):
        assert client.get(reverse("noticeboard", args=[area.v1.pk])).status_code == 200
    with django_assert_num_queries(7):
        assert client.get(reverse("kiosk-idle", args=[area.v1.pk])).status_code == 200


def test_public_name():
    assert [public_name(n) for n in ("", "李", "张三", "张三丰", "欧阳明月")] == [
        "", "李", "张*", "张*丰", "欧**月",
    ]  # fmt: skip
