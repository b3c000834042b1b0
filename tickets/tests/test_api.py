"""The city platform's intake API: tokens, validation, idempotency, reading the reply back."""

import json
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from grids.models import Town
from tickets.models import ApiClient, Source, State, WorkOrder
from tickets.services import (
    order_accept,
    order_callback,
    order_close,
    order_create,
    order_dispatch,
    order_reply,
    order_review,
)
from tickets.services.clients import api_client_create

pytestmark = pytest.mark.django_db

URL = "/api/hotline/orders"


@pytest.fixture
def token(hotline):
    _client, token = api_client_create(town=hotline.town, name="扬州12345")
    return token


def body(h, **overrides) -> dict:
    data = {
        "source": "hotline",
        "upstream_number": "YZ-2026-000123",
        "upstream_deadline": "2026-12-01T17:30:00+08:00",
        "category": h.straw.pk,
        "urgency": "urgent",
        "title": "田间焚烧秸秆",
        "description": "村东田里有人焚烧秸秆，浓烟很大。",
        "caller_name": "王先生",
        "caller_phone": "13912345678",
        "village": "V1",
        "address": "第1村东头",
        "lat": 32.456789,
        "lng": 119.412345,
    }
    data.update(overrides)
    return data


def post(client, data, token: str | None, **headers):
    if token is not None:
        headers["HTTP_AUTHORIZATION"] = f"Bearer {token}"
    payload = data if isinstance(data, str | bytes) else json.dumps(data)
    return client.post(URL, payload, content_type="application/json", **headers)


def get(client, number: str, token: str | None):
    headers = {"HTTP_AUTHORIZATION": f"Bearer {token}"} if token else {}
    return client.get(f"{URL}/{number}", **headers)


# --- Tokens --------------------------------------------------------------------------------


def test_without_a_token_or_with_a_bad_one_nothing_is_received(client, hotline, token):
    missing = post(client, body(hotline), None)
    assert missing.status_code == 401
    assert missing.headers["WWW-Authenticate"] == 'Bearer realm="hotline"'
    bad = post(client, body(hotline), token + "x")
    assert bad.status_code == 401
    assert bad.headers["WWW-Authenticate"] == 'Bearer realm="hotline", error="invalid_token"'
    basic = post(client, body(hotline), None, HTTP_AUTHORIZATION=f"Basic {token}")
    assert basic.status_code == 401
    # The answer names nothing: not the clients, not the token, the same for every failure.
    assert missing.json() == bad.json() == basic.json()
    for response in (missing, bad, basic):
        assert "扬州" not in response.content.decode() and token not in response.content.decode()
    assert not WorkOrder.objects.exists()


def test_a_revoked_client_is_refused(client, hotline, token):
    ApiClient.objects.update(is_active=False)
    assert post(client, body(hotline), token).status_code == 401
    assert not WorkOrder.objects.exists()


def test_a_staff_session_is_no_token(client, hotline):
    client.force_login(hotline.command)
    assert post(client, body(hotline), None).status_code == 401


# --- Receiving -----------------------------------------------------------------------------


def test_a_good_order_is_received_with_its_location(client, hotline, token):
    response = post(client, body(hotline), token)
    assert response.status_code == 201
    order = WorkOrder.objects.get()
    assert response.headers["Location"] == f"/api/hotline/orders/{order.number}"
    data = response.json()
    assert data["number"] == order.number and data["status"] == "new"
    assert data["reply"] is None and data["replied_at"] is None
    assert data["url"] == f"http://testserver/api/hotline/orders/{order.number}"
    assert (order.source, order.upstream_number) == (Source.HOTLINE, "YZ-2026-000123")
    assert order.category == hotline.straw and order.urgency == "urgent"
    assert order.village == hotline.area.v1 and order.created_by is None
    assert str(order.lat) == "32.456789" and order.caller_phone == "13912345678"
    assert order.upstream_deadline.isoformat() == "2026-12-01T09:30:00+00:00"
    assert [e.action for e in order.timeline.all()] == ["create"]


def test_a_village_by_name_and_a_deadline_without_offset_in_the_towns_time(client, hotline, token):
    response = post(
        client,
        body(hotline, village="第1村", upstream_deadline="2026-12-01T17:30:00", lat=None, lng=None),
        token,
    )
    assert response.status_code == 201
    order = WorkOrder.objects.get()
    assert order.village == hotline.area.v1 and order.lat is None
    assert order.upstream_deadline.isoformat() == "2026-12-01T09:30:00+00:00"


