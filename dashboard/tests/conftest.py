"""The demo town for the dashboard's and the report's tests."""

import datetime
import io
from zoneinfo import ZoneInfo

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.utils import timezone

from grids.models import Town
from patrols.models import Inspection

# The demo's data runs up to "now"; a screen counts this month's and today's. At 00:30 on the
# 1st this month has nothing yet, so the tests look at the town on an ordinary working
# morning, whenever they run.
WORKING_MORNING = datetime.datetime(2026, 11, 18, 10, 0, tzinfo=ZoneInfo("Asia/Shanghai"))


@pytest.fixture
def demo(db, time_machine):
    """The demo town at a small size: every app's demo data, as on `make run`."""
    time_machine.move_to(WORKING_MORNING, tick=True)
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
