"""Demo areas, departments and staff for `manage.py seed_demo`.

Everything is upserted by natural key, so running the seed again changes nothing and a crash
half-way is mended by the next run.
"""

import datetime
from decimal import Decimal

from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.db.models import Q

from huaisi.models import Role
from huaisi.roles import RoleKind

from .models import Department, Grid, MicroGrid, StaffProfile, Town, Village

DEMO_PASSWORD = "huaisi-demo"  # noqa: S105 - documented demo log-in, demo towns only

VILLAGE_NAMES = [
    "槐泗村",
    "宋桥村",
    "友好村",
    "洪桥村",
    "凤凰村",
    "永平村",
    "东湖村",
    "槐东村",
    "西湖村",
    "新华村",
    "河西村",
    "前进村",
    "联合村",
]
COMMUNITY_NAMES = ["槐泗社区", "瓜洲路社区"]
DEPARTMENTS = [
    ("D01", "综合行政执法局"),
    ("D02", "农业农村局"),
    ("D03", "民政办"),
    ("D04", "城建办"),
    ("D05", "社会事业局"),
    ("D06", "派出所"),
    ("D07", "市场监管所"),
    ("D08", "生态环境办"),
    ("D09", "应急管理办"),
    ("D10", "信访办"),
]
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈"
GIVEN = "建国秀英志强桂兰海燕玉梅春华红霞永明小平德胜立新文杰丽娟国庆金凤长江晓东雪梅"

# Huaisi lies north of Yangzhou; the demo villages tile a 5 × 3 block around it.
ORIGIN_LAT, ORIGIN_LNG = Decimal("32.4600"), Decimal("119.3400")
CELL_LAT, CELL_LNG = Decimal("0.0120"), Decimal("0.0150")
MICROGRIDS_PER_GRID = 9
ROSTER_START = datetime.date(2025, 1, 1)


def demo_phone(i: int) -> str:
    """170 0000 xxxx: a virtual-operator block, zero-padded so no one mistakes it for a real
    colleague's number."""
    return f"1700000{i:04d}"


def person_name(i: int) -> str:
    given = GIVEN[(i * 2) % len(GIVEN)] + GIVEN[(i * 7 + 3) % len(GIVEN)]
    return SURNAMES[i % len(SURNAMES)] + given


def rectangle(south: Decimal, west: Decimal, height: Decimal, width: Decimal) -> dict:
    north, east = south + height, west + width
    ring = [
        [float(w), float(s)]
        for w, s in ((west, south), (east, south), (east, north), (west, north), (west, south))
    ]
    return {"type": "Polygon", "coordinates": [ring]}


def _upsert(model, rows: list, unique: list[str], update: list[str]) -> None:
    model.objects.bulk_create(
        rows, update_conflicts=True, unique_fields=unique, update_fields=update
    )


