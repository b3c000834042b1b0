"""Demo points for `seed_demo`: the town's rulebook (modelled on the article's 社会治理项目评分
细则), a passbook per household (demo kiosk PIN 1234), a year of reviewed entries, a
supermarket per village with goods, stock and baskets, and the published rankings and honour
lists of the months and half years that have ended.

Drawn from a fixed seed. The rulebook, passbooks and stores are completed on every run; the
ledger (entries, stock, baskets, publications) is written once per town, in COPY batches,
and the balances and stock are then set from it set-based, so `check_ledger` is clean.
"""

import bisect
import datetime
import itertools
import random
import secrets
from collections import defaultdict

import pgtrigger
from django.contrib.auth.hashers import make_password
from django.db import connection
from django.db.models import Max
from django.utils import timezone

from grids.models import Town, Village
from households.models import Household
from huaisi.models import Role
from huaisi.periods import month_start, next_half, next_month
from huaisi.roles import RoleKind

from .models import VOLUNTEER_RULE_CODE, Entry, Good, PointsAccount, Rule, StockReceipt, Store
from .services.accounts import passbook_number_for
from .services.publishing import publish_half_honours, publish_month_rankings
from .services.store import receipt_number_for

DEMO_PIN = "1234"
KEY_PREFIX = "demo"
VALID_FROM = datetime.date(2025, 1, 1)

# code, group, category, title, points, photo, monthly cap, weight (how often it is used)
RULES = [
    ("ZD-01", "key_work", "矛盾调处", "主动调解邻里、家庭矛盾纠纷并达成和解", 10, False, 20, 6),
    ("ZD-02", "key_work", "矛盾调处", "及时报告矛盾纠纷线索，避免事态扩大", 5, False, 10, 6),
    ("ZD-03", "key_work", "矛盾调处", "无理缠访闹访、激化矛盾", -10, False, None, 1),
    ("ZD-04", "key_work", "秸秆禁烧", "秸秆全部离田或还田，无焚烧现象", 5, True, 5, 8),
    ("ZD-05", "key_work", "秸秆禁烧", "劝阻、举报秸秆焚烧行为", 5, False, 10, 3),
    ("ZD-06", "key_work", "秸秆禁烧", "露天焚烧秸秆、垃圾", -20, True, None, 1),
    ("ZD-07", "key_work", "人居环境", "庭院整洁、物品摆放有序（“美丽庭院”）", 5, True, 5, 14),
    ("ZD-08", "key_work", "人居环境", "门前屋后无乱堆乱放，落实“门前三包”", 3, True, 3, 12),
    ("ZD-09", "key_work", "人居环境", "垃圾分类投放准确", 2, False, 4, 12),
    ("ZD-10", "key_work", "人居环境", "乱搭乱建、乱倒垃圾，经劝导不改", -10, True, None, 1),
    ("ZD-11", "key_work", "平安建设", "参与防汛、防疫、安全巡查等急难任务", 10, False, 20, 3),
    ("ZD-12", "key_work", "平安建设", "家中无违法犯罪、无涉黄赌毒行为（季度评定）", 5, False, 5, 3),
    ("MF-01", "civil_customs", "志愿服务", "参加志愿服务活动（每次）", 5, False, 20, 12),
    ("MF-02", "civil_customs", "志愿服务", "参加“槐小保”平安巡逻", 5, False, 20, 5),
    ("MF-03", "civil_customs", "文体公益", "参加村组织的文体活动、移风易俗宣传", 3, False, 9, 5),
    ("MF-04", "civil_customs", "文体公益", "捐资捐物支持村公益事业", 10, False, 20, 2),
    ("MF-05", "civil_customs", "孝老爱亲", "孝敬老人、关爱家庭成员事迹突出", 10, False, 10, 3),
    ("MF-06", "civil_customs", "孝老爱亲", "被评为“好婆婆”“好媳妇”等文明家庭", 20, False, 20, 1),
    ("MF-07", "civil_customs", "移风易俗", "红白喜事简办、不大操大办", 10, False, 10, 2),
    (
        "MF-08",
        "civil_customs",
        "移风易俗",
        "不赡养老人、虐待家庭成员，经查属实",
        -20,
        False,
        None,
        1,
    ),
    ("MF-09", "civil_customs", "诚信守法", "按时缴纳医保、合作医疗等费用", 2, False, 2, 4),
]

