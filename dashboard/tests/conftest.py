"""The demo town for the dashboard's and the report's tests."""

import datetime
import io

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.utils import timezone

from grids.models import Inspection, Town


@pytest.fixture
def demo(db):
    """The demo town at a small size: every app's demo data, as on `make run`."""
    call_command("seed_demo", "--households", "90", stdout=io.StringIO(), stderr=io.StringIO())
    town = Town.objects.get(code="HS-DEMO")
    users = get_user_model().objects.in_bulk(
        ["command", "clerk01", "leader01"], field_name="username"
    )
    # Some patrols today, so the patrol panel has something to match.
    inspection = Inspection.objects.order_by("pk").first()
    now = timezone.now()
    Inspection.objects.filter(pk=inspection.pk).update(
        started_at=now, ended_at=now + datetime.timedelta(minutes=1)
    )
    return town, users