def test_every_malformed_field_is_listed_and_nothing_is_received(client, hotline, token):
    response = post(
        client,
        {
            "source": "fax",
            "category": 999999,
            "title": 123,
            "urgency": "whenever",
            "caller_phone": "call me",
            "lat": "north",
            "lng": 119.4,
            "upstream_deadline": "tomorrow",
            "village": "nowhere",
            "extra": "ignored",
        },
        token,
    )
    assert response.status_code == 400
    errors = response.json()["errors"]
    # The category and village are well-formed; what the town has is looked at next (422).
    assert set(errors) == {
        "source", "upstream_number", "title", "description", "urgency", "caller_phone", "lat",
        "upstream_deadline",
    }  # fmt: skip
    assert all(
        isinstance(m, list) and m and all(isinstance(x, str) for x in m) for m in errors.values()
    )
    assert errors["source"] == ["Must be one of: hotline, mayor."]
    assert errors["title"] == ["Must be a string."]
    assert "2000–2099" in errors["upstream_deadline"][0]
    assert not WorkOrder.objects.exists()


def test_what_the_town_does_not_have_is_listed_with_422(client, hotline, token):
    response = post(client, body(hotline, category=999999, village="nowhere", lng=None), token)
    assert response.status_code == 422
    errors = response.json()["errors"]
    assert set(errors) == {"category", "village", "lng"}
    assert "services.json" in errors["category"][0]
    assert not WorkOrder.objects.exists()


def test_a_title_too_long_and_a_phone_in_words_are_both_listed(client, hotline, token):
    response = post(client, body(hotline, title="长" * 121, caller_phone="call me"), token)
    assert response.status_code == 400
    assert set(response.json()["errors"]) == {"title", "caller_phone"}
    assert not WorkOrder.objects.exists()


def test_grid_reports_and_walk_ins_do_not_come_through_the_api(client, hotline, token):
    response = post(client, body(hotline, source=Source.GRID), token)
    assert response.status_code == 400 and set(response.json()["errors"]) == {"source"}


def test_a_category_of_another_town_is_unknown(client, hotline, token):
    other = Town.objects.create(code="T9", name="别镇")
    foreign = type(hotline.env).objects.create(town=other, name="环境保护")
    response = post(client, body(hotline, category=foreign.pk), token)
    assert response.status_code == 422 and set(response.json()["errors"]) == {"category"}


@pytest.mark.parametrize(
    ("payload", "content_type", "status"),
    [
        ("{not json", "application/json", 400),
        ("[1, 2]", "application/json", 400),
        ('"text"', "application/json", 400),
        ("source=hotline", "application/x-www-form-urlencoded", 415),
    ],
)
def test_a_body_that_is_not_one_json_object(client, hotline, token, payload, content_type, status):
    response = client.post(
        URL, payload, content_type=content_type, HTTP_AUTHORIZATION=f"Bearer {token}"
    )
    assert response.status_code == status
    assert list(response.json()["errors"]) == ["__all__"]
    assert not WorkOrder.objects.exists()


def test_a_body_over_one_megabyte_is_refused_unread(client, hotline, token):
    big = json.dumps(body(hotline, description="长" * 400_000))
    assert len(big.encode()) > 1024 * 1024
    response = post(client, big, token)
    assert response.status_code == 413
    assert response.json()["errors"]["__all__"] == ["The body is larger than 1 MB."]
    assert not WorkOrder.objects.exists()


def test_only_post_receives_and_only_get_reads(client, hotline, token):
    auth = {"HTTP_AUTHORIZATION": f"Bearer {token}"}
    for response in (client.get(URL, **auth), client.post(f"{URL}/HS202601010001", **auth)):
        assert response.status_code == 405
        assert response.headers["Content-Type"] == "application/json"
        assert "Method not allowed" in response.json()["errors"]["__all__"][0]
    assert client.get(URL).headers["Allow"] == "POST"


# --- Idempotency ---------------------------------------------------------------------------


def test_a_resend_answers_200_and_other_content_409(client, hotline, token):
    first = post(client, body(hotline), token)
    assert first.status_code == 201
    again = post(client, body(hotline), token)
    assert again.status_code == 200 and "Location" not in again.headers
    assert again.json()["number"] == first.json()["number"]
    changed = post(client, body(hotline, description="内容改了"), token)
    assert changed.status_code == 409
    assert changed.json()["number"] == first.json()["number"]
    assert first.json()["number"] in changed.json()["errors"]["upstream_number"][0]
    assert WorkOrder.objects.count() == 1
    assert WorkOrder.objects.get().description == "村东田里有人焚烧秸秆，浓烟很大。"
    # The same platform number under the other source is another order.
    assert post(client, body(hotline, source="mayor"), token).status_code == 201


def test_another_client_of_the_town_resending_gets_the_same_order(client, hotline, token):
    number = post(client, body(hotline), token).json()["number"]
    _second, token2 = api_client_create(town=hotline.town, name="扬州12345（新密钥）")
    again = post(client, body(hotline), token2)
    assert again.status_code == 200 and again.json()["number"] == number
    assert get(client, number, token2).status_code == 200


