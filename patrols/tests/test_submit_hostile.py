"""The inspection outbox endpoint against careless and hostile clients: every malformed body is
a 400 JSON answer naming the field (the outbox shows it and stops resending), never a 500,
never a partial write; a well-formed one still stores once (retries answer 200).

The property tests use hypothesis with a fixed seed (derandomize) and a bounded number of
examples, so a run is repeatable and takes a few seconds."""

import datetime
import json
import unicodedata
import uuid

import pytest
from django.conf import settings
from django.utils import timezone
from hypothesis import HealthCheck, event, given
from hypothesis import settings as hsettings
from hypothesis import strategies as st

from huaisi.roles import RoleKind
from patrols.models import Inspection, InspectionFinding

from .helpers import _english_messages  # noqa: F401

pytestmark = pytest.mark.django_db

URL = "/areas/inspections/submit/"
EXAMPLES = 60


@pytest.fixture
def leader(client, role_users):
    client.force_login(role_users[RoleKind.GRID_LEADER])
    return role_users[RoleKind.GRID_LEADER]


def payload(area, **overrides) -> dict:
    now = timezone.now()
    data = {
        "uuid": str(uuid.uuid4()),
        "grid": area.g11.pk,
        "place": "村东河道",
        "started_at": (now - datetime.timedelta(hours=1)).isoformat(),
        "ended_at": (now - datetime.timedelta(minutes=1)).isoformat(),
        "households": [],
        "findings": [],
    }
    data.update(overrides)
    return data


def post_text(client, text: str):
    """As the phone's outbox sends it: a multipart form whose `payload` is the JSON."""
    return client.post(URL, {"payload": text})


def post_body(client, body: bytes):
    return client.post(URL, body, content_type="application/json")


def refused(response, field: str) -> str:
    assert response.status_code == 400, response.content
    assert response["Content-Type"] == "application/json"
    body = response.json()
    assert body["status"] == "invalid"
    assert field in body["errors"], body
    return body["errors"][field]


def test_deep_nesting_is_refused_naming_the_payload(client, area, leader):
    deep = "[" * 5000 + "]" * 5000
    text = json.dumps(payload(area))[:-1] + f', "place": {deep}}}'
    assert "nested" in refused(post_text(client, text), "payload")
    assert "nested" in refused(post_body(client, text.encode()), "payload")
    assert not Inspection.objects.exists()


def test_nul_in_the_place_is_refused(client, area, leader):
    response = post_text(client, json.dumps(payload(area, place="村东\x00河道")))
    assert "NUL" in refused(response, "place")
    assert not Inspection.objects.exists()


def test_a_lone_surrogate_in_the_place_is_refused(client, area, leader):
    text = json.dumps(payload(area, place="PLACE")).replace("PLACE", "村东\\ud800")
    assert "surrogate" in refused(post_text(client, text), "place")
    assert "surrogate" in refused(post_body(client, text.encode()), "place")
    assert not Inspection.objects.exists()


def test_text_inside_a_finding_is_named_with_the_finding(client, area, leader):
    finding = {"type": "environment", "description": "垃圾\x00", "outcome": "fixed"}
    response = post_text(client, json.dumps(payload(area, findings=[finding])))
    assert "NUL" in refused(response, "findings-0-description")


def test_a_finding_that_is_not_an_object_is_named(client, area, leader):
    response = post_text(client, json.dumps(payload(area, findings=[{"type": "environment"}, 7])))
    assert refused(response, "findings-1") == "Finding 2 could not be read."


@pytest.mark.parametrize(
    "households",
    ["1,2", 7, {"1": 1}, [1, "2"], [1.5], [True], [None], [-1], [2**80]],
    ids=str,
)
def test_households_of_a_wrong_type_are_refused_not_dropped(client, area, leader, households):
    response = post_text(client, json.dumps(payload(area, households=households)))
    refused(response, "households")
    assert not Inspection.objects.exists()


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("grid", "12"),
        ("grid", 2**80),
        ("place", 12),
        ("place", ["村东"]),
        ("findings", "垃圾"),
        ("started_at", "2026-02-30T10:00:00+08:00"),
        ("ended_at", "9999-12-31T23:59:59+00:00"),
        ("started_at", "0001-01-01T00:00:00"),
        ("uuid", "not-a-uuid"),
        ("uuid", None),
    ],
)
def test_other_wrong_types_and_impossible_values_are_refused(client, area, leader, field, value):
    refused(post_text(client, json.dumps(payload(area, **{field: value}))), field)
    assert not Inspection.objects.exists()


@pytest.mark.parametrize("text", ["", "null", "[]", '"x"', "{", "NaN", '{"uuid": NaN}', "\x00"])
def test_a_body_that_is_not_one_json_object_is_refused(client, area, leader, text):
    refused(post_text(client, text), "payload")


