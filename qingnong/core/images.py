"""Uploaded pictures (QR photos, posters, screenshots, activity photos): checked, re-encoded without EXIF.

A phone photo carries EXIF (place, device, time) that must not leak, so every upload is decoded and
re-encoded; what cannot be decoded as a picture is refused with a Chinese message, and so is a file
that is too large or that would decode to an absurd number of pixels (a decompression bomb). Each kind of
upload names its limits with an ``ImageLimits``.
"""

from __future__ import annotations

import io
import warnings
from dataclasses import dataclass
from typing import Any

from django.core.files.base import ContentFile
from PIL import Image, ImageOps, UnidentifiedImageError

from .errors import RuleError

MB = 1024 * 1024


@dataclass(frozen=True)
class ImageLimits:
    """What one kind of upload may be and how it is stored."""

    label: str  # "海报", "截图", "活动照片": used in the messages
    max_bytes: int
    max_side: int  # the stored picture's longest side, in pixels
    quality: int = 85


# A phone photo is at most ~50 megapixels; more is a decompression bomb (a tiny file that expands).
MAX_PIXELS = 50_000_000


def upload_size(upload: Any) -> int:
    size = getattr(upload, "size", None)
    if size is None:
        upload.seek(0, 2)
        size = upload.tell()
    return int(size)


def clean_image(upload: Any, *, limits: ImageLimits, field: str) -> ContentFile:
    """A JPEG re-encoding of ``upload`` (EXIF orientation applied, every metadata block dropped), or a
    RuleError on ``field`` naming the problem in Chinese. Nothing is written here."""
    size = upload_size(upload)
    if size > limits.max_bytes:
        raise RuleError(
            {
                field: f"{limits.label}太大（{size / MB:.1f} MB），"
                f"请上传不超过 {limits.max_bytes // MB} MB 的图片"
            },
            code="image_too_large",
        )
    if size == 0:
        raise RuleError({field: f"上传的{limits.label}是空文件，请重新选择图片"}, code="not_an_image")
    upload.seek(0)
    data = upload.read()
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(data)) as probe:
                width, height = probe.size
                if width * height > MAX_PIXELS:
                    message = (
                        f"{limits.label}像素过多（{width}×{height}），疑似异常文件，请上传普通照片或截图"
                    )
                    raise RuleError({field: message}, code="image_bomb")
                probe.verify()
            with Image.open(io.BytesIO(data)) as opened:
                opened.load()
                image: Image.Image = ImageOps.exif_transpose(opened)
                if image.mode in ("RGBA", "LA", "P"):
                    image = image.convert("RGBA")
                    background = Image.new("RGB", image.size, "white")
                    background.paste(image, mask=image.getchannel("A"))
                    image = background
                elif image.mode not in ("RGB", "L"):
                    image = image.convert("RGB")
                image.thumbnail((limits.max_side, limits.max_side))
                out = io.BytesIO()
                # No exif= argument: the re-encoded file carries no metadata at all.
                image.save(out, format="JPEG", quality=limits.quality, optimize=True)
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise RuleError(
            {field: f"{limits.label}像素过多，疑似异常文件，请上传普通照片或截图"}, code="image_bomb"
        ) from None
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError):
        raise RuleError(
            {field: f"上传的{limits.label}不是图片（支持 JPG、PNG、GIF、WebP），请重新选择"},
            code="not_an_image",
        ) from None
    return ContentFile(out.getvalue(), name="image.jpg")
