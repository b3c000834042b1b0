"""Hostile and careless input to the intake API and Open311 (issue 16): every example answers
4xx JSON naming the field, in the caller's language, and writes nothing."""

import json

import pytest

from tickets.models import WorkOrder
from tickets.services.clients import api_client_create

from .test_api import URL, body, post

pytestmark = pytest.mark.django_db

TEXT_FIELDS = ["upstream_number", "title", "description", "caller_name", "address", "village"]


@pytest.fixture
def token(hotline):
    _client, token = api_client_create(town=hotline.town, name="扬州12345")
    return token


def refused(response, status: int = 400) -> dict[str, list[str]]:
    """The errors of a JSON refusal with STATUS; nothing was received."""
    assert response.status_code == status, response.content
    assert response.headers["Content-Type"] == "application/json"
    assert not WorkOrder.objects.exists()
    return response.json()["errors"]


def nested(depth: int) -> str:
    return "[" * depth + "]" * depth


@pytest.mark.parametrize("depth", [17, 1000, 100_000])
def test_deep_nesting_is_refused_before_it_is_parsed(client, hotline, token, depth):
    payload = json.dumps(body(hotline, title="x"))[:-1] + f', "extra": {nested(depth)}}}'
    errors = refused(post(client, payload, token))
    assert errors == {"__all__": ["The JSON is nested more than 16 levels deep."]}


def test_unbalanced_deep_nesting_is_refused_too(client, hotline, token):
    assert refused(post(client, "[" * 200_000, token))["__all__"]


def test_nesting_up_to_the_limit_is_read(client, hotline, token):
    payload = json.dumps(body(hotline))[:-1] + f', "extra": {nested(15)}}}'
    assert post(client, payload, token).status_code == 201


@pytest.mark.parametrize(
    "deadline",
    ["2026-02-30T10:00:00+08:00", "2025-02-29T10:00:00", "9999-12-31T23:59:59-08:00",
     "0001-01-01T00:00:00+08:00", "2026-12-01T24:00:00+08:00", "2026-12-01T17:30:00+25:00",
     "2026-12-01", "2026-12-01T17:30:00+08:00\n", 1764581400, True],
)  # fmt: skip
def test_an_impossible_or_far_deadline_is_refused(client, hotline, token, deadline):
    errors = refused(post(client, body(hotline, upstream_deadline=deadline), token))
    assert list(errors) == ["upstream_deadline"]


def test_a_leap_day_deadline_is_received(client, hotline, token):
    response = post(client, body(hotline, upstream_deadline="2028-02-29T10:00:00+08:00"), token)
    assert response.status_code == 201


@pytest.mark.parametrize("name", TEXT_FIELDS)
def test_nul_in_any_text_is_refused_naming_the_field(client, hotline, token, name):
    errors = refused(post(client, body(hotline, **{name: "第1村\x00东头"}), token))
    assert errors == {name: ["Must not contain the NUL character (\\u0000)."]}


@pytest.mark.parametrize("name", TEXT_FIELDS)
def test_a_lone_surrogate_sent_as_a_json_escape_is_refused(client, hotline, token, name):
    # json.dumps writes the escape itself: the body is plain ASCII, valid JSON.
    payload = json.dumps(body(hotline, **{name: "abc\ud800"}))
    assert "\\ud800" in payload
    errors = refused(post(client, payload, token))
    assert list(errors) == [name] and "surrogate" in errors[name][0]


def test_the_refusal_speaks_chinese_when_asked(client, hotline, token):
    response = post(
        client, body(hotline, title="\x00"), token, HTTP_ACCEPT_LANGUAGE="zh-Hans,en;q=0.5"
    )
    errors = refused(response)
    assert response.headers["Content-Language"] == "zh-hans"
    assert "NUL" in errors["title"][0] and "不能" in errors["title"][0]


