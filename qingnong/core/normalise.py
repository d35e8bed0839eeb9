"""Cleaning values the way offices type them: full-width digits, phones stored as floats, stray spaces."""

from __future__ import annotations

import re
import unicodedata
from typing import Any

from django.core.exceptions import ValidationError

_FLOAT_TAIL = re.compile(r"\.0+$")
_PHONE_NOISE = re.compile(r"[\s\-()（）]")
MOBILE = re.compile(r"^1[3-9]\d{9}$")


def to_halfwidth(text: str) -> str:
    """Full-width letters, digits and punctuation to their ASCII forms (NFKC), ideographic space to space."""
    return unicodedata.normalize("NFKC", text).replace("\u3000", " ")


def clean_text(value: Any) -> str:
    """A cell or form value as trimmed text; numbers that are whole come back without ``.0``."""
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return to_halfwidth(str(value)).strip()


def normalise_phone(value: Any, *, field: str = "phone") -> str | None:
    """An 11-digit mainland mobile number, or None when empty.

    Accepts 13912345678.0 (a number stored as float), full-width digits, spaces and hyphens and a
    leading +86 / 86. Anything else is a ValidationError naming the field.
    """
    text = clean_text(value)
    if not text:
        return None
    text = _PHONE_NOISE.sub("", text)
    text = _FLOAT_TAIL.sub("", text)
    if text.startswith("+86"):
        text = text[3:]
    elif text.startswith("86") and len(text) == 13:
        text = text[2:]
    if not MOBILE.match(text):
        raise ValidationError({field: f"手机号“{clean_text(value)}”不是11位手机号码"}, code="invalid_phone")
    return text


def mask_phone(phone: str | None) -> str:
    """139****5678: what a role without personal-data access sees."""
    if not phone:
        return ""
    if len(phone) < 7:
        return "*" * len(phone)
    return f"{phone[:3]}****{phone[-4:]}"


def mask_text(value: str | None) -> str:
    """Keep the first character of an identifier (WeChat ID, ID number), star the rest."""
    if not value:
        return ""
    return value[0] + "*" * min(len(value) - 1, 6)
