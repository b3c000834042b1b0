"""The shared photo check (huaisi.uploads): real pictures only, upright, at most 2,048 px,
no decompression bombs, at most 20 MB; each refusal says why."""

import io

import pytest
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from huaisi.uploads import check_image


def jpeg_bytes(width: int, height: int, *, orientation: int | None = None) -> bytes:
    picture = Image.new("RGB", (width, height), (200, 30, 30))
    # A marker in the top-left corner, to see where it ends up.
    picture.paste((0, 0, 255), (0, 0, width // 4, height // 4))
    buffer = io.BytesIO()
    if orientation is None:
        picture.save(buffer, format="JPEG")
    else:
        exif = Image.Exif()
        exif[0x0112] = orientation
        picture.save(buffer, format="JPEG", exif=exif)
    return buffer.getvalue()


def open_result(content: ContentFile) -> Image.Image:
    content.seek(0)
    return Image.open(io.BytesIO(content.read()))


def test_a_file_named_jpg_that_is_not_a_picture_is_refused():
    with pytest.raises(ValidationError, match="not a photo we can read"):
        check_image(SimpleUploadedFile("photo.jpg", b"MZ\x90\x00 this is an executable"))


def test_a_truncated_picture_is_refused():
    data = jpeg_bytes(400, 300)
    with pytest.raises(ValidationError, match="not a photo we can read"):
        check_image(SimpleUploadedFile("photo.jpg", data[: len(data) // 3]))


def test_other_image_formats_are_refused():
    buffer = io.BytesIO()
    Image.new("RGB", (10, 10)).save(buffer, format="TIFF")
    with pytest.raises(ValidationError, match="JPEG, PNG or WebP"):
        check_image(SimpleUploadedFile("scan.png", buffer.getvalue()))


def test_a_decompression_bomb_is_refused():
    # 12,000 × 12,000 one-bit pixels: a few kilobytes of PNG, 144 megapixels decoded.
    buffer = io.BytesIO()
    Image.new("1", (12_000, 12_000)).save(buffer, format="PNG")
    assert len(buffer.getvalue()) < 100_000
    with pytest.raises(ValidationError, match="too large to open"):
        check_image(SimpleUploadedFile("bomb.png", buffer.getvalue()))


def test_over_20_mb_is_refused_before_reading():
    big = SimpleUploadedFile("huge.jpg", b"\xff" * (20 * 1024 * 1024 + 1))
    with pytest.raises(ValidationError, match="at most 20 MB"):
        check_image(big)


def test_exif_orientation_is_applied_and_metadata_dropped():
    # Orientation 6: the camera was turned; the picture is shown rotated 90° clockwise.
    checked = check_image(SimpleUploadedFile("p.jpg", jpeg_bytes(400, 200, orientation=6)))
    result = open_result(checked.image)
    assert result.size == (200, 400) == (checked.width, checked.height)
    assert 0x0112 not in result.getexif()
    # The blue corner was top-left; after a clockwise turn it is top-right.
    r, g, b = result.getpixel((190, 10))
    assert b > 150 and r < 100


def test_long_edge_is_scaled_to_2048_and_a_thumbnail_made():
    checked = check_image(SimpleUploadedFile("wide.jpg", jpeg_bytes(4096, 1024)))
    assert open_result(checked.image).size == (2048, 512)
    assert max(open_result(checked.thumbnail).size) == 320


def test_png_with_transparency_becomes_a_jpeg():
    buffer = io.BytesIO()
    Image.new("RGBA", (50, 40), (0, 0, 0, 0)).save(buffer, format="PNG")
    checked = check_image(SimpleUploadedFile("clip.png", buffer.getvalue()))
    result = open_result(checked.image)
    assert result.format == "JPEG" and result.getpixel((5, 5)) == (255, 255, 255)
