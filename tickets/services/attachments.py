"""Files on work orders: photos (verified, re-encoded, thumbnailed by `huaisi.uploads`) and
PDF or office documents (accepted by their content, 20 MB at most).

Every file is checked before anything is written, so a bad one refuses the whole action.
"""

import os
import uuid
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.utils.translation import gettext as _

from huaisi.uploads import DOCUMENT_TYPES, check_document, check_image

MAX_FILES = 9
_IMAGE_MAGIC = (b"\xff\xd8\xff", b"\x89PNG\r\n\x1a\n", b"RIFF")
# Names that say "photo": a file so named whose content is no picture gets a message about
# pictures, not one about PDF and Word documents (issue #17).
PHOTO_EXTENSIONS = {".jpg", ".jpeg", ".jpe", ".png", ".webp"}
# Pictures in formats the checker does not take (an iPhone's HEIC among them).
OTHER_PICTURE_EXTENSIONS = {".heic", ".heif", ".gif", ".bmp", ".tif", ".tiff", ".avif"}


@dataclass
class CheckedAttachment:
    name: str
    file: ContentFile
    thumbnail: ContentFile | None
    content_type: str
    size: int


def _looks_like_image(upload) -> bool:
    upload.seek(0)
    head = upload.read(16)
    upload.seek(0)
    return head.startswith(_IMAGE_MAGIC) and (not head.startswith(b"RIFF") or head[8:12] == b"WEBP")


def _named(error: ValidationError, name: str) -> ValidationError:
    """The checker's reason, prefixed with the file the user chose (several may be sent)."""
    return ValidationError(
        _("The file you chose, “%(name)s”: %(reason)s")
        % {"name": name, "reason": " ".join(error.messages)},
        code=getattr(error, "code", None) or "invalid",
    )


def attachment_check(upload) -> CheckedAttachment:
    """One uploaded file, checked; raises ValidationError with the reason otherwise, naming
    the file and saying what is wrong with it as the user chose it: a file named as a photo
    whose content is not one is "not a valid picture", not "not a PDF or Word document"."""
    stem = uuid.uuid4().hex
    original = (getattr(upload, "name", "") or "file").rsplit("/", 1)[-1][:200]
    extension = os.path.splitext(original)[1].lower()
    content_type = (getattr(upload, "content_type", "") or "").lower()
    if _looks_like_image(upload):
        try:
            image = check_image(upload, stem=stem)
        except ValidationError as error:
            raise _named(error, original) from None
        return CheckedAttachment(
            name=original,
            file=image.image,
            thumbnail=image.thumbnail,
            content_type="image/jpeg",
            size=image.image.size,
        )
    if extension in OTHER_PICTURE_EXTENSIONS:
        raise ValidationError(
            _(
                "The file you chose, “%(name)s”, is a picture in a format orders do not take. "
                "Attach a JPEG, PNG or WebP photo."
            )
            % {"name": original},
            code="not_image",
        )
    if extension in PHOTO_EXTENSIONS or (
        content_type.startswith("image/") and extension not in DOCUMENT_TYPES
    ):
        raise ValidationError(
            _(
                "The file you chose, “%(name)s”, is not a valid picture: its content does not "
                "match its extension. Attach a JPEG, PNG or WebP photo."
            )
            % {"name": original},
            code="not_image",
        )
    try:
        document = check_document(upload, stem=stem)
    except ValidationError as error:
        if error.code != "not_document":
            raise _named(error, original) from None
        if extension in DOCUMENT_TYPES:
            raise ValidationError(
                _(
                    "The file you chose, “%(name)s”, is not a valid document: its content does "
                    "not match its extension."
                )
                % {"name": original},
                code="not_document",
            ) from None
        raise ValidationError(
            _(
                "The file you chose, “%(name)s”, is of a kind orders do not take. Attach a "
                "photo (JPEG, PNG, WebP) or a PDF, Word, Excel or PowerPoint document."
            )
            % {"name": original},
            code="not_accepted",
        ) from None
    return CheckedAttachment(
        name=original,
        file=document.file,
        thumbnail=None,
        content_type=document.content_type,
        size=document.file.size,
    )