def seed(*, town: Town, options: dict, progress) -> dict:
    names = [(f"HS{i + 1:02d}", n, Village.Kind.VILLAGE) for i, n in enumerate(VILLAGE_NAMES)]
    names += [
        (f"HS{len(VILLAGE_NAMES) + i + 1:02d}", n, Village.Kind.COMMUNITY)
        for i, n in enumerate(COMMUNITY_NAMES)
    ]
    villages = []
    for index, (code, name, kind) in enumerate(names):
        south = ORIGIN_LAT + CELL_LAT * (index // 5)
        west = ORIGIN_LNG + CELL_LNG * (index % 5)
        villages.append(
            Village(
                town=town,
                code=code,
                name=name,
                kind=kind,
                centre_lat=south + CELL_LAT / 2,
                centre_lng=west + CELL_LNG / 2,
                boundary=rectangle(south, west, CELL_LAT, CELL_LNG),
            )
        )
    _upsert(
        Village,
        villages,
        ["town", "code"],
        ["name", "kind", "centre_lat", "centre_lng", "boundary"],
    )
    villages = list(Village.objects.filter(town=town).order_by("code"))
    progress("areas", 1, 4)

    # 33 grids: three in each of the first three villages, two in each of the others.
    grids = []
    number = 0
    for index, village in enumerate(villages):
        count = 3 if index < 3 else 2
        vs, vw = village.centre_lat - CELL_LAT / 2, village.centre_lng - CELL_LNG / 2
        for g in range(count):
            number += 1
            width = CELL_LNG / count
            grids.append(
                Grid(
                    village=village,
                    code=f"G{number:02d}",
                    name=f"{village.name}第{g + 1}网格",
                    centre_lat=vs + CELL_LAT / 2,
                    centre_lng=vw + width * g + width / 2,
                    boundary=rectangle(vs, vw + width * g, CELL_LAT, width),
                )
            )
    _upsert(Grid, grids, ["village", "code"], ["name", "centre_lat", "centre_lng", "boundary"])
    grids = list(Grid.objects.filter(village__town=town).select_related("village").order_by("code"))
    progress("areas", 2, 4)

    microgrids = []
    number = 0
    for grid in grids:
        gs = grid.centre_lat - CELL_LAT / 2
        width = Decimal(grid.boundary["coordinates"][0][1][0]) - Decimal(
            grid.boundary["coordinates"][0][0][0]
        )
        gw = grid.centre_lng - width / 2
        for m in range(MICROGRIDS_PER_GRID):
            number += 1
            row, col = divmod(m, 3)
            h, w = CELL_LAT / 3, width / 3
            microgrids.append(
                MicroGrid(
                    grid=grid,
                    code=f"M{number:03d}",
                    name=f"{grid.name}第{m + 1}微网格",
                    centre_lat=gs + h * row + h / 2,
                    centre_lng=gw + w * col + w / 2,
                    boundary=rectangle(gs + h * row, gw + w * col, h, w),
                )
            )
    _upsert(
        MicroGrid, microgrids, ["grid", "code"], ["name", "centre_lat", "centre_lng", "boundary"]
    )
    microgrids = list(MicroGrid.objects.filter(grid__village__town=town).order_by("code"))
    _upsert(
        Department,
        [Department(town=town, code=code, name=name) for code, name in DEPARTMENTS],
        ["town", "code"],
        ["name"],
    )
    departments = list(Department.objects.filter(town=town).order_by("code"))
    progress("areas", 3, 4)

    staff = seed_staff(
        town=town, villages=villages, grids=grids, microgrids=microgrids, departments=departments
    )
    progress("areas", 4, 4)
    return {
        "villages": len(villages),
        "grids": len(grids),
        "micro-grids": len(microgrids),
        "departments": len(departments),
        "staff": staff,
    }


def seed_staff(*, town, villages, grids, microgrids, departments) -> int:
    """One user per role and area: admin, command, supervisor, deptNN, clerkNN, assessorNN,
    leaderNN, workerNNN, volunteerNN; all with the documented demo password and a demo work
    phone."""
    plan: list[tuple[str, str, dict]] = [
        ("admin", RoleKind.TOWN_ADMIN, {"town": town}),
        ("command", RoleKind.COMMAND_CENTRE, {"town": town}),
        ("supervisor", RoleKind.SUPERVISOR, {"town": town}),
    ]
    plan += [
        (f"dept{i + 1:02d}", RoleKind.DEPARTMENT_HANDLER, {"department": d})
        for i, d in enumerate(departments)
    ]
    for i, village in enumerate(villages):
        plan.append((f"clerk{i + 1:02d}", RoleKind.VILLAGE_CLERK, {"village": village}))
        plan.append((f"assessor{i + 1:02d}", RoleKind.ASSESSOR, {"village": village}))
        plan.append((f"volunteer{i + 1:02d}", RoleKind.VOLUNTEER_LEADER, {"village": village}))
    plan += [(f"leader{i + 1:02d}", RoleKind.GRID_LEADER, {"grid": g}) for i, g in enumerate(grids)]
    plan += [
        (f"worker{i + 1:03d}", RoleKind.MICROGRID_WORKER, {"microgrid": m})
        for i, m in enumerate(microgrids)
    ]

    User = get_user_model()
    # One hash for all: hashing hundreds of passwords one by one would take minutes.
    password = make_password(DEMO_PASSWORD)
    User.objects.bulk_create(
        [
            User(
                username=username,
                first_name=person_name(i),
                password=password,
                is_staff=username == "admin",
                is_superuser=username == "admin",
            )
            for i, (username, _kind, _scope) in enumerate(plan)
        ],
        ignore_conflicts=True,
    )
    users = dict(
        User.objects.filter(username__in=[p[0] for p in plan]).values_list("username", "pk")
    )
    # A phone a town admin has corrected since is kept (ignore_conflicts on the user key).
    StaffProfile.objects.bulk_create(
        [
            StaffProfile(user_id=users[username], phone=demo_phone(i))
            for i, (username, _kind, _scope) in enumerate(plan)
        ],
        ignore_conflicts=True,
    )
    # An area that already has an open holder keeps them (ignore_conflicts on the partial
    # unique indexes), so re-running never replaces staff a town admin has reassigned.
    Role.objects.bulk_create(
        [
            Role(user_id=users[username], kind=kind, starts_on=ROSTER_START, **scope)
            for username, kind, scope in plan
        ],
        ignore_conflicts=True,
    )
    return Role.objects.filter(
        Q(town=town)
        | Q(village__town=town)
        | Q(grid__village__town=town)
        | Q(microgrid__grid__village__town=town)
        | Q(department__town=town)
    ).count()
