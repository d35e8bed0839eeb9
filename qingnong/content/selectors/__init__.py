"""Reads of content supply, and the content-frequency and dormancy figures R11 and R12 are built on; one
module per concern (``supply``: visibility, forwarding tasks, to-do; ``frequency``: R11 内容及频次;
``dormancy``: R12 in Python — its SQL half is ``content.idleness``). Callers import from here.

Every function answers with a fixed number of queries whatever the size of the subtree: subtrees are path
ranges, per-org figures are one GROUP BY rolled up to every ancestor in Python (``core.rollups``),
per-group figures are one GROUP BY on the group id. None of them runs a query per org or per group.
"""

from __future__ import annotations

from qingnong.core.rollups import rollup_by_path

# Groups that count for R11 content frequency and R12 dormancy: they exist and are not just planned.
from ..idleness import COUNTED_STATUSES
from .dormancy import (
    ActiveShare,
    GroupState,
    LastDates,
    annotate_last_dates,
    classify,
    dormant_days_resolver,
    dormant_groups,
    group_activity_rollup,
    group_last_dates,
    iter_group_states,
)
from .frequency import (
    ContentCount,
    ContentFigures,
    GroupFrequency,
    campaign_window,
    content_rollup,
    group_content_counts,
    group_frequency,
    inspection_content_scores,
    posts_under,
)
from .supply import (
    DEFAULT_TASK_GROUP_TYPES,
    Completion,
    TodoTask,
    content_list,
    content_visible,
    post_list,
    target_groups,
    task_completion_by_child,
    task_list,
    task_pending_groups,
    task_totals,
    tasks_visible,
    todo_count,
    todo_for,
    todo_rows,
)

__all__ = [
    "COUNTED_STATUSES",
    "DEFAULT_TASK_GROUP_TYPES",
    "ActiveShare",
    "Completion",
    "ContentCount",
    "ContentFigures",
    "GroupFrequency",
    "GroupState",
    "LastDates",
    "TodoTask",
    "annotate_last_dates",
    "campaign_window",
    "classify",
    "content_list",
    "content_rollup",
    "content_visible",
    "dormant_days_resolver",
    "dormant_groups",
    "group_activity_rollup",
    "group_content_counts",
    "group_frequency",
    "group_last_dates",
    "inspection_content_scores",
    "iter_group_states",
    "post_list",
    "posts_under",
    "rollup_by_path",
    "target_groups",
    "task_completion_by_child",
    "task_list",
    "task_pending_groups",
    "task_totals",
    "tasks_visible",
    "todo_count",
    "todo_for",
    "todo_rows",
]
