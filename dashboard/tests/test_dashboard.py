"""The dashboards: numbers equal the lists they link to, pages read the cache only, each role
sees its own area and nothing else, and the scheduled job fills the cache on a real worker."""

import re
from html import unescape

import pytest
from django.contrib.auth import get_user_model
from django.core.cache import cache
from django.utils import timezone

from dashboard import selectors, services
from dashboard.tasks import dashboards_refresh_task
from grids.models import Grid, Village
from households.models import CareTag
from households.selectors import resident_search_for_user
from huaisi.access import grants_for
from huaisi.roles import Level, RoleKind
from points.models import Entry
from points.selectors import entries_for_user
from tickets.models import Category, Source, State, Unit, WorkOrder
from tickets.selectors import dispatch_board, orders_for_user
from tickets.services import order_create, order_dispatch
from volunteers.models import Project, Wish
from volunteers.selectors import project_list_for_user, wish_list_for_user
from workcalendar.selectors import calendar_current, calendar_refresh


@pytest.fixture(autouse=True)
def _empty_cache(django_db_setup, django_db_blocker):
    cache.clear()
    # The clear took the holiday calendar's shared token too: read the calendar again now, or
    # the first page a second later would (two queries more than a cached screen costs, seen
    # once in CI on a loaded machine).
    calendar_refresh()
    with django_db_blocker.unblock():
        calendar_current()
    yield
    cache.clear()
    calendar_refresh()


def number(html: str, attribute: str, value: str) -> int:
    found = re.search(rf'data-{attribute}="{value}">(\d+)<', html)
    assert found, f"no data-{attribute}={value} on the page"
    return int(found.group(1))


def test_town_panels_equal_the_lists_they_drill_into(client, demo):
    town, users = demo
    command = users["command"]
    client.force_login(command)
    html = client.get("/dashboard/").content.decode()
    figures = services.dashboard_cached(level=Level.TOWN, pk=town.pk)

    for state in State.values:
        listed = orders_for_user(user=command).filter(town=town, state=state).count()
        assert (
            next(r["count"] for r in figures["orders"]["by_state"] if r["state"] == state) == listed
        )
    for view, key in (
        ("overdue", "overdue"),
        ("due_soon", "due_soon"),
        ("open", "open"),
        ("new", "new"),
    ):
        assert figures["orders"][key] == dispatch_board(user=command, town=town, view=view).count()
    assert sum(r["count"] for r in figures["orders"]["by_state"]) > 0
    assert f'data-kpi="orders-open">{figures["orders"]["open"]}<' in html

    for status in Wish.Status.values:
        listed = wish_list_for_user(user=command, status=status).count()
        assert number(html, "wish", status) == listed
    year = timezone.localdate().year
    for status in Project.Status.values:
        assert (
            number(html, "project", status)
            == project_list_for_user(user=command, year=year, status=status).count()
        )
    assert sum(r["count"] for r in figures["care"]["by_tag"]) > 0
    for tag in CareTag.values:
        assert (
            number(html, "tag", tag) == resident_search_for_user(user=command, care_tag=tag).count()
        )

    month, end = selectors.this_month(timezone.localdate())
    approved = entries_for_user(user=command).filter(
        status=Entry.Status.APPROVED, deed_date__gte=month, deed_date__lt=end
    )
    for row in figures["points"]["by_village"]:
        assert (
            row["entries"]
            == approved.filter(household__microgrid__grid__village_id=row["id"]).count()
        )
    assert figures["patrols"]["count"] >= 1
    assert f'data-kpi="patrols">{figures["patrols"]["count"]}<' in html
    assert 'href="/orders/board/?view=overdue"' in html
    assert 'href="/register/residents/?tag=elderly_alone"' in html


def test_village_and_grid_panels_equal_the_lists_of_their_staff(client, demo):
    town, users = demo
    clerk, leader = users["clerk01"], users["leader01"]
    client.force_login(clerk)
    response = client.get("/dashboard/", follow=True)
    village_pk = int(response.redirect_chain[-1][0].rstrip("/").split("/")[-1])
    village = Village.objects.get(pk=village_pk)
    html = response.content.decode()
    for status in Wish.Status.values:
        assert (
            number(html, "wish", status)
            == wish_list_for_user(user=clerk, village_id=village.pk, status=status).count()
        )
    for tag in CareTag.values:
        assert (
            number(html, "tag", tag) == resident_search_for_user(user=clerk, care_tag=tag).count()
        )

    client.force_login(leader)
    response = client.get("/dashboard/", follow=True)
    assert response.redirect_chain[-1][0].startswith("/dashboard/grid/")
    html = response.content.decode()
    for tag in CareTag.values:
        assert (
            number(html, "tag", tag) == resident_search_for_user(user=leader, care_tag=tag).count()
        )
    grid_pk = int(response.redirect_chain[-1][0].rstrip("/").split("/")[-1])
    grid_orders = orders_for_user(user=leader).filter(grid_id=grid_pk)
    figures = services.dashboard_cached(level=Level.GRID, pk=grid_pk)
    for row in figures["orders"]["by_state"]:
        assert row["count"] == grid_orders.filter(state=row["state"]).count()


