"""Uploaded pictures (group QR photos): checked, re-encoded without EXIF, and the live-code QR and poster.

A phone photo carries EXIF (place, device, time) that must not be published, so every upload is
decoded and re-encoded; what cannot be decoded as an image is refused with a Chinese message.
"""

from __future__ import annotations

import io
import warnings
from functools import lru_cache
from pathlib import Path
from typing import Any

from django.core.files.base import ContentFile
from PIL import Image, ImageDraw, ImageFont, ImageOps, UnidentifiedImageError

from qingnong.core.errors import RuleError

MAX_UPLOAD_BYTES = 5 * 1024 * 1024
# A phone photo is at most ~50 megapixels; more is a decompression bomb (a tiny file that expands).
MAX_PIXELS = 40_000_000
# The stored QR photo: large enough to scan from a screen, small enough for a village's mobile data.
STORED_MAX_SIDE = 1280


def clean_uploaded_image(upload: Any, *, field: str = "qr_image") -> ContentFile:
    """A JPEG re-encoding of ``upload`` (EXIF orientation applied, metadata dropped), or a RuleError."""
    size = getattr(upload, "size", None)
    if size is None:
        upload.seek(0, 2)
        size = upload.tell()
    if size > MAX_UPLOAD_BYTES:
        raise RuleError(
            {field: f"图片太大（{size / 1024 / 1024:.1f} MB），请上传不超过 5 MB 的图片"},
            code="image_too_large",
        )
    if size == 0:
        raise RuleError({field: "上传的文件是空的，请重新选择图片"}, code="not_an_image")
    upload.seek(0)
    data = upload.read()
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(data)) as probe:
                width, height = probe.size
                if width * height > MAX_PIXELS:
                    raise RuleError(
                        {field: f"图片像素过多（{width}×{height}），疑似异常文件，请上传普通照片或截图"},
                        code="image_bomb",
                    )
                probe.verify()
            with Image.open(io.BytesIO(data)) as image:
                image.load()
                image = ImageOps.exif_transpose(image)
                if image.mode not in ("RGB", "L"):
                    image = image.convert("RGB")
                image.thumbnail((STORED_MAX_SIDE, STORED_MAX_SIDE))
                out = io.BytesIO()
                # No exif= argument: the re-encoded file carries no metadata at all.
                image.save(out, format="JPEG", quality=88, optimize=True)
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise RuleError({field: "图片像素过多，疑似异常文件，请上传普通照片或截图"}, code="image_bomb")
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError):
        raise RuleError({field: "上传的文件不是图片，请拍照或从相册选择群二维码图片"}, code="not_an_image")
    return ContentFile(out.getvalue(), name="qr.jpg")


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
