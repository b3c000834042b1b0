"""The demo seed: a rulebook, passbooks, a year of entries, stores, baskets and publications,
with every balance and stock level agreeing with the ledger, and nothing doubled on a re-run."""

import io

import pytest
from django.core.management import call_command

from grids import demo as grids_demo
from grids.models import Town
from households import demo as households_demo
from points import demo
from points.models import (
    Entry,
    HonourPublication,
    PointsAccount,
    RankingPublication,
    Redemption,
    Rule,
)
from points.selectors import ledger_differences
from points.services import kiosk_login

pytestmark = pytest.mark.django_db


def test_demo_points_are_consistent_and_seeded_once():
    town = Town.objects.create(code="HS-DEMO", name="槐泗镇（演示）", is_demo=True)
    options = {"households": 400}
    quiet = lambda *args: None  # noqa: E731
    grids_demo.seed(town=town, options=options, progress=quiet)
    households_demo.seed(town=town, options=options, progress=quiet)

    summary = demo.seed(town=town, options=options, progress=quiet)
    assert Rule.objects.filter(town=town).count() == len(demo.RULES)
    assert summary["passbooks"] == 400
    assert summary["entries"] > 400 * 0.8 * 10
    assert Entry.objects.filter(status="pending").exists()
    assert Entry.objects.filter(status="rejected").exists()
    assert Redemption.objects.exists()
    assert RankingPublication.objects.filter(village__town=town).count() == 15 * 12
    assert HonourPublication.objects.filter(village__town=town).exists()
    assert ledger_differences() == ([], [])
    assert PointsAccount.objects.filter(balance__gt=0).count() > 200
    account = PointsAccount.objects.order_by("pk").first()
    assert kiosk_login(passbook_number=account.passbook_number, pin=demo.DEMO_PIN) == account

    counts = (Entry.objects.count(), Redemption.objects.count(), RankingPublication.objects.count())
    demo.seed(town=town, options=options, progress=quiet)
    assert counts == (
        Entry.objects.count(),
        Redemption.objects.count(),
        RankingPublication.objects.count(),
    )
    out = io.StringIO()
    call_command("check_ledger", stdout=out)
    assert "agrees" in out.getvalue()
