"""Staff from a sheet: one row per role a person holds (name, work phone, role, scope by name or
code, start date, optionally a user name) → accounts, staff profiles and roster entries.

The check reads only; the import runs the check again inside its one transaction and writes
nothing at all if any row is refused. New accounts get a one-time password, returned once for
the printed slips and stored only hashed; each must choose its own at its first log-in.

Decisions:
- A row's user name is the 用户名 column, or the work phone when it is blank (what staff
  remember). A user name that exists already is the same person when the name matches: the row
  adds a role to that account (no new password). With another name it is a refusal.
- One person may have several rows (a clerk who is also on the assessment group); their
  account is made once.
- A grid leader or micro-grid worker row for a seat someone holds ends that holding the day
  before the new start, as the roster page does; the check says whom each row replaces.
"""

import datetime
from dataclasses import dataclass, field

from django.contrib.auth import get_user_model
from django.contrib.auth.validators import UnicodeUsernameValidator
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.db.models.functions import Lower
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from huaisi.access import assignable_kinds
from huaisi.models import Role
from huaisi.phones import normalise_phone
from huaisi.roles import EXCLUSIVE_KINDS, SCOPE_LEVEL, Level, RoleKind
from huaisi.services import role_assign

from .models import Department, Grid, MicroGrid, StaffProfile, Town, Village, mobile_validator
from .services import AccountSlip, one_time_password, staff_profile_set
from .sheets import SheetRow, parse_sheet_date

NAME = ("姓名", "名字", "name")
PHONE = ("工作电话", "手机", "手机号", "电话", "phone")
ROLE = ("角色", "岗位", "role")
SCOPE = ("范围", "所属", "负责区域", "scope")
VILLAGE = ("村", "村(社区)", "村（社区）", "社区", "village")
START = ("开始日期", "起始日期", "任职日期", "start")
USERNAME = ("用户名", "账号", "username")
REQUIRED_COLUMNS = {"name": NAME, "phone": PHONE, "role": ROLE, "scope": SCOPE}

# Besides each role's own name in Chinese and English, what offices call them.
ROLE_ALIASES = {
    "网格员": RoleKind.MICROGRID_WORKER,
    "微网格长": RoleKind.MICROGRID_WORKER,
    "综合网格长": RoleKind.GRID_LEADER,
    "文书": RoleKind.VILLAGE_CLERK,
    "考评组成员": RoleKind.ASSESSOR,
    "经办人": RoleKind.DEPARTMENT_HANDLER,
    "志愿队长": RoleKind.VOLUNTEER_LEADER,
    "指挥中心": RoleKind.COMMAND_CENTRE,
    "镇管理员": RoleKind.TOWN_ADMIN,
}
PATH_SEPARATORS = ("/", "／", "›", ">", "\\")


def role_names() -> dict[str, str]:
    names = dict(ROLE_ALIASES)
    for kind in RoleKind:
        names[kind.value] = kind
        names[str(kind.label).casefold()] = kind
        with translation.override("zh-hans"):
            names[str(kind.label)] = kind
    return names


@dataclass
class StaffLine:
    number: int
    name: str
    phone: str
    username: str
    kind: str
    scope: object
    scope_label: str
    starts_on: datetime.date
    existing: object | None  # the account when the user name exists already
    replaces: str = ""  # the current holder this row ends

    @property
    def kind_label(self) -> str:
        return RoleKind(self.kind).label


@dataclass
class StaffPlan:
    lines: list[StaffLine] = field(default_factory=list)
    errors: list[tuple[int, str]] = field(default_factory=list)  # (row number, reason)

    @property
    def new_accounts(self) -> int:
        return len({line.username.casefold() for line in self.lines if line.existing is None})


def _path_label(area) -> str:
    if isinstance(area, MicroGrid):
        return f"{area.grid.village.name} › {area.grid.name} › {area.name} ({area.code})"
    if isinstance(area, Grid):
        return f"{area.village.name} › {area.name} ({area.code})"
    return f"{area.name} ({area.code})"


