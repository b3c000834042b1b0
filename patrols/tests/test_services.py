"""Patrol inspections: the service's idempotency, refusals, work orders and coverage."""

import datetime
import uuid
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from huaisi.roles import RoleKind
from patrols import selectors
from patrols.models import Inspection, InspectionFinding, InspectionPhoto, InspectionVisit
from patrols.services import InspectionConflict

from .helpers import _english_messages, categories, finding, households, jpeg, submit  # noqa: F401

pytestmark = pytest.mark.django_db

LEADER = RoleKind.GRID_LEADER


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": tmp_path, "base_url": "/media/"},
        },
    }


def _counts():
    from tickets.models import WorkOrder

    return (
        Inspection.objects.count(),
        InspectionVisit.objects.count(),
        InspectionFinding.objects.count(),
        InspectionPhoto.objects.count(),
        WorkOrder.objects.count(),
    )


def test_resend_with_the_same_content_returns_the_stored_inspection(area, role_users):
    leader = role_users[LEADER]
    homes = households(area.m111, 2)
    key = uuid.uuid4()
    started = timezone.now() - datetime.timedelta(hours=2)
    ended = started + datetime.timedelta(minutes=40)

    def send():
        return submit(
            leader,
            area.g11,
            client_uuid=key,
            started_at=started,
            ended_at=ended,
            household_ids=homes,
            findings=[finding(photos=[jpeg()], lat=Decimal("32.1"), lng=Decimal("119.4"))],
        )

    first, created = send()
    assert created
    assert _counts() == (1, 2, 1, 1, 0)
    again, created_again = send()
    assert (again.pk, created_again) == (first.pk, False)
    assert _counts() == (1, 2, 1, 1, 0)


def test_the_same_uuid_with_other_content_is_a_conflict(area, role_users):
    leader = role_users[LEADER]
    key = uuid.uuid4()
    submit(leader, area.g11, client_uuid=key, findings=[finding(photos=[jpeg()])])
    before = _counts()
    with pytest.raises(InspectionConflict):
        submit(leader, area.g11, client_uuid=key, findings=[finding(photos=[jpeg((0, 0, 255))])])
    with pytest.raises(InspectionConflict):
        submit(leader, area.g11, client_uuid=key, place="别处")
    assert _counts() == before


@pytest.mark.parametrize(
    ("accuracy", "words"), [(Decimal("6000"), "too coarse"), (Decimal("-3"), "cannot be negative")]
)
def test_an_absurd_accuracy_is_refused_and_nothing_is_saved(area, role_users, accuracy, words):
    with pytest.raises(ValidationError) as refused:
        submit(
            role_users[LEADER],
            area.g11,
            findings=[finding(lat=Decimal("32.1"), lng=Decimal("119.4"), accuracy_m=accuracy)],
        )
    assert words in refused.value.message_dict["findings-0-accuracy"][0]
    assert _counts() == (0, 0, 0, 0, 0)


def test_a_finding_without_a_type_is_refused_and_nothing_is_half_saved(area, role_users):
    categories(area.town)
    with pytest.raises(ValidationError) as refused:
        submit(
            role_users[LEADER],
            area.g11,
            findings=[finding(outcome="report", photos=[jpeg()]), finding(type="")],
        )
    assert refused.value.message_dict["findings-1-type"] == ["Finding 2: choose its type."]
    assert _counts() == (0, 0, 0, 0, 0)


def test_a_bad_photo_refuses_the_whole_inspection_before_any_order(area, role_users):
    from django.core.files.uploadedfile import SimpleUploadedFile

    categories(area.town)
    fake = SimpleUploadedFile("x.jpg", b"not a picture at all", content_type="image/jpeg")
    with pytest.raises(ValidationError) as refused:
        submit(
            role_users[LEADER],
            area.g11,
            findings=[finding(outcome="report"), finding(photos=[fake])],
        )
    assert "photo 1" in refused.value.message_dict["findings-1-photos"][0]
    assert _counts() == (0, 0, 0, 0, 0)