@pytest.mark.parametrize("blank", ["", "   ", "\t\n", "\u3000"])
def test_a_blank_upstream_number_is_refused_every_time(client, hotline, token, blank):
    for _attempt in range(2):
        errors = refused(post(client, body(hotline, upstream_number=blank), token))
        assert list(errors) == ["upstream_number"]
    answer = client.get(f"{URL}/{blank}", HTTP_AUTHORIZATION=f"Bearer {token}")
    assert answer.status_code == 404 and answer.headers["Content-Type"] == "application/json"


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"lat": 91}, "lat"),
        ({"lng": -180.5}, "lng"),
        ({"lat": "32.4"}, "lat"),
        ({"lat": True}, "lat"),
        ({"category": 2**63}, "category"),
        ({"category": -1}, "category"),
        ({"category": "1e3"}, "category"),
        ({"category": [1]}, "category"),
        ({"title": ["a", "b"]}, "title"),
        ({"title": {"zh": "x"}}, "title"),
        ({"caller_phone": "１３９１２３４５６７８"}, "caller_phone"),
        ({"caller_phone": "139" * 10}, "caller_phone"),
        ({"caller_name": "名" * 51}, "caller_name"),
        ({"urgency": "URGENT"}, "urgency"),
    ],
)
def test_numbers_and_shapes_out_of_range_are_refused(client, hotline, token, overrides, field):
    assert list(refused(post(client, body(hotline, **overrides), token))) == [field]


@pytest.mark.parametrize("raw", ["NaN", "Infinity", "-Infinity", "1e400", "1" * 5000])
def test_numbers_json_does_not_have_are_refused(client, hotline, token, raw):
    payload = json.dumps(body(hotline))[:-1] + f', "lat": {raw}, "lng": 119}}'
    assert refused(post(client, payload, token))


def test_a_body_that_is_not_utf8_is_refused(client, hotline, token):
    payload = json.dumps(body(hotline)).encode().replace(b"\\u", b"\xff\xfe")
    assert refused(post(client, payload, token))["__all__"]


# --- Django's own answers on these prefixes are JSON too ---------------------------------------


@pytest.mark.parametrize(
    "path", ["/api/", "/api/nothing", "/api/hotline/orders/", "/api/hotline/x/y", "/api/%00"]
)
def test_unknown_api_paths_answer_json_404(client, path):
    response = client.get(path)
    assert response.status_code == 404
    assert response.json() == {"errors": {"__all__": ["Not found."]}}
    assert client.post(path).status_code == 404


@pytest.mark.parametrize(
    "path",
    ["/open311/", "/open311/v2/", "/open311/v2/requests.html", "/open311/v2/requests/%00.json"],
)
def test_unknown_open311_paths_answer_json_404(client, hotline, path):
    response = client.get(path)
    assert response.status_code == 404
    assert response.headers["Content-Type"] == "application/json"
    assert response.json()[0]["code"] == 404


def test_a_post_to_open311_is_405_even_with_csrf_checks(hotline):
    from django.test import Client

    response = Client(enforce_csrf_checks=True).post("/open311/v2/requests.json")
    assert response.status_code == 405 and response.headers["Allow"] == "GET"
    assert response.json()[0]["code"] == 405


def test_too_many_query_fields_are_a_json_400(client, hotline, settings):
    settings.DATA_UPLOAD_MAX_NUMBER_FIELDS = 10
    response = client.get("/open311/v2/requests.json?" + "&".join(f"f{i}=1" for i in range(20)))
    assert response.status_code == 400 and response.json()[0]["code"] == 400


@pytest.mark.parametrize(
    ("query", "name"),
    [
        ("start_date=9999-12-31", "start_date"),
        ("end_date=0001-01-01", "end_date"),
        ("start_date=2026-02-30", "start_date"),
        ("start_date=2026-01-01T10:00:00%2B99:00", "start_date"),
        ("jurisdiction_id=%00", "jurisdiction_id"),
        ("status=open%00", "status"),
        ("status=open&status=closed", "status"),
        ("service_code=%ED%A0%80", "service_code"),
        ("service_code=-1", "service_code"),
        ("service_code=" + "9" * 40, "service_code"),
        ("service_request_id=" + "A," * 2000, "service_request_id"),
        ("page=-1", "page"),
        ("page_size=99999999999999999999", "page_size"),
        ("start_date=" + "2" * 10_000, "start_date"),
    ],
)
def test_hostile_open311_queries_answer_400_naming_the_parameter(client, hotline, query, name):
    response = client.get(f"/open311/v2/requests.json?{query}")
    assert response.status_code == 400, response.content
    (error,) = response.json()
    assert error["code"] == 400 and error["description"].startswith(f"{name}: ")


def test_a_request_number_with_nul_or_a_surrogate_is_not_found(client, hotline, token):
    auth = {"HTTP_AUTHORIZATION": f"Bearer {token}"}
    for number in ("%00", "%ED%A0%80", "HS%00"):
        assert client.get(f"/open311/v2/requests/{number}.json").status_code == 404
        assert client.get(f"{URL}/{number}", **auth).status_code == 404
