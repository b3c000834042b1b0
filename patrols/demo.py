"""Demo patrol inspections: each demo grid leader's patrols over the last four months.

Needs the register's households (and, for reported findings, the work-order demo's grid
reports): patrols comes after both apps in INSTALLED_APPS, so its seed runs after theirs.
Written in bulk (a few statements per table), from a fixed seed; a town that has inspections
already is left alone, so a re-run adds nothing. No photos: demo files would only fill the
media storage.
"""

import datetime
import hashlib
import random
import uuid

from django.utils import timezone

from grids.models import Grid, Town
from households.models import Household
from huaisi.models import Role
from huaisi.roles import RoleKind
from tickets.models import Source, WorkOrder

from .models import (
    FindingOutcome,
    FindingType,
    Inspection,
    InspectionFinding,
    InspectionVisit,
)

DAYS = 120
EVERY_DAYS = 5
PLACES = [
    "村东河道",
    "村部广场",
    "北圩田埂",
    "老街巷口",
    "小学门口",
    "村西桥头",
    "养殖场周边",
    "主干道沿线",
]
FINDINGS = {
    FindingType.SAFETY_HAZARD: "楼道堆放杂物，存在消防隐患",
    FindingType.ENVIRONMENT: "河坡有生活垃圾堆放",
    FindingType.STRAW_BURNING: "田头发现焚烧秸秆痕迹",
    FindingType.ILLEGAL_CONSTRUCTION: "路边新搭彩钢棚",
    FindingType.DISPUTE: "两户因宅基地边界发生争执",
    FindingType.FACILITIES_DAMAGED: "路灯损坏一处",
    FindingType.OTHER: "其他情况",
}
FIXES = ["已当场清理", "已劝导整改", "已调解，双方认可", "已通知村里维修"]


def seed(*, town: Town, options: dict, progress) -> dict:
    if Inspection.objects.filter(grid__village__town=town).exists():
        return {"inspections": Inspection.objects.filter(grid__village__town=town).count()}
    grids = list(Grid.objects.filter(village__town=town).order_by("pk"))
    leaders = dict(
        Role.objects.filter(kind=RoleKind.GRID_LEADER, grid__in=grids, ends_on__isnull=True)
        .order_by("starts_on")
        .values_list("grid_id", "user_id")
    )
    homes: dict[int, list[int]] = {}
    for pk, grid_id in Household.objects.filter(
        microgrid__grid__in=grids, status=Household.Status.ACTIVE
    ).values_list("pk", "microgrid__grid_id"):
        homes.setdefault(grid_id, []).append(pk)
    if not homes:
        return {"inspections": 0}
    # Grid reports of the work-order demo, one per reported finding at most.
    reports: dict[int, list[int]] = {}
    for pk, grid_id in WorkOrder.objects.filter(
        town=town, source=Source.GRID, grid__in=grids
    ).values_list("pk", "grid_id"):
        reports.setdefault(grid_id, []).append(pk)

    rng = random.Random(20261127)
    now = timezone.now()
    inspections, plans = [], []
    for grid in grids:
        inspector = leaders.get(grid.pk)
        households = homes.get(grid.pk, [])
        if inspector is None or not households:
            continue
        for day in range(DAYS, 0, -EVERY_DAYS):
            start = (now - datetime.timedelta(days=day)).replace(
                hour=rng.randint(8, 15), minute=rng.choice([0, 15, 30, 45])
            )
            end = start + datetime.timedelta(minutes=rng.randint(30, 150))
            key = uuid.UUID(int=rng.getrandbits(128), version=4)
            inspections.append(
                Inspection(
                    client_uuid=key,
                    inspector_id=inspector,
                    grid=grid,
                    place=rng.choice(PLACES),
                    started_at=start,
                    ended_at=end,
                    fingerprint=hashlib.sha256(key.bytes).hexdigest(),
                )
            )
            visited = rng.sample(households, min(len(households), rng.randint(4, 12)))
            plans.append((grid, visited, end))
    created = Inspection.objects.bulk_create(inspections, batch_size=2000)
    progress("inspections", 1, 3)
    visits, findings = [], []
    for inspection, (grid, visited, end) in zip(created, plans, strict=True):
        visits += [
            InspectionVisit(inspection=inspection, household_id=pk, visited_at=end)
            for pk in visited
        ]
        if rng.random() < 0.35:
            kind = rng.choice(list(FINDINGS))
            order_id = None
            if rng.random() < 0.3 and reports.get(grid.pk):
                order_id = reports[grid.pk].pop()
            findings.append(
                InspectionFinding(
                    inspection=inspection,
                    position=0,
                    type=kind,
                    description=FINDINGS[kind],
                    outcome=FindingOutcome.REPORT if order_id else FindingOutcome.FIXED,
                    fixed_note="" if order_id else rng.choice(FIXES),
                    order_id=order_id,
                )
            )
    InspectionVisit.objects.bulk_create(visits, batch_size=5000)
    progress("inspections", 2, 3)
    InspectionFinding.objects.bulk_create(findings, batch_size=2000)
    progress("inspections", 3, 3)
    return {"inspections": len(created), "visits": len(visits), "findings": len(findings)}
