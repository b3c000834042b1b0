"""Patrol inspection pages: the submission endpoint's answers, lists, details, coverage and
the service worker, as full pages, htmx fragments and for those who may not see them."""

import datetime
import json
import re
import uuid

import pytest
from django.utils import timezone

from huaisi.roles import RoleKind
from patrols.models import Inspection, InspectionPhoto, VisitTarget

from .helpers import _english_messages, categories, finding, households, jpeg, submit  # noqa: F401

pytestmark = pytest.mark.django_db

LEADER = RoleKind.GRID_LEADER
HTMX = {"HTTP_HX_REQUEST": "true"}


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": tmp_path, "base_url": "/media/"},
        },
    }


def _payload(grid, *, key=None, place="村东河道", findings=None, households=()):
    now = timezone.now()
    return {
        "uuid": str(key or uuid.uuid4()),
        "grid": grid.pk,
        "place": place,
        "started_at": (now - datetime.timedelta(hours=1)).isoformat(),
        "ended_at": (now - datetime.timedelta(minutes=1)).isoformat(),
        "households": [h.pk for h in households],
        "findings": findings
        if findings is not None
        else [{"type": "environment", "description": "垃圾", "outcome": "fixed", "photos": 1}],
    }


def _post(client, payload, photos=None):
    photos = photos if photos is not None else {"finding-0-photo-0": jpeg()}
    for upload in photos.values():
        upload.seek(0)
    return client.post("/areas/inspections/submit/", {"payload": json.dumps(payload), **photos})


def test_submission_answers_201_then_200_then_409(client, area, role_users):
    client.force_login(role_users[LEADER])
    homes = households(area.m111, 2)
    payload = _payload(area.g11, households=homes)
    photo = jpeg()

    first = _post(client, payload, {"finding-0-photo-0": photo})
    assert first.status_code == 201, first.content
    body = first.json()
    assert body["status"] == "created" and body["url"] == f"/areas/inspections/{body['id']}/"

    again = _post(client, payload, {"finding-0-photo-0": photo})
    assert again.status_code == 200
    assert again.json()["id"] == body["id"]

    other = _post(client, {**payload, "place": "村西"}, {"finding-0-photo-0": photo})
    assert other.status_code == 409
    assert "different content" in other.json()["message"]
    assert Inspection.objects.count() == 1 and InspectionPhoto.objects.count() == 1
    assert Inspection.objects.get().visits.count() == 2


def test_a_refused_submission_says_why_in_json(client, area, role_users):
    client.force_login(role_users[LEADER])
    payload = _payload(
        area.g11,
        findings=[{"type": "", "description": "x", "outcome": "fixed", "accuracy": 9000,
                   "lat": 32.1, "lng": 119.3}],
    )  # fmt: skip
    response = _post(client, payload, {})
    assert response.status_code == 400
    errors = response.json()["errors"]
    assert errors["findings-0-type"] == "Finding 1: choose its type."
    assert "too coarse" in errors["findings-0-accuracy"]
    assert not Inspection.objects.exists()


def test_a_json_body_without_photos_is_accepted(client, area, role_users):
    client.force_login(role_users[LEADER])
    payload = _payload(area.g11, findings=[])
    response = client.post(
        "/areas/inspections/submit/", json.dumps(payload), content_type="application/json"
    )
    assert response.status_code == 201


@pytest.mark.parametrize(
    ("kind", "status"),
    [(RoleKind.DEPARTMENT_HANDLER, 403), (RoleKind.COMMAND_CENTRE, 403), (None, 302)],
)
def test_who_may_not_submit(client, area, role_users, kind, status):
    if kind:
        client.force_login(role_users[kind])
    assert _post(client, _payload(area.g11)).status_code == status
    assert not Inspection.objects.exists()


def test_list_full_page_and_fragment(client, area, role_users, django_assert_num_queries):
    leader = role_users[LEADER]
    for _ in range(3):
        submit(leader, area.g11, findings=[finding()])
    client.force_login(leader)
    page = client.get("/areas/inspections/")
    assert page.status_code == 200
    html = page.content.decode()
    assert "<html" in html and html.count("村东河道") == 3
    fragment = client.get(
        "/areas/inspections/?scope=area", HTTP_HX_TARGET="inspection-results", **HTMX
    )
    assert "<html" not in fragment.content.decode()
    assert fragment.content.decode().count("村东河道") == 3
    # the user, their roles, the count and the page (the session is in the cache)
    with django_assert_num_queries(4):
        client.get("/areas/inspections/")
    for _ in range(4):
        submit(leader, area.g11, findings=[finding()])
    with django_assert_num_queries(4):
        assert client.get("/areas/inspections/").content.decode().count("村东河道") == 7