def test_an_oversize_body_is_refused_naming_the_payload(client, area, leader):
    big = json.dumps(payload(area, place="河" * 100_000))
    assert "too long" in refused(post_text(client, big), "payload")
    assert "too long" in refused(post_body(client, big.encode()), "payload")
    assert not Inspection.objects.exists()


def test_the_refusal_is_in_the_callers_language(client, area, leader):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "zh-hans"
    response = post_text(client, json.dumps(payload(area, households="1,2")))
    assert refused(response, "households") == "必须是列表。"
    assert "未保存" in response.json()["message"]


def test_retries_of_a_good_inspection_still_store_it_once(client, area, leader):
    text = json.dumps(payload(area))
    assert post_text(client, text).status_code == 201
    assert post_text(client, text).status_code == 200
    assert post_body(client, text.encode()).status_code == 200
    assert Inspection.objects.count() == 1


# --- Properties ------------------------------------------------------------------------------

JSON_VALUES = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**70), max_value=2**70)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=30),
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=10), children, max_size=4)
    ),
    max_leaves=12,
)
# Characters the default strategy leaves out (lone surrogates) or rarely draws.
HOSTILE_CHARACTERS = [
    "\ud800",
    "\udfff",
    "\x00",
    "\t",
    "\n",
    "<",
    "&",
    "·",
    "・",
    "\u3000",
    "\u200b",
]
FIELDS = ["uuid", "grid", "place", "started_at", "ended_at", "households", "findings"]
# Characters the default strategy leaves out (lone surrogates) or rarely draws.
HOSTILE_CHARACTERS = ["\ud800", "\udfff", "\x00", "\t", "\n", "<", "&", "·", "・", "\u3000", "\u200b"]  # fmt: skip
FINDING_FIELDS = ["type", "description", "outcome", "fixed_note", "lat", "lng", "accuracy", "photos"]  # fmt: skip


def _outcome(client, text: str, key: str | None) -> None:
    """A refusal (4xx JSON, nothing written) or a correct write (the inspection stored once)."""
    before = (Inspection.objects.count(), InspectionFinding.objects.count())
    response = post_text(client, text)
    event(str(response.status_code))
    assert response.status_code in (200, 201, 400, 409), response.content[:300]
    assert response["Content-Type"] == "application/json"
    body = response.json()
    if response.status_code in (400, 409):
        assert body["message"]
        assert (Inspection.objects.count(), InspectionFinding.objects.count()) == before
    elif response.status_code == 201:
        stored = Inspection.objects.get(client_uuid=key)
        assert body["id"] == stored.pk
        assert Inspection.objects.count() == before[0] + 1


SEED = hsettings(
    derandomize=True,
    max_examples=EXAMPLES,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


@SEED
@given(field=st.sampled_from(FIELDS), value=JSON_VALUES)
def test_any_value_in_any_field_is_refused_or_stored(client, area, leader, field, value):
    data = payload(area, **{field: value})
    _outcome(client, json.dumps(data), data["uuid"] if isinstance(data["uuid"], str) else None)


@SEED
@given(
    field=st.sampled_from(FINDING_FIELDS),
    value=JSON_VALUES,
    text=st.text(alphabet=st.characters() | st.sampled_from(HOSTILE_CHARACTERS), max_size=40),
)
def test_any_value_in_a_finding_and_any_unicode_is_refused_or_stored(
    client, area, leader, field, value, text
):
    finding = {"type": "environment", "description": text, "outcome": "fixed", field: value}
    data = payload(area, place=text or "村东", findings=[finding])
    # ensure_ascii keeps lone surrogates as \ud800 escapes, as a JavaScript client would send.
    _outcome(client, json.dumps(data), data["uuid"])


@SEED
@given(body=st.binary(max_size=200) | st.text(max_size=200).map(str.encode))
def test_any_bytes_as_the_body_are_refused(client, area, leader, body):
    response = post_body(client, body)
    assert response.status_code == 400
    assert response.json()["status"] == "invalid"
    assert not Inspection.objects.exists()


@SEED
@given(place=st.text(alphabet=st.characters() | st.sampled_from(HOSTILE_CHARACTERS), max_size=60))
def test_any_unicode_place_is_refused_or_stored_as_sent(client, area, leader, place):
    data = payload(area, place=place)
    _outcome(client, json.dumps(data), data["uuid"])
    stored = Inspection.objects.filter(client_uuid=data["uuid"]).first()
    if stored is not None:
        # As the service keeps text: NFC (one code for é), trimmed.
        assert stored.place == unicodedata.normalize("NFC", place).strip()
