"""Every GET page of the role matrix, opened by a user who may open it, with hostile values in
every query-string parameter the page reads: no 500 anywhere, only 200 (the value ignored or
noticed on the page), a redirect, or a 4xx refusal. And a bad Host header under /api/ answers
the API's JSON.

Which parameters a page reads is found by asking it: the page is opened once plainly while the
query dictionaries record the names looked up (by views, forms and huaisi.list_filters); those
names, and the filter names every list page shares, are then sent hostile. The URLs and who may
open them come from tests/test_role_matrix.py (one table for both tests)."""

import time
import traceback
from urllib.parse import quote

import pytest
from django.core.signals import got_request_exception
from django.db import transaction
from django.http import QueryDict
from django.test import Client

from huaisi.roles import RoleKind
from tests.test_role_matrix import (  # noqa: F401 (users_by_role is a fixture)
    ANON,
    MATRIX,
    NO_ROLE,
    SUPER,
    users_by_role,
)

pytestmark = pytest.mark.django_db

# Values huaisi.middleware's query guard refuses whole (400) before any view reads them: one
# of them per page, in every name at once (the guard is one piece of code for every page).
REFUSED = {
    "overlong": quote("甲" * 10_000),
    "overlong digits": "9" * 10_000,
    "NUL": "%00",
    "NUL inside": "1%002",
}
# Values the pages themselves must cope with (raw query-string text, percent-encoded where it
# must be): spread over the names so that each name gets each value once.
HOSTILE = {
    "long text": quote("甲" * 1999),
    "long digits": "9" * 1999,
    "lone surrogate": "%ED%A0%80",
    "broken UTF-8": "%FF%FE",
    "negative": "-1",
    "huge": "99999999999999999999999999",
    "huge negative": "-99999999999999999999999999",
    "exponent": "1e400",
    "not a number": "NaN",
    "impossible date": "2026-02-30",
    "far future": "9999-12-31",
    "far past": "0001-01-01",
    "month 13": "2026-13",
    "markup": quote("<script>alert(1)</script>&"),
}
# Filters the list pages share (huaisi.list_filters and the pages' own): sent to the pages that
# read the whole query string or none of it.
SHARED = [
    "q", "page", "village", "grid", "microgrid", "month", "year", "day", "date", "days",
    "status", "kind", "category", "tab", "scope", "period", "half", "week", "next",
]  # fmt: skip


class Recorder:
    """The query-string names looked up while a page is drawn (QueryDict's readers wrapped)."""

    READERS = ("get", "getlist", "__getitem__", "__contains__", "pop", "setdefault")
    WHOLE = ("items", "lists", "dict", "keys", "values", "__iter__")

    def __init__(self, monkeypatch):
        self.names: set[str] = set()
        self.whole = False
        for reader in self.READERS:
            self._wrap(monkeypatch, reader, whole=False)
        for reader in self.WHOLE:
            self._wrap(monkeypatch, reader, whole=True)

    def _wrap(self, monkeypatch, reader: str, *, whole: bool):
        original = getattr(QueryDict, reader)
        recorder = self

        def wrapped(self, *args, **kwargs):
            if whole:
                recorder.whole = True
            elif args and isinstance(args[0], str):
                recorder.names.add(args[0])
            return original(self, *args, **kwargs)

        monkeypatch.setattr(QueryDict, reader, wrapped)


def _reader(expected: dict) -> str | None:
    """Someone who may open the page (200): a staff role before the superuser, anonymous
    for public pages."""
    if expected.get(ANON) == 200:
        return ANON
    for role, status in expected.items():
        if status == 200 and role not in (ANON, SUPER, NO_ROLE):
            return role
    return SUPER if expected.get(SUPER) == 200 else None


def _queries(names: list[str], *, turn: int, rounds: int | None = None) -> list[tuple[str, str]]:
    """(what, query string) pairs: one REFUSED value (page by page in TURN) in every name at
    once; then every HOSTILE value in every name once, in as few requests as there are values
    (request i sets name j to value i + j), or only ROUNDS of those; then every name repeated
    at once (an array where one value is expected)."""
    label, value = list(REFUSED.items())[turn % len(REFUSED)]
    queries = [(f"every name {label}", "&".join(f"{name}={value}" for name in names))]
    values = list(HOSTILE.items())
    for i in range(len(values) if rounds is None else rounds):
        picked = [(name, values[(i + j) % len(values)]) for j, name in enumerate(names)]
        what = ", ".join(f"{name}: {label}" for name, (label, _value) in picked)
        queries.append((what, "&".join(f"{name}={value}" for name, (_label, value) in picked)))
    queries.append(("every name repeated", "&".join(f"{n}=1&{n}=2&{n}=2026-01-01" for n in names)))
    return queries


