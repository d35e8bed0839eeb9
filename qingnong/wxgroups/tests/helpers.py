"""Small builders for the ledger tests."""

from __future__ import annotations

import io
from typing import Any

from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from qingnong.core.system import SYSTEM
from qingnong.orgs.services import cadre_create
from qingnong.wxgroups import services


def png_upload(
    name: str = "qr.png", size: tuple[int, int] = (300, 300), exif: bool = False
) -> SimpleUploadedFile:
    image = Image.new("RGB", size, "white")
    for x in range(0, size[0], 20):
        for y in range(0, size[1], 20):
            if (x + y) % 40 == 0:
                image.paste((0, 0, 0), (x, y, x + 10, y + 10))
    out = io.BytesIO()
    if exif:
        data = Image.Exif()
        data[0x010F] = "PhoneMaker"  # Make
        data[0x0132] = "2014:08:13 10:00:00"  # DateTime
        image.save(out, format="JPEG", exif=data)
        return SimpleUploadedFile(name.replace(".png", ".jpg"), out.getvalue(), content_type="image/jpeg")
    image.save(out, format="PNG")
    return SimpleUploadedFile(name, out.getvalue(), content_type="image/png")


def make_group(
    org: Any,
    name: str = "",
    *,
    group_type: str = "tuanqing",
    owner: Any = None,
    qr: bool = True,
    **fields: Any,
) -> Any:
    if owner is None:
        owner = cadre_create(actor=SYSTEM, org=org, name=f"{org.name}群主")
    return services.group_create(
        actor=SYSTEM,
        org=org,
        name=name or f"{org.name}青年群",
        group_type=group_type,
        owner=owner,
        qr_upload=png_upload() if qr else None,
        **fields,
    )
