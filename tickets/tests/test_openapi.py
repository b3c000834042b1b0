"""/api/openapi.json: a valid OpenAPI 3.1 document, generated from the models the views parse
with, naming every route; and Schemathesis fuzzing every operation in it against a live
server of the test database, with all its checks (issue 16)."""

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.urls import URLPattern, URLResolver, get_resolver
from openapi_spec_validator import validate

from tickets.api_schemas import OrderIn, RequestsQuery, openapi_document
from tickets.services.clients import api_client_create

# The fuzzing budget: per operation and phase, with a fixed seed so a failure is reproducible.
MAX_EXAMPLES = 20
SEED = 20261207
# Well-formed by the schema but naming what the town does not have (category, village, half
# a position): 422, documented. Schemathesis's other expected statuses are its defaults.
POSITIVE_STATUSES = ["2xx", "3xx", "401", "403", "404", "409", "422", "429", "5xx"]


def test_the_document_is_valid_openapi_3_1(client):
    response = client.get("/api/openapi.json")
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "application/json"
    document = response.json()
    assert document["openapi"] == "3.1.0"
    validate(document)


def test_the_document_is_what_the_code_enforces():
    document = openapi_document()
    order_in = OrderIn.model_json_schema(ref_template="#/components/schemas/{model}")
    assert document["components"]["schemas"]["OrderIn"] == order_in
    parameters = document["paths"]["/open311/v2/requests.json"]["get"]["parameters"]
    assert {p["name"] for p in parameters} - {"Accept-Language"} == set(RequestsQuery.model_fields)
    assert order_in["properties"]["upstream_number"]["minLength"] == 1
    assert "\\s" in order_in["properties"]["upstream_number"]["pattern"]
    # Constraints pydantic could not express in JSON Schema would show as its own words.
    text = json.dumps(document)
    assert [word for word in ('"ge":', '"le":', '"gt":', '"lt":') if word in text] == []


def _routes(patterns, prefix: str = "") -> list[str]:
    found = []
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            found += _routes(pattern.url_patterns, prefix + str(pattern.pattern))
        elif isinstance(pattern, URLPattern) and pattern.name:
            found.append((pattern.name, prefix + str(pattern.pattern)))
    return found


def test_every_named_route_under_api_and_open311_is_in_the_document():
    """A route added without its operation fails here."""
    paths = set(openapi_document()["paths"])
    routes = {
        name: route
        for name, route in _routes(get_resolver().url_patterns)
        if route.startswith(("api/", "open311/"))
        and name not in ("api-openapi", "api-not-found", "open311-not-found")
    }
    documented = {
        "api-order-create": "/api/hotline/orders",
        "api-order-detail": "/api/hotline/orders/{number}",
        "open311-discovery": "/open311/v2/discovery.json",
        "open311-services": "/open311/v2/services.json",
        "open311-requests": "/open311/v2/requests.json",
        "open311-request": "/open311/v2/requests/{service_request_id}.json",
    }
    assert set(routes) == set(documented)
    assert set(documented.values()) == paths


# Sequences reset: the town's first category is 1, the document's example order's category.
@pytest.mark.fuzz
@pytest.mark.django_db(transaction=True, reset_sequences=True)
def test_schemathesis_finds_nothing(live_server, hotline, settings, tmp_path):
    """Every operation, positive and negative data, every check; run as CI runs it."""
    settings.HOTLINE_API_RATE_PER_MINUTE = 1_000_000
    _client, token = api_client_create(town=hotline.town, name="fuzz")
    # Something to list and read back, with personal data for the public summary to remove.
    hotline.new_order(description="王先生家门口18号路灯坏了，电话13912345678")
    config = tmp_path / "schemathesis.toml"
    config.write_text(
        f"[checks.positive_data_acceptance]\nexpected-statuses = {json.dumps(POSITIVE_STATUSES)}\n"
    )
    report = tmp_path / "report.json"
    started = time.monotonic()
    run = subprocess.run(
        [
            str(Path(sys.executable).parent / "schemathesis"),
            "--config-file",
            str(config),
            "run",
            f"{live_server.url}/api/openapi.json",
            "--checks",
            "all",
            "--max-examples",
            str(MAX_EXAMPLES),
            "--seed",
            str(SEED),
            "--workers",
            "1",
            "--header",
            f"Authorization: Bearer {token}",
            "--request-timeout",
            "10",
            "--report",
            "json",
            "--report-json-path",
            str(report),
            "--no-color",
        ],  # fmt: skip
        capture_output=True,
        text=True,
        timeout=240,
        cwd=tmp_path,  # its own example database (.schemathesis/) stays out of the checkout
        env={**os.environ, "SCHEMATHESIS_HOOKS": ""},
    )
    elapsed = time.monotonic() - started
    summary = run.stdout[-6000:]
    assert run.returncode == 0, summary + run.stderr[-2000:]
    print(f"schemathesis: {elapsed:.1f} s\n{summary}")  # noqa: T201 - the figures for the record
