"""Reading the records as they stood at the end of a past day ("as of" the day), by their own dates.

Figures asked for a past day (the dashboard's back-filled snapshots) are computed from the live tables with
each record filtered by its own date — never by deleting the later rows inside a transaction that is rolled
back, which locks production rows and cannot run beside the nightly job. A record with a date of its own (a
group's founding day, a member's joining day, a youth's registration, a submission, a follower's first
subscribe, a post's publication) existed on ``day`` when that date is not after it; a missing business date
falls back to when the row was recorded. What has no date of its own (a group's current status, its latest
QR photo, a cadre's positions) is read as it is now.

Each app says when its records existed (``group_existed_q``, ``youth_existed_q`` …, each taking a
``prefix`` so that a join such as ``group__`` is filtered the same way); the readers take ``as_of`` (a day,
or None for the records as they are now).
"""

from __future__ import annotations

import datetime

from django.utils import timezone


def end_of_day(day: datetime.date) -> datetime.datetime:
    """The first instant after ``day`` (current time zone): a row recorded before it existed on ``day``."""
    return timezone.make_aware(datetime.datetime.combine(day + datetime.timedelta(days=1), datetime.time.min))
