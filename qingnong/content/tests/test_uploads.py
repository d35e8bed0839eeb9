"""Uploaded pictures: re-encoded without EXIF, refused with a Chinese message when not a picture, too
large, or a decompression bomb."""

from __future__ import annotations

import io

import pytest
from PIL import Image

from qingnong.content.uploads import ACTIVITY_PHOTO, POSTER, SCREENSHOT, clean_image
from qingnong.core.errors import RuleError

from .factories import bomb, good_image, not_an_image, png_rgba_bytes, too_large, upload


def test_exif_is_stripped_and_picture_kept():
    original = good_image(exif=True)
    assert Image.open(io.BytesIO(original.read())).getexif()  # the phone photo has EXIF
    original.seek(0)
    cleaned = clean_image(original, limits=ACTIVITY_PHOTO, field="photos")
    image = Image.open(io.BytesIO(cleaned.read()))
    assert image.format == "JPEG"
    assert image.size == (64, 48)
    assert not image.getexif()
    assert "exif" not in image.info


def test_transparent_png_becomes_jpeg_on_white():
    cleaned = clean_image(upload(png_rgba_bytes(), "p.png", "image/png"), limits=POSTER, field="poster")
    image = Image.open(io.BytesIO(cleaned.read()))
    assert image.format == "JPEG" and image.mode == "RGB"


def test_large_picture_is_scaled_down():
    out = io.BytesIO()
    Image.new("RGB", (4000, 3000), "blue").save(out, format="JPEG")
    cleaned = clean_image(upload(out.getvalue()), limits=SCREENSHOT, field="screenshot")
    assert max(Image.open(io.BytesIO(cleaned.read())).size) == SCREENSHOT.max_side


def test_not_an_image_is_refused_in_chinese():
    with pytest.raises(RuleError) as err:
        clean_image(not_an_image(), limits=POSTER, field="poster")
    assert err.value.rule_code == "not_an_image"
    assert "上传的海报不是图片" in err.value.message_dict["poster"][0]


def test_too_large_is_refused_in_chinese():
    with pytest.raises(RuleError) as err:
        clean_image(too_large(ACTIVITY_PHOTO.max_bytes), limits=ACTIVITY_PHOTO, field="photos")
    assert err.value.rule_code == "image_too_large"
    assert "活动照片太大" in err.value.message_dict["photos"][0]
    assert "不超过 8 MB" in err.value.message_dict["photos"][0]


def test_decompression_bomb_is_refused():
    with pytest.raises(RuleError) as err:
        clean_image(bomb(), limits=SCREENSHOT, field="screenshot")
    assert err.value.rule_code == "image_bomb"
    assert "像素过多" in err.value.message_dict["screenshot"][0]


def test_empty_file_is_refused():
    with pytest.raises(RuleError) as err:
        clean_image(upload(b""), limits=SCREENSHOT, field="screenshot")
    assert "空文件" in err.value.message_dict["screenshot"][0]
