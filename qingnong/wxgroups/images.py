"""Uploaded pictures (group QR photos): checked, re-encoded without EXIF, and the live-code QR and poster.

A phone photo carries EXIF (place, device, time) that must not be published, so every upload is
decoded and re-encoded; what cannot be decoded as an image is refused with a Chinese message.
"""

from __future__ import annotations

import io
from functools import lru_cache
from pathlib import Path
from typing import Any

from django.core.files.base import ContentFile
from PIL import Image, ImageDraw, ImageFont

from qingnong.core.images import MB, ImageLimits, clean_image

# The stored QR photo: large enough to scan from a screen, small enough for a village's mobile data.
QR_PHOTO = ImageLimits("群二维码", max_bytes=5 * MB, max_side=1280, quality=88)


def clean_uploaded_image(upload: Any, *, field: str = "qr_image") -> ContentFile:
    """A JPEG re-encoding of ``upload`` (EXIF orientation applied, metadata dropped), or a RuleError."""
    content = clean_image(upload, limits=QR_PHOTO, field=field)
    content.name = "qr.jpg"
    return content


# --- fonts, QR codes, posters ---------------------------------------------------------------

FONT_CANDIDATES = (
    "/usr/share/fonts/opentype/noto/NotoSansCJK-Bold.ttc",
    "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc",
    "/usr/share/fonts/opentype/noto/NotoSerifCJK-Bold.ttc",
    "/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc",
    "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc",
    "/usr/share/fonts/truetype/arphic/uming.ttc",
)


@lru_cache(maxsize=1)
def cjk_font_path() -> str | None:
    """A font with Chinese glyphs: the known Debian paths, then any *CJK* / *Hei* font on the machine."""
    for candidate in FONT_CANDIDATES:
        if Path(candidate).exists():
            return candidate
    for root in ("/usr/share/fonts", "/usr/local/share/fonts"):
        base = Path(root)
        if not base.exists():
            continue
        for pattern in ("*CJK*.tt[cf]", "*CJK*.otf", "*[Hh]ei*.tt[cf]", "*Song*.tt[cf]"):
            found = sorted(base.rglob(pattern))
            if found:
                return str(found[0])
    return None


def _font(size: int) -> Any:
    path = cjk_font_path()
    if path is None:
        return ImageFont.load_default(size=size)
    return ImageFont.truetype(path, size=size)


def qr_png(url: str, *, scale: int = 10) -> bytes:
    import segno

    out = io.BytesIO()
    segno.make(url, error="m").save(out, kind="png", scale=scale, border=2)
    return out.getvalue()


def qr_svg(url: str) -> bytes:
    import segno

    out = io.BytesIO()
    segno.make(url, error="m").save(out, kind="svg", scale=10, border=2, xmldecl=True)
    return out.getvalue()


def _fit_text(draw: ImageDraw.ImageDraw, text: str, max_width: int, size: int) -> tuple[Any, str]:
    """The largest font size (down to 24 px) at which ``text`` fits, shortening it as a last resort."""
    while size > 24:
        font = _font(size)
        if draw.textlength(text, font=font) <= max_width:
            return font, text
        size -= 4
    font = _font(size)
    while text and draw.textlength(text + "…", font=font) > max_width:
        text = text[:-1]
    return font, text + ("…" if text else "")


def poster(*, url: str, title: str, subtitle: str, footer: str = "微信扫一扫，加入青年微信群") -> Image.Image:
    """A printable A4 poster at 150 dpi (1240×1754): title, org, the live-code QR, how to join, the link."""
    import segno

    width, height = 1240, 1754
    image = Image.new("RGB", (width, height), "white")
    draw = ImageDraw.Draw(image)
    red = (217, 35, 42)
    draw.rectangle([0, 0, width, 220], fill=red)
    font, text = _fit_text(draw, "共青团 · 青年微信群", width - 120, 64)
    draw.text((width / 2, 110), text, font=font, fill="white", anchor="mm")
    font, text = _fit_text(draw, title, width - 160, 76)
    draw.text((width / 2, 340), text, font=font, fill=(31, 35, 41), anchor="mm")
    font, text = _fit_text(draw, subtitle, width - 160, 48)
    draw.text((width / 2, 440), text, font=font, fill=(78, 89, 105), anchor="mm")
    qr = segno.make(url, error="h")
    buf = io.BytesIO()
    qr.save(buf, kind="png", scale=20, border=2)
    with Image.open(buf) as qr_img:
        side = 820
        qr_img = qr_img.convert("RGB").resize((side, side), Image.NEAREST)
        image.paste(qr_img, ((width - side) // 2, 520))
    font, text = _fit_text(draw, footer, width - 160, 56)
    draw.text((width / 2, 1430), text, font=font, fill=red, anchor="mm")
    font, text = _fit_text(draw, url, width - 160, 36)
    draw.text((width / 2, 1530), text, font=font, fill=(138, 143, 153), anchor="mm")
    font, text = _fit_text(draw, "二维码长期有效 · 群满或过期时自动切换", width - 160, 32)
    draw.text((width / 2, 1620), text, font=font, fill=(138, 143, 153), anchor="mm")
    return image


def poster_bytes(*, url: str, title: str, subtitle: str, kind: str = "png") -> bytes:
    image = poster(url=url, title=title, subtitle=subtitle)
    out = io.BytesIO()
    if kind == "pdf":
        image.save(out, format="PDF", resolution=150)
    else:
        image.save(out, format="PNG", dpi=(150, 150), optimize=True)
    return out.getvalue()
