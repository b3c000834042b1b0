"""Receiving orders: numbers, validation, the city platform's idempotent intake, files."""

import datetime
import io
import threading
import zipfile

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.utils import timezone
from PIL import Image

from tickets.models import Attachment, Source, State, WorkOrder
from tickets.services import UpstreamConflict, order_create
from tickets.worktime import TZ

pytestmark = pytest.mark.django_db


def test_numbers_run_per_day(hotline):
    h = hotline
    first, second = h.new_order(), h.new_order(title="第二单")
    today = timezone.localdate()
    assert first.number == f"HS{today:%Y%m%d}0001"
    assert second.number == f"HS{today:%Y%m%d}0002"


def test_intake_keeps_html_as_plain_text_and_masks_nothing_in_storage(hotline):
    order = hotline.new_order(
        description="<script>alert(1)</script> 路灯坏了", caller_phone="+86 139 1234 5678"
    )
    assert order.description == "<script>alert(1)</script> 路灯坏了"
    assert order.caller_phone == "13912345678"


def test_intake_lists_every_bad_field(hotline):
    h = hotline
    other_category = type(h.env).objects.create(
        town=type(h.town).objects.create(code="T9", name="别镇"), name="x"
    )
    with pytest.raises(ValidationError) as exc:
        order_create(
            actor=None,
            town=h.town,
            source="fax",
            category=other_category,
            title=" ",
            description="",
            urgency="whenever",
            caller_phone="call me",
            grid=h.area.g21,
            village=h.area.v1,
            lat=None,
            lng=119,
        )
    assert set(exc.value.message_dict) == {
        "source", "category", "title", "description", "urgency", "caller_phone", "grid", "lng",
    }  # fmt: skip
    assert not WorkOrder.objects.exists()


def _upstream(h, **overrides):
    fields = {
        "actor": None,
        "town": h.town,
        "source": Source.HOTLINE,
        "category": h.env,
        "title": "噪音扰民",
        "description": "夜间施工噪音",
        "caller_phone": "13800001111",
        "upstream_number": "YZ12345-2026-000123",
        "upstream_deadline": datetime.datetime(2026, 12, 1, 17, 30, tzinfo=TZ),
    }
    fields.update(overrides)
    return order_create(**fields)


def test_resend_returns_the_same_order_and_different_content_conflicts(hotline):
    h = hotline
    order, created = _upstream(h)
    assert created and order.created_by is None
    again, created_again = _upstream(h)
    assert again.pk == order.pk and not created_again
    with pytest.raises(UpstreamConflict) as exc:
        _upstream(h, description="内容不同")
    assert exc.value.order.pk == order.pk
    assert WorkOrder.objects.count() == 1
    assert order.timeline.count() == 1
    # The same number from another source is another order.
    _other, created_other = _upstream(h, source=Source.MAYOR)
    assert created_other


@pytest.mark.django_db(transaction=True)
def test_simultaneous_resends_make_one_order(hotline):
    h = hotline
    barrier = threading.Barrier(2)
    results = []

    def send():
        try:
            barrier.wait()
            results.append(_upstream(h))
        finally:
            connection.close()

    threads = [threading.Thread(target=send) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(results) == 2
    assert {o.pk for o, _c in results} == {WorkOrder.objects.get().pk}
    assert sorted(c for _o, c in results) == [False, True]


def _png() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (3000, 1000), (200, 10, 10)).save(buffer, format="PNG")
    return buffer.getvalue()


def _docx() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("word/document.xml", "<w:document/>")
    return buffer.getvalue()


def test_photos_and_documents_are_kept_with_the_intake(hotline, settings, tmp_path):
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": tmp_path},
        },
    }
    files = [
        SimpleUploadedFile("现场.png", _png(), content_type="image/png"),
        SimpleUploadedFile("情况说明.pdf", b"%PDF-1.7\n%...\n", content_type="application/pdf"),
        SimpleUploadedFile("附表.docx", _docx(), content_type="application/octet-stream"),
    ]
    order = hotline.new_order(files=files)
    kept = list(Attachment.objects.filter(order=order).order_by("pk"))
    assert [a.name for a in kept] == ["现场.png", "情况说明.pdf", "附表.docx"]
    assert [a.content_type for a in kept][:2] == ["image/jpeg", "application/pdf"]
    assert kept[0].thumbnail and kept[0].event.action == "create"
    with Image.open(kept[0].file) as picture:
        assert max(picture.size) == 2048


def test_a_renamed_executable_is_refused(hotline):
    bad = SimpleUploadedFile(
        "invoice.docx", b"MZ\x90\x00 not office", content_type="application/msword"
    )
    with pytest.raises(ValidationError):
        hotline.new_order(files=[bad])
    assert not WorkOrder.objects.exists()


def test_new_orders_start_without_deadlines(hotline):
    order = hotline.new_order()
    assert order.state == State.NEW and order.reply_due is None and not order.overdue