BASIS = {
    "ZD-01": "调解{a}与邻居宅基地边界纠纷，双方签字和解",
    "ZD-02": "及时报告{a}家庭矛盾苗头，网格员当日介入",
    "ZD-03": "多次无理上访，经村委会劝导仍不改正",
    "ZD-04": "承包田秸秆全部机械化还田，现场拍照留痕",
    "ZD-05": "劝阻田间焚烧秸秆一起",
    "ZD-06": "田头焚烧秸秆，巡查发现并拍照",
    "ZD-07": "入户走访：庭院干净整洁，物品摆放有序",
    "ZD-08": "门前屋后清理到位，落实门前三包",
    "ZD-09": "垃圾分类督导员检查：投放准确",
    "ZD-10": "屋后乱倒建筑垃圾，劝导后仍未清理",
    "ZD-11": "参与汛期河道巡查值守",
    "ZD-12": "季度评定：家庭成员遵纪守法",
    "MF-01": "参加{a}志愿服务活动",
    "MF-02": "参加槐小保夜间平安巡逻",
    "MF-03": "参加村广场舞展演和移风易俗宣传",
    "MF-04": "为村道路修缮捐款",
    "MF-05": "长期照料瘫痪老人，邻里称赞",
    "MF-06": "获评村级“好媳妇”",
    "MF-07": "喜事简办，未大操大办",
    "MF-08": "经核实未尽赡养义务",
    "MF-09": "按时缴纳城乡居民医保",
}
PLACES = ["河道清理", "敬老院", "村道保洁", "防诈宣传", "文明交通劝导", "图书室"]

# name, unit, price in points, opening stock
GOODS = [
    ("大米 5kg", "袋", 50, 400),
    ("食用油 1.8L", "桶", 60, 300),
    ("酱油 500ml", "瓶", 10, 400),
    ("食盐", "袋", 3, 600),
    ("洗衣粉 1kg", "袋", 15, 400),
    ("洗洁精", "瓶", 8, 400),
    ("牙膏", "支", 6, 400),
    ("毛巾", "条", 8, 400),
    ("卫生纸（10卷）", "提", 20, 400),
    ("鸡蛋（30枚）", "盒", 25, 200),
    ("槐泗茶叶", "盒", 80, 80),
    ("宝应莲藕", "袋", 30, 120),
]

ENTRY_COLUMNS = [
    "household_id", "rule_id", "points", "deed_date", "basis", "method", "source", "status",
    "recorded_by_id", "recorded_at", "reviewed_by_id", "reviewed_at", "reject_reason",
    "ranking_month", "idempotency_key",
]  # fmt: skip
COPY_BATCH = 50_000


def _copy(table: str, columns: list[str], rows) -> int:
    count = 0
    with (
        connection.cursor() as cursor,
        cursor.cursor.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy,
    ):
        for row in rows:
            copy.write_row(row)
            count += 1
    return count


# Demo rows are not anybody's edits: the audit triggers stay quiet while they go in. (Only
# around statements with positional parameters: pgtrigger prepends one of its own.)
QUIET_AUDIT = (
    "points.Rule:insert_insert",
    "points.Rule:update_update",
    "points.Good:insert_insert",
    "points.Good:update_update",
)


def seed(*, town: Town, options: dict, progress) -> dict:
    with pgtrigger.ignore(*QUIET_AUDIT):
        rules = _seed_rules(town)
        villages = list(Village.objects.filter(town=town).order_by("code"))
        _seed_stores(villages)
    clerks = _staff(town, RoleKind.VILLAGE_CLERK)
    reviewers = _staff(town, RoleKind.ASSESSOR)
    accounts = _seed_accounts(town)
    progress("points", 1, 4)
    summary = {"rules": len(rules), "passbooks": accounts}
    # A town seeded without households has stock receipts but no entries: either one marks
    # a town whose ledger and store were already seeded.
    prefix = f"{KEY_PREFIX}:{town.code}:"
    seeded = (
        Entry.objects.filter(idempotency_key__startswith=prefix).exists()
        or StockReceipt.objects.filter(idempotency_key__startswith=prefix).exists()
    )
    if seeded or not (clerks and reviewers):
        progress("points", 4, 4)
        return summary
    rng = random.Random(20261127)
    entries, earned = _seed_entries(town, rules, clerks, reviewers, rng)
    progress("points", 2, 4)
    redemptions = _seed_store_activity(town, villages, clerks, earned, rng)
    with pgtrigger.ignore(*QUIET_AUDIT):
        _settle(town)
    progress("points", 3, 4)
    published = _publish(town)
    progress("points", 4, 4)
    return summary | {"entries": entries, "redemptions": redemptions, "rankings": published}


