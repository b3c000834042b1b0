"""Demo work orders for `seed_demo`: a year of hotline, mayor-message and grid-report orders.

As many orders as the register has households (20,000 for the full town, about what a town
of its size receives in a year), spread over the last 365 days up to now, across every unit
and state. Each order's life is drawn from a fixed seed: most are closed after a callback;
about one in eight replies late, one in ten callers is dissatisfied and the order is handled
again; recent orders are still open, some past their deadlines (the deadline sweep run at the
end marks them and issues the 催办/督办 notices). Rows go in with COPY; the timeline is written
as the services would have written it. A town that has orders already is left as it is.
"""

import datetime
import json
import random
from collections import Counter

from django.db import connection
from django.utils import timezone

from grids.models import Grid, Town
from huaisi.models import Role
from huaisi.roles import RoleKind

from . import worktime
from .models import (
    Action,
    Callback,
    Category,
    CoHandling,
    DeadlineRule,
    OrderCounter,
    Satisfaction,
    Source,
    StandardItem,
    State,
    SupervisionScore,
    TimelineEvent,
    Unit,
    Urgency,
    WorkOrder,
)
from .services import DEFAULT_RULES, compute_deadlines, units_sync
from .services.sweep import sweep_run

CATEGORIES = {
    "环境保护": ["秸秆焚烧", "河道污染", "噪音扰民", "垃圾清运"],
    "城乡建设": ["违章搭建", "道路破损", "路灯故障", "房屋安全"],
    "农业农村": ["农田水利", "农资质量", "土地流转"],
    "民生保障": ["低保救助", "养老服务", "医疗保险"],
    "社会治安": ["邻里纠纷", "消防隐患", "交通安全"],
    "市场监管": ["食品安全", "价格投诉", "无证经营"],
}
# Which department usually gets which top-level category (codes from grids.demo).
CATEGORY_DEPARTMENTS = {
    "环境保护": ["D08", "D01"],
    "城乡建设": ["D04", "D01"],
    "农业农村": ["D02"],
    "民生保障": ["D03", "D05"],
    "社会治安": ["D06", "D09", "D10"],
    "市场监管": ["D07"],
}
CHECKLIST = [
    ("按时签收，联系来电人", 20),
    ("答复内容针对诉求、表述规范", 40),
    ("佐证材料（照片、文书）齐全", 25),
    ("办理过程留痕完整", 15),
]
TITLES = {
    "秸秆焚烧": "田间有人焚烧秸秆", "河道污染": "河道水体发黑有异味", "噪音扰民": "夜间施工噪音扰民",
    "垃圾清运": "垃圾桶满溢无人清运", "违章搭建": "有人私自搭建彩钢棚", "道路破损": "村道路面坑洼",
    "路灯故障": "路灯不亮", "房屋安全": "老旧房屋墙体开裂", "农田水利": "灌溉渠堵塞",
    "农资质量": "购买的化肥疑似假货", "土地流转": "土地流转租金未按时支付", "低保救助": "咨询低保申请",
    "养老服务": "独居老人需要助餐服务", "医疗保险": "医保报销进度咨询", "邻里纠纷": "邻居占用公共通道",
    "消防隐患": "楼道堆放杂物", "交通安全": "路口缺少减速带", "食品安全": "小餐馆卫生条件差",
    "价格投诉": "商店明码标价不实", "无证经营": "路边无证摊点",
}  # fmt: skip
ORDER_FIELDS = [
    "town", "number", "source", "upstream_number", "upstream_deadline", "category", "title",
    "description", "caller_name", "caller_phone", "village", "grid", "address", "urgency",
    "state", "lead_unit", "dispatched_at", "accept_due", "accept_warn_at", "accept_escalate_at",
    "accepted_at", "reply_due", "reply_warn_at", "reply_escalate_at", "first_replied_at",
    "replied_at", "replied_on_time", "reply_text", "satisfaction", "closed_at", "handled_on_spot",
    "due_soon", "overdue", "urge_count", "supervise_count", "return_count", "rework_count",
    "excluded_from_assessment", "exclusion_reason", "created_by", "created_at", "updated_at",
]  # fmt: skip
EVENT_FIELDS = ["order", "action", "actor", "at", "note", "from_state", "to_state", "unit", "data"]
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林"