def test_a_reported_finding_becomes_a_work_order_on_the_dispatch_board(area, role_users):
    from tickets.models import Source, State
    from tickets.selectors import dispatch_board

    categories(area.town)
    inspection, _ = submit(
        role_users[LEADER],
        area.g11,
        findings=[
            finding(type="straw_burning", description="田里有人烧秸秆", outcome="report",
                    photos=[jpeg(), jpeg((0, 90, 0))], lat=Decimal("32.4"), lng=Decimal("119.3")),
            finding(outcome="fixed", fixed_note="当场清理"),
        ],
    )  # fmt: skip
    reported, fixed = inspection.findings.order_by("position")
    order = reported.order
    assert order is not None and fixed.order is None
    assert (order.source, order.state, order.grid_id) == (Source.GRID, State.NEW, area.g11.pk)
    assert order.category.name == "秸秆焚烧"
    assert order.description == "田里有人烧秸秆"
    assert order.attachments.count() == 2
    board = dispatch_board(user=role_users[RoleKind.COMMAND_CENTRE], town=area.town, view="new")
    assert list(board.values_list("number", flat=True)) == [order.number]


def test_a_volunteer_leader_may_log_but_not_report(area, role_users):
    categories(area.town)
    volunteer = role_users[RoleKind.VOLUNTEER_LEADER]
    with pytest.raises(ValidationError) as refused:
        submit(volunteer, area.g12, findings=[finding(outcome="report")])
    assert "only the grid's staff" in refused.value.message_dict["findings-0-outcome"][0]
    inspection, created = submit(volunteer, area.g12, findings=[finding()])
    assert created and inspection.grid_id == area.g12.pk


def test_only_own_grids_and_own_households(area, role_users, other_role_users):
    leader = role_users[LEADER]
    with pytest.raises(ValidationError) as refused:
        submit(leader, area.g21)
    assert "grid" in refused.value.message_dict
    with pytest.raises(ValidationError):
        submit(role_users[RoleKind.DEPARTMENT_HANDLER], area.g11)
    elsewhere = households(area.m211, 1)
    with pytest.raises(ValidationError) as refused:
        submit(leader, area.g11, household_ids=elsewhere)
    assert "not in this grid" in refused.value.message_dict["households"][0]
    assert _counts()[0] == 0


def test_times_must_make_sense(area, role_users):
    now = timezone.now()
    with pytest.raises(ValidationError) as refused:
        submit(role_users[LEADER], area.g11, started_at=now, ended_at=now - datetime.timedelta(1))
    assert "before it started" in refused.value.message_dict["ended_at"][0]
    with pytest.raises(ValidationError) as refused:
        submit(
            role_users[LEADER],
            area.g11,
            started_at=now,
            ended_at=now + datetime.timedelta(hours=2),
        )
    assert "future" in refused.value.message_dict["ended_at"][0]


SQUARE = {
    "type": "Polygon",
    "coordinates": [[[119.30, 32.40], [119.31, 32.40], [119.31, 32.41], [119.30, 32.41], [119.30, 32.40]]],
}  # fmt: skip


def test_findings_far_outside_the_grid_are_flagged(area, role_users):
    area.g11.boundary = SQUARE
    area.g11.save(update_fields=["boundary"])
    inspection, _ = submit(
        role_users[LEADER],
        area.g11,
        findings=[
            finding(lat=Decimal("32.405"), lng=Decimal("119.305"), accuracy_m=Decimal("10")),
            # ~500 m east of the edge: inside the tolerance.
            finding(lat=Decimal("32.405"), lng=Decimal("119.315"), accuracy_m=Decimal("10")),
            # ~5 km north.
            finding(lat=Decimal("32.455"), lng=Decimal("119.305"), accuracy_m=Decimal("10")),
            # ~5 km north, but the phone said it could be 5 km off.
            finding(lat=Decimal("32.455"), lng=Decimal("119.305"), accuracy_m=Decimal("4900")),
            finding(),
        ],
    )
    flags = list(inspection.findings.order_by("position").values_list("far_outside", flat=True))
    assert flags == [False, False, True, False, False]


