"""How the project talks to PostgreSQL: prepared statements, and no JIT compiling for pages."""

import pghistory
import pytest
from django.db import connection

from conftest import make_user
from households.models import Resident
from households.tests.factories import ResidentFactory


@pytest.mark.django_db
def test_statements_run_again_are_prepared_and_jit_is_off(django_user_model):
    # A statement a connection runs again is planned once (psycopg prepares it on its second
    # run); the JIT compiler, which cost the town's coverage page 0.9 s, is off.
    with connection.cursor() as cursor:
        cursor.execute("SHOW jit")
        assert cursor.fetchone() == ("off",)
    for _ in range(3):
        list(django_user_model.objects.filter(username="nobody-such"))
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM pg_prepared_statements WHERE statement LIKE %s", ["%auth_user%"]
        )
        assert cursor.fetchone()[0] >= 1


@pytest.mark.django_db
def test_an_audited_change_keeps_who_made_it_with_prepared_statements(area):
    # pghistory puts `SELECT set_config(…);` before each write it audits: two statements in one,
    # which a prepared statement cannot hold (huaisi/dbcursor.py sends those unprepared).
    clerk = make_user("audit_clerk")
    resident = ResidentFactory(household__microgrid=area.m111)
    for phone in ("13900001111", "13900002222", "13900003333"):
        with pghistory.context(user=clerk.pk, url="/register/residents/edit/"):
            Resident.objects.filter(pk=resident.pk).update(phone=phone)
    contexts = [e.pgh_context for e in pghistory.models.Events.objects.tracks(resident)]
    by_clerk = [c for c in contexts if c and c.get("user") == clerk.pk]
    assert len(by_clerk) == 3
    assert {c["url"] for c in by_clerk} == {"/register/residents/edit/"}
