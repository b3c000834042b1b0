"""Open311 GeoReport v2, read side: services, requests with the spec's filters, one request,
and nothing personal in any answer."""

import datetime
import json
from decimal import Decimal

import pytest
from defusedxml import ElementTree as DefusedET
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
from tickets.views.open311 import public_summary
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
    assert unknown.json() == [
        {"code": 404, "description": "jurisdiction_id: No such jurisdiction_id."}
    ]
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
    # The caller's name, the phone number: replaced in the public summary; no photo.
    assert first["description"] == "某某家楼上漏水，电话＊＊＊，请尽快处理"
    assert first["media_url"] is None
    assert rows[0]["description"] == "村东河道漂浮垃圾较多，请处理。"
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
        get(client, "requests.xml"),
        get(client, f"requests/{straw.number}.xml"),
    ]
    for response in answers:
        assert response.status_code == 200
        raw = response.content.decode()
        escaped = raw if raw.startswith("<?xml") else json.dumps(response.json())
        for secret in (
            CALLER_NAME, CALLER_PHONE, "138****", "幸福路", "502", "32.456789", "娜娜",
            "已联系",
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
        ({"end_date": "2025-02-30"}, "end_date: Give a date of 2000–2099"),
        ({"start_date": "9999-12-31"}, "start_date: Give a date of 2000–2099"),
        ({"end_date": "0001-01-01"}, "end_date: Give a date of 2000–2099"),
        ({"status": "pending"}, "status"),
        ({"service_code": "abc"}, "service_code"),
    ]:
        response = get(client, "requests.json", **params)
        assert response.status_code == 400, params
        ((error),) = response.json()
        assert error["code"] == 400 and words in error["description"]


def test_requests_come_a_page_at_a_time_newest_first(client, hotline):
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
    first = get(client, "requests.json")
    rows = first.json()
    assert len(rows) == 100 and first.headers["X-Page-Size-Max"] == "1000"
    assert rows[0]["service_request_id"] == "HS202611010000"
    assert first.headers["Link"] == (
        '<http://testserver/open311/v2/requests.json?page=2>; rel="next"'
    )
    big = get(client, "requests.json", page_size=1000, status="open")
    assert len(big.json()) == 1000
    assert big.json()[-1]["service_request_id"] == "HS202611010999"
    assert "page=2" in big.headers["Link"] and "status=open" in big.headers["Link"]
    last = get(client, "requests.json", page_size=1000, page=2)
    assert [r["service_request_id"] for r in last.json()] == [
        f"HS2026110110{i:02d}" for i in range(5)
    ]
    assert "Link" not in last.headers
    assert get(client, "requests.json", page=3, page_size=1000).json() == []
    for params in ({"page_size": 1001}, {"page_size": 0}, {"page": "x"}, {"page": 1001}):
        refused = get(client, "requests.json", **params)
        assert refused.status_code == 400, params
        assert refused.json()[0]["description"].startswith(next(iter(params)) + ": ")


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


# --- The specification's formats -----------------------------------------------------------

# GeoReport v2's field lists (wiki.open311.org/GeoReport_v2), in the specification's order.
SERVICE_FIELDS = [
    "service_code", "service_name", "description", "metadata", "type", "keywords", "group",
]  # fmt: skip
REQUEST_FIELDS = [
    "service_request_id", "status", "status_notes", "service_name", "service_code",
    "description", "agency_responsible", "service_notice", "requested_datetime",
    "updated_datetime", "expected_datetime", "address", "address_id", "zipcode", "lat", "long",
    "media_url",
]  # fmt: skip
DISCOVERY_FIELDS = ["changeset", "contact", "key_service", "endpoints"]
ENDPOINT_FIELDS = ["specification", "url", "changeset", "type", "formats"]


def xml_of(response):
    assert response.headers["Content-Type"] == "text/xml; charset=utf-8"
    return DefusedET.fromstring(response.content)


