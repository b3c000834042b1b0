"""Patrol inspections moved from `grids` to `patrols` (issue 15) without touching a table: rows
written by the code before the move are all there afterwards, through the new models, at the
same addresses, and their content types (with the permissions that point at them) moved too."""

import datetime
import hashlib
import uuid

import pytest
from django.contrib.auth.models import Permission
from django.contrib.contenttypes.models import ContentType
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.utils import timezone

from conftest import make_user
from households.tests.factories import HouseholdFactory
from huaisi.roles import RoleKind
from patrols.models import Inspection, InspectionFinding, InspectionPhoto, InspectionVisit

# The last state with the models in grids: grids' inspections migration, no patrols app.
BEFORE_MOVE = [("grids", "0003_inspections"), ("patrols", None)]


@pytest.fixture
def _media(settings, tmp_path):
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": tmp_path, "base_url": "/media/"},
        },
    }


def _unapply_the_move() -> MigrationExecutor:
    """Back to BEFORE_MOVE. Each migration of the plan is unapplied on its own state: the
    executor's way (rendering every project state since the first migration) takes 20 s."""
    executor = MigrationExecutor(connection)
    for migration, backwards in executor.migration_plan(BEFORE_MOVE):
        assert backwards
        state = executor.loader.project_state((migration.app_label, migration.name), at_end=False)
        with connection.schema_editor(atomic=migration.atomic) as editor:
            migration.unapply(state, editor)
        executor.recorder.record_unapplied(migration.app_label, migration.name)
    ContentType.objects.clear_cache()
    return executor


def _migrate_to_the_end() -> None:
    executor = MigrationExecutor(connection)
    executor.migrate(executor.loader.graph.leaf_nodes())
    ContentType.objects.clear_cache()


def _write_before_the_move(old_apps, *, grid, household, inspector) -> dict:
    """Rows as the grids app wrote them, through its historical models."""
    inspection_model = old_apps.get_model("grids", "Inspection")
    ended = timezone.now() - datetime.timedelta(days=3)
    ids: dict = {"inspections": [], "findings": [], "photos": []}
    for n in range(2):
        key = uuid.uuid4()
        inspection = inspection_model.objects.create(
            client_uuid=key,
            inspector_id=inspector.pk,
            grid_id=grid.pk,
            place=f"村东河道{n}",
            started_at=ended - datetime.timedelta(hours=1),
            ended_at=ended,
            fingerprint=hashlib.sha256(key.bytes).hexdigest(),
        )
        old_apps.get_model("grids", "InspectionVisit").objects.create(
            inspection=inspection, household_id=household.pk, visited_at=ended
        )
        finding = old_apps.get_model("grids", "InspectionFinding").objects.create(
            inspection=inspection,
            position=0,
            type="environment",
            description="河坡有生活垃圾堆放",
            outcome="fixed",
            fixed_note="已当场清理",
        )
        image = default_storage.save(f"inspections/old-{n}.jpg", ContentFile(b"\xff\xd8old"))
        thumb = default_storage.save(f"inspections/thumbs/old-{n}.jpg", ContentFile(b"\xff\xd8t"))
        photo = old_apps.get_model("grids", "InspectionPhoto").objects.create(
            finding=finding, position=0, image=image, thumbnail=thumb, width=4, height=3,
            digest="0" * 64,
        )  # fmt: skip
        ids["inspections"].append(inspection.pk)
        ids["findings"].append(finding.pk)
        ids["photos"].append(photo.pk)
    old_apps.get_model("grids", "VisitTarget").objects.create(
        grid_id=grid.pk, every_days=60, care_every_days=20
    )
    return ids


@pytest.mark.django_db(transaction=True)
@pytest.mark.usefixtures("_media")
def test_rows_written_in_grids_are_read_through_patrols_at_the_same_urls(client, area):
    leader = make_user("leader_before_move", kind=RoleKind.GRID_LEADER, scope=area.g11)
    household = HouseholdFactory(microgrid=area.m111)
    content_type = ContentType.objects.get_for_model(Inspection)
    permission = Permission.objects.get(content_type=content_type, codename="view_inspection")

    executor = _unapply_the_move()
    try:
        # Before the move the content types are grids' (and the permission with them).
        assert ContentType.objects.get(pk=content_type.pk).app_label == "grids"
        old_apps = executor.loader.project_state(BEFORE_MOVE[0]).apps
        ids = _write_before_the_move(old_apps, grid=area.g11, household=household, inspector=leader)
    finally:
        _migrate_to_the_end()

    assert ContentType.objects.get(pk=content_type.pk).app_label == "patrols"
    assert Permission.objects.get(pk=permission.pk).content_type_id == content_type.pk
    assert sorted(Inspection.objects.values_list("pk", flat=True)) == ids["inspections"]
    assert sorted(InspectionFinding.objects.values_list("pk", flat=True)) == ids["findings"]
    assert sorted(InspectionPhoto.objects.values_list("pk", flat=True)) == ids["photos"]
    assert InspectionVisit.objects.filter(household=household).count() == 2
    assert area.g11.visit_target.every_days == 60

    client.force_login(leader)
    for pk in ids["inspections"]:
        page = client.get(f"/areas/inspections/{pk}/")
        assert page.status_code == 200
        assert "河坡有生活垃圾堆放" in page.content.decode()
    for pk in ids["photos"]:
        photo = client.get(f"/areas/inspections/photos/{pk}/")
        assert photo.status_code == 200
        assert b"".join(photo.streaming_content if photo.streaming else [photo.content]) == (
            b"\xff\xd8old"
        )
    listing = client.get("/areas/inspections/")
    assert all(f"/areas/inspections/{pk}/" in listing.content.decode() for pk in ids["inspections"])
