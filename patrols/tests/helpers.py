"""Shared pieces for the patrol inspection tests: households in a grid, ticket categories,
photos, and a call of the service with sensible defaults."""

import datetime
import io
import uuid

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone, translation
from PIL import Image

from households.models import Household, Resident
from patrols.services import FindingInput, inspection_submit


def jpeg(colour=(200, 30, 30), size=(64, 48), name="photo.jpg") -> SimpleUploadedFile:
    buffer = io.BytesIO()
    Image.new("RGB", size, colour).save(buffer, format="JPEG")
    return SimpleUploadedFile(name, buffer.getvalue(), content_type="image/jpeg")


def households(microgrid, count: int, *, prefix: str = "H", care_every: int = 0) -> list:
    """`count` active households in `microgrid`, each with a head; every `care_every`-th head
    carries a care tag."""
    made = []
    for i in range(count):
        household = Household.objects.create(
            number=f"{prefix}{microgrid.pk}-{i}", microgrid=microgrid
        )
        Resident.objects.create(
            household=household,
            name=f"户主{i}",
            name_initials="hz",
            name_pinyin="huzhu",
            gender="M",
            birth_date=datetime.date(1950, 1, 1),
            relation="head",
            care_tags=["elderly_alone"] if care_every and i % care_every == 0 else [],
        )
        made.append(household)
    return made


def categories(town):
    from tickets.models import Category

    top = Category.objects.create(town=town, name="环境保护", position=0)
    Category.objects.create(town=town, parent=top, name="秸秆焚烧", position=0)
    build = Category.objects.create(town=town, name="城乡建设", position=1)
    Category.objects.create(town=town, parent=build, name="违章搭建", position=0)
    return top


def finding(**overrides) -> FindingInput:
    values = {"type": "environment", "description": "河边有垃圾堆", "outcome": "fixed"}
    values.update(overrides)
    return FindingInput(**values)


def submit(actor, grid, *, client_uuid=None, findings=(), household_ids=(), **overrides):
    now = timezone.now()
    values = {
        "actor": actor,
        "client_uuid": client_uuid or uuid.uuid4(),
        "grid_id": grid.pk,
        "place": "村东河道",
        "started_at": now - datetime.timedelta(hours=1),
        "ended_at": now - datetime.timedelta(minutes=5),
        "household_ids": [h.pk for h in household_ids],
        "findings": list(findings),
    }
    values.update(overrides)
    return inspection_submit(**values)


@pytest.fixture(autouse=True)
def _english_messages(client, settings):
    """Messages are asserted in their English source text: services here, and pages through
    the language switch's cookie (Chinese is checked by tests/test_i18n.py)."""
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    with translation.override("en"):
        yield