# --- Reading back ------------------------------------------------------------------------


def test_the_reply_is_given_once_the_command_centre_approved_it(client, hotline, token):
    h = hotline
    number = post(client, body(h), token).json()["number"]
    order = WorkOrder.objects.get(number=number)
    order_dispatch(actor=h.command, order=order, lead_unit=h.d1)
    order_accept(actor=h.handler, order=order)
    order_reply(actor=h.handler, order=order, text="已到现场扑灭，并对当事人进行了教育。")

    waiting = get(client, number, token)
    assert waiting.status_code == 200
    data = waiting.json()
    assert data["status"] == State.REPLIED and data["lead_unit"] == "第1局"
    assert data["reply"] is None and data["replied_at"] is None

    order_review(actor=h.command, order=order, approve=True)
    reviewed = get(client, number, token).json()
    assert reviewed["status"] == State.REVIEWED
    assert reviewed["reply"] == "已到现场扑灭，并对当事人进行了教育。"
    assert reviewed["replied_at"].endswith("+08:00")

    order_callback(actor=h.command, order=order, result="satisfied")
    order_close(actor=h.command, order=order)
    closed = get(client, number, token).json()
    assert closed["status"] == "closed" and closed["closed_at"].endswith("+08:00")
    assert closed["reply"] == "已到现场扑灭，并对当事人进行了教育。"


def test_only_the_towns_city_platform_orders_can_be_read(client, hotline, token):
    h = hotline
    staff_order = h.new_order()  # typed in by the command centre, no platform number
    assert get(client, staff_order.number, token).status_code == 404
    other_town = Town.objects.create(code="T9", name="别镇")
    category = type(h.env).objects.create(town=other_town, name="环境保护")
    foreign, _created = order_create(
        actor=None, town=other_town, source=Source.HOTLINE, category=category,
        title="外镇工单", description="外镇", upstream_number="YZ-OTHER-1",
    )  # fmt: skip
    response = get(client, foreign.number, token)
    assert response.status_code == 404 and "外镇" not in response.content.decode()
    assert get(client, "HS000000000000", token).status_code == 404
    assert get(client, foreign.number, None).status_code == 401


# --- Language and rate ---------------------------------------------------------------------


def test_english_for_programs_chinese_when_asked(client, hotline, token):
    english = post(client, {"source": "fax"}, token)
    assert english.headers["Content-Language"] == "en"
    assert english.json()["errors"]["upstream_number"] == ["This field is required."]
    chinese = post(client, {"source": "fax"}, token, HTTP_ACCEPT_LANGUAGE="zh-CN,zh;q=0.9,en;q=0.5")
    assert chinese.headers["Content-Language"] == "zh-hans"
    assert set(chinese.json()["errors"]) == set(english.json()["errors"])
    # A message the catalogue already has in Chinese.
    (required,) = chinese.json()["errors"]["upstream_number"]
    assert required != "This field is required." and "必填" in required


def test_too_many_requests_in_a_minute_are_refused(client, hotline, token, settings):
    settings.HOTLINE_API_RATE_PER_MINUTE = 2
    # Five quick requests: however a minute boundary falls, one window sees three of them.
    responses = [get(client, "HS000000000000", token) for _ in range(5)]
    assert responses[0].status_code == 404
    refused = [r for r in responses if r.status_code == 429]
    assert refused and 1 <= int(refused[0].headers["Retry-After"]) <= 60


# --- The client command --------------------------------------------------------------------


def test_the_command_prints_a_token_once_and_keeps_only_its_hash(client, hotline):
    out, err = StringIO(), StringIO()
    call_command("hotline_client_create", "扬州12345", stdout=out, stderr=err)
    token = out.getvalue().strip()
    assert len(token) >= 40 and "shown only this once" in err.getvalue()
    stored = ApiClient.objects.get(name="扬州12345")
    assert stored.town == hotline.town and token not in stored.token_hash
    assert post(client, body(hotline), token).status_code == 201
    again = StringIO()
    with pytest.raises(CommandError):
        call_command("hotline_client_create", "扬州12345", stdout=again, stderr=StringIO())
    assert again.getvalue() == "" and ApiClient.objects.count() == 1


def test_the_command_needs_a_town_when_there_are_several(hotline):
    Town.objects.create(code="T9", name="别镇")
    with pytest.raises(CommandError, match="--town"):
        call_command("hotline_client_create", "x", stdout=StringIO(), stderr=StringIO())
    out = StringIO()
    call_command("hotline_client_create", "x", "--town", "T9", stdout=out, stderr=StringIO())
    assert ApiClient.objects.get(name="x").town.code == "T9"
