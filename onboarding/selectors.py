"""The moving-in checklist's reads: one query per line, each limited to the town.

Like the dashboard, this top-level app reads the lower apps' tables directly (read only): none
of them has a selector for "what is still missing", and each line is one count.
"""

import datetime
from dataclasses import dataclass, field

from django.db.models import Count, Exists, OuterRef, Q
from django.urls import reverse
from django.utils.translation import gettext as _

from grids.models import Department, Grid, MicroGrid, Town, Village
from households.models import Household
from huaisi.models import Role
from huaisi.roles import RoleKind
from points.models import Good, Rule
from workcalendar.models import CalendarYear

# How many of the areas a line is about it names, each linked to the page that fixes it.
SHOWN = 8


@dataclass
class Link:
    label: str
    url: str


@dataclass
class CheckLine:
    title: str
    missing: int  # 0: done
    summary: str
    fix: Link  # the page that fixes the line as a whole
    items: list[Link] = field(default_factory=list)  # the first few areas concerned

    @property
    def done(self) -> bool:
        return self.missing == 0


def _holds(kind: str, field_name: str, on: datetime.date) -> Exists:
    return Exists(
        Role.objects.filter(
            Q(ends_on__isnull=True) | Q(ends_on__gte=on),
            kind=kind,
            starts_on__lte=on,
            **{field_name: OuterRef("pk")},
        )
    )


def _area_line(queryset, *, title, fix: Link, item_url, done_text, missing_text) -> CheckLine:
    rows = list(queryset[: SHOWN + 1])
    # The count costs a query only when there are more rows than shown.
    missing = len(rows) if len(rows) <= SHOWN else queryset.count()
    return CheckLine(
        title=title,
        missing=missing,
        summary=done_text if not missing else missing_text % {"count": missing},
        fix=fix,
        items=[Link(str(row), item_url(row)) for row in rows[:SHOWN]],
    )


def checklist(*, town: Town, today: datetime.date) -> list[CheckLine]:
    """Every line of the moving-in checklist for `town` on `today`."""
    villages = Village.objects.filter(town=town).order_by("code")
    grids = Grid.objects.filter(village__town=town).select_related("village").order_by("code")
    micros = (
        MicroGrid.objects.filter(grid__village__town=town)
        .select_related("grid")
        .order_by("grid__code", "code")
    )
    area_import = Link(_("Areas and boundaries from files"), reverse("area-import"))
    staff_import = Link(_("Staff from a sheet"), reverse("staff-import"))
    roster = lambda village_id: reverse("village-roster", args=[village_id])  # noqa: E731
    village_count = villages.count()
    lines = [
        CheckLine(
            title=_("Villages and communities"),
            missing=0 if village_count else 1,
            summary=(
                _("%(count)s loaded.") % {"count": village_count}
                if village_count
                else _("No village or community yet.")
            ),
            fix=area_import,
        )
    ]
    lines += [
        _area_line(
            villages.filter(boundary__isnull=True),
            title=_("Village boundaries"),
            fix=area_import,
            item_url=lambda v: reverse("village-edit", args=[v.pk]),
            done_text=_("Every village has its boundary."),
            missing_text=_("%(count)s villages without a boundary."),
        ),
        _area_line(
            grids.exclude(_holds(RoleKind.GRID_LEADER, "grid", today)),
            title=_("Grid leaders"),
            fix=staff_import,
            item_url=lambda g: roster(g.village_id),
            done_text=_("Every grid has a leader."),
            missing_text=_("%(count)s grids without a leader."),
        ),
        _area_line(
            micros.exclude(_holds(RoleKind.MICROGRID_WORKER, "microgrid", today)),
            title=_("Micro-grid workers"),
            fix=staff_import,
            item_url=lambda m: roster(m.grid.village_id),
            done_text=_("Every micro-grid has a worker."),
            missing_text=_("%(count)s micro-grids without a worker."),
        ),
    ]
    households = Household.objects.filter(
        microgrid__grid__village__town=town, status=Household.Status.ACTIVE
    )
    counts = households.aggregate(
        total=Count(
            "pk",
        ),
        no_pact=Count("pk", filter=Q(pact_signed_on__isnull=True)),
        no_passbook=Count("pk", filter=Q(points_account__isnull=True)),
    )
    register_import = Link(_("Import the register"), reverse("import-create"))
    if not counts["total"]:
        lines.append(
            CheckLine(
                title=_("Households"),
                missing=1,
                summary=_("No household yet."),
                fix=register_import,
            )
        )
    else:
        lines += [
            CheckLine(
                title=_("Civility pact dates"),
                missing=counts["no_pact"],
                summary=(
                    _("%(count)s of %(total)s households without a pact date.")
                    % {"count": counts["no_pact"], "total": counts["total"]}
                    if counts["no_pact"]
                    else _("Every household has its pact date.")
                ),
                fix=register_import,
            ),
            CheckLine(
                title=_("Points passbooks"),
                missing=counts["no_passbook"],
                summary=(
                    _("%(count)s of %(total)s households without a passbook.")
                    % {"count": counts["no_passbook"], "total": counts["total"]}
                    if counts["no_passbook"]
                    else _("Every household has a passbook.")
                ),
                fix=Link(_("Households' points"), reverse("household-points-list")),
            ),
        ]
    rules = Rule.objects.filter(town=town).count()
    lines.append(
        CheckLine(
            title=_("Scoring rulebook"),
            missing=0 if rules else 1,
            summary=(
                _("%(count)s rules.") % {"count": rules} if rules else _("The rulebook is empty.")
            ),
            fix=Link(_("Add a rule"), reverse("rule-create")),
        )
    )
    lines.append(
        _area_line(
            villages.select_related("points_store").filter(
                Q(points_store__isnull=True)
                | ~Exists(Good.objects.filter(store__village=OuterRef("pk")))
            ),
            title=_("Points supermarkets"),
            fix=Link(_("Points supermarkets"), reverse("store-list")),
            item_url=lambda v: _store_url(v),
            done_text=_("Every village has a store with goods."),
            missing_text=_("%(count)s villages without a store or without goods in it."),
        )
    )
    lines += [
        _area_line(
            Department.objects.filter(town=town, is_active=True)
            .exclude(_holds(RoleKind.DEPARTMENT_HANDLER, "department", today))
            .order_by("code"),
            title=_("Department handlers"),
            fix=staff_import,
            item_url=lambda d: reverse("department-assign", args=[d.pk]),
            done_text=_("Every department has a handler for work orders."),
            missing_text=_("%(count)s departments without a handler."),
        ),
        _area_line(
            villages.exclude(_holds(RoleKind.VILLAGE_CLERK, "village", today)),
            title=_("Village handlers (clerks)"),
            fix=staff_import,
            item_url=lambda v: roster(v.pk),
            done_text=_("Every village has a clerk to handle its work orders."),
            missing_text=_("%(count)s villages without a clerk."),
        ),
    ]
    next_year = today.year + 1
    entered = CalendarYear.objects.filter(year=next_year).exists()
    lines.append(
        CheckLine(
            title=_("Holiday calendar %(year)s") % {"year": next_year},
            missing=0 if entered else 1,
            summary=(_("Entered.") if entered else _("Next year's holidays are not entered yet.")),
            fix=Link(_("Holiday calendar"), f"{reverse('calendar-year')}?year={next_year}"),
        )
    )
    return lines


def _store_url(village: Village) -> str:
    store = getattr(village, "points_store", None)
    return reverse("store-list") if store is None else reverse("store-detail", args=[store.pk])
