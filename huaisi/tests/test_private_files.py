"""Serving uploads (photos of homes, order documents) to those who may see them."""

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import FileSystemStorage, Storage
from django.db.models import FileField
from django.db.models.fields.files import FieldFile
from django.http import Http404

from huaisi.uploads import PRIVATE_MAX_AGE, serve_private_file


def stored_file(storage, name):
    field = FileField(storage=storage)
    field.name = "file"
    return FieldFile(None, field, name)


def test_a_local_file_is_streamed_privately(tmp_path):
    storage = FileSystemStorage(location=tmp_path)
    name = storage.save("photos/home.jpg", ContentFile(b"\xff\xd8jpeg bytes"))
    response = serve_private_file(stored_file(storage, name), content_type="image/jpeg")
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == b"\xff\xd8jpeg bytes"
    assert response["Content-Type"] == "image/jpeg"
    # Browsers may keep it; shared caches (a proxy at the village office) must not.
    assert response["Cache-Control"] == f"private, max-age={PRIVATE_MAX_AGE}"


def test_a_document_downloads_under_its_chinese_name(tmp_path):
    storage = FileSystemStorage(location=tmp_path)
    name = storage.save("orders/reply.pdf", ContentFile(b"%PDF-1.4"))
    response = serve_private_file(
        stored_file(storage, name),
        content_type="application/pdf",
        filename="整改回复.pdf",
        as_attachment=True,
    )
    assert response["Content-Disposition"].startswith("attachment;")
    assert "%E6%95%B4%E6%94%B9" in response["Content-Disposition"]


def test_a_file_missing_from_storage_is_not_found_not_a_server_error(tmp_path):
    storage = FileSystemStorage(location=tmp_path)
    with pytest.raises(Http404):
        serve_private_file(stored_file(storage, "photos/gone.jpg"), content_type="image/jpeg")
    with pytest.raises(Http404):
        serve_private_file(stored_file(storage, ""), content_type="image/jpeg")


class SignedUrlStorage(Storage):
    """Object storage as django-storages' S3Storage presents it: url() signs a link."""

    def exists(self, name):
        return True

    def url(self, name, parameters=None, expire=None, http_method=None):
        query = "&".join(f"{k}={v}" for k, v in sorted((parameters or {}).items()))
        return f"https://oss.example/{name}?signed=1&{query}"


def test_object_storage_sends_the_browser_to_a_signed_link():
    response = serve_private_file(
        stored_file(SignedUrlStorage(), "orders/reply.pdf"),
        content_type="application/pdf",
        filename="reply.pdf",
        as_attachment=True,
    )
    assert response.status_code == 302
    assert response["Location"].startswith("https://oss.example/orders/reply.pdf?signed=1")
    assert "ResponseContentDisposition=attachment" in response["Location"]
    assert "ResponseContentType=application/pdf" in response["Location"]
