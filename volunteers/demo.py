"""Demo volunteers for `seed_demo`: a team per village or community (its leader the village's
demo volunteer leader, volunteerNN) and the town-wide 槐小保 safety team; members, a fraction
of them linked to residents of the register; ten months of activities with hours (the latest
waiting for confirmation, a few confirmed through the real service so their households have
pending point entries); micro-wishes at every step; last year's and this year's livelihood
projects with their votes and progress.

Drawn from a fixed seed and written once per town (set-based bulk inserts); a re-run adds
nothing.
"""

import datetime
import io
import random
from decimal import Decimal

from django.contrib.auth import get_user_model
from django.core.files.base import ContentFile
from django.utils import timezone
from PIL import Image, ImageDraw

from grids.demo import GIVEN, SURNAMES
from grids.models import Grid, MicroGrid, Town
from households.models import Resident
from huaisi.models import Role
from huaisi.roles import RoleKind
from huaisi.uploads import check_image

from .models import (
    Activity,
    Decision,
    Membership,
    Participation,
    Photo,
    ProgressUpdate,
    Project,
    ServiceType,
    Team,
    Volunteer,
    Wish,
)
from .services.activities import activity_confirm_within

SERVICE_CYCLE = [
    ServiceType.GENERAL,
    ServiceType.ENVIRONMENT,
    ServiceType.CARE,
    ServiceType.MEDIATION,
    ServiceType.PUBLICITY,
]
PLACES = {
    Activity.Kind.PATROL: ["村部周边", "河道沿线", "村小学门口", "农贸市场", "重点企业周边"],
    Activity.Kind.PUBLICITY: ["村文化广场", "村部会议室", "老年活动室", "集贸市场"],
    Activity.Kind.MEDIATION: ["村调解室", "村民家中", "田头"],
    Activity.Kind.CLEANUP: ["村主干道", "河塘边", "村部广场", "垃圾集中点"],
}
DESCRIPTIONS = {
    Activity.Kind.PATROL: "网格长带队，网格员与志愿者联合巡查消防通道、河道安全和独居老人住户。",
    Activity.Kind.PUBLICITY: "开展防范电信诈骗、安全生产和移风易俗宣传。",
    Activity.Kind.MEDIATION: "调解邻里宅基地边界纠纷，双方达成和解。",
    Activity.Kind.CLEANUP: "清理路边垃圾和河塘漂浮物，整治乱堆乱放。",
}
WISHES = [
    ("希望有人帮忙修理漏雨的屋顶", "老人独居，雨天屋内漏水"),
    ("想要一台助听器", "听力下降，与家人沟通困难"),
    ("希望孩子暑假有人辅导作业", "父母在外务工，孩子由奶奶照看"),
    ("希望帮忙代购常用药", "行动不便，去镇卫生院不方便"),
    ("想学用智能手机和子女视频", ""),
    ("希望家门口的路灯修好", "晚上出门不安全"),
    ("需要一辆轮椅", "腿脚不便，长期卧床"),
    ("希望帮忙打扫庭院", "年老体弱，无力清理"),
    ("想要几本大字版的书", ""),
    ("希望帮忙联系就业岗位", "家庭困难，想在附近找份工作"),
]
PROJECTS = [
    (Project.Category.ROAD, "{v}组道路硬化", 380000),
    (Project.Category.ROAD, "{v}村道路灯安装", 120000),
    (Project.Category.WATER, "{v}河塘清淤整治", 260000),
    (Project.Category.WATER, "{v}灌溉渠修复", 90000),
    (Project.Category.HOUSE, "{v}困难户危房改造", 150000),
    (Project.Category.DEMOLITION, "{v}违章搭建拆除", 60000),
    (Project.Category.OTHER, "{v}文化广场改造", 200000),
]