def test_without_a_boundary_the_centre_decides(area, role_users):
    area.g11.centre_lat, area.g11.centre_lng = Decimal("32.4"), Decimal("119.3")
    area.g11.save(update_fields=["centre_lat", "centre_lng"])
    inspection, _ = submit(
        role_users[LEADER],
        area.g11,
        findings=[
            finding(lat=Decimal("32.41"), lng=Decimal("119.3")),
            finding(lat=Decimal("32.5"), lng=Decimal("119.3")),
        ],
    )
    flags = list(inspection.findings.order_by("position").values_list("far_outside", flat=True))
    assert flags == [False, True]


def _visit(inspector, grid, homes, days_ago):
    ended = timezone.now() - datetime.timedelta(days=days_ago)
    inspection = Inspection.objects.create(
        client_uuid=uuid.uuid4(),
        inspector=inspector,
        grid=grid,
        place="走访",
        started_at=ended - datetime.timedelta(hours=1),
        ended_at=ended,
        fingerprint="0" * 64,
    )
    InspectionVisit.objects.bulk_create(
        InspectionVisit(inspection=inspection, household=h, visited_at=ended) for h in homes
    )


def test_coverage_lists_households_due_by_their_target(area, role_users):
    from patrols.models import VisitTarget

    leader = role_users[LEADER]
    care, plain, never, fresh = households(area.m111, 4, care_every=4)  # the first has a tag
    _visit(leader, area.g11, [care, plain], days_ago=40)
    _visit(leader, area.g11, [fresh], days_ago=2)
    due = selectors.coverage_of_grid(user=leader, grid=area.g11)
    assert [h.number for h in due] == [never.number, care.number]
    assert due[1].has_care and due[1].due_days == 30
    # Not visited in the last 10 days, whatever the target.
    due_10 = selectors.coverage_of_grid(user=leader, grid=area.g11, days=10)
    assert {h.number for h in due_10} == {never.number, care.number, plain.number}
    # A grid's own target replaces the defaults.
    VisitTarget.objects.create(grid=area.g11, every_days=30, care_every_days=60)
    due = selectors.coverage_of_grid(user=leader, grid=area.g11)
    assert {h.number for h in due} == {never.number, plain.number}
    summary = selectors.coverage_summary(user=leader)
    assert [(r["grid_id"], r["total"], r["overdue"], r["never"]) for r in summary] == [
        (area.g11.pk, 4, 2, 1)
    ]


def test_coverage_queries_do_not_grow_with_households(area, role_users):
    leader = role_users[LEADER]

    def count_queries():
        with CaptureQueriesContext(connection) as captured:
            list(selectors.coverage_of_grid(user=leader, grid=area.g11))
            selectors.coverage_summary(user=leader)
        return len(captured)

    from huaisi.access import grants_for

    grants_for(leader)  # the roles are read once per request, before any list
    homes = households(area.m111, 3)
    _visit(leader, area.g11, homes[:1], days_ago=200)
    small = count_queries()
    assert small == 2  # the grid's list and the town's summary: one statement each
    more = households(area.m112, 12, prefix="X")
    _visit(leader, area.g11, more[:5], days_ago=200)
    assert count_queries() == small
    assert len(selectors.coverage_of_grid(user=leader, grid=area.g11)) == 15


def test_a_micro_grid_worker_sees_only_their_micro_grid_in_coverage(area, role_users):
    households(area.m111, 2)
    households(area.m112, 3, prefix="Y")
    worker = role_users[RoleKind.MICROGRID_WORKER]
    assert len(selectors.coverage_of_grid(user=worker, grid=area.g11)) == 2


def test_demo_inspections_are_made_once(area, role_users):
    from patrols.demo import seed

    households(area.m111, 20)
    first = seed(town=area.town, options={}, progress=lambda *a: None)
    assert first["inspections"] == 24 and first["visits"] >= 24 * 4
    leader = role_users[LEADER]
    assert Inspection.objects.filter(inspector=leader, grid=area.g11).count() == 24
    assert seed(town=area.town, options={}, progress=lambda *a: None) == {"inspections": 24}
    # The demo's visits feed the coverage list like real ones.
    assert len(selectors.coverage_of_grid(user=leader, grid=area.g11)) < 20
