"""Pictures uploaded to content supply and activities: checked, re-encoded without EXIF, size-limited.

A phone photo carries EXIF (place, device, time) that must not leak, so every upload is decoded and
re-encoded; what cannot be decoded as a picture is refused with a Chinese message, and so is a file
that is too large or that would decode to an absurd number of pixels (a decompression bomb).

The limits are the constants below (one place to change them, like settings).
"""

from __future__ import annotations

import secrets
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from django.utils import timezone

from qingnong.core.images import MAX_PIXELS, MB, ImageLimits, clean_image, upload_size

__all__ = [
    "ACTIVITY_PHOTO",
    "ACTIVITY_PHOTOS_MAX",
    "MAX_PIXELS",
    "POSTER",
    "SCREENSHOT",
    "ImageLimits",
    "clean_image",
    "files_removed_on_error",
    "random_name",
    "upload_size",
]

# A poster is forwarded into groups: keep it sharp.
POSTER = ImageLimits("海报", max_bytes=5 * MB, max_side=2000, quality=88)
# A confirmation screenshot only proves the forwarding.
SCREENSHOT = ImageLimits("截图", max_bytes=5 * MB, max_side=1600, quality=80)
# An activity photo from a phone camera: 8 MB covers a 48-megapixel JPEG.
ACTIVITY_PHOTO = ImageLimits("活动照片", max_bytes=8 * MB, max_side=1920, quality=85)
ACTIVITY_PHOTOS_MAX = 9


def random_name(prefix: str) -> str:
    """``prefix/YYYYMM/<random>.jpg``: unguessable, so a file's URL says nothing about its row."""
    return f"{prefix}/{timezone.localdate():%Y%m}/{secrets.token_hex(12)}.jpg"


@contextmanager
def files_removed_on_error(*files: Any) -> Iterator[None]:
    """Delete the given stored files (``FieldFile`` or None) if the block fails, so that a refused write
    leaves no file behind. (A rollback of an outer transaction after the service returned is not seen.)"""
    try:
        yield
    except BaseException:
        for file in files:
            if file:
                file.storage.delete(file.name)
        raise
