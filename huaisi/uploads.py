"""Checking uploaded photos (evidence, patrol pictures, activity photos) before they are kept.

Whatever the file is called, it must be a real JPEG, PNG or WebP that Pillow can verify and
decode. It is re-encoded as JPEG: EXIF orientation applied (phones store pictures sideways
and say so in EXIF), the long edge scaled to at most 2,048 px, and the metadata dropped with
the re-encoding (EXIF often carries the GPS position of a resident's home). A thumbnail is
made beside it. Files over 20 MB and decompression bombs (a small file that decodes to a huge
image) are refused before they are decoded.
"""

import io
import warnings
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.files.storage import FileSystemStorage
from django.http import FileResponse, Http404, HttpResponse, HttpResponseRedirect
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from PIL import Image, ImageOps, UnidentifiedImageError

MAX_UPLOAD_BYTES = 20 * 1024 * 1024
MAX_LONG_EDGE = 2048
THUMBNAIL_EDGE = 320
# Above what phone cameras save by default (12–50 megapixels), below Pillow's own bomb warning
# (~89 megapixels), so the message a user sees is ours.
MAX_PIXELS = 80_000_000
ALLOWED_FORMATS = {"JPEG", "PNG", "WEBP", "MPO"}
JPEG_QUALITY = 85


@dataclass
class CheckedImage:
    image: ContentFile
    thumbnail: ContentFile
    width: int
    height: int


def _encode(picture: Image.Image, name: str) -> ContentFile:
    buffer = io.BytesIO()
    picture.save(buffer, format="JPEG", quality=JPEG_QUALITY, optimize=True)
    return ContentFile(buffer.getvalue(), name=name)


def _flatten(picture: Image.Image) -> Image.Image:
    """RGB for JPEG: transparency becomes white, palettes and greyscale become colour."""
    if picture.mode in {"RGBA", "LA"} or (picture.mode == "P" and "transparency" in picture.info):
        rgba = picture.convert("RGBA")
        background = Image.new("RGB", rgba.size, (255, 255, 255))
        background.paste(rgba, mask=rgba.getchannel("A"))
        return background
    return picture.convert("RGB") if picture.mode != "RGB" else picture


def check_image(upload, *, stem: str = "photo") -> CheckedImage:
    """Check and re-encode one uploaded photo; ValidationError with a clear message if it is
    not acceptable. `upload` is any Django File (UploadedFile, ContentFile, File)."""
    size = getattr(upload, "size", None)
    if size is not None and size > MAX_UPLOAD_BYTES:
        raise ValidationError(
            _("The photo is %(size)s MB; photos may be at most 20 MB.")
            % {"size": f"{size / 1024 / 1024:.1f}"},
            code="too_large",
        )
    upload.seek(0)
    data = upload.read(MAX_UPLOAD_BYTES + 1)
    if len(data) > MAX_UPLOAD_BYTES:
        raise ValidationError(_("Photos may be at most 20 MB."), code="too_large")
    if not data:
        raise ValidationError(_("The photo file is empty."), code="empty")
    not_an_image = ValidationError(
        _("This file is not a photo we can read. Upload a JPEG, PNG or WebP picture."),
        code="not_image",
    )
    bomb = ValidationError(
        _("This picture is too large to open (over 80 megapixels)."), code="too_many_pixels"
    )
    try:
        with warnings.catch_warnings():
            # Pillow only warns between MAX_IMAGE_PIXELS and twice that; refuse it all.
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(data)) as probe:
                if probe.format not in ALLOWED_FORMATS:
                    raise not_an_image
                if probe.width * probe.height > MAX_PIXELS:
                    raise bomb
                probe.verify()
            # verify() leaves the image unusable: open again to decode it.
            with Image.open(io.BytesIO(data)) as picture:
                picture.load()
                picture = ImageOps.exif_transpose(picture)
                picture = _flatten(picture)
    except ValidationError:
        raise
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise bomb from None
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, EOFError):
        raise not_an_image from None
    picture.thumbnail((MAX_LONG_EDGE, MAX_LONG_EDGE), Image.Resampling.LANCZOS)
    width, height = picture.size
    thumb = picture.copy()
    thumb.thumbnail((THUMBNAIL_EDGE, THUMBNAIL_EDGE), Image.Resampling.LANCZOS)
    return CheckedImage(
        image=_encode(picture, f"{stem}.jpg"),
        thumbnail=_encode(thumb, f"{stem}-thumb.jpg"),
        width=width,
        height=height,
    )