def _picture(colour: tuple[int, int, int], label: str):
    picture = Image.new("RGB", (640, 480), colour)
    draw = ImageDraw.Draw(picture)
    for band in range(0, 480, 40):
        draw.rectangle([0, band, 640, band + 18], fill=tuple(min(255, c + 30) for c in colour))
    draw.text((24, 24), label, fill=(255, 255, 255))
    buffer = io.BytesIO()
    picture.save(buffer, format="JPEG", quality=80)
    return check_image(ContentFile(buffer.getvalue(), name="demo.jpg"), stem="demo")


def _person(rng: random.Random) -> str:
    return rng.choice(SURNAMES) + "".join(rng.choice(GIVEN) for _ in range(rng.choice((1, 2))))


def seed(*, town: Town, options: dict, progress) -> dict:
    if Team.objects.filter(town=town).exists():
        return _summary(town)
    rng = random.Random(20261206)
    today = timezone.localdate()
    now = timezone.now()
    User = get_user_model()
    villages = list(town.villages.order_by("code"))
    if not villages:
        return _summary(town)
    roles = Role.objects.filter(ends_on__isnull=True).select_related("user")
    leaders = {
        r.village_id: r.user
        for r in roles.filter(kind=RoleKind.VOLUNTEER_LEADER, village__town=town)
    }
    clerks = {
        r.village_id: r.user for r in roles.filter(kind=RoleKind.VILLAGE_CLERK, village__town=town)
    }
    workers = {
        r.microgrid_id: r.user
        for r in roles.filter(kind=RoleKind.MICROGRID_WORKER, microgrid__grid__village__town=town)
    }
    grid_leaders = {
        r.grid_id: r.user for r in roles.filter(kind=RoleKind.GRID_LEADER, grid__village__town=town)
    }
    admin = User.objects.filter(is_superuser=True).order_by("pk").first()

    def fallback(village):
        return clerks.get(village.pk) or admin

    # --- Teams ------------------------------------------------------------------------------
    teams = []
    for i, village in enumerate(villages):
        leader = leaders.get(village.pk)
        teams.append(
            Team(
                town=town,
                village=village,
                name=f"{village.name}志愿服务队",
                service_type=SERVICE_CYCLE[i % len(SERVICE_CYCLE)],
                leader=leader,
                leader_name=(leader.first_name if leader else "") or _person(rng),
            )
        )
    first_leader = leaders.get(villages[0].pk)
    teams.append(
        Team(
            town=town,
            village=None,
            name="槐小保平安志愿服务队",
            service_type=ServiceType.SAFETY,
            leader=first_leader,
            leader_name=(first_leader.first_name if first_leader else "") or _person(rng),
        )
    )
    teams = Team.objects.bulk_create(teams)
    village_teams, safety_team = teams[:-1], teams[-1]
    progress("volunteers", 1, 5)

    # --- Volunteers and memberships ---------------------------------------------------------
    residents_by_village: dict[int, list] = {}
    for row in (
        Resident.objects.filter(
            household__microgrid__grid__village__town=town,
            moved_out=False,
            deceased=False,
            birth_date__lte=today.replace(year=today.year - 18),
            birth_date__gte=today.replace(year=today.year - 72),
        )
        .exclude(phone="")
        .values("pk", "name", "phone", "household__microgrid__grid__village_id")
        .order_by("pk")
    ):
        residents_by_village.setdefault(row["household__microgrid__grid__village_id"], []).append(
            row
        )
    volunteers = []
    for team in village_teams:
        pool = residents_by_village.get(team.village_id, [])
        linked = rng.sample(pool, min(len(pool), 8))
        for row in linked:
            volunteers.append(
                Volunteer(
                    town=town,
                    village_id=team.village_id,
                    name=row["name"],
                    resident_id=row["pk"],
                    phone=row["phone"],
                )
            )
        for _n in range(12 - len(linked)):
            volunteers.append(
                Volunteer(
                    town=town,
                    village_id=team.village_id,
                    name=_person(rng),
                    phone=f"170{rng.randrange(10**8):08d}" if rng.random() < 0.6 else "",
                )
            )
    volunteers = Volunteer.objects.bulk_create(volunteers)
    by_village: dict[int, list[Volunteer]] = {}
    for v in volunteers:
        by_village.setdefault(v.village_id, []).append(v)
    year_start = today.replace(month=1, day=1).replace(year=today.year - 1)
    memberships = []
    members_of: dict[int, list[Volunteer]] = {}
    roles_cycle = Membership.Role.values
    for team in village_teams:
        people = by_village.get(team.village_id, [])
        for index, person in enumerate(people):
            joined = year_start + datetime.timedelta(days=rng.randrange(60))
            if index == len(people) - 1:
                # One member left in the spring and came back: the history shows both.
                left = joined + datetime.timedelta(days=90)
                memberships.append(
                    Membership(
                        team=team,
                        volunteer=person,
                        role=roles_cycle[index % 5],
                        joined_on=joined,
                        left_on=left,
                    )
                )
                joined = left + datetime.timedelta(days=60)
            memberships.append(
                Membership(
                    team=team, volunteer=person, role=roles_cycle[index % 5], joined_on=joined
                )
            )
            members_of.setdefault(team.pk, []).append(person)
    safety = rng.sample(volunteers, min(len(volunteers), 24))
    for person in safety:
        memberships.append(
            Membership(
                team=safety_team,
                volunteer=person,
                role=Membership.Role.PATROLLER,
                joined_on=year_start + datetime.timedelta(days=rng.randrange(30)),
            )
        )
        members_of.setdefault(safety_team.pk, []).append(person)
    Membership.objects.bulk_create(memberships)
    progress("volunteers", 2, 5)

    # --- Activities and hours ---------------------------------------------------------------
    grids_by_village: dict[int, list] = {}
    for grid in Grid.objects.filter(village__town=town).order_by("code"):
        grids_by_village.setdefault(grid.village_id, []).append(grid)
    start = today - datetime.timedelta(days=300)
    activities, plans = [], []
    for team in teams:
        people = members_of.get(team.pk, [])
        if not people:
            continue
        count = 24 if team is safety_team else 18
        days = sorted(rng.sample(range(1, 300), count))
        for n, offset in enumerate(days):
            day = start + datetime.timedelta(days=offset)
            if day > today:
                continue
            village = team.village or rng.choice(villages)
            kind = (
                Activity.Kind.PATROL
                if team is safety_team
                else rng.choice(
                    [
                        Activity.Kind.PATROL,
                        Activity.Kind.PUBLICITY,
                        Activity.Kind.CLEANUP,
                        Activity.Kind.CLEANUP,
                        Activity.Kind.MEDIATION,
                    ]
                )
            )
            grid = rng.choice(grids_by_village.get(village.pk, [None]))
            recent = (today - day).days < 14
            counts = {}
            if kind == Activity.Kind.PUBLICITY:
                lectures = rng.choice((0, 1, 1, 2))
                counts = {
                    "leaflets": rng.randrange(50, 400),
                    "lectures": lectures,
                    "lecture_attendance": lectures * rng.randrange(20, 80),
                    "screenings": rng.choice((0, 0, 1, 2)),
                    "posters": rng.randrange(0, 20),
                    "forwards": rng.randrange(0, 300),
                }
            leader = team.leader or fallback(village)
            activities.append(
                Activity(
                    team=team,
                    kind=kind,
                    date=day,
                    place=f"{village.name}{rng.choice(PLACES[kind])}",
                    village=village,
                    grid=grid,
                    description=DESCRIPTIONS[kind],
                    status=Activity.Status.LOGGED if recent else Activity.Status.CONFIRMED,
                    logged_by=leader,
                    logged_at=now - datetime.timedelta(days=(today - day).days),
                    confirmed_by=None if recent else leader,
                    confirmed_at=None
                    if recent
                    else now - datetime.timedelta(days=(today - day).days - 1),
                    idempotency_key=f"demo-{town.code}-{team.pk}-{n}",
                    **counts,
                )
            )
            plans.append((rng.sample(people, min(len(people), rng.randint(3, 8))), grid))
    activities = Activity.objects.bulk_create(activities)
    participations = []
    for activity, (people, _grid) in zip(activities, plans, strict=True):
        for person in people:
            participations.append(
                Participation(
                    activity=activity,
                    volunteer=person,
                    hours=Decimal(rng.choice((1, 1.5, 2, 2, 3, 4))).quantize(Decimal("0.1")),
                )
            )
    Participation.objects.bulk_create(participations)
    patrol_staff = []
    through = Activity.staff.through
    for activity, (_people, grid) in zip(activities, plans, strict=True):
        if activity.kind == Activity.Kind.PATROL and grid is not None and grid.pk in grid_leaders:
            patrol_staff.append(through(activity_id=activity.pk, user_id=grid_leaders[grid.pk].pk))
    through.objects.bulk_create(patrol_staff)
    progress("volunteers", 3, 5)

    # A few of the waiting activities confirmed through the real service: their resident
    # volunteers' households get pending point entries, as in real use (joining the seed's
    # transaction).
    waiting = [a for a in activities if a.status == Activity.Status.LOGGED and a.team.leader_id]
    for activity in waiting[: max(1, len(waiting) // 3)]:
        activity_confirm_within(activity=activity, by=activity.team.leader)

    photo = _picture((40, 110, 170), "Huaisi volunteers")
    for activity in [a for a in activities if a.status == Activity.Status.CONFIRMED][::25]:
        _attach(photo, activity=activity)

    # --- Micro-wishes -----------------------------------------------------------------------
    micro = list(MicroGrid.objects.filter(grid__village__town=town).select_related("grid"))
    residents_by_micro: dict[int, list[int]] = {}
    for pk, micro_id in Resident.objects.filter(
        household__microgrid__grid__village__town=town, moved_out=False, deceased=False
    ).values_list("pk", "household__microgrid_id"):
        residents_by_micro.setdefault(micro_id, []).append(pk)
    team_of_village = {t.village_id: t for t in village_teams}
    wishes = []
    statuses = [
        Wish.Status.RECORDED,
        Wish.Status.CLAIMED,
        Wish.Status.FULFILLED,
        Wish.Status.CLOSED,
        Wish.Status.CLOSED,
    ]
    for n, microgrid in enumerate(rng.sample(micro, min(len(micro), 120))):
        people = residents_by_micro.get(microgrid.pk)
        if not people:
            continue
        village_id = microgrid.grid.village_id
        title, details = WISHES[n % len(WISHES)]
        status = statuses[n % len(statuses)]
        recorded = now - datetime.timedelta(days=rng.randrange(20, 200))
        team = team_of_village.get(village_id) if status != Wish.Status.RECORDED else None
        if status != Wish.Status.RECORDED and rng.random() < 0.2:
            team = safety_team
        recorder = workers.get(microgrid.pk) or admin
        wishes.append(
            Wish(
                resident_id=rng.choice(people),
                village_id=village_id,
                microgrid=microgrid,
                title=title,
                details=details,
                status=status,
                recorded_by=recorder,
                recorded_at=recorded,
                team=team,
                claimed_by=team.leader if team else None,
                claimed_at=recorded + datetime.timedelta(days=2) if team else None,
                fulfilled_at=recorded + datetime.timedelta(days=9)
                if status in (Wish.Status.FULFILLED, Wish.Status.CLOSED)
                else None,
                fulfilment="志愿者上门帮助，已完成。"
                if status in (Wish.Status.FULFILLED, Wish.Status.CLOSED)
                else "",
                feedback="非常满意，感谢志愿者！" if status == Wish.Status.CLOSED else "",
                satisfied=True if status == Wish.Status.CLOSED else None,
                closed_by=recorder if status == Wish.Status.CLOSED else None,
                closed_at=recorded + datetime.timedelta(days=12)
                if status == Wish.Status.CLOSED
                else None,
            )
        )
    wishes = Wish.objects.bulk_create(wishes)
    wish_photo = _picture((200, 120, 40), "wish fulfilled")
    done = [w for w in wishes if w.status in (Wish.Status.FULFILLED, Wish.Status.CLOSED)]
    for wish in done[:10]:
        _attach(wish_photo, wish=wish)
    progress("volunteers", 4, 5)

    # --- Livelihood projects ----------------------------------------------------------------
    projects, decisions = [], []
    for year, per_village in ((today.year - 1, 3), (today.year, None)):
        plan = []
        if per_village:
            plan = [(v, i) for v in villages for i in range(per_village)]
        else:
            # About 49 a year across the town.
            plan = [(villages[i % len(villages)], i // len(villages)) for i in range(49)]
        for village, i in plan:
            category, title, budget = PROJECTS[(i * 3 + village.pk) % len(PROJECTS)]
            past = year < today.year
            stage = (
                "completed"
                if past
                else rng.choice(
                    ["planned", "planned", "in_progress", "in_progress", "in_progress", "completed"]
                )
            )
            started = (
                datetime.date(year, rng.randint(3, 6), rng.randint(1, 28))
                if stage != "planned"
                else None
            )
            if started and started > today:
                started = today - datetime.timedelta(days=30)
            completed = (
                min(started + datetime.timedelta(days=rng.randint(60, 150)), today)
                if stage == "completed"
                else None
            )
            lead = leaders.get(village.pk)
            projects.append(
                Project(
                    village=village,
                    year=year,
                    title=title.format(v=f"{village.name}第{i + 1}"),
                    category=category,
                    description="村“两委”提议，村民代表会议一事一议通过后实施。",
                    lead_name=f"{village.name}党支部书记{_person(rng)}",
                    lead=None,
                    budget=Decimal(budget + rng.randrange(0, 50) * 1000),
                    status=stage,
                    started_on=started,
                    completed_on=completed,
                    completion_note="工程已完工并通过村民代表验收。" if completed else "",
                    created_by=clerks.get(village.pk) or admin or lead,
                )
            )
    projects = Project.objects.bulk_create(projects)
    updates = []
    for project in projects:
        village = project.village
        voted = project.status != Project.Status.PLANNED or rng.random() < 0.6
        if voted:
            attendance = rng.randint(35, 90)
            against = rng.randint(0, attendance // 8)
            abstain = rng.randint(0, attendance // 10)
            meeting = (project.started_on or today) - datetime.timedelta(days=rng.randint(10, 40))
            decisions.append(
                Decision(
                    project=project,
                    meeting_date=meeting,
                    attendance=attendance,
                    votes_for=attendance - against - abstain,
                    votes_against=against,
                    abstentions=abstain,
                    minutes="村民代表会议讨论项目必要性、资金来源和实施方式，举手表决。",
                    recorded_by=project.created_by,
                    recorded_at=now,
                )
            )
        if project.started_on:
            span = ((project.completed_on or today) - project.started_on).days
            for step in range(1, rng.randint(2, 4)):
                day = project.started_on + datetime.timedelta(days=span * step // 4)
                updates.append(
                    ProgressUpdate(
                        project=project,
                        date=day,
                        note="按计划推进施工，村民监督员到场监督。",
                        percent=min(100, step * 30),
                        recorded_by=project.created_by,
                        recorded_at=now,
                    )
                )
    Decision.objects.bulk_create(decisions)
    ProgressUpdate.objects.bulk_create(updates)
    progress("volunteers", 5, 5)
    return _summary(town)


def _attach(checked, **owner) -> None:
    """One demo photo saved again for each owner (storage names stay unique)."""
    copies = {}
    for name in ("image", "thumbnail"):
        content = getattr(checked, name)
        content.seek(0)
        copies[name] = ContentFile(content.read(), name=content.name)
    Photo.objects.create(width=checked.width, height=checked.height, **copies, **owner)


def _summary(town: Town) -> dict:
    return {
        "teams": Team.objects.filter(town=town).count(),
        "volunteers": Volunteer.objects.filter(town=town).count(),
        "activities": Activity.objects.filter(team__town=town).count(),
        "wishes": Wish.objects.filter(village__town=town).count(),
        "projects": Project.objects.filter(village__town=town).count(),
    }