class _Areas:
    """The town's areas in memory (a town has a few hundred), to resolve names and codes."""

    def __init__(self, town: Town):
        self.town = town
        self.villages = list(Village.objects.filter(town=town))
        self.grids = list(Grid.objects.filter(village__town=town).select_related("village"))
        self.microgrids = list(
            MicroGrid.objects.filter(grid__village__town=town).select_related("grid__village")
        )
        self.departments = list(Department.objects.filter(town=town))

    @staticmethod
    def _named(items, text: str):
        return [item for item in items if text in (item.name, item.code)]

    def resolve(self, level: Level, text: str, village_text: str):
        """The one area of `level` the text names; ValidationError listing the candidates
        when it names none or several."""
        parts = [text]
        for separator in PATH_SEPARATORS:
            if separator in text:
                parts = [p.strip() for p in text.split(separator) if p.strip()]
                break
        if level == Level.TOWN:
            if text in ("", self.town.name, self.town.code):
                return self.town
            raise ValidationError(
                _("A town role's scope is the town: %(town)s.") % {"town": self.town.name}
            )
        if level == Level.DEPARTMENT:
            found = self._named(self.departments, text)
            kind = _("department")
        elif level == Level.VILLAGE:
            found = self._named(self.villages, parts[-1])
            kind = _("village or community")
        else:
            items = self.grids if level == Level.GRID else self.microgrids
            found = self._named(items, parts[-1])
            # Narrow by what the path or the village column says above the area.
            uppers = [*parts[:-1], *([village_text] if village_text else [])]
            for upper in uppers:
                if level == Level.GRID:
                    found = [g for g in found if upper in (g.village.name, g.village.code)]
                else:
                    found = [
                        m
                        for m in found
                        if upper
                        in (m.grid.name, m.grid.code, m.grid.village.name, m.grid.village.code)
                    ]
            kind = _("grid") if level == Level.GRID else _("micro-grid")
        if not found:
            raise ValidationError(
                _("No %(kind)s of this town is named or coded “%(text)s”.")
                % {"kind": kind, "text": text}
            )
        if len(found) > 1:
            raise ValidationError(
                _(
                    "“%(text)s” names %(count)s areas: %(candidates)s. Write the village "
                    "and grid before it (第一村/第一网格/…) or use the code."
                )
                % {
                    "text": text,
                    "count": len(found),
                    "candidates": "; ".join(_path_label(a) for a in found[:6]),
                }
            )
        return found[0]


def staff_sheet_check(*, user, town: Town, rows: list[SheetRow]) -> StaffPlan:
    """Every row resolved or refused with its reason; nothing is written."""
    plan = StaffPlan()
    areas = _Areas(town)
    kinds_by_name = role_names()
    may_assign = assignable_kinds(user, town)
    today = timezone.localdate()
    User = get_user_model()
    usernames = {
        (row.get(*USERNAME) or normalise_phone(row.get(*PHONE))).casefold() for row in rows
    }
    # Case-insensitive: a user name differing only in case is the same log-in to people.
    existing = {
        u.username.casefold(): u
        for u in User.objects.annotate(key=Lower("username")).filter(key__in=usernames)
    }
    seen_names: dict[str, tuple[int, str]] = {}
    seen_seats: dict[tuple, int] = {}
    holders = {
        (role.kind, role.grid_id or role.microgrid_id): role.user
        for role in Role.objects.filter(kind__in=EXCLUSIVE_KINDS, ends_on__isnull=True)
        .filter(Q(grid__village__town=town) | Q(microgrid__grid__village__town=town))
        .select_related("user")
    }
    for row in rows:
        try:
            line = _check_row(row, areas, kinds_by_name, may_assign, today, existing)
        except ValidationError as error:
            plan.errors.append((row.number, " ".join(error.messages)))
            continue
        key = line.username.casefold()
        if key in seen_names and seen_names[key][1] != line.name:
            plan.errors.append(
                (
                    row.number,
                    _("The user name %(username)s is also on row %(row)s for %(name)s.")
                    % {
                        "username": line.username,
                        "row": seen_names[key][0],
                        "name": seen_names[key][1],
                    },
                )
            )
            continue
        seen_names.setdefault(key, (row.number, line.name))
        seat = (
            (line.kind, line.scope.pk)
            if line.kind in EXCLUSIVE_KINDS
            else (line.kind, line.scope.pk, key)
        )
        if seat in seen_seats:
            plan.errors.append(
                (
                    row.number,
                    _("Row %(row)s already gives %(scope)s this role.")
                    % {"row": seen_seats[seat], "scope": line.scope_label},
                )
            )
            continue
        seen_seats[seat] = row.number
        holder = holders.get((line.kind, line.scope.pk)) if line.kind in EXCLUSIVE_KINDS else None
        if holder is not None and holder.username.casefold() != key:
            line.replaces = holder.first_name or holder.username
        plan.lines.append(line)
    return plan


