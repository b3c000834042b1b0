"""Open311 GeoReport v2, read side: services, requests with the spec's filters, one request,
and nothing personal in any answer."""

import datetime
import json
from decimal import Decimal

import pytest
from django.utils import timezone

from grids.models import Town
from tickets.models import Category, WorkOrder
from tickets.services import (
    order_accept,
    order_callback,
    order_close,
    order_dispatch,
    order_reply,
    order_review,
)
from tickets.worktime import TZ

pytestmark = pytest.mark.django_db

BASE = "/open311/v2"
CALLER_NAME, CALLER_PHONE = "欧阳娜娜", "13987654321"
ADDRESS = "第1村幸福路18号3单元502室"
TITLE, DESCRIPTION = "楼上漏水", "欧阳娜娜家楼上漏水，电话13987654321，请尽快处理"


@pytest.fixture
def orders(hotline):
    """An open order and a closed one in V1 (env → straw and env), one open on roads."""
    h = hotline
    straw = h.new_order(
        category=h.straw,
        title=TITLE,
        description=DESCRIPTION,
        caller_name=CALLER_NAME,
        caller_phone=CALLER_PHONE,
        address=ADDRESS,
        lat=Decimal("32.456789"),
        lng=Decimal("119.412345"),
    )
    closed = h.new_order(caller_name=CALLER_NAME, caller_phone=CALLER_PHONE, address=ADDRESS)
    order_dispatch(actor=h.command, order=closed, lead_unit=h.d1)
    order_accept(actor=h.handler, order=closed)
    order_reply(
        actor=h.handler, order=closed, text=f"已联系{CALLER_NAME}（{CALLER_PHONE}）处理完毕"
    )
    order_review(actor=h.command, order=closed, approve=True)
    order_callback(actor=h.command, order=closed, result="satisfied")
    order_close(actor=h.command, order=closed)
    roads = h.new_order(category=h.roads, village=h.area.v2, address="第2村路口")
    return straw, closed, roads


def get(client, path, **params):
    return client.get(f"{BASE}/{path}", params)


def test_services_are_the_towns_active_categories(client, hotline):
    h = hotline
    Category.objects.create(town=h.town, name="停用类别", is_active=False)
    response = get(client, "services.json")
    assert response.status_code == 200
    assert response.headers["Access-Control-Allow-Origin"] == "*"
    services = response.json()
    assert [s["service_code"] for s in services] == [
        str(h.env.pk),
        str(h.straw.pk),
        str(h.roads.pk),
    ]
    straw = services[1]
    assert straw == {
        "service_code": str(h.straw.pk),
        "service_name": "秸秆焚烧",
        "description": "环境保护 / 秸秆焚烧",
        "metadata": False,
        "type": "realtime",
        "keywords": "",
        "group": "环境保护",
    }


def test_jurisdiction_is_the_town_code(client, hotline):
    assert get(client, "services.json", jurisdiction_id="T1").status_code == 200
    unknown = get(client, "services.json", jurisdiction_id="NOPE")
    assert unknown.status_code == 404
    assert unknown.json() == [{"code": 404, "description": "No such jurisdiction_id."}]
    Town.objects.create(code="T9", name="别镇")
    several = get(client, "requests.json")
    assert several.status_code == 400 and "jurisdiction_id" in several.json()[0]["description"]
    assert get(client, "requests.json", jurisdiction_id="T9").json() == []


def test_requests_list_the_public_face_of_orders(client, orders, hotline):
    straw, closed, roads = orders
    response = get(client, "requests.json")
    assert response.status_code == 200
    rows = response.json()
    assert [r["service_request_id"] for r in rows] == [roads.number, closed.number, straw.number]
    first = rows[2]
    assert first["status"] == "open" and first["status_notes"] == "New"
    assert first["service_code"] == str(hotline.straw.pk)
    assert first["service_name"] == "环境保护 / 秸秆焚烧"
    assert first["address"] == "测试镇 第1村"
    # About 100 m: three decimals.
    assert (first["lat"], first["long"]) == (32.457, 119.412)
    assert first["description"] is None and first["media_url"] is None
    assert first["requested_datetime"].endswith("+08:00")
    assert rows[1]["status"] == "closed" and rows[1]["agency_responsible"] == "第1局"
    assert rows[1]["expected_datetime"].endswith("+08:00")
    assert rows[0]["lat"] is None and rows[0]["address"] == "测试镇 第2村"


def test_nothing_personal_in_any_answer(client, orders):
    straw, closed, _roads = orders
    answers = [
        get(client, "services.json"),
        get(client, "requests.json"),
        get(client, "requests.json", status="closed"),
        get(client, f"requests/{straw.number}.json"),
        get(client, f"requests/{closed.number}.json"),
        get(client, "requests.json", service_request_id=f"{straw.number},{closed.number}"),
    ]
    for response in answers:
        assert response.status_code == 200
        raw = response.content.decode()
        escaped = json.dumps(response.json())
        for secret in (
            CALLER_NAME, CALLER_PHONE, "138****", "幸福路", "502", "32.456789", TITLE,
            DESCRIPTION[:6], "已联系",
        ):  # fmt: skip
            assert secret not in raw and secret not in escaped, (secret, response.request)
        assert "欧阳" not in raw


