"""Files on work orders: photos (verified, re-encoded, thumbnailed by `huaisi.uploads`) and
PDF or office documents (accepted by their content, 20 MB at most).

Every file is checked before anything is written, so a bad one refuses the whole action.
"""

import uuid
from dataclasses import dataclass

from django.core.files.base import ContentFile

from huaisi.uploads import check_document, check_image

MAX_FILES = 9
_IMAGE_MAGIC = (b"\xff\xd8\xff", b"\x89PNG\r\n\x1a\n", b"RIFF")


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


def attachment_check(upload) -> CheckedAttachment:
    """One uploaded file, checked; raises ValidationError with the reason otherwise."""
    stem = uuid.uuid4().hex
    original = (getattr(upload, "name", "") or "file").rsplit("/", 1)[-1][:200]
    if _looks_like_image(upload):
        image = check_image(upload, stem=stem)
        return CheckedAttachment(
            name=original,
            file=image.image,
            thumbnail=image.thumbnail,
            content_type="image/jpeg",
            size=image.image.size,
        )
    document = check_document(upload, stem=stem)
    return CheckedAttachment(
        name=original,
        file=document.file,
        thumbnail=None,
        content_type=document.content_type,
        size=document.file.size,
    )