# --- Documents (PDF and office files), recognised by their content, not their name ------------

DOCUMENT_TYPES = {
    ".pdf": "application/pdf",
    ".doc": "application/msword",
    ".xls": "application/vnd.ms-excel",
    ".ppt": "application/vnd.ms-powerpoint",
    ".docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    ".xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    ".pptx": "application/vnd.openxmlformats-officedocument.presentationml.presentation",
}
_OLE_MAGIC = bytes.fromhex("D0CF11E0A1B11AE1")
_OOXML_PARTS = {".docx": "word/", ".xlsx": "xl/", ".pptx": "ppt/"}


@dataclass
class CheckedDocument:
    file: ContentFile
    content_type: str
    extension: str


def _document_extension(data: bytes, claimed: str) -> str | None:
    """The extension the content proves, or None. Old office formats (OLE) and the new ones
    (zip) do not say which application made them without parsing: the claimed extension
    picks among those its container allows. Zip entries are listed, never decompressed."""
    import zipfile

    if data.startswith(b"%PDF-"):
        return ".pdf"
    if data.startswith(_OLE_MAGIC):
        return claimed if claimed in {".doc", ".xls", ".ppt"} else None
    if data.startswith(b"PK\x03\x04") and claimed in _OOXML_PARTS:
        try:
            with zipfile.ZipFile(io.BytesIO(data)) as archive:
                names = archive.namelist()
        except (zipfile.BadZipFile, ValueError):
            return None
        if "[Content_Types].xml" in names and any(
            n.startswith(_OOXML_PARTS[claimed]) for n in names
        ):
            return claimed
    return None


def check_document(upload, *, stem: str = "document") -> CheckedDocument:
    """Check one uploaded PDF or office file (Word, Excel, PowerPoint; old and new formats)
    by its content; ValidationError with a clear message if it is not one, or over 20 MB."""
    import os

    size = getattr(upload, "size", None)
    if size is not None and size > MAX_UPLOAD_BYTES:
        raise ValidationError(
            _("The file is %(size)s MB; files may be at most 20 MB.")
            % {"size": f"{size / 1024 / 1024:.1f}"},
            code="too_large",
        )
    upload.seek(0)
    data = upload.read(MAX_UPLOAD_BYTES + 1)
    if len(data) > MAX_UPLOAD_BYTES:
        raise ValidationError(_("Files may be at most 20 MB."), code="too_large")
    if not data:
        raise ValidationError(_("The file is empty."), code="empty")
    claimed = os.path.splitext(getattr(upload, "name", "") or "")[1].lower()
    extension = _document_extension(data, claimed)
    if extension is None:
        raise ValidationError(
            _("This file is not a PDF, Word, Excel or PowerPoint document we accept."),
            code="not_document",
        )
    return CheckedDocument(
        file=ContentFile(data, name=f"{stem}{extension}"),
        content_type=DOCUMENT_TYPES[extension],
        extension=extension,
    )


# --- Serving a private file -------------------------------------------------------------------

# Browsers may keep a private file an hour (never a shared cache: they show residents' homes).
PRIVATE_MAX_AGE = 3600


def serve_private_file(
    stored, *, content_type: str, filename: str | None = None, as_attachment: bool = False
) -> HttpResponse:
    """A stored upload (a FieldFile) to a user the caller has already checked may see it.

    On local storage the web process streams it; on object storage (MEDIA_STORAGE=s3) the
    browser is sent to a short-lived signed URL instead, so large files do not pass through
    the web process. A file missing from storage answers 404, not a server error."""
    if not stored:
        raise Http404
    if not isinstance(stored.storage, FileSystemStorage):
        parameters = {"ResponseContentType": content_type}
        if filename:
            parameters["ResponseContentDisposition"] = content_disposition_header(
                as_attachment, filename
            )
        return HttpResponseRedirect(stored.storage.url(stored.name, parameters=parameters))
    try:
        handle = stored.open("rb")
    except FileNotFoundError:
        raise Http404 from None
    response = FileResponse(
        handle, content_type=content_type, filename=filename or "", as_attachment=as_attachment
    )
    response["Cache-Control"] = f"private, max-age={PRIVATE_MAX_AGE}"
    return response