def _shown(response) -> int:
    assert response.status_code == 200
    found = re.search(r'data-result-count="(\d+)"', response.content.decode())
    return int(found.group(1)) if found else 0


def test_area_list_filters_by_day_village_and_grid(
    client, area, role_users, other_role_users, django_assert_num_queries
):
    day = timezone.localdate() - datetime.timedelta(days=2)
    at = timezone.make_aware(datetime.datetime.combine(day, datetime.time(9, 30)))
    late = timezone.make_aware(datetime.datetime.combine(day, datetime.time(23, 40)))
    before = at - datetime.timedelta(days=1)
    for started in (at, late, before):
        submit(role_users[LEADER], area.g11, started_at=started, ended_at=started)
    submit(other_role_users[LEADER], area.g21, started_at=at, ended_at=at)
    client.force_login(role_users[RoleKind.COMMAND_CENTRE])
    url = "/areas/inspections/"
    area_list = {"scope": "area", "date": day.isoformat()}
    assert _shown(client.get(url, area_list)) == 3  # the day, by Asia/Shanghai's clock
    assert _shown(client.get(url, {**area_list, "village": area.v1.pk})) == 2
    assert _shown(client.get(url, {**area_list, "grid": area.g21.pk})) == 1
    assert _shown(client.get(url, {"scope": "area"})) == 4
    page = client.get(url, {**area_list, "grid": area.g11.pk}).content.decode()
    assert f'<option value="{area.g11.pk}" selected>' in page
    assert f'name="date" value="{day.isoformat()}"' in page
    # The pages keep the filters (htmx asks for the rows alone).
    fragment = client.get(url, area_list, HTTP_HX_TARGET="inspection-results", **HTMX)
    assert "<html" not in fragment.content.decode() and _shown(fragment) == 3

    for params, said in (
        ({"date": "2026-02-30"}, "is not a date like 2026-05-31"),
        ({"date": "yesterday"}, "is not a date like 2026-05-31"),
        ({"grid": "0"}, "The grid asked for is not among your areas"),
    ):
        response = client.get(url, {"scope": "area", **params})
        assert said in response.content.decode(), params
        assert _shown(response) == 4, params
    # A grid leader's area is their grid: another grid is not theirs to ask for.
    client.force_login(role_users[LEADER])
    response = client.get(url, {"scope": "area", "grid": area.g21.pk})
    assert "not among your areas" in response.content.decode() and _shown(response) == 3

    client.force_login(role_users[RoleKind.COMMAND_CENTRE])
    query = {**area_list, "village": area.v1.pk, "grid": area.g11.pk}
    with django_assert_num_queries(5):  # user, roles, the areas, the count, the page
        assert _shown(client.get(url, query)) == 2
    for _ in range(3):
        submit(role_users[LEADER], area.g11, started_at=at, ended_at=at)
    with django_assert_num_queries(5):
        assert _shown(client.get(url, query)) == 5


def test_other_grids_do_not_see_an_inspection(client, area, role_users, other_role_users):
    categories(area.town)
    inspection, _ = submit(
        role_users[LEADER], area.g11, findings=[finding(outcome="report", photos=[jpeg()])]
    )
    photo = InspectionPhoto.objects.get()
    path = f"/areas/inspections/{inspection.pk}/"
    client.force_login(role_users[RoleKind.VILLAGE_CLERK])
    page = client.get(path)
    assert page.status_code == 200
    assert inspection.findings.get().order.number in page.content.decode()
    assert (
        client.get(f"/areas/inspections/photos/{photo.pk}/thumb/")["Content-Type"] == "image/jpeg"
    )
    for kind in (LEADER, RoleKind.VILLAGE_CLERK):
        client.force_login(other_role_users[kind])
        assert client.get(path).status_code == 404
        assert client.get(f"/areas/inspections/photos/{photo.pk}/").status_code == 404
    client.force_login(role_users[RoleKind.DEPARTMENT_HANDLER])
    assert client.get(path).status_code == 404