def _seed_rules(town: Town) -> dict[str, Rule]:
    Rule.objects.bulk_create(
        [
            Rule(
                town=town, code=code, group=group, category=category, title=title,
                points=points, requires_photo=photo, monthly_cap=cap, valid_from=VALID_FROM,
                description="",
            )
            for code, group, category, title, points, photo, cap, _w in RULES
        ],
        update_conflicts=True,
        unique_fields=["town", "code"],
        update_fields=["group", "category", "title", "points", "requires_photo", "monthly_cap"],
    )  # fmt: skip
    return {rule.code: rule for rule in Rule.objects.filter(town=town)}


def _staff(town: Town, kind: str) -> dict[int, int]:
    return dict(
        Role.objects.filter(kind=kind, village__town=town, ends_on__isnull=True)
        .order_by("village_id", "pk")
        .values_list("village_id", "user_id")
    )


def _seed_stores(villages: list[Village]) -> None:
    Store.objects.bulk_create(
        [Store(village=v, name=f"{v.name}满满加油站") for v in villages], ignore_conflicts=True
    )
    stores = Store.objects.filter(village__in=villages)
    Good.objects.bulk_create(
        [
            Good(store=store, name=name, unit=unit, price_points=price, stock=0)
            for store in stores
            for name, unit, price, _stock in GOODS
        ],
        ignore_conflicts=True,
    )


def _seed_accounts(town: Town) -> int:
    """A passbook for every household of the town that has none, numbered per village."""
    missing = list(
        Household.objects.filter(microgrid__grid__village__town=town, points_account__isnull=True)
        .order_by("number")
        .values_list("pk", "microgrid__grid__village_id")
    )
    villages = {v.pk: v for v in Village.objects.filter(town=town)}
    serials = dict(
        PointsAccount.objects.filter(village__town=town)
        .values("village")
        .annotate(m=Max("serial"))
        .values_list("village", "m")
    )
    pin = make_password(DEMO_PIN)
    now = timezone.now()
    rows = []
    for household_id, village_id in missing:
        serials[village_id] = serials.get(village_id, 0) + 1
        serial = serials[village_id]
        rows.append(
            (
                household_id, village_id, serial,
                passbook_number_for(villages[village_id], serial), pin, 0, None,
                secrets.token_urlsafe(24), None, 0, now,
            )
        )  # fmt: skip
    _copy(
        "points_pointsaccount",
        [
            "household_id", "village_id", "serial", "passbook_number", "pin_hash",
            "failed_pins", "locked_until", "card_token", "card_issued_at", "balance",
            "opened_at",
        ],
        rows,
    )  # fmt: skip
    return PointsAccount.objects.filter(village__town=town).count()


def _at(day: datetime.date, hour: int, rng: random.Random) -> datetime.datetime:
    return datetime.datetime.combine(
        day, datetime.time(hour, rng.randrange(60)), tzinfo=timezone.get_current_timezone()
    )


