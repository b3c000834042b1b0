"""Monthly rankings and honour lists: standard competition ranking, who is ranked, frozen
snapshots, one publication per village and period however often the job runs."""

import datetime
import io

import pytest
from django.core.exceptions import ValidationError
from django.core.management import CommandError, call_command
from django.utils import timezone

from huaisi.periods import previous_half
from points import services
from points.models import HonourPublication, RankingPublication, RankingRow
from points.tests.conftest import earn, last_month, new_household

pytestmark = pytest.mark.django_db


def give(household, rules, staff, times: int, day: datetime.date) -> None:
    for _ in range(times):
        earn(household, rules["mediation"], staff, deed_date=day)


def ranking(village, month) -> list[tuple[str, int, int]]:
    publication = RankingPublication.objects.get(village=village, month=month)
    return list(
        RankingRow.objects.filter(publication=publication)
        .order_by("rank", "household__number")
        .values_list("household__number", "points", "rank")
    )


@pytest.fixture
def ranked_village(area, rules, staff):
    """V1 last month: A 30, B 20, C 20, D 10, E 0 (signed), F unsigned; V2: G 10."""
    month = last_month()
    day = month + datetime.timedelta(days=9)
    households = {n: new_household(area.m111, number=n) for n in "ABCDE"}
    new_household(area.m112, number="F", pact=None)
    for name, times in (("A", 3), ("B", 2), ("C", 2), ("D", 1)):
        give(households[name], rules, staff, times, day)
    g = new_household(area.m211, number="G")
    other = staff["assessor_v2"]
    from points.tests.conftest import key

    entry = services.entry_record(
        household=g, rule=rules["mediation"], deed_date=day, basis="调解", method="site_visit",
        recorded_by=staff["town_admin"], idempotency_key=key(),
    )  # fmt: skip
    services.entry_approve(entry=entry, reviewer=other)
    return month


def test_standard_competition_ranking_with_zero_point_households(area, ranked_village):
    month = ranked_village
    assert services.ranking_publish(month=month) == 2
    assert ranking(area.v1, month) == [
        ("A", 30, 1),
        ("B", 20, 2),
        ("C", 20, 2),
        ("D", 10, 4),
        ("E", 0, 5),
    ]
    assert ranking(area.v2, month) == [("G", 10, 1)]


def test_publishing_again_changes_nothing(area, ranked_village, rules, staff):
    month = ranked_village
    services.ranking_publish(month=month)
    before = ranking(area.v1, month)
    assert services.ranking_publish(month=month) == 0
    assert RankingPublication.objects.filter(month=month).count() == 2
    assert ranking(area.v1, month) == before


def test_a_rerun_after_a_partial_publication_completes_the_rest(area, ranked_village):
    month = ranked_village
    # An earlier run published V1 only (V2 joined the town afterwards, say).
    first = RankingPublication.objects.create(
        village=area.v1, month=month, published_at=timezone.now()
    )
    assert services.ranking_publish(month=month) == 1
    assert RankingPublication.objects.filter(month=month).count() == 2
    assert RankingPublication.objects.get(village=area.v1, month=month).pk == first.pk
    assert ranking(area.v2, month) == [("G", 10, 1)]
    assert services.ranking_publish(month=month) == 0


def test_a_month_not_yet_ended_is_not_published():
    with pytest.raises(ValidationError, match="has not ended yet"):
        services.ranking_publish(month=timezone.localdate())


def test_honour_list_names_the_top_three_with_ties_at_third(area, rules, staff):
    half = previous_half()
    day = half + datetime.timedelta(days=40)
    points = {"A": 5, "B": 4, "C": 3, "D": 3, "E": 1}
    for name, times in points.items():
        give(new_household(area.m111, number=name), rules, staff, times, day)
    new_household(area.m111, number="Z")  # no points: not on the list
    assert services.honours_publish(half=half) == 2
    publication = HonourPublication.objects.get(village=area.v1, half_start=half)
    rows = list(
        publication.rows.order_by("rank", "household__number").values_list(
            "household__number", "points", "rank"
        )
    )
    assert rows == [("A", 50, 1), ("B", 40, 2), ("C", 30, 3), ("D", 30, 3)]
    assert not HonourPublication.objects.get(village=area.v2, half_start=half).rows.exists()
    assert services.honours_publish(half=half) == 0


def test_publish_commands(area, ranked_village):
    month = ranked_village
    out = io.StringIO()
    call_command("publish_ranking", "--month", f"{month:%Y-%m}", stdout=out)
    assert "2 village ranking(s) published now" in out.getvalue()
    call_command("publish_ranking", "--month", f"{month:%Y-%m}", stdout=out)
    assert "0 village ranking(s) published now" in out.getvalue()
    with pytest.raises(CommandError, match="2026-10"):
        call_command("publish_ranking", "--month", "October")
    with pytest.raises(CommandError, match="2026H1"):
        call_command("publish_honours", "--half", "2026-H3")
    half = previous_half()
    call_command(
        "publish_honours", "--half", f"{half.year}H{1 if half.month == 1 else 2}", stdout=out
    )
    assert "2 village honour list(s) published now" in out.getvalue()


def test_reference_sql_gives_the_same_ranking(area, ranked_village):
    month = ranked_village
    services.ranking_publish(month=month)
    published = set(
        RankingRow.objects.values_list("publication__village_id", "household_id", "points", "rank")
    )
    assert set(services.ranking_reference(month=month)) == published
