"""Background jobs of the ledger."""

from celery import shared_task

from . import services


@shared_task
def send_group_reminders() -> int:
    """QR codes that expire tomorrow and groups nearing 200 / 500 members: remind owners and admins."""
    return services.send_group_reminders()