def _setup(town: Town) -> tuple[list[Category], dict]:
    tops = {}
    for position, (name, children) in enumerate(CATEGORIES.items()):
        top, _created = Category.objects.get_or_create(
            town=town, parent=None, name=name, defaults={"position": position}
        )
        tops[name] = top
        for child_position, child in enumerate(children):
            Category.objects.get_or_create(
                town=town, parent=top, name=child, defaults={"position": child_position}
            )
        DeadlineRule.objects.bulk_create(
            [
                DeadlineRule(category=top, urgency=u, accept_working_hours=h, reply_working_days=d)
                for u, (h, d) in DEFAULT_RULES.items()
            ],
            ignore_conflicts=True,
        )
    for position, (title, points) in enumerate(CHECKLIST):
        StandardItem.objects.get_or_create(
            town=town, title=title, defaults={"max_points": points, "position": position}
        )
    children = list(
        Category.objects.filter(town=town, parent__isnull=False).select_related("parent")
    )
    return children, tops


def seed(*, town: Town, options: dict, progress) -> dict:
    units_sync(town=town)
    children, _tops = _setup(town)
    total = options.get("households", 0)
    if total <= 0 or WorkOrder.objects.filter(town=town).exists():
        return {"orders": WorkOrder.objects.filter(town=town).count()}
    rng = random.Random(20261128)
    # Co-handling draws from its own generator, so the rest of the demo stays as it was.
    co_rng = random.Random(20261127)
    now = timezone.now()
    units = list(Unit.objects.filter(town=town).select_related("department", "village"))
    by_department = {u.department.code: u for u in units if u.department_id}
    by_village = {u.village_id: u for u in units if u.village_id}
    by_department_id = {u.department_id: u for u in units if u.department_id}
    grids = list(Grid.objects.filter(village__town=town).select_related("village"))
    today = timezone.localdate()
    roles = Role.objects.filter(starts_on__lte=today, ends_on__isnull=True)
    command = (
        roles.filter(kind=RoleKind.COMMAND_CENTRE, town=town).values_list("user", flat=True).first()
    )
    supervisor = (
        roles.filter(kind=RoleKind.SUPERVISOR, town=town).values_list("user", flat=True).first()
    )
    handler_of = {}
    for role in roles.filter(kind__in=[RoleKind.DEPARTMENT_HANDLER, RoleKind.VILLAGE_CLERK]):
        unit = (
            by_department_id.get(role.department_id)
            if role.department_id
            else by_village.get(role.village_id)
        )
        if unit is not None:
            handler_of.setdefault(unit.pk, role.user_id)
    leader_of = dict(
        roles.filter(kind=RoleKind.GRID_LEADER, grid__village__town=town).values_list(
            "grid", "user"
        )
    )
    phones = [f"139{rng.randrange(10**8):08d}" for _ in range(max(10, total * 2 // 3))]

    starts = sorted(
        now - datetime.timedelta(seconds=rng.randrange(600, 365 * 86400)) for _ in range(total)
    )
    per_day: Counter = Counter()
    orders, plans = [], []
    for n, created in enumerate(starts):
        day = timezone.localdate(created)
        per_day[day] += 1
        category = rng.choice(children)
        grid = rng.choice(grids)
        # No demo order is proactive (主动发现): those come from hotspots (weight 0 keeps the
        # demo the same draw for draw).
        source = rng.choices(Source.values, weights=(55, 10, 20, 5, 10, 0))[0]
        urgency = rng.choices(Urgency.values, weights=(80, 15, 5))[0]
        order = WorkOrder(
            town=town,
            number=f"HS{day:%Y%m%d}{per_day[day]:04d}",
            source=source,
            upstream_number=f"YZ12345-{day:%Y%m%d}-{n:06d}" if source == Source.HOTLINE else "",
            upstream_deadline=created + datetime.timedelta(days=10)
            if source == Source.HOTLINE
            else None,
            category_id=category.pk,
            title=TITLES.get(category.name, category.name),
            description=f"{grid.village.name}{TITLES.get(category.name, category.name)}，请尽快处理。",
            caller_name=""
            if source == Source.GRID
            else rng.choice(SURNAMES) + rng.choice(("先生", "女士")),
            caller_phone="" if source == Source.GRID else rng.choice(phones),
            village_id=grid.village_id,
            grid_id=grid.pk,
            address=f"{grid.village.name}{grid.code[-2:]}组{rng.randrange(1, 80)}号附近",
            urgency=urgency,
            created_by_id=leader_of.get(grid.pk) if source == Source.GRID else command,
            created_at=created,
            updated_at=now,
        )
        orders.append(order)
        plans.append(_plan(rng, order, category, by_department, by_village, now, co_rng=co_rng))
        if (n + 1) % 2000 == 0:
            progress("work orders", n + 1, total)

    attnames = [WorkOrder._meta.get_field(f).attname for f in ORDER_FIELDS]
    _copy_rows(WorkOrder, ORDER_FIELDS, [tuple(getattr(o, a) for a in attnames) for o in orders])
    ids = dict(WorkOrder.objects.filter(town=town).values_list("number", "pk"))
    events, callbacks, scores, co_handlings = [], [], [], []
    for order, plan in zip(orders, plans, strict=True):
        order_id = ids[order.number]
        unit_id = order.lead_unit.pk if order.lead_unit else None
        if plan.get("co"):
            co_unit, added_at = plan["co"]
            co_handlings.append((order_id, co_unit.pk, added_at))
        for action, at, from_state, to_state, unit, note, who, *data in plan["events"]:
            actor = {
                "command": command,
                "unit": handler_of.get(unit.pk) if unit else None,
                "reporter": order.created_by_id,
            }[who]
            events.append(
                (order_id, action, actor, at, note, from_state, to_state,
                 unit.pk if unit else None, json.dumps(data[0] if data else {}))
            )  # fmt: skip
        if command:
            callbacks.extend((order_id, unit_id, r, "", command, at) for r, at in plan["callbacks"])
        if plan["score"] is not None and supervisor:
            scores.append(
                (order_id, unit_id, plan["score"], "{}", "", supervisor, order.first_replied_at)
            )
    _copy_rows(TimelineEvent, EVENT_FIELDS, events)
    _copy_rows(CoHandling, ["order", "unit", "added_at"], co_handlings)
    _copy_rows(Callback, ["order", "unit", "result", "note", "by", "at"], callbacks)
    _copy_rows(
        SupervisionScore,
        ["order", "unit", "score", "items", "note", "scored_by", "scored_at"],
        scores,
    )
    OrderCounter.objects.bulk_create(
        [OrderCounter(town=town, day=d, last=c) for d, c in per_day.items()],
        update_conflicts=True,
        unique_fields=["town", "day"],
        update_fields=["last"],
    )
    _mark_duplicates(town, rng)
    # Flags and the notices of the orders overdue now, as the five-minute sweep would.
    sweep_run(now=now)
    progress("work orders", total, total)
    states = Counter(WorkOrder.objects.filter(town=town).values_list("state", flat=True))
    return {
        "orders": sum(states.values()),
        "open": sum(v for k, v in states.items() if k not in (State.CLOSED, State.DUPLICATE)),
        "overdue": WorkOrder.objects.filter(town=town, overdue=True).count(),
        "timeline events": len(events),
    }


def _copy_rows(model, fields: list[str], rows: list[tuple]) -> None:
    """COPY plain tuples (in `fields` order): the timeline's 150,000 rows without building a
    model instance for each."""
    meta = model._meta
    columns = ", ".join(connection.ops.quote_name(meta.get_field(f).column) for f in fields)
    table = connection.ops.quote_name(meta.db_table)
    with (
        connection.cursor() as cursor,
        cursor.cursor.copy(f"COPY {table} ({columns}) FROM STDIN") as copy,
    ):
        for row in rows:
            copy.write_row(row)


def _mark_duplicates(town: Town, rng: random.Random) -> None:
    """About one new order in a hundred repeats the one before it from the same caller."""
    candidates = list(
        WorkOrder.objects.filter(town=town, state=State.NEW)
        .exclude(caller_phone="")
        .values_list("pk", "caller_phone", "created_at")
    )
    for pk, phone, created in candidates:
        if rng.random() < 0.3:
            original = (
                WorkOrder.objects.filter(town=town, caller_phone=phone, created_at__lt=created)
                .exclude(state=State.DUPLICATE)
                .values_list("pk", flat=True)
                .first()
            )
            if original:
                WorkOrder.objects.filter(pk=pk).update(
                    state=State.DUPLICATE, duplicate_of=original, closed_at=created
                )


def _plan(rng, order, category, by_department, by_village, now, *, co_rng) -> dict:
    """Fill `order`'s workflow fields as its life went until `now`; return its events (and
    its co-handling unit, for about one dispatched order in seven: CO_RNG decides those)."""
    events, callbacks = [], []
    plan = {"events": events, "callbacks": callbacks, "score": None}
    created = order.created_at
    events.append(
        (
            Action.CREATE,
            created,
            "",
            State.NEW,
            None,
            "",
            "reporter" if order.source == Source.GRID else "command",
        )
    )
    order.state = State.NEW
    if order.source == Source.GRID and rng.random() < 0.4:
        done = created + datetime.timedelta(minutes=rng.randrange(5, 90))
        if done < now:
            order.state, order.handled_on_spot, order.closed_at = State.CLOSED, True, done
            order.replied_at = order.first_replied_at = done
            order.reply_text = "网格长现场处置完毕。"
            events.append(
                (Action.ON_SPOT, done, State.NEW, State.CLOSED, None, order.reply_text, "reporter")
            )
        return plan
    if rng.random() < 0.01:
        order.excluded_from_assessment = True
        order.exclusion_reason = "诉求缺乏事实依据，经核实不纳入考核。"
    dispatched = worktime.add_working_minutes(created, rng.randrange(10, 120))
    if dispatched >= now:
        return plan
    codes = CATEGORY_DEPARTMENTS[category.parent.name]
    if rng.random() < 0.3:
        unit = by_village[order.village_id]
    else:
        unit = by_department.get(rng.choice(codes)) or next(iter(by_department.values()))
    accept_h, reply_d = DEFAULT_RULES[order.urgency]
    if rng.random() < 0.03:
        # Sent to the wrong unit first, returned, and dispatched again.
        wrong = rng.choice(list(by_department.values()))
        returned = worktime.add_working_minutes(dispatched, rng.randrange(10, 100))
        events.append(
            (Action.DISPATCH, dispatched, State.NEW, State.DISPATCHED, wrong, "", "command")
        )
        order.return_count = 1
        order.lead_unit = wrong
        if returned >= now:
            order.state, order.dispatched_at = State.DISPATCHED, dispatched
            _set(
                order,
                compute_deadlines(
                    start=dispatched,
                    accept_hours=accept_h,
                    reply_days=reply_d,
                    upstream_deadline=order.upstream_deadline,
                ),
            )
            return plan
        events.append(
            (
                Action.RETURN,
                returned,
                State.DISPATCHED,
                State.RETURNED,
                wrong,
                "不属于本单位职责范围",
                "unit",
            )
        )
        order.state = State.RETURNED
        dispatched = worktime.add_working_minutes(returned, rng.randrange(10, 60))
        if dispatched >= now:
            return plan
        events.append(
            (Action.DISPATCH, dispatched, State.RETURNED, State.DISPATCHED, unit, "", "command")
        )
    else:
        events.append(
            (Action.DISPATCH, dispatched, State.NEW, State.DISPATCHED, unit, "", "command")
        )
    order.lead_unit, order.dispatched_at, order.state = unit, dispatched, State.DISPATCHED
    co = None
    if co_rng.random() < 0.15:
        co = co_rng.choice([u for u in by_department.values() if u.pk != unit.pk])
        plan["co"] = (co, dispatched)
        events[-1] = (*events[-1], {"co_units": [str(co)]})
    deadlines = compute_deadlines(
        start=dispatched, accept_hours=accept_h, reply_days=reply_d,
        upstream_deadline=order.upstream_deadline,
    )  # fmt: skip
    _set(order, deadlines)
    late = rng.random() < 0.12
    # Some recent orders stall with their unit: the overdue ones on the board today.
    stalled = now - created < datetime.timedelta(days=15) and rng.random() < 0.06
    accept_span = accept_h * 60
    accepted = worktime.add_working_minutes(
        dispatched,
        int(
            accept_span
            * (rng.uniform(1.1, 2.5) if late and rng.random() < 0.5 else rng.uniform(0.1, 0.9))
        ),
    )
    if accepted >= now:
        return plan
    order.state, order.accepted_at = State.ACCEPTED, accepted
    events.append((Action.ACCEPT, accepted, State.DISPATCHED, State.ACCEPTED, unit, "", "unit"))
    span = worktime.working_minutes_between(dispatched, deadlines["reply_due"]) or 60
    replied = worktime.add_working_minutes(
        dispatched, int(span * (rng.uniform(1.05, 1.8) if late else rng.uniform(0.2, 0.95)))
    )
    started = worktime.add_working_minutes(accepted, rng.randrange(5, 60))
    if started < min(replied, now):
        order.state = State.IN_PROGRESS
        events.append((Action.START, started, State.ACCEPTED, State.IN_PROGRESS, unit, "", "unit"))
    if co is not None:
        opined = worktime.add_working_minutes(accepted, co_rng.randrange(30, 900))
        if opined < min(replied, now):
            state = State.IN_PROGRESS if started < opined else State.ACCEPTED
            note = "已派员配合到现场核查，情况已告知主办单位。"
            events.append((Action.CO_OPINION, opined, state, state, co, note, "unit"))
    if replied >= now or stalled:
        return plan
    from_state = order.state
    order.state, order.replied_at, order.first_replied_at = State.REPLIED, replied, replied
    order.replied_on_time = replied <= order.reply_due
    order.reply_text = "已到现场核实处理，问题已解决，并向来电人反馈。"
    events.append(
        (Action.REPLY, replied, from_state, State.REPLIED, unit, order.reply_text, "unit")
    )
    if rng.random() < 0.6:
        plan["score"] = rng.choice((70, 80, 85, 90, 95, 100))
    reviewed = worktime.add_working_minutes(replied, rng.randrange(30, 300))
    if reviewed >= now:
        return plan
    order.state = State.REVIEWED
    events.append(
        (Action.REVIEW_APPROVE, reviewed, State.REPLIED, State.REVIEWED, unit, "", "command")
    )
    called = worktime.add_working_minutes(reviewed, rng.randrange(60, 900))
    if called >= now:
        return plan
    result = rng.choices(Satisfaction.values, weights=(60, 30, 10))[0]
    callbacks.append((result, called))
    order.satisfaction = result
    if result == Satisfaction.DISSATISFIED:
        order.rework_count = 1
        order.state = State.REWORK
        _set(
            order,
            {
                "reply_due": worktime.add_working_days(called, reply_d),
                "reply_warn_at": worktime.add_working_days(called, max(reply_d - 1, 0)),
                "reply_escalate_at": worktime.add_working_days(called, reply_d + 1),
            },
        )
        events.append(
            (
                Action.CALLBACK,
                called,
                State.REVIEWED,
                State.REWORK,
                unit,
                "来电人表示问题未彻底解决",
                "command",
            )
        )
        again = worktime.add_working_minutes(called, rng.randrange(200, 450 * reply_d))
        if again >= now:
            return plan
        order.state, order.replied_at = State.REPLIED, again
        events.append(
            (Action.REPLY, again, State.REWORK, State.REPLIED, unit, "再次处理完毕。", "unit")
        )
        reviewed = worktime.add_working_minutes(again, rng.randrange(30, 300))
        called = worktime.add_working_minutes(reviewed, rng.randrange(60, 900))
        if called >= now:
            return plan
        events.append(
            (Action.REVIEW_APPROVE, reviewed, State.REPLIED, State.REVIEWED, unit, "", "command")
        )
        result = rng.choices(Satisfaction.values[:2], weights=(50, 50))[0]
        callbacks.append((result, called))
        order.satisfaction = result
    events.append((Action.CALLBACK, called, State.REVIEWED, State.CALLED_BACK, unit, "", "command"))
    order.state = State.CALLED_BACK
    closed = called + datetime.timedelta(minutes=rng.randrange(5, 120))
    if closed < now:
        order.state, order.closed_at = State.CLOSED, closed
        events.append((Action.CLOSE, closed, State.CALLED_BACK, State.CLOSED, unit, "", "command"))
    return plan


def _set(order: WorkOrder, fields: dict) -> None:
    for key, value in fields.items():
        setattr(order, key, value)