# A number on a screen and the link around it: `<a href="…">label <strong data-…>N</strong>`.
PANEL_LINK = re.compile(
    r'<a href="([^"]+)">[^<]*<strong data-(kpi|state|wish|project|tag)="([a-z_-]+)">(\d+)</strong>'
)
# Sums, not rows: the list behind them counts their entries or activities instead.
NOT_COUNTS = {("kpi", "points-total"), ("kpi", "volunteer-hours")}


def panel_links(html: str) -> list[tuple[str, str, int]]:
    """Each counted number of a screen with the list it links to: (url, what, number)."""
    links = [
        (unescape(url), f"{kind}={name}", int(n))
        for url, kind, name, n in PANEL_LINK.findall(html)
        if (kind, name) not in NOT_COUNTS
    ]
    care = re.search(r'data-kpi-care-total="(\d+)"><a href="([^"]+)">', html)
    if care:
        links.append((unescape(care.group(2)), "care-total", int(care.group(1))))
    return links


# Panels every screen links, which the demo gives a number above zero.
DEMO_COUNTS = {
    "kpi=orders-open",
    "kpi=orders-new",
    "kpi=orders-overdue",
    "kpi=orders-due-soon",
    "kpi=patrols",
    "kpi=points-entries",
    "care-total",
}


def listed(response) -> int:
    """How many rows a list page says it holds: its count line, or none when it says it
    is empty."""
    assert response.status_code == 200
    html = response.content.decode()
    assert "filter-notice" not in html, "the list dropped a filter the dashboard sent"
    found = re.search(r'data-result-count="(\d+)"', html)
    if found is None:
        assert 'class="empty"' in html, "neither a count nor an empty message"
        return 0
    assert "data-result-more" not in html
    return int(found.group(1))


def test_every_panel_opens_a_list_of_as_many_rows_as_its_number(client, demo):
    """Town, village and grid screens, each as its own staff and the village and grid also as
    the command centre: every counted number links to a list whose count is that number."""
    town, users = demo
    command, clerk, leader = users["command"], users["clerk01"], users["leader01"]
    village = grants_for(clerk)[0].ancestors[Level.VILLAGE]
    grid = grants_for(leader)[0].ancestors[Level.GRID]
    # Orders in the grid to dispatch, overdue and due soon, so those views count something.
    the_grid = Grid.objects.select_related("village").get(pk=grid)
    category = Category.objects.filter(town=town, parent__isnull=False).first()
    unit = Unit.objects.filter(town=town).order_by("pk").first()
    made = [
        order_create(
            actor=command,
            town=town,
            source=Source.WALK_IN,
            category=category,
            title=f"测试工单{n}",
            description="用于核对大屏数字。",
            village=the_grid.village,
            grid=the_grid,
        )[0]
        for n in range(4)
    ]
    for order in made[1:]:
        order_dispatch(actor=command, order=order, lead_unit=unit)
    # What the deadline sweep would mark.
    WorkOrder.objects.filter(pk=made[1].pk).update(overdue=True)
    WorkOrder.objects.filter(pk=made[2].pk).update(due_soon=True)
    cases = [
        (command, "/dashboard/"),
        (clerk, f"/dashboard/village/{village}/"),
        (leader, f"/dashboard/grid/{grid}/"),
        (command, f"/dashboard/village/{village}/"),
        (command, f"/dashboard/grid/{grid}/"),
    ]
    nonzero = set()
    for user, url in cases:
        client.force_login(user)
        html = client.get(url).content.decode()
        links = panel_links(html)
        whats = {what for _, what, _ in links}
        assert DEMO_COUNTS | {"kpi=volunteer-activities"} <= whats, (user.username, url, whats)
        assert {f"wish={s}" for s in Wish.Status.values} <= whats
        assert {f"tag={t}" for t in CareTag.values} <= whats
        for link, what, number in links:
            assert listed(client.get(link)) == number, (user.username, url, what, link)
            if number:
                nonzero.add(what)
    # The demo gives most panels something to count, so the equalities above say something.
    assert nonzero >= DEMO_COUNTS, nonzero
    assert len(nonzero) >= 15, nonzero


def test_panels_without_a_list_for_the_user_show_their_number_without_a_link(client, demo):
    town, users = demo
    supervisor = get_user_model().objects.get(username="supervisor")
    client.force_login(supervisor)
    html = client.get("/dashboard/").content.decode()
    # The supervision team reads orders and volunteers, not patrols, points or the register.
    assert re.search(r'<a><strong data-kpi="patrols">\d+</strong>', html)
    assert re.search(r'<a><strong data-kpi="points-entries">\d+</strong>', html)
    assert re.search(r'data-kpi-care-total="\d+"><a>', html)
    assert "/register/residents/" not in html and "/points/entries/" not in html
    for link, what, number in panel_links(html):
        assert listed(client.get(link)) == number, (what, link)


