"""The errors services raise. Views and the API turn them into pages and JSON bodies."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied, ValidationError

__all__ = ["PermissionDenied", "RuleError", "ScopeViolation", "ValidationError", "error_payload"]


class RuleError(ValidationError):
    """A business rule refused the input. Unlike a plain ValidationError built from a dict, it keeps
    its stable ``code`` (``duplicate_phone``, ``cycle``, ``R3`` …) for the API error body."""

    def __init__(self, message: str | dict[str, str], code: str = "invalid") -> None:
        if isinstance(message, dict):
            message = {field: [ValidationError(text, code=code)] for field, text in message.items()}  # type: ignore[misc]
        super().__init__(message, code=code)
        self.rule_code = code


class ScopeViolation(PermissionDenied):
    """The actor tried to write something that would land outside their granted subtree."""

    code = "out_of_scope"

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def error_payload(exc: ValidationError) -> dict[str, object]:
    """One body shape for every validation error: a stable code, a Chinese message, the fields."""
    fields: dict[str, list[str]] = {}
    if hasattr(exc, "error_dict"):
        for field, errors in exc.error_dict.items():
            fields[field] = [str(message) for err in errors for message in err.messages]
        messages = [f"{msg}" for msgs in fields.values() for msg in msgs]
    else:
        messages = [str(m) for m in exc.messages]
    code = getattr(exc, "rule_code", None) or getattr(exc, "code", None)
    if not code and hasattr(exc, "error_list") and exc.error_list:
        code = exc.error_list[0].code
    if not code and hasattr(exc, "error_dict"):
        for errors in exc.error_dict.values():
            if errors and errors[0].code:
                code = errors[0].code
                break
    return {"code": code or "invalid", "message": "；".join(messages), "fields": fields}
