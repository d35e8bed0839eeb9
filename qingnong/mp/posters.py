"""Printable recruitment posters: the account's parametric QR code with the org or cadre it recruits for.

Drawn with segno (the QR code) and Pillow (the sheet, A5 at 150 dpi). The CJK font is looked up at run
time among Debian's Noto CJK fonts and any other font named CJK, with Pillow's default as the fallback
(then Chinese renders as boxes, but the QR code still works).
"""

from __future__ import annotations

import glob
import io
import os
from functools import lru_cache
from pathlib import Path
from typing import Any

import segno
from django.conf import settings
from PIL import Image, ImageDraw, ImageFont

FONT_GLOBS = (
    "/usr/share/fonts/opentype/noto/NotoSansCJK-Bold.ttc",
    "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc",
    "/usr/share/fonts/opentype/noto/*CJK*.tt[cf]",
    "/usr/share/fonts/truetype/noto/*CJK*.tt[cf]",
    "/usr/share/fonts/**/*CJK*.tt[cf]",
    "/usr/share/fonts/**/wqy*.tt[cf]",
)
WIDTH, HEIGHT = 874, 1240  # A5 at 150 dpi
RED = (217, 35, 42)


@lru_cache(maxsize=1)
def font_path() -> str | None:
    override = os.environ.get("QINGNONG_CJK_FONT")
    if override and os.path.exists(override):
        return override
    for pattern in FONT_GLOBS:
        found = sorted(glob.glob(pattern, recursive=True))
        if found:
            return found[0]
    return None


def _font(size: int) -> Any:
    path = font_path()
    if path:
        try:
            return ImageFont.truetype(path, size)
        except OSError:
            pass
    return ImageFont.load_default()


def _centered(draw: ImageDraw.ImageDraw, y: int, text: str, size: int, fill: Any) -> int:
    font = _font(size)
    while size > 18 and draw.textlength(text, font=font) > WIDTH - 80:
        size -= 4
        font = _font(size)
    width = draw.textlength(text, font=font)
    draw.text(((WIDTH - width) / 2, y), text, font=font, fill=fill)
    return y + size + 16


def render_poster(*, account_name: str, target_name: str, qr_content: str, note: str = "") -> bytes:
    """The PNG bytes of one poster."""
    image = Image.new("RGB", (WIDTH, HEIGHT), "white")
    draw = ImageDraw.Draw(image)
    draw.rectangle([0, 0, WIDTH, 170], fill=RED)
    _centered(draw, 40, account_name, 64, "white")
    y = _centered(draw, 210, "扫码关注", 48, (31, 35, 41))
    qr = segno.make(qr_content, error="m")
    buffer = io.BytesIO()
    qr.save(buffer, kind="png", scale=14, border=2)
    code = Image.open(io.BytesIO(buffer.getvalue())).convert("RGB")
    side = 620
    code = code.resize((side, side), Image.Resampling.NEAREST)
    image.paste(code, ((WIDTH - side) // 2, y + 10))
    y = y + side + 40
    y = _centered(draw, y, target_name, 40, (31, 35, 41))
    if note:
        _centered(draw, y, note, 28, (138, 143, 153))
    out = io.BytesIO()
    image.save(out, format="PNG", optimize=True)
    return out.getvalue()


def poster_relative_path(account_id: int, scene: str) -> str:
    return f"public/mp/posters/{account_id}/{scene}.png"


def write_poster(relative: str, data: bytes) -> Path:
    path = Path(settings.MEDIA_ROOT) / relative
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp")
    tmp.write_bytes(data)
    tmp.replace(path)
    return path


def poster_url(relative: str) -> str:
    return f"{settings.MEDIA_URL}{relative}"
