"""Bench rows for patrol inspections: a submission with three phone-sized photos (and its
idempotent resend), in this process through Django's test client, against the reference of
checking the same three photos alone (decoding and re-encoding is the work no design avoids).

The coverage pages are ordinary GET rows in bench/__main__.py's PAGES.
"""

import io
import json
import time
import uuid

from .harness import Row, say, summarize

PHOTOS = 3
REPEATS = 20


def _photo(seed: int) -> bytes:
    from PIL import Image

    # Noise compresses like a real scene, unlike a flat colour.
    picture = Image.effect_noise((2048, 1536), 40 + seed).convert("RGB")
    buffer = io.BytesIO()
    picture.save(buffer, format="JPEG", quality=85)
    return buffer.getvalue()


def measure(scale_name: str, username: str = "leader01") -> list[Row]:
    from django.contrib.auth import get_user_model
    from django.core.files.uploadedfile import SimpleUploadedFile
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext
    from django.utils import timezone

    from huaisi.uploads import check_image
    from patrols.selectors import grids_for_logging

    user = get_user_model().objects.get(username=username)
    grid = grids_for_logging(user=user).first()
    photos = [_photo(n) for n in range(PHOTOS)]
    client = Client(SERVER_NAME="127.0.0.1")
    client.force_login(user)

    def post(key: str, now):
        payload = {
            "uuid": key,
            "grid": grid.pk,
            "place": "基准测试巡查",
            "started_at": now.isoformat(),
            "ended_at": now.isoformat(),
            "households": [],
            "findings": [
                {"type": "illegal_construction", "description": "路边新搭彩钢棚",
                 "outcome": "report", "photos": PHOTOS}
            ],
        }  # fmt: skip
        files = {
            f"finding-0-photo-{n}": SimpleUploadedFile(f"p{n}.jpg", data, "image/jpeg")
            for n, data in enumerate(photos)
        }
        return client.post("/areas/inspections/submit/", {"payload": json.dumps(payload), **files})

    say(f"{scale_name}: inspection submission with {PHOTOS} photos, {REPEATS} times")
    fresh, resend, reference, queries = [], [], [], set()
    for _ in range(REPEATS):
        # A resend is the same inspection: the same key and the same times.
        key, now = str(uuid.uuid4()), timezone.now()
        with CaptureQueriesContext(connection) as captured:
            started = time.perf_counter()
            response = post(key, now)
            fresh.append((time.perf_counter() - started) * 1000)
        if response.status_code != 201:
            raise RuntimeError(
                f"inspection submission: {response.status_code} {response.content[:200]!r}"
            )
        queries.add(len(captured.captured_queries))
        started = time.perf_counter()
        if post(key, now).status_code != 200:
            raise RuntimeError("inspection resend did not answer 200")
        resend.append((time.perf_counter() - started) * 1000)
        started = time.perf_counter()
        for data in photos:
            check_image(SimpleUploadedFile("p.jpg", data, "image/jpeg"))
        reference.append((time.perf_counter() - started) * 1000)
    if len(queries) != 1:
        raise RuntimeError(f"inspection submission queries vary: {sorted(queries)}")
    ref = summarize(reference)
    common = {"reference": f"check_image × {PHOTOS}", "reference_ms": (ref["p50"], ref["p95"])}
    return [
        Row(
            f"POST /areas/inspections/submit/ ({PHOTOS} photos, report)",
            scale_name,
            fresh,
            queries=queries.pop(),
            note="in-process test client; the order re-checks the photos as its attachments",
            **common,
        ),
        Row(
            "POST /areas/inspections/submit/ (resend, same UUID)",
            scale_name,
            resend,
            note="idempotent: photo digests and one lookup",
            **common,
        ),
    ]
