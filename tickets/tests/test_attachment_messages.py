"""A refused file says what was wrong with the file the person chose (issue #17): a fake
photo is "not a valid picture", not a puzzle about PDF and Word documents."""

import html
import io

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from PIL import Image

from tickets import services as s
from tickets.models import State, WorkOrder
from tickets.services.attachments import attachment_check

pytestmark = pytest.mark.django_db


def upload(name: str, data: bytes, content_type: str = "application/octet-stream"):
    return SimpleUploadedFile(name, data, content_type=content_type)


def jpeg() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (30, 60), (10, 120, 40)).save(buffer, "JPEG")
    return buffer.getvalue()


def test_a_fake_photo_on_a_reply_is_refused_as_a_picture_and_changes_nothing(client, hotline):
    order = s.order_dispatch(actor=hotline.command, order=hotline.new_order(), lead_unit=hotline.d1)
    order = s.order_accept(actor=hotline.handler, order=order)
    events = order.timeline.count()
    client.force_login(hotline.handler)

    response = client.post(
        reverse("order-reply", args=[order.pk]),
        {"text": "已处理", "files": [upload("现场.jpg", b"GIF89a not really", "image/jpeg")]},
    )

    page = html.unescape(response.content.decode())
    assert "所选文件「现场.jpg」不是有效的图片：文件内容与扩展名不符" in page
    assert "PDF" not in page.split("所选文件「现场.jpg」")[1].split("<")[0]
    assert WorkOrder.objects.get(pk=order.pk).state == State.ACCEPTED
    assert order.timeline.count() == events


@pytest.mark.parametrize(
    ("name", "data", "content_type", "expected"),
    [
        ("photo.png", b"%PDF-1.4 a document", "image/png", "is not a valid picture"),
        ("IMG_0001.HEIC", b"\x00\x00\x00\x18ftypheic", "image/heic", "a picture in a format"),
        ("scan.pdf", b"<html>not a pdf</html>", "application/pdf", "is not a valid document"),
        ("notes.txt", b"plain words", "text/plain", "of a kind orders do not take"),
        ("empty.jpg", b"\xff\xd8\xff", "image/jpeg", "“empty.jpg”: "),
    ],
)
def test_each_refusal_names_the_file_and_what_is_wrong(name, data, content_type, expected):
    with pytest.raises(ValidationError) as refused:
        attachment_check(upload(name, data, content_type))

    message = " ".join(refused.value.messages)
    assert f"“{name}”" in message and expected in message


def test_real_files_still_pass():
    photo = attachment_check(upload("现场.jpg", jpeg(), "image/jpeg"))
    document = attachment_check(upload("报告", b"%PDF-1.4\n%%EOF\n", "application/pdf"))

    assert photo.content_type == "image/jpeg" and photo.thumbnail is not None
    assert document.content_type == "application/pdf"
