"""未诉先办 at 1,000,000 orders (issue 20): the hotspots job's time beside one GROUP BY of the
same 30-day window.

    DATABASE_URL=postgres://…/<scratch db> python -m huaisi.devstack exec \
        .venv/bin/python -m bench.hotspots [--orders 1000000] [--years 3]

Run it against a migrated scratch database (it adds a town "HB" and its orders; run again,
it reuses them). Orders are spread evenly over the years, 60 % placed at random over a
10 km square, 40 % at 2,000 recurring spots (so hotspots exist), 10 % with a caller phone
from a pool of 50,000. Each figure is the best of three runs.
"""

import argparse
import datetime
import os
import time

import django


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--orders", type=int, default=1_000_000)
    parser.add_argument("--years", type=int, default=3)
    args = parser.parse_args()
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "huaisi.settings")
    django.setup()
    from django.db import connection
    from django.utils import timezone

    from grids.models import Town, Village
    from hotspots.services import WINDOW_DAYS, analyse_town
    from tickets.models import Category, WorkOrder

    town, made = Town.objects.get_or_create(code="HB", defaults={"name": "基准镇"})
    villages = [
        Village.objects.get_or_create(town=town, code=f"HB{v}", defaults={"name": f"基准{v}村"})[0]
        for v in range(12)
    ]
    categories = [Category.objects.get_or_create(town=town, name=f"类别{c}")[0] for c in range(20)]
    have = WorkOrder.objects.filter(town=town).count()
    if have < args.orders:
        print(f"inserting {args.orders - have} orders …", flush=True)
        started = time.perf_counter()
        with connection.cursor() as cursor:
            cursor.execute(
                """
                INSERT INTO tickets_workorder (
                    town_id, number, source, upstream_number, category_id, title, description,
                    caller_name, caller_phone, village_id, address, lat, lng, urgency, state,
                    due_soon, overdue, urge_count, supervise_count, return_count, rework_count,
                    excluded_from_assessment, exclusion_reason, handled_on_spot, reply_text,
                    satisfaction, created_at, updated_at)
                SELECT %(town)s, 'HS' || lpad((%(offset)s + g)::text, 14, '0'), 'hotline', '',
                       (%(categories)s::bigint[])[1 + (g * 7919) %% 20], '路面坑洼', '路面有坑',
                       '', CASE WHEN g %% 10 = 0 THEN '139' || lpad((g %% 50000)::text, 8, '0')
                                ELSE '' END,
                       (%(villages)s::bigint[])[1 + g %% 12], '',
                       CASE WHEN g %% 5 < 2 THEN round((31.45 + ((g * 104729) %% 2000) * 0.00005
                                                        + random() * 0.0008)::numeric, 6)
                            ELSE round((31.45 + random() * 0.09)::numeric, 6) END,
                       CASE WHEN g %% 5 < 2 THEN round((120.25 + ((g * 104729) %% 2000) * 0.00005
                                                         + random() * 0.0008)::numeric, 6)
                            ELSE round((120.25 + random() * 0.1)::numeric, 6) END,
                       'normal', 'new', false, false, 0, 0, 0, 0, false, '', false, '', '',
                       now() - (g::float8 / %(count)s) * %(span)s, now()
                  FROM generate_series(1::bigint, %(count)s) g
                """,
                {
                    "town": town.pk,
                    "offset": have,
                    "count": args.orders - have,
                    "span": datetime.timedelta(days=365 * args.years),
                    "categories": [c.pk for c in categories],
                    "villages": [v.pk for v in villages],
                },
            )
            cursor.execute("ANALYZE tickets_workorder")
        print(f"  {time.perf_counter() - started:.1f} s", flush=True)

    def best(fn) -> float:
        times = []
        for _ in range(3):
            started = time.perf_counter()
            fn()
            times.append(time.perf_counter() - started)
        return min(times)

    def group_by():
        with connection.cursor() as cursor:
            cursor.execute(
                """SELECT category_id, count(*) FROM tickets_workorder
                   WHERE town_id = %s AND created_at >= now() - %s
                   GROUP BY category_id""",
                [town.pk, datetime.timedelta(days=WINDOW_DAYS)],
            )
            cursor.fetchall()

    result = {}

    def job():
        result["analysis"] = analyse_town(town=town)

    total = WorkOrder.objects.filter(town=town).count()
    window = WorkOrder.objects.filter(
        town=town, created_at__gte=timezone.now() - datetime.timedelta(days=30)
    ).count()
    job_s, group_s = best(job), best(group_by)
    print(f"orders: {total:,}; in the {WINDOW_DAYS}-day window: {window:,}")
    print(f"found: {result['analysis']}")
    print(f"hotspots job (hotspots + rising + repeat callers): {job_s * 1000:.0f} ms")
    print(f"one GROUP BY category over the same window:       {group_s * 1000:.0f} ms")
    print(f"ratio: {job_s / group_s:.1f}×")


if __name__ == "__main__":
    main()