def test_coverage_page_and_fragment(client, area, role_users):
    households(area.m111, 3)
    client.force_login(role_users[LEADER])
    page = client.get(f"/areas/grids/{area.g11.pk}/coverage/")
    assert page.status_code == 200
    assert "3 households due for a visit" in page.content.decode()
    fragment = client.get(
        f"/areas/grids/{area.g11.pk}/coverage/?days=10", HTTP_HX_TARGET="coverage-results", **HTMX
    )
    assert "<html" not in fragment.content.decode()
    assert "3 households due for a visit" in fragment.content.decode()
    summary = client.get("/areas/inspections/coverage/")
    assert summary.status_code == 200 and area.g11.name in summary.content.decode()
    client.force_login(role_users[RoleKind.VOLUNTEER_LEADER])
    assert client.get(f"/areas/grids/{area.g11.pk}/coverage/").status_code == 403
    client.force_login(role_users[LEADER])
    assert client.get(f"/areas/grids/{area.g12.pk}/coverage/").status_code == 404


def test_the_village_sets_the_visit_targets_and_bad_input_changes_nothing(
    client, area, role_users, other_role_users
):
    households(area.m111, 3)
    url = f"/areas/grids/{area.g11.pk}/coverage/target/"
    page = f"/areas/grids/{area.g11.pk}/coverage/"
    client.force_login(role_users[RoleKind.VILLAGE_CLERK])
    assert "Change the visit targets" in client.get(page).content.decode()
    response = client.post(url, {"every_days": "60", "care_every_days": "14"}, follow=True)
    html = response.content.decode()
    assert "every household every 60 days" in html and "every 14 days" in html
    response = client.post(url, {"every_days": "0", "care_every_days": "90"}, follow=True)
    assert "from 1 to 366" in response.content.decode()
    response = client.post(url, {"every_days": "30", "care_every_days": "60"}, follow=True)
    assert "at least as often" in response.content.decode()
    target = VisitTarget.objects.get(grid=area.g11)
    assert (target.every_days, target.care_every_days) == (60, 14)
    # The grid leader follows the targets but does not set them; other villages do not exist.
    client.force_login(role_users[LEADER])
    assert "Change the visit targets" not in client.get(page).content.decode()
    assert client.post(url, {"every_days": "5", "care_every_days": "5"}).status_code == 403
    client.force_login(other_role_users[RoleKind.VILLAGE_CLERK])
    assert client.post(url, {"every_days": "5", "care_every_days": "5"}).status_code == 404
    assert VisitTarget.objects.get(grid=area.g11).every_days == 60


def test_the_form_lists_the_grid_and_its_households(client, area, role_users):
    homes = households(area.m111, 2)
    households(area.m211, 1, prefix="Z")
    client.force_login(role_users[LEADER])
    html = client.get("/areas/inspections/new/").content.decode()
    assert area.g11.name in html and area.g21.name not in html
    assert all(h.number in html for h in homes) and "Z" + str(area.m211.pk) not in html
    assert "<script>" not in html  # no inline script (CSP)
    client.force_login(role_users[RoleKind.VOLUNTEER_LEADER])
    html = client.get("/areas/inspections/new/").content.decode()
    assert area.g12.name in html and homes[0].number not in html


def test_the_service_worker_is_served_for_the_inspection_pages(client):
    response = client.get("/areas/inspections/sw.js")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/javascript")
    assert response["Service-Worker-Allowed"] == "/areas/inspections/"
    source = response.content.decode()
    assert "__PAGE__" not in source and '"/areas/inspections/new/"' in source
    assert "/static/js/inspections.js" in source


def _queries_of(callable_) -> int:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as ctx:
        callable_()
    return len(ctx.captured_queries)


def test_a_submission_with_three_photos_costs_the_same_queries_however_many_visits(
    client, area, role_users
):
    client.force_login(role_users[LEADER])
    few, many = households(area.m111, 2), households(area.m112, 30, prefix="M")
    three = {"type": "environment", "description": "垃圾", "outcome": "fixed", "photos": 3}

    def post(homes):
        payload = _payload(area.g11, households=homes, findings=[three])
        photos = {f"finding-0-photo-{i}": jpeg(colour=(i * 40, 10, 10)) for i in range(3)}
        response = _post(client, payload, photos)
        assert response.status_code == 201, response.content

    assert _queries_of(lambda: post(few)) == _queries_of(lambda: post(many))
    assert InspectionPhoto.objects.count() == 6


def test_the_coverage_page_costs_the_same_queries_however_many_households(client, area, role_users):
    client.force_login(role_users[LEADER])
    url = f"/areas/grids/{area.g11.pk}/coverage/"
    households(area.m111, 3)
    small = _queries_of(lambda: client.get(url))
    households(area.m112, 40, prefix="M", care_every=3)
    response = client.get(url)
    assert "43 households due for a visit" in response.content.decode()
    assert _queries_of(lambda: client.get(url)) == small
