"""The actor for writes no person made: management commands, loaders and scheduled jobs."""

from __future__ import annotations


class SystemActor:
    """Acts with full authority and is recorded in the audit trail as 系统."""

    pk = None
    is_system = True
    is_superuser = True
    is_authenticated = False
    is_active = True
    display_name = "系统"

    def get_username(self) -> str:
        return "system"

    def __str__(self) -> str:
        return "系统"


SYSTEM = SystemActor()