def test_json_and_xml_carry_the_specifications_fields(client, orders, hotline):
    straw, _closed, _roads = orders
    services = get(client, "services.json").json()
    assert all(list(s) == SERVICE_FIELDS for s in services)
    services_xml = xml_of(get(client, "services.xml"))
    assert services_xml.tag == "services"
    assert [[c.tag for c in s] for s in services_xml] == [SERVICE_FIELDS] * len(services)
    assert [s.findtext("service_code") for s in services_xml] == [
        s["service_code"] for s in services
    ]
    assert services_xml[0].findtext("metadata") == "false"

    rows = get(client, "requests.json").json()
    assert all(list(r) == REQUEST_FIELDS for r in rows)
    for path in ("requests.xml", f"requests/{straw.number}.xml"):
        tree = xml_of(get(client, path))
        assert tree.tag == "service_requests"
        assert {r.tag for r in tree} == {"request"}
        assert all([c.tag for c in r] == REQUEST_FIELDS for r in tree)
    tree = xml_of(get(client, "requests.xml"))
    assert [r.findtext("service_request_id") for r in tree] == [
        r["service_request_id"] for r in rows
    ]
    straw_xml = tree[-1]
    assert straw_xml.findtext("description") == "某某家楼上漏水，电话＊＊＊，请尽快处理"
    assert straw_xml.findtext("lat") == "32.457" and straw_xml.findtext("media_url") == ""


def test_discovery_in_json_and_xml(client):
    discovery = get(client, "discovery.json").json()
    assert list(discovery) == DISCOVERY_FIELDS
    (endpoint,) = discovery["endpoints"]
    assert list(endpoint) == ENDPOINT_FIELDS
    assert endpoint["url"] == "http://testserver/open311/v2/"
    assert endpoint["formats"] == ["text/xml", "application/json"]
    tree = xml_of(get(client, "discovery.xml"))
    assert tree.tag == "discovery" and [c.tag for c in tree] == DISCOVERY_FIELDS
    (endpoint_xml,) = tree.find("endpoints")
    assert endpoint_xml.tag == "endpoint" and [c.tag for c in endpoint_xml] == ENDPOINT_FIELDS
    assert [f.text for f in endpoint_xml.find("formats")] == ["text/xml", "application/json"]


def test_errors_in_xml_are_the_specifications_list(client, hotline):
    response = get(client, "requests.xml", start_date="9999-12-31")
    assert response.status_code == 400
    tree = xml_of(response)
    assert tree.tag == "errors"
    (error,) = tree
    assert [c.tag for c in error] == ["code", "description"]
    assert error.findtext("code") == "400"
    assert error.findtext("description").startswith("start_date: ")
    missing = get(client, "requests/HS209901010001.xml")
    assert missing.status_code == 404 and xml_of(missing).tag == "errors"


def test_control_characters_in_an_order_still_make_well_formed_xml(client, hotline):
    hotline.new_order(description="路灯坏了\x0b\x1f，请修理")
    tree = xml_of(get(client, "requests.xml"))
    assert tree[0].findtext("description") == "路灯坏了，请修理"


# --- The public summary ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "names", "summary"),
    [
        ("欧阳娜娜家楼上漏水，电话13987654321", ("欧阳娜娜",), "某某家楼上漏水，电话＊＊＊"),
        ("娜娜说楼上漏水", ("欧阳娜娜",), "某某说楼上漏水"),
        ("王先生反映路灯不亮", (), "某先生反映路灯不亮"),
        ("联系人：张三丰，139 1234 5678", (), "联系人：某某，＊＊＊"),
        ("户主：李四，身份证32108419800101123X", (), "户主：某某，身份证＊＊＊"),
        ("幸福路18号3单元502室漏水", (), "幸福路＊号＊单元＊室漏水"),
        ("邮件 someone@example.com 回复", (), "邮件 ＊＊＊ 回复"),
        ("全角电话１３９１２３４５６７８", (), "全角电话＊＊＊"),
        ("   ", (), None),
    ],
)
def test_the_public_summary_removes_personal_data(text, names, summary):
    assert public_summary(text, names=names) == summary


def test_the_public_summary_is_at_most_200_characters():
    summary = public_summary("路" * 500)
    assert len(summary) == 200 and summary.endswith("…")