def _seed_entries(town, rules, clerks, reviewers, rng):
    """About 17 entries a year per signed household. Returns the count and, per household,
    the approved points over time [(approved at, points)], for the baskets that follow."""
    today = timezone.localdate()
    now = timezone.now()
    start = month_start(today).replace(year=today.year - 1)
    tz = timezone.get_current_timezone()
    codes = [r[0] for r in RULES]
    cumulative = list(itertools.accumulate(r[7] for r in RULES))
    # When each month's ranking was published (the 1st of the next month, 01:00).
    closing: dict[datetime.date, datetime.datetime] = {}
    month = start
    while month <= today:
        closing[month] = datetime.datetime.combine(next_month(month), datetime.time(1), tzinfo=tz)
        month = next_month(month)
    households = list(
        Household.objects.filter(
            microgrid__grid__village__town=town,
            pact_signed_on__isnull=False,
            status=Household.Status.ACTIVE,
        )
        .order_by("pk")
        .values_list("pk", "microgrid__grid__village_id", "pact_signed_on")
    )
    earned: dict[int, list[tuple[datetime.datetime, int]]] = {}
    counter = 0

    def rows():
        nonlocal counter
        for household_id, village_id, signed in households:
            clerk, reviewer = clerks.get(village_id), reviewers.get(village_id)
            if clerk is None or reviewer is None:
                continue
            first = max(start, signed, VALID_FROM)
            span = (today - first).days
            if span < 0:
                continue
            drafts = []
            used: dict[tuple, int] = defaultdict(int)
            for _n in range(rng.randint(5, 31)):
                rule = rules[rng.choices(codes, cum_weights=cumulative)[0]]
                deed = first + datetime.timedelta(days=rng.randint(0, span))
                cap_key = (rule.code, deed.year, deed.month)
                if rule.monthly_cap and used[cap_key] + abs(rule.points) > rule.monthly_cap:
                    continue
                used[cap_key] += abs(rule.points)
                drafts.append((deed, rule))
            drafts.sort(key=lambda d: d[0])
            balance = 0
            history = []
            for deed, rule in drafts:
                recorded = datetime.datetime.combine(
                    deed + datetime.timedelta(days=rng.randint(0, 2)),
                    datetime.time(9, rng.randrange(60)),
                    tzinfo=tz,
                )
                reviewed = recorded + datetime.timedelta(days=rng.randint(1, 4), hours=2)
                status, reason, month = Entry.Status.APPROVED, "", None
                if reviewed > now or recorded > now:
                    status = Entry.Status.PENDING
                    recorded, reviewed = min(recorded, now), None
                elif rng.random() < 0.015:
                    status, reason = Entry.Status.REJECTED, "经核实，证据不足"
                elif balance + rule.points < 0:
                    status, reason = Entry.Status.REJECTED, "积分余额不足，改为批评教育"
                if status == Entry.Status.APPROVED:
                    balance += rule.points
                    history.append((reviewed, rule.points))
                    # Approved after its deed's month was published (the 1st, 01:00): it
                    # counts in the month of approval, as entry_approve decides.
                    deed_month = deed.replace(day=1)
                    month = (
                        deed_month
                        if reviewed < closing[deed_month]
                        else reviewed.date().replace(day=1)  # `reviewed` is local time
                    )
                counter += 1
                yield (
                    household_id, rule.pk, rule.points, deed,
                    BASIS[rule.code].format(a=rng.choice(PLACES)),
                    "photo_record" if rule.requires_photo
                    else "activity_record" if rule.code == VOLUNTEER_RULE_CODE else "site_visit",
                    Entry.Source.VOLUNTEER if rule.code == VOLUNTEER_RULE_CODE
                    else Entry.Source.MANUAL,
                    status, clerk, recorded,
                    reviewer if reviewed and status != Entry.Status.PENDING else None,
                    reviewed if status != Entry.Status.PENDING else None,
                    reason, month, f"{KEY_PREFIX}:{town.code}:{counter}",
                )  # fmt: skip
            if history:
                earned[household_id] = sorted(history, key=lambda h: h[0])

    count = _copy("points_entry", ENTRY_COLUMNS, rows())
    return count, earned