def test_no_page_answers_500_to_hostile_query_strings(area, users_by_role, monkeypatch, settings):  # noqa: F811
    settings.HEALTHZ_CELERY_TIMEOUT = 0.1
    recorder = Recorder(monkeypatch)
    failures: list[str] = []
    errors: list[str] = []

    def note_exception(sender, request=None, **kwargs):
        errors.append(traceback.format_exc(limit=-6))

    got_request_exception.connect(note_exception)
    client = Client(raise_request_exception=False)
    walked = requests = 0
    spent: dict[str, float] = {}
    try:
        for url_name, (build, expected) in sorted(MATRIX.items()):
            role = _reader(expected)
            if role is None:
                continue
            client.logout()
            if role != ANON:
                client.force_login(users_by_role[role])
            path = build(area)
            path, _sep, own_query = path.partition("?")
            recorder.names.clear()
            recorder.whole = False
            plain = client.get(f"{path}?{own_query}" if own_query else path)
            if plain.status_code != 200:
                continue  # the matrix test reports it; nothing to vary here
            walked += 1
            names = sorted(recorder.names - {"csrfmiddlewaretoken"})
            rounds = None
            if recorder.whole:
                names = sorted(set(names) | set(SHARED))
            elif not names:
                # A page that reads no parameter: the shared names, in fewer rounds (in case
                # one is read only when another is set).
                names, rounds = SHARED, 2
            for what, query in _queries(names, turn=walked, rounds=rounds):
                full = f"{path}?{own_query}&{query}" if own_query else f"{path}?{query}"
                errors.clear()
                point = transaction.savepoint()
                started = time.perf_counter()
                response = client.get(full)
                spent[url_name] = spent.get(url_name, 0.0) + time.perf_counter() - started
                requests += 1
                # Open311 checks the parameters it reads itself, in its own error format
                # (tickets/tests/test_api_hostile.py); others it ignores, as the spec allows.
                guarded = not path.startswith("/open311/")
                if guarded and what[11:] in REFUSED and response.status_code != 400:
                    failures.append(f"{url_name}: {what} -> {response.status_code}, not 400")
                if response.status_code >= 500:
                    transaction.savepoint_rollback(point)
                    failures.append(
                        f"{url_name} as {role}: {what} -> {response.status_code}\n"
                        + "".join(errors)[-1500:]
                    )
                else:
                    transaction.savepoint_commit(point)
    finally:
        got_request_exception.disconnect(note_exception)
    # Where the walk's time goes (printed with -s), not asserted: wall-clock time varies.
    slowest = sorted(spent.items(), key=lambda item: -item[1])[:5]
    print(f"hostile query walk: {walked} pages, {requests} requests; slowest pages (s): {slowest}")
    assert walked > 100
    assert not failures, "\n\n".join(failures[:30]) + f"\n\n({len(failures)} in all)"


@pytest.mark.parametrize("path", ["/api/hotline/orders", "/api/openapi.json"])
def test_a_bad_host_under_api_is_answered_in_json(client, path):
    response = client.get(path, HTTP_HOST="evil.example.com")
    assert response.status_code == 400
    assert response["Content-Type"] == "application/json"
    assert "host" in response.json()["errors"]["__all__"][0].lower()
    chinese = client.get(path, HTTP_HOST="evil.example.com", HTTP_ACCEPT_LANGUAGE="zh-CN")
    assert "主机名" in chinese.json()["errors"]["__all__"][0]


def test_a_bad_host_elsewhere_keeps_djangos_page(client):
    response = client.get("/", HTTP_HOST="evil.example.com")
    assert response.status_code == 400
    assert not response["Content-Type"].startswith("application/json")


@pytest.mark.parametrize(
    ("query", "why"), [("q=%00", "NUL"), ("q=1%002", "NUL"), ("page=" + "9" * 2001, "2000")]
)
def test_the_query_guard_names_the_parameter_on_a_page(client, role_users, query, why):
    client.force_login(role_users[RoleKind.VILLAGE_CLERK])
    response = client.get(f"/register/residents/?{query}")
    assert response.status_code == 400
    body = response.content.decode()
    name = query.split("=")[0]
    assert f"网址中“{name}”的值无法使用" in body and why in body
    assert 'href="/register/residents/"' in body  # the way back: the page without it


def test_the_query_guard_answers_json_to_programs(client):
    response = client.get("/api/openapi.json?status=open%00")
    assert response.status_code == 400
    assert "NUL" in response.json()["errors"]["status"][0]
    # Open311 names the parameter in the GeoReport error format its clients read.
    response = client.get("/open311/v2/requests.json?status=open%00")
    assert response.status_code == 400
    (error,) = response.json()
    assert error["code"] == 400 and error["description"].startswith("status: ")


def test_a_long_search_within_the_limit_is_still_a_search(client, role_users):
    client.force_login(role_users[RoleKind.VILLAGE_CLERK])
    assert client.get(f"/register/residents/?q={'王' * 2000}").status_code == 200
