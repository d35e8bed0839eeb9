"""Every write of the official-account app, one module per concern.

People's changes (accounts, secrets, admin teams, rules, menus, posts, follow confirmations) are atomic,
validated, scope-checked and audited. Machine records that WeChat itself produces — follower events,
read statistics — are written by the system without an audit entry per row: the rows carry their own
times, and auditing every subscribe would swamp the trail.

- ``accounts``: accounts, their secrets and admin teams;
- ``followers``: follower events, bind codes and cadres' follows (R8);
- ``qrcodes``: parametric QR codes and posters, the generation job and the renewal;
- ``replies``: automatic reply rules and the custom menu;
- ``posts``: writing, review and publishing of posts;
- ``stats``: datacube read statistics.

Callers import from ``qingnong.mp.services``; the modules import only what their concern needs and never
the callback (its per-process cache lives in ``mp.runtime``).
"""

from __future__ import annotations

from .accounts import (
    ACCOUNT_FIELDS,
    SECRET_NAMES,
    account_create,
    account_set_secrets,
    account_update,
    admin_add,
    admin_remove,
    naming_warning,
)
from .followers import (
    BIND_QR_SECONDS,
    bind_code_create,
    follow_bind_by_scan,
    follow_confirm,
    follow_withdraw,
    follower_event,
)
from .posts import (
    POST_FIELDS,
    PUBLISH_FAILURES,
    post_approve,
    post_create,
    post_delete,
    post_publish,
    post_publish_result,
    post_record_external,
    post_return,
    post_submit,
    post_update,
    posts_publish_due,
    publish_info_from_event,
)
from .qrcodes import (
    poster_ensure,
    qrcode_ensure,
    qrcode_targets,
    qrcodes_job_create,
    qrcodes_renew_due,
    qrcodes_run_job,
    scene_for,
)
from .replies import (
    MAX_ARTICLES,
    MAX_TEXT_REPLY,
    MENU_SUB,
    MENU_TOP,
    RULE_FIELDS,
    clean_menu,
    menu_push,
    menu_save,
    rule_create,
    rule_delete,
    rule_update,
)
from .stats import stats_sync, stats_sync_all

__all__ = [
    "ACCOUNT_FIELDS",
    "BIND_QR_SECONDS",
    "MAX_ARTICLES",
    "MAX_TEXT_REPLY",
    "MENU_SUB",
    "MENU_TOP",
    "POST_FIELDS",
    "PUBLISH_FAILURES",
    "RULE_FIELDS",
    "SECRET_NAMES",
    "account_create",
    "account_set_secrets",
    "account_update",
    "admin_add",
    "admin_remove",
    "bind_code_create",
    "clean_menu",
    "follow_bind_by_scan",
    "follow_confirm",
    "follow_withdraw",
    "follower_event",
    "menu_push",
    "menu_save",
    "naming_warning",
    "post_approve",
    "post_create",
    "post_delete",
    "post_publish",
    "post_publish_result",
    "post_record_external",
    "post_return",
    "post_submit",
    "post_update",
    "poster_ensure",
    "posts_publish_due",
    "publish_info_from_event",
    "qrcode_ensure",
    "qrcode_targets",
    "qrcodes_job_create",
    "qrcodes_renew_due",
    "qrcodes_run_job",
    "rule_create",
    "rule_delete",
    "rule_update",
    "scene_for",
    "stats_sync",
    "stats_sync_all",
]