def _seed_store_activity(town, villages, clerks, earned, rng) -> int:
    """Opening stock, a restock half-way, and baskets that never overdraw a balance at any
    moment (later deductions included) nor a good's stock."""
    now = timezone.now()
    today = timezone.localdate()
    year_ago = month_start(today).replace(year=today.year - 1)
    stores = {s.village_id: s for s in Store.objects.filter(village__in=villages)}
    goods_by_store = defaultdict(list)
    for good in Good.objects.filter(store__in=stores.values()).order_by("pk"):
        goods_by_store[good.store_id].append(good)
    stock: dict[int, int] = {}
    opening = {name: quantity for name, _u, _p, quantity in GOODS}
    receipts = []
    restock_day = year_ago + datetime.timedelta(days=180)
    for village_id, store in stores.items():
        clerk = clerks.get(village_id)
        if clerk is None:
            continue
        for good in goods_by_store[store.pk]:
            quantity = opening.get(good.name, 100)
            stock[good.pk] = quantity * 2
            for n, day in enumerate((year_ago, restock_day)):
                receipts.append(
                    (good.pk, quantity, "开业备货" if n == 0 else "补货", clerk,
                     _at(day, 8, rng), f"{KEY_PREFIX}:{town.code}:stock:{good.pk}:{n}")
                )  # fmt: skip
    _copy(
        "points_stockreceipt",
        ["good_id", "quantity", "note", "received_by_id", "received_at", "idempotency_key"],
        receipts,
    )
    household_village = dict(
        Household.objects.filter(pk__in=list(earned)).values_list(
            "pk", "microgrid__grid__village_id"
        )
    )
    baskets = []
    for household_id, history in earned.items():
        village_id = household_village[household_id]
        store = stores.get(village_id)
        if store is None or village_id not in clerks or rng.random() > 0.4:
            continue
        times = [at for at, _p in history]
        running, total = [], 0
        for _at_time, points in history:
            total += points
            running.append(total)
        # The least the balance from entries will be from each moment on.
        floor = running[:]
        for i in range(len(floor) - 2, -1, -1):
            floor[i] = min(floor[i], floor[i + 1])
        spent = 0
        for _n in range(rng.randint(1, 3)):
            at = times[0] + (now - times[0]) * rng.random()
            index = bisect.bisect_right(times, at) - 1
            if index < 0:
                continue
            budget = floor[index] - spent
            basket = []
            cost = 0
            for good in rng.sample(goods_by_store[store.pk], k=3):
                quantity = rng.randint(1, 2)
                if cost + good.price_points * quantity <= budget and stock[good.pk] >= quantity:
                    basket.append((good, quantity))
                    cost += good.price_points * quantity
                    stock[good.pk] -= quantity
            if basket:
                spent += cost
                baskets.append((store, household_id, clerks[village_id], at, cost, basket))
    baskets.sort(key=lambda b: b[3])
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT nextval(pg_get_serial_sequence('points_redemption', 'id')) "
            "FROM generate_series(1, %s)",
            [len(baskets)],
        )
        ids = [row[0] for row in cursor.fetchall()]
    villages_by_id = {v.pk: v for v in villages}
    _copy(
        "points_redemption",
        ["id", "store_id", "household_id", "total_points", "receipt_number", "redeemed_by_id",
         "redeemed_at", "idempotency_key", "note"],
        (
            (rid, store.pk, household_id, cost,
             receipt_number_for(villages_by_id[store.village_id], rid), clerk, at,
             f"{KEY_PREFIX}:{town.code}:basket:{rid}", "")
            for rid, (store, household_id, clerk, at, cost, _b) in zip(ids, baskets, strict=True)
        ),
    )  # fmt: skip
    _copy(
        "points_redemptionline",
        ["redemption_id", "good_id", "quantity", "unit_points"],
        (
            (rid, good.pk, quantity, good.price_points)
            for rid, basket in zip(ids, baskets, strict=True)
            for good, quantity in basket[5]
        ),
    )
    return len(baskets)


def _settle(town: Town) -> None:
    """Balances and stock from the ledger just written (what check_ledger recomputes)."""
    with connection.cursor() as cursor:
        # Fresh statistics after the bulk load, for the plans of what follows.
        cursor.execute("ANALYZE points_entry, points_redemption, points_redemptionline")
        cursor.execute(
            """
            UPDATE points_pointsaccount a SET balance = x.points
            FROM (
                SELECT household_id, SUM(points) AS points FROM (
                    SELECT household_id, points FROM points_entry WHERE status = 'approved'
                    UNION ALL
                    SELECT household_id, -total_points FROM points_redemption
                ) moves GROUP BY household_id
            ) x
            WHERE a.household_id = x.household_id AND a.village_id IN (
                SELECT id FROM grids_village WHERE town_id = %s
            )
            """,
            [town.pk],
        )
        cursor.execute(
            """
            UPDATE points_good g
            SET stock = COALESCE((SELECT SUM(quantity) FROM points_stockreceipt r
                                  WHERE r.good_id = g.id), 0)
                      - COALESCE((SELECT SUM(CASE WHEN d.reverses_id IS NULL
                                                  THEN l.quantity ELSE -l.quantity END)
                                  FROM points_redemptionline l
                                  JOIN points_redemption d ON d.id = l.redemption_id
                                  WHERE l.good_id = g.id), 0)
            WHERE g.store_id IN (
                SELECT s.id FROM points_store s JOIN grids_village v ON v.id = s.village_id
                WHERE v.town_id = %s
            )
            """,
            [town.pk],
        )


def _publish(town: Town) -> int:
    today = timezone.localdate()
    month = month_start(today).replace(year=today.year - 1)
    published = 0
    while next_month(month) <= today:
        published += publish_month_rankings(month=month, town=town)
        month = next_month(month)
    half = datetime.date(today.year - 1, 1, 1)
    while next_half(half) <= today:
        publish_half_honours(half=half, town=town)
        half = next_half(half)
    return published