def _check_row(row, areas, kinds_by_name, may_assign, today, existing) -> StaffLine:
    problems = []
    name = row.get(*NAME)
    if not name:
        problems.append(_("Give the person's name."))
    phone = normalise_phone(row.get(*PHONE))
    try:
        mobile_validator(phone)
    except ValidationError:
        problems.append(
            _("The work phone “%(phone)s” is not an 11-digit mobile number.")
            % {"phone": row.get(*PHONE)}
        )
    role_text = row.get(*ROLE)
    kind = kinds_by_name.get(role_text) or kinds_by_name.get(role_text.casefold())
    scope = None
    if kind is None:
        problems.append(
            _("Unknown role “%(role)s”; use one of: %(roles)s.")
            % {"role": role_text, "roles": "、".join(_role_labels())}
        )
    elif kind not in may_assign:
        problems.append(
            _("You may not give the role %(role)s; town roles are given by a site administrator.")
            % {"role": role_text}
        )
    else:
        try:
            scope = areas.resolve(SCOPE_LEVEL[kind], row.get(*SCOPE), row.get(*VILLAGE))
        except ValidationError as error:
            problems.extend(error.messages)
    start_text = row.get(*START)
    starts_on = parse_sheet_date(start_text) if start_text else today
    if starts_on is None:
        problems.append(
            _("The start date “%(date)s” is not a date like 2026-03-01.") % {"date": start_text}
        )
    username = row.get(*USERNAME) or phone
    try:
        UnicodeUsernameValidator()(username)
        if not username or len(username) > 150:
            raise ValidationError("")
    except ValidationError:
        problems.append(
            _("The user name “%(username)s” may hold only letters, digits and @ . + - _.")
            % {"username": username}
        )
    account = existing.get(username.casefold())
    if account is not None and name and account.first_name != name:
        problems.append(
            _(
                "The user name %(username)s belongs to another account; give this person "
                "another one in the 用户名 column."
            )
            % {"username": username}
        )
    if account is not None and not account.is_active:
        problems.append(_("The account %(username)s is disabled.") % {"username": username})
    if problems:
        raise ValidationError(problems)
    return StaffLine(
        number=row.number,
        name=name,
        phone=phone,
        username=username,
        kind=kind,
        scope=scope,
        scope_label=_path_label(scope) if not isinstance(scope, Town) else scope.name,
        starts_on=starts_on,
        existing=account,
    )


def _role_labels() -> list[str]:
    with translation.override("zh-hans"):
        return [str(kind.label) for kind in RoleKind]


class SheetRefused(ValidationError):
    """The sheet has refused rows: nothing was written. `plan` holds the reasons."""

    def __init__(self, plan: StaffPlan):
        super().__init__(
            _("%(count)s rows were refused; nothing was written.") % {"count": len(plan.errors)}
        )
        self.plan = plan


@transaction.atomic(durable=True)
def staff_sheet_import(*, user, town: Town, rows: list[SheetRow]) -> list[AccountSlip]:
    """Check the sheet again and, if every row passes, make its accounts, profiles and roles
    in this one transaction. Any refusal (in the check, or a user name taken at the same
    moment by someone else) writes nothing. Returns the slips of the new accounts."""
    plan = staff_sheet_check(user=user, town=town, rows=rows)
    if plan.errors:
        raise SheetRefused(plan)
    User = get_user_model()
    accounts: dict[str, object] = {}
    slips: list[AccountSlip] = []
    try:
        for line in plan.lines:
            key = line.username.casefold()
            account = accounts.get(key) or line.existing
            if account is None:
                password = one_time_password()
                account = User.objects.create_user(
                    username=line.username, password=password, first_name=line.name
                )
                staff_profile_set(user=account, phone=line.phone)
                StaffProfile.objects.filter(user=account).update(must_change_password=True)
                slips.append(AccountSlip(name=line.name, username=line.username, password=password))
            accounts[key] = account
            with transaction.atomic():
                role_assign(
                    user=account, kind=line.kind, scope=line.scope, starts_on=line.starts_on
                )
    except IntegrityError as exc:
        raise ValidationError(
            _(
                "Someone else changed these accounts or rosters at the same moment; check the sheet again."
            )
        ) from exc
    except ValidationError as error:
        plan.errors.append((line.number, " ".join(error.messages)))
        raise SheetRefused(plan) from error
    return slips