def test_a_cached_screen_costs_only_the_login_queries(
    client, area, role_users, django_assert_max_num_queries
):
    command = role_users[RoleKind.COMMAND_CENTRE]
    client.force_login(command)
    assert client.get("/dashboard/").status_code == 200  # computes and stores once
    figures = services.dashboard_cached(level=Level.TOWN, pk=area.town.pk)
    figures["orders"]["open"] = 4242  # what the cache says is what the screen shows
    cache.set(services.figures_key(level=Level.TOWN, pk=area.town.pk), figures)
    with django_assert_max_num_queries(3):  # session, user, roles
        response = client.get("/dashboard/")
    assert 'data-kpi="orders-open">4242<' in response.content.decode()
    with django_assert_max_num_queries(3):
        fragment = client.get("/dashboard/", HTTP_HX_REQUEST="true", HTTP_HX_TARGET="dash-live")
    body = fragment.content.decode()
    assert "<html" not in body and 'id="dash-live"' in body and "4242" in body


def test_each_role_sees_its_own_area_only(
    client, area, role_users, other_role_users, user_without_role
):
    cases = [
        (RoleKind.TOWN_ADMIN, "/dashboard/", 200),
        (RoleKind.SUPERVISOR, f"/dashboard/village/{area.v1.pk}/", 200),
        (RoleKind.COMMAND_CENTRE, f"/dashboard/grid/{area.g21.pk}/", 200),
        (RoleKind.VILLAGE_CLERK, f"/dashboard/village/{area.v1.pk}/", 200),
        (RoleKind.VILLAGE_CLERK, f"/dashboard/grid/{area.g12.pk}/", 200),
        (RoleKind.VILLAGE_CLERK, f"/dashboard/village/{area.v2.pk}/", 404),
        (RoleKind.VILLAGE_CLERK, f"/dashboard/grid/{area.g21.pk}/", 404),
        (RoleKind.GRID_LEADER, f"/dashboard/grid/{area.g11.pk}/", 200),
        (RoleKind.GRID_LEADER, f"/dashboard/grid/{area.g12.pk}/", 404),
        (RoleKind.GRID_LEADER, f"/dashboard/village/{area.v1.pk}/", 404),
        (RoleKind.DEPARTMENT_HANDLER, "/dashboard/", 403),
        (RoleKind.ASSESSOR, f"/dashboard/village/{area.v1.pk}/", 403),
        (RoleKind.MICROGRID_WORKER, f"/dashboard/grid/{area.g11.pk}/", 403),
    ]
    for kind, url, status in cases:
        client.force_login(role_users[kind])
        assert client.get(url).status_code == status, (kind, url)
    client.force_login(role_users[RoleKind.VILLAGE_CLERK])
    assert client.get("/dashboard/").url == f"/dashboard/village/{area.v1.pk}/"
    client.force_login(role_users[RoleKind.GRID_LEADER])
    assert client.get("/dashboard/").url == f"/dashboard/grid/{area.g11.pk}/"
    client.force_login(role_users[RoleKind.TOWN_ADMIN])
    assert client.get("/dashboard/grid/999999/").status_code == 404
    client.force_login(user_without_role)
    assert client.get("/dashboard/").status_code == 403
    client.logout()
    assert client.get("/dashboard/").status_code == 302
    # A refused screen computes nothing for that area.
    assert services.dashboard_cached(level=Level.VILLAGE, pk=area.v2.pk) is None


def test_a_village_screen_shows_only_its_village(client, area, role_users, other_role_users):
    from households.tests.factories import ResidentFactory  # noqa: PLC0415

    ResidentFactory(household__microgrid=area.m111, care_tags=[CareTag.ELDERLY_ALONE])
    ResidentFactory(household__microgrid=area.m211, care_tags=[CareTag.ELDERLY_ALONE])
    ResidentFactory(household__microgrid=area.m211, care_tags=[CareTag.ELDERLY_ALONE])
    client.force_login(role_users[RoleKind.VILLAGE_CLERK])
    html = client.get(f"/dashboard/village/{area.v1.pk}/").content.decode()
    assert number(html, "tag", CareTag.ELDERLY_ALONE) == 1
    client.force_login(role_users[RoleKind.TOWN_ADMIN])
    html = client.get("/dashboard/").content.decode()
    assert number(html, "tag", CareTag.ELDERLY_ALONE) == 3


@pytest.mark.celery_worker
@pytest.mark.django_db(transaction=True)
def test_the_worker_fills_the_cache_of_the_town_and_watched_areas(celery_worker, area):
    services.dashboard_watch(level=Level.GRID, pk=area.g11.pk)
    written = dashboards_refresh_task.delay().get(timeout=60)
    assert written == 2
    town = services.dashboard_cached(level=Level.TOWN, pk=area.town.pk)
    assert town["area"]["name"] == area.town.name
    assert len(town["map"]) == Grid.objects.count()
    assert services.dashboard_cached(level=Level.GRID, pk=area.g11.pk)["area"]["id"] == area.g11.pk
    assert services.dashboard_cached(level=Level.GRID, pk=area.g12.pk) is None
    assert "dashboard.tasks.dashboards_refresh_task" in celery_worker.log()