def test_filters_by_service_code_status_and_id(client, orders, hotline):
    straw, closed, roads = orders
    h = hotline

    def numbers(**params):
        response = get(client, "requests.json", **params)
        assert response.status_code == 200, response.content
        return {r["service_request_id"] for r in response.json()}

    # A top-level code takes its sub-categories too.
    assert numbers(service_code=str(h.env.pk)) == {straw.number, closed.number}
    assert numbers(service_code=str(h.straw.pk)) == {straw.number}
    assert numbers(service_code=f"{h.straw.pk},{h.roads.pk}") == {straw.number, roads.number}
    assert numbers(status="open") == {straw.number, roads.number}
    assert numbers(status="closed") == {closed.number}
    assert numbers(status="open,closed") == {straw.number, closed.number, roads.number}
    # With service_request_id the other filters are ignored, as the spec says.
    assert numbers(service_request_id=closed.number, status="open") == {closed.number}


def test_dates_default_to_the_last_90_days_and_span_at_most_90(client, orders):
    straw, closed, roads = orders
    old = datetime.datetime(2025, 3, 10, 9, 0, tzinfo=TZ)
    WorkOrder.objects.filter(pk=straw.pk).update(created_at=old)

    def numbers(**params):
        return {r["service_request_id"] for r in get(client, "requests.json", **params).json()}

    assert numbers() == {closed.number, roads.number}
    assert numbers(start_date="2025-03-01", end_date="2025-03-31") == {straw.number}
    assert numbers(start_date="2025-03-10T09:00:00+08:00", end_date="2025-03-10") == {straw.number}
    assert numbers(start_date="2025-03-10T09:00:01+08:00", end_date="2025-03-12") == set()
    assert numbers(end_date="2025-04-01") == {straw.number}
    assert numbers(start_date="2025-01-01") == {straw.number}
    for params, words in [
        ({"start_date": "2025-01-01", "end_date": "2025-06-01"}, "90 days"),
        ({"start_date": "2025-05-01", "end_date": "2025-04-01"}, "before"),
        ({"start_date": "last tuesday"}, "start_date"),
        ({"end_date": "2025-02-30"}, "end_date"),
        ({"status": "pending"}, "status"),
        ({"service_code": "abc"}, "service_code"),
    ]:
        response = get(client, "requests.json", **params)
        assert response.status_code == 400, params
        ((error),) = response.json()
        assert error["code"] == 400 and words in error["description"]


def test_at_most_1000_requests_newest_first(client, hotline):
    h = hotline
    now = timezone.now()
    WorkOrder.objects.bulk_create(
        WorkOrder(
            town=h.town,
            number=f"HS20261101{i:04d}",
            source="hotline",
            category=h.env,
            title="t",
            description="d",
            created_at=now - datetime.timedelta(minutes=i),
        )
        for i in range(1005)
    )
    rows = get(client, "requests.json").json()
    assert len(rows) == 1000
    assert rows[0]["service_request_id"] == "HS202611010000"
    assert rows[-1]["service_request_id"] == "HS202611010999"


def test_one_request(client, orders):
    straw, _closed, _roads = orders
    response = get(client, f"requests/{straw.number}.json")
    assert response.status_code == 200
    (row,) = response.json()
    assert row["service_request_id"] == straw.number and row["status"] == "open"
    missing = get(client, "requests/HS209901010001.json")
    assert missing.status_code == 404 and missing.json()[0]["code"] == 404


def test_get_only(client, orders):
    assert client.post(f"{BASE}/requests.json").status_code == 405
    assert client.post(f"{BASE}/services.json").status_code == 405


def test_chinese_status_notes_when_asked(client, orders):
    response = client.get(f"{BASE}/requests.json", HTTP_ACCEPT_LANGUAGE="zh-CN")
    assert response.headers["Content-Language"] == "zh-hans"
    notes = {r["status_notes"] for r in response.json()}
    assert "New" not in notes and "Closed" not in notes


def test_the_list_costs_the_same_queries_for_3_or_30_orders(
    client, orders, hotline, django_assert_num_queries
):
    with django_assert_num_queries(2):  # the jurisdiction, the orders with their names
        assert len(get(client, "requests.json").json()) == 3
    for i in range(27):
        hotline.new_order(title=f"第{i}单", village=hotline.area.v2)
    order_dispatch(
        actor=hotline.command, order=WorkOrder.objects.order_by("pk").last(), lead_unit=hotline.v1
    )
    with django_assert_num_queries(2):
        assert len(get(client, "requests.json").json()) == 30
    with django_assert_num_queries(2):
        assert len(get(client, "services.json").json()) == 3
