"""Test data for content supply and activities: groups (written directly: the ledger's own services are
tested by the ledger), cadres with logins, and pictures (good, with EXIF, not a picture, too large, a
decompression bomb)."""

from __future__ import annotations

import datetime
import io
import itertools
from typing import Any

from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from PIL import Image

from qingnong.core.permissions import Role
from qingnong.core.system import SYSTEM
from qingnong.core.testing import PASSWORD
from qingnong.orgs.services import cadre_create, grant_create, user_create
from qingnong.wxgroups.choices import GroupStatus, GroupType
from qingnong.wxgroups.models import ChatGroup

_seq = itertools.count(1)


def make_group(
    org: Any,
    *,
    name: str | None = None,
    owner: Any = None,
    group_type: str = GroupType.TUANQING,
    status: str = GroupStatus.BUILT,
    founded_on: datetime.date | None = None,
) -> ChatGroup:
    return ChatGroup.objects.create(
        name=name or f"{org.name}青年群{next(_seq)}",
        org=org,
        group_type=group_type,
        status=status,
        owner=owner,
        founded_on=founded_on,
        bases=["geo"] if group_type == GroupType.TUANQING else [],
    )


def make_cadre_user(
    org: Any, username: str, *, role: str = Role.ENTRY, name: str | None = None
) -> tuple[Any, Any]:
    """A cadre of ``org`` with a login linked to it (User.cadre) and a grant on ``org``."""
    cadre = cadre_create(actor=SYSTEM, org=org, name=name or f"{org.name}书记", phone=None)
    user = user_create(actor=SYSTEM, username=username, password=PASSWORD, home_org=org, cadre=cadre)
    grant_create(actor=SYSTEM, user=user, org=org, role=role)
    return cadre, user


def days_ago(n: int) -> datetime.date:
    return timezone.localdate() - datetime.timedelta(days=n)


def hold_activity(org: Any, n_days_ago: int, *, groups: Any = (), participants: int = 30, **kw: Any) -> Any:
    """An activity of ``org`` held ``n_days_ago`` (a 创业沙龙 at the village office unless ``kw`` says
    otherwise), through the activities service, tied to ``groups``."""
    from qingnong.activities import services as activity_services

    data = {
        "title": "创业沙龙",
        "activity_type": "offline",
        "theme": "entrepreneurship",
        "held_on": days_ago(n_days_ago),
        "duration_hours": 2,
        "place": "村部",
        "participants": participants,
        **kw,
    }
    return activity_services.activity_create(actor=SYSTEM, org=org, groups=list(groups), **data)


def jpeg_bytes(size: tuple[int, int] = (64, 48), *, exif: bool = False, color: str = "red") -> bytes:
    image = Image.new("RGB", size, color)
    out = io.BytesIO()
    if exif:
        data = Image.Exif()
        data[0x010F] = "PhoneMaker"  # Make
        data[0x0110] = "PhoneModel"  # Model
        data[0x8825] = {2: (31.0, 0.0, 0.0), 4: (117.0, 0.0, 0.0)}  # GPS position
        image.save(out, format="JPEG", exif=data)
    else:
        image.save(out, format="JPEG")
    return out.getvalue()


def png_rgba_bytes() -> bytes:
    out = io.BytesIO()
    Image.new("RGBA", (40, 40), (0, 128, 0, 100)).save(out, format="PNG")
    return out.getvalue()


def bomb_png_bytes() -> bytes:
    """A few kilobytes that would decode to 100 megapixels."""
    out = io.BytesIO()
    Image.new("1", (10_000, 10_000)).save(out, format="PNG")
    return out.getvalue()


def upload(data: bytes, name: str = "photo.jpg", content_type: str = "image/jpeg") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, data, content_type=content_type)


def good_image(name: str = "photo.jpg", *, exif: bool = False) -> SimpleUploadedFile:
    return upload(jpeg_bytes(exif=exif), name)


def not_an_image(name: str = "notes.jpg") -> SimpleUploadedFile:
    return upload("这不是图片，是一段文字".encode() * 20, name, "image/jpeg")


def too_large(limit: int, name: str = "big.jpg") -> SimpleUploadedFile:
    """A file one byte over ``limit`` (a real JPEG header, padded)."""
    head = jpeg_bytes()
    return upload(head + b"\0" * (limit + 1 - len(head)), name)


def bomb(name: str = "bomb.png") -> SimpleUploadedFile:
    return upload(bomb_png_bytes(), name, "image/png")


def media_files(root: Any) -> list[str]:
    """Every stored file under MEDIA_ROOT (to prove a refused upload wrote nothing)."""
    from pathlib import Path

    base = Path(root)
    if not base.exists():
        return []
    return sorted(str(p.relative_to(base)) for p in base.rglob("*") if p.is_file())
