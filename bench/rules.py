"""Benchmark of the campaign rules and the dashboard: ``make bench BENCH_ARGS="rules"``.

For each engine (PostgreSQL and SQLite) it creates a fresh database, generates the province-scale data
(``manage.py gen_scale --profile province``: orgs and cadres, youth, groups and memberships — whatever scale
steps exist), sets a campaign at the province root whose deadlines have all passed (so that every rule is due
and the late lists are full), then measures at a city root and at the province root:

* each registered rule as ``rules_report`` evaluates it (depth 1, 50 evidence rows per org) and the whole
  ``rules_report`` command: server time (best of N) and query count;
* the dashboard's figures computed cold (``refresh_dashboard_figures``, the background job a large
  subtree's page asks for) and the page (``/dashboard/?org=``) for an admin of the province as a visitor
  gets it, with the stored figures current and with them out of date (served stale, a refresh queued):
  server time and query count;
* a hand-written SQL lower bound for the same aggregates (per child of the root and the root itself), in
  the same run; the ratio of each measurement to its lower bound;
* the nightly snapshot job over the whole province (once).

Options: ``--engines postgres,sqlite`` ``--profile province|city`` ``--repeat N`` ``--reuse`` (keep the
databases of an earlier run instead of regenerating them). Results: printed, and ``bench/out/rules.json``.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from collections.abc import Callable
from typing import Any

from bench.common import OUT, PG_ADMIN_URL, ROOT, best_of, database_url, manage, report

TARGET_RATIO = 2.0
TARGET_PROVINCE_PG_SECONDS = 1.0


# --- orchestration (parent process) -------------------------------------------------------------


def _reuse_url(engine: str, name: str) -> str:
    if engine == "sqlite":
        return f"sqlite:///{OUT / f'{name}.sqlite3'}"
    return f"{PG_ADMIN_URL}/bench_{name}"


def _prepare(engine: str, profile: str, reuse: bool) -> tuple[str, dict[str, Any]]:
    name = f"rules_{profile}" if profile != "province" else "rules"
    if reuse:
        url = _reuse_url(engine, name)
        manage(url, "migrate", "--noinput", "-v0")
        _analyze(url)
        return url, {"generated": "reused"}
    url = database_url(engine, name)
    manage(url, "migrate", "--noinput", "-v0")
    started = time.perf_counter()
    out = manage(url, "gen_scale", "--profile", profile, capture=True)
    print(out.stdout, end="")
    seconds = round(time.perf_counter() - started, 1)
    _analyze(url)
    return url, {"generated_seconds": seconds, "gen_output": out.stdout}


def _analyze(url: str) -> None:
    """Planner statistics after the bulk load: PostgreSQL's autovacuum would gather them within minutes of a
    real import; on SQLite ``ANALYZE`` is what an operator runs after one (docs/operations.md). Without them
    both planners pick nested loops over millions of rows."""
    code = "from django.db import connection\nwith connection.cursor() as c:\n    c.execute('ANALYZE')"
    manage(url, "shell", "-c", code)


def _run_worker(url: str, repeat: int) -> dict[str, Any]:
    env = {**os.environ, "DATABASE_URL": url, "DEBUG": "1", "DJANGO_SETTINGS_MODULE": "qingnong.settings"}
    proc = subprocess.run(
        [sys.executable, "-m", "bench", "rules", "--worker", "--repeat", str(repeat)],
        cwd=ROOT,
        env=env,
        text=True,
        capture_output=True,
        check=False,
    )
    sys.stderr.write(proc.stderr[-4000:])
    if proc.returncode != 0:
        raise SystemExit(f"worker failed ({proc.returncode})")
    return json.loads(proc.stdout.strip().splitlines()[-1])  # type: ignore[no-any-return]


def _fmt(seconds: float | None) -> str:
    return "—" if seconds is None else f"{seconds * 1000:,.0f} ms"


def _ratio(value: float | None) -> str:
    return "—" if value is None else f"{value:.2f}×"


def _summary(results: dict[str, Any]) -> str:
    lines = []
    for engine, data in results.items():
        lines.append(f"\n== {engine} · {data['data']}")
        for root in data["roots"]:
            lines.append(f"-- {root['label']} ({root['name']}, {root['children']} children)")
            lines.append(f"   {'what':<22}{'server':>12}{'queries':>9}{'lower bound':>14}{'ratio':>8}")
            for row in [
                *root["rules"],
                root["rules_report"],
                root["refresh"],
                root["dashboard_warm"],
                root["dashboard_stale"],
            ]:
                lines.append(
                    f"   {row['name']:<22}{_fmt(row['seconds']):>12}{row['queries']:>9}"
                    f"{_fmt(row.get('lower_bound')):>14}{_ratio(row.get('ratio')):>8}"
                )
        snap = data.get("snapshot")
        if snap:
            lines.append(
                f"-- nightly snapshot: {snap['orgs']} orgs in {snap['seconds']:.1f} s, "
                f"{snap['queries']} queries"
            )
    return "\n".join(lines)


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="bench rules", description=__doc__.split("\n\n")[0])
    parser.add_argument("--engines", default="postgres,sqlite")
    parser.add_argument("--profile", default="province", choices=["province", "city"])
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--reuse", action="store_true", help="measure the databases of an earlier run")
    parser.add_argument("--worker", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.worker:
        print(json.dumps(worker(args.repeat), ensure_ascii=False, default=str))
        return 0
    results: dict[str, Any] = {}
    for engine in [e.strip() for e in args.engines.split(",") if e.strip()]:
        print(f"[{engine}] preparing {args.profile} data …", flush=True)
        url, prep = _prepare(engine, args.profile, args.reuse)
        print(f"[{engine}] measuring …", flush=True)
        results[engine] = {
            **_run_worker(url, args.repeat),
            **{k: v for k, v in prep.items() if k != "gen_output"},
        }
    print(_summary(results))
    report("rules", {"profile": args.profile, "repeat": args.repeat, "results": results})
    return 0


# --- measurement (worker process, one database) -------------------------------------------------


def worker(repeat: int) -> dict[str, Any]:
    import django

    sys.path.insert(0, str(ROOT))
    django.setup()
    from django.db import connection

    data = _data_summary()
    province, city, campaign, user = _setup()
    roots = [("city root", city)] if city is not None else []
    if province is not None and province.pk != getattr(city, "pk", None):
        roots.append(("province root", province))
    measured = [_measure_root(label, org, campaign, user, repeat) for label, org in roots]
    snapshot = _measure_snapshot(province or city)
    return {
        "engine": connection.vendor,
        "data": data,
        "roots": measured,
        "snapshot": snapshot,
        "targets": {"ratio": TARGET_RATIO, "province_pg_seconds": TARGET_PROVINCE_PG_SECONDS},
    }


def _count(table: str) -> int | None:
    from django.db import connection

    if table not in connection.introspection.table_names():
        return None
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT COUNT(*) FROM {table}")
        return int(cursor.fetchone()[0])


def _data_summary() -> dict[str, int | None]:
    tables = {
        "orgs": "orgs_org",
        "cadres": "orgs_cadre",
        "positions": "orgs_position",
        "youth": "youth_youth",
        "groups": "wxgroups_chatgroup",
        "memberships": "wxgroups_groupmembership",
        "accounts": "mp_officialaccount",
        "followers": "mp_follower",
        "posts": "mp_post",
        "activities": "activities_activity",
    }
    return {key: _count(table) for key, table in tables.items()}


def _setup() -> tuple[Any, Any, Any, Any]:
    from django.db import transaction
    from django.utils import timezone

    from qingnong.campaign.models import Campaign
    from qingnong.campaign.selectors import campaign_for
    from qingnong.campaign.services import campaign_create
    from qingnong.core.permissions import Role
    from qingnong.core.system import SYSTEM
    from qingnong.orgs.models import Org, ScopeGrant, User

    top = Org.objects.filter(depth=1).order_by("path").first()
    if top is None:
        raise SystemExit("no data: run gen_scale first")
    city = (
        top
        if top.level == "city"
        else Org.objects.filter(path__startswith=top.path, depth=2).order_by("path").first()
    )
    # Last year's campaign: with none for this year it governs, and every deadline has passed.
    year = timezone.localdate().year - 1
    with transaction.atomic():
        campaign = Campaign.objects.filter(org=top, year=year).first() or campaign_create(
            actor=SYSTEM, org=top, year=year
        )
        user = User.objects.filter(username="bench_admin").first()
        if user is None:
            user = User.objects.create_user("bench_admin", password="Bench-pass-2014", home_org=top)
        if not ScopeGrant.objects.filter(user=user, org=top).exists():
            ScopeGrant.objects.create(user=user, org=top, role=Role.ADMIN)
    # What the command and the page will use (a campaign of this year, if the data has one).
    campaign = campaign_for(top, on=timezone.localdate()) or campaign
    return top, city, campaign, user


def _queries(func: Callable[[], Any]) -> int:
    """Queries ``func`` sends (counted at the driver, so ``reset_queries()`` inside cannot hide any)."""
    from django.db import connection

    sent = [0]

    def count(execute: Any, sql: str, params: Any, many: bool, context: Any) -> Any:
        sent[0] += 1
        return execute(sql, params, many, context)

    with connection.execute_wrapper(count):
        func()
    return sent[0]


def _row(name: str, func: Callable[[], Any], repeat: int, lower: float | None) -> dict[str, Any]:
    func()  # warm: content types, session, compiled templates
    queries = _queries(func)
    seconds, _ = best_of(func, repeat)
    return {
        "name": name,
        "seconds": round(seconds, 4),
        "queries": queries,
        "lower_bound": None if lower is None else round(lower, 4),
        # Below a millisecond the bound is the driver's round trip, not the aggregate: no ratio.
        "ratio": None if lower is None or lower < 0.001 else round(seconds / lower, 2),
    }


def _measure_root(label: str, org: Any, campaign: Any, user: Any, repeat: int) -> dict[str, Any]:
    import datetime
    import io

    from django.core.cache import cache
    from django.core.management import call_command
    from django.test import Client
    from django.utils import timezone

    from qingnong.campaign.rules_base import RuleContext, evaluate, rule_ids
    from qingnong.core.figures import PREFIX, figures_refresh_done
    from qingnong.dashboard.selectors import PAGE_EVIDENCE, board_key
    from qingnong.dashboard.tasks import refresh_dashboard_figures

    today = timezone.localdate()
    bounds = LowerBounds(org, campaign, today)
    lb_rules: dict[str, float | None] = {}
    for rule_id in rule_ids():
        lb_rules[rule_id] = bounds.time(rule_id, repeat)

    def fresh() -> RuleContext:
        # A new context each time: evaluate() keeps a rule's report for its context, and a rule that reuses
        # others (R11) is measured with their cost included.
        return RuleContext(campaign=campaign, root=org, today=today, depth=1, evidence_limit=50)

    rules = []
    for rule_id in rule_ids():
        rules.append(_row(rule_id, lambda r=rule_id: evaluate(r, fresh()), repeat, lb_rules[rule_id]))
    # The command computes every rule; a hand-written report would compute each aggregate once (R11 reuses
    # R1–R6), so its bound is the sum of the others' bounds plus R11's own adjustments.
    lb_all = bounds.all_rules(lb_rules)
    command = _row(
        "rules_report (all)",
        lambda: call_command("rules_report", "--under", str(org.pk), stdout=io.StringIO()),
        repeat,
        lb_all,
    )
    client = Client()
    client.force_login(user)
    url = f"/dashboard/?org={org.pk}"

    def page(fresh: bool = False) -> None:
        response = client.get(url + ("&fresh=1" if fresh else ""))
        if response.status_code != 200 or b'data-kpi="R2"' not in response.content:
            raise SystemExit(f"dashboard answered {response.status_code} without its figures")

    lb_dash = None if lb_all is None else lb_all + bounds.time_counts(repeat)
    # The cold computation of the page's figures, as the background job does it (and as a small subtree's
    # request does it in line), against the bound of the same aggregates.
    refresh = _row("figures refresh (job)", lambda: refresh_dashboard_figures(org.pk), repeat, lb_dash)
    # What a visitor gets: the stored figures while current (the beat job keeps the top current) …
    dashboard_warm = _row("page, figures current", page, repeat, None)
    # … and, once they are out of date, the same figures served stale while a refresh is queued.
    queued: list[int] = []
    key = PREFIX + board_key(org, PAGE_EVIDENCE)

    def stale_page() -> None:
        entry = cache.get(key)
        entry["at"] -= datetime.timedelta(days=1)
        cache.set(key, entry)
        page()
        figures_refresh_done(board_key(org, PAGE_EVIDENCE))

    original_delay = refresh_dashboard_figures.delay
    refresh_dashboard_figures.delay = queued.append  # a broker whose worker has not picked it up yet
    try:
        dashboard_stale = _row("page, figures stale", stale_page, repeat, None)
    finally:
        refresh_dashboard_figures.delay = original_delay
    if not queued:
        raise SystemExit("a stale page did not queue a refresh")
    children = org.get_children().count() if hasattr(org, "get_children") else 0
    return {
        "label": label,
        "name": org.name,
        "org_id": org.pk,
        "children": children,
        "rules": rules,
        "rules_report": command,
        "refresh": refresh,
        "dashboard_warm": dashboard_warm,
        "dashboard_stale": dashboard_stale,
        "lower_bound_counts": round(bounds.counts_seconds, 4) if bounds.counts_seconds is not None else None,
    }


def _measure_snapshot(root: Any) -> dict[str, Any]:
    from qingnong.core.system import SYSTEM
    from qingnong.dashboard.services import snapshot_take

    started = time.perf_counter()
    box: dict[str, Any] = {}
    queries = _queries(lambda: box.setdefault("r", snapshot_take(actor=SYSTEM, under=root)))
    return {"orgs": box["r"].orgs, "seconds": round(time.perf_counter() - started, 2), "queries": queries}


# --- hand-written SQL lower bounds ---------------------------------------------------------------


def _day_start(day: Any) -> Any:
    import datetime

    from django.utils import timezone

    return timezone.make_aware(datetime.datetime.combine(day, datetime.time.min))


class LowerBounds:
    """The same aggregates as each rule (per child of the root, and the root as their sum) in plain SQL,
    written for this schema by hand: what the database must do at least. Evidence rows are not fetched,
    so the bound is strict."""

    GROUP_RULES = ("R1", "R2", "R3", "R4", "R6")

    def __init__(self, root: Any, campaign: Any, today: Any) -> None:
        from django.utils import timezone

        from qingnong.core.scoping import path_successor

        self.root = root
        self.campaign = campaign
        self.p = {
            "lo": root.path,
            "hi": path_successor(root.path) or "~",
            "len": (root.depth + 1) * 4,
            "depth": root.depth + 1,
            "today": today,
            "target": campaign.reach_per_cadre,
            "qr_since": timezone.now() - __import__("datetime").timedelta(days=campaign.qr_valid_days),
            "campaign": campaign.pk,
        }
        self.counts_seconds: float | None = None

    def run(self, sql: str) -> list[Any]:
        from django.db import connection

        with connection.cursor() as cursor:
            cursor.execute(sql, self.p)
            return list(cursor.fetchall())

    def sql_for(self, rule_id: str) -> list[str] | None:
        method = getattr(self, f"sql_{rule_id.lower()}", None)
        return None if method is None else method()

    def time(self, rule_id: str, repeat: int) -> float | None:
        if rule_id == "R11":
            parts = [self.time(r, repeat) for r in self.GROUP_RULES]
            if any(p is None for p in parts):
                return None
            return sum(p for p in parts if p is not None) + self._best(self.sql_r11_adjustments(), repeat)
        sqls = self.sql_for(rule_id)
        return None if sqls is None else self._best(sqls, repeat)

    def _best(self, sqls: list[str], repeat: int) -> float:
        def go() -> None:
            for sql in sqls:
                self.run(sql)

        go()
        seconds, _ = best_of(go, repeat)
        return seconds

    def all_rules(self, per_rule: dict[str, float | None]) -> float | None:
        if any(v is None for v in per_rule.values()):
            return None
        total = sum(v for r, v in per_rule.items() if r != "R11" and v is not None)
        if "R11" in per_rule:
            total += self._best(self.sql_r11_adjustments(), 3)
        return total

    def time_counts(self, repeat: int) -> float:
        self.counts_seconds = self._best(self.sql_counts(), repeat)
        return self.counts_seconds

    # The subtree as a path range, its children as a prefix of the path.
    RANGE = "{a}.path >= %(lo)s AND {a}.path < %(hi)s"
    CHILD = "substr({a}.path, 1, %(len)s)"

    def r(self, alias: str) -> str:
        return self.RANGE.format(a=alias)

    def c(self, alias: str) -> str:
        return self.CHILD.format(a=alias)

    CURRENT = (
        "(p.start_date IS NULL OR p.start_date <= %(today)s)"
        " AND (p.end_date IS NULL OR p.end_date >= %(today)s)"
    )

    def sql_r1(self) -> list[str]:
        # "+ 0" keeps SQLite from probing the (chatgroup_id, cadre_id) index once per cadre per group.
        live = "g.group_type IN ('tuanqing', 'exclusive') AND g.status <> 'dissolved'"
        return [
            f"""
            WITH c AS (
              SELECT cd.id AS id, o.path AS path FROM orgs_cadre cd JOIN orgs_org o ON o.id = cd.org_id
              WHERE {self.r("o")} AND cd.is_active AND EXISTS (
                SELECT 1 FROM orgs_position p JOIN orgs_org po ON po.id = p.org_id
                WHERE p.cadre_id = cd.id AND po.level IN ('township', 'grassroots') AND {self.CURRENT})
            ), pairs AS (
              SELECT g.owner_id AS cadre_id, m.youth_id AS youth_id FROM wxgroups_groupmembership m
                JOIN wxgroups_chatgroup g ON g.id = m.group_id
                WHERE m.youth_id IS NOT NULL AND {live} AND g.owner_id IN (SELECT id FROM c)
              UNION
              SELECT a.cadre_id, m.youth_id FROM wxgroups_groupmembership m
                JOIN wxgroups_chatgroup g ON g.id = m.group_id
                JOIN wxgroups_chatgroup_admins a ON a.chatgroup_id = g.id
                WHERE m.youth_id IS NOT NULL AND {live} AND a.cadre_id + 0 IN (SELECT id FROM c)
              UNION
              SELECT y.liaison_id, y.id FROM youth_youth y WHERE y.liaison_id IN (SELECT id FROM c)
            ), reach AS (SELECT cadre_id, COUNT(*) AS n FROM pairs GROUP BY cadre_id)
            SELECT {self.c("c")} AS child, COUNT(*),
                   SUM(CASE WHEN COALESCE(reach.n, 0) >= %(target)s THEN 1 ELSE 0 END)
            FROM c LEFT JOIN reach ON reach.cadre_id = c.id GROUP BY {self.c("c")}
            """
        ]

    def sql_r2(self) -> list[str]:
        return [
            f"""
            SELECT {self.c("o")} AS child, COUNT(*), SUM(CASE WHEN EXISTS (
                SELECT 1 FROM wxgroups_chatgroup g WHERE g.org_id = o.id AND g.group_type = 'tuanqing'
                AND g.status IN ('built', 'active')) THEN 1 ELSE 0 END)
            FROM orgs_org o WHERE {self.r("o")} AND o.level = 'grassroots' AND o.status = 'active'
            GROUP BY {self.c("o")}
            """
        ]

    def sql_r3(self) -> list[str]:
        expects = (
            "((par.level IN ('nation', 'province', 'city') AND p.is_leadership)"
            " OR (par.level = 'county' AND p.is_committee) OR (par.level = 'township' AND p.is_leadership))"
        )
        return [
            f"""
            WITH e AS (
              SELECT DISTINCT par.id AS parent_id, par.path AS ppath, p.cadre_id AS cadre_id
              FROM orgs_position p JOIN orgs_org o ON o.id = p.org_id JOIN orgs_cadre cd ON cd.id = p.cadre_id
              JOIN orgs_org par ON par.path = substr(o.path, 1, length(o.path) - 4)
              WHERE {self.r("o")} AND {self.r("par")} AND o.status = 'active' AND par.status = 'active'
                AND cd.is_active AND {self.CURRENT} AND {expects}
            )
            SELECT {self.c("e").replace("e.path", "e.ppath")} AS child, COUNT(*), SUM(CASE WHEN EXISTS (
                SELECT 1 FROM wxgroups_chatgroup g JOIN wxgroups_groupmembership m ON m.group_id = g.id
                WHERE g.org_id = e.parent_id AND g.group_type = 'qingnong' AND g.status <> 'dissolved'
                AND m.cadre_id = e.cadre_id) THEN 1 ELSE 0 END)
            FROM e GROUP BY {self.c("e").replace("e.path", "e.ppath")}
            """,
            f"""
            SELECT {self.c("o")} AS child, COUNT(*) FROM orgs_org o
            WHERE {self.r("o")} AND o.status = 'active'
              AND o.level IN ('nation', 'province', 'city', 'county', 'township')
              AND NOT EXISTS (SELECT 1 FROM wxgroups_chatgroup g WHERE g.org_id = o.id
                              AND g.group_type = 'qingnong' AND g.status <> 'dissolved')
            GROUP BY {self.c("o")}
            """,
        ]

    def sql_r4(self) -> list[str]:
        return [
            f"""
            SELECT o.id, COUNT(g.id) FROM orgs_org o
            LEFT JOIN wxgroups_chatgroup g ON g.org_id = o.id AND g.group_type = 'exclusive'
                 AND g.status IN ('built', 'active')
            WHERE {self.r("o")} AND o.depth <= %(depth)s AND o.status = 'active'
              AND o.level IN ('nation', 'province', 'city', 'county')
            GROUP BY o.id
            """
        ]

    def sql_r5(self) -> list[str]:
        sqls = [
            f"""
            SELECT {self.c("o")} AS child, COUNT(*), SUM(CASE WHEN g.name = '青农' ||
                   COALESCE(NULLIF(o.short_name, ''), o.name) THEN 1 ELSE 0 END)
            FROM wxgroups_chatgroup g JOIN orgs_org o ON o.id = g.org_id
            WHERE {self.r("o")} AND o.status = 'active' AND o.level IN ('nation', 'province', 'city')
              AND g.group_type = 'qingnong' AND g.status <> 'dissolved'
            GROUP BY {self.c("o")}
            """
        ]
        if _count("mp_officialaccount") is not None:
            sqls.append(
                f"""
                SELECT {self.c("o")} AS child, COUNT(*), SUM(CASE WHEN a.name = '青农' ||
                       COALESCE(NULLIF(o.short_name, ''), o.name) THEN 1 ELSE 0 END)
                FROM mp_officialaccount a JOIN orgs_org o ON o.id = a.org_id
                WHERE {self.r("o")} AND o.status = 'active' AND o.level IN ('nation', 'province', 'city')
                GROUP BY {self.c("o")}
                """
            )
        return sqls

    def sql_r6(self) -> list[str]:
        return [
            f"""
            SELECT {self.c("o")} AS child, COUNT(*), SUM(CASE WHEN g.name <> '' AND g.owner_id IS NOT NULL
                   AND g.member_count > 0 AND (g.group_type <> 'tuanqing' OR g.bases <> '[]')
                   AND g.qr_image <> '' AND g.qr_uploaded_at > %(qr_since)s THEN 1 ELSE 0 END)
            FROM wxgroups_chatgroup g JOIN orgs_org o ON o.id = g.org_id
            WHERE {self.r("o")} AND o.level IN ('township', 'grassroots') AND g.status <> 'dissolved'
            GROUP BY {self.c("o")}
            """
        ]

    def sql_r7(self) -> list[str]:
        import datetime

        on = self.p["today"]
        self.p["r7_start"] = _day_start(on - datetime.timedelta(days=7 * 4 - 1))
        self.p["r7_end"] = _day_start(on + datetime.timedelta(days=1))
        self.p["r7_quarter"] = _day_start(on.replace(month=3 * ((on.month - 1) // 3) + 1, day=1))
        self.p["r7_posts"] = self.campaign.posts_per_week * 4
        self.p["r7_admins"] = self.campaign.account_admins_min
        published = "p.account_id = a.id AND p.status = 'published' AND p.published_at < %(r7_end)s"
        return [
            f"""
            SELECT {self.c("o")} AS child, COUNT(*), SUM(CASE WHEN
                (SELECT COUNT(*) FROM mp_post p WHERE {published} AND p.published_at >= %(r7_start)s)
                    >= %(r7_posts)s
                AND (SELECT COUNT(DISTINCT p.category) FROM mp_post p
                     WHERE {published} AND p.published_at >= %(r7_quarter)s) >= 6
                AND (SELECT COUNT(*) FROM mp_accountadmin ad JOIN orgs_cadre cd ON cd.id = ad.cadre_id
                     WHERE ad.account_id = a.id AND cd.is_active) >= %(r7_admins)s
                THEN 1 ELSE 0 END)
            FROM mp_officialaccount a JOIN orgs_org o ON o.id = a.org_id
            WHERE {self.r("o")} AND a.is_active AND NOT a.is_external
            GROUP BY {self.c("o")}
            """
        ]

    def sql_r8(self) -> list[str]:
        from qingnong.mp.models import OfficialAccount

        names = self.campaign.recommended_account_names()
        ids = list(
            OfficialAccount.objects.filter(is_active=True, name__in=names).values_list("pk", flat=True)
        )
        if not ids:
            return []
        listed = ", ".join(str(int(i)) for i in ids)
        return [
            f"""
            WITH f AS (
              SELECT cf.cadre_id FROM mp_cadrefollow cf WHERE cf.active AND cf.account_id IN ({listed})
              GROUP BY cf.cadre_id HAVING COUNT(DISTINCT cf.account_id) = {len(ids)}
            )
            SELECT {self.c("o")} AS child, COUNT(*), COUNT(f.cadre_id)
            FROM orgs_cadre cd JOIN orgs_org o ON o.id = cd.org_id LEFT JOIN f ON f.cadre_id = cd.id
            WHERE {self.r("o")} AND cd.is_active GROUP BY {self.c("o")}
            """
        ]

    def sql_r12(self) -> list[str]:
        import datetime

        from django.db import connection

        self.p["r12_cutoff"] = self.p["today"] - datetime.timedelta(days=self.campaign.dormant_days - 1)
        created = "date(g.created_at)" if connection.vendor == "sqlite" else "CAST(g.created_at AS DATE)"
        last = (
            "CASE WHEN lc.d IS NULL THEN la.d WHEN la.d IS NULL THEN lc.d"
            " WHEN lc.d > la.d THEN lc.d ELSE la.d END"
        )
        return [
            f"""
            WITH lc AS (
              SELECT p.group_id AS gid, MAX(p.sent_on) AS d FROM content_grouppost p
              JOIN wxgroups_chatgroup g ON g.id = p.group_id JOIN orgs_org o ON o.id = g.org_id
              WHERE {self.r("o")} AND p.sent_on <= %(today)s GROUP BY p.group_id
            ), la AS (
              SELECT ag.chatgroup_id AS gid, MAX(x.held_on) AS d FROM activities_activity_groups ag
              JOIN activities_activity x ON x.id = ag.activity_id
              JOIN wxgroups_chatgroup g ON g.id = ag.chatgroup_id JOIN orgs_org o ON o.id = g.org_id
              WHERE {self.r("o")} AND x.status = 'held' AND x.held_on <= %(today)s GROUP BY ag.chatgroup_id
            )
            SELECT {self.c("o")} AS child, COUNT(*), SUM(CASE WHEN
                COALESCE({last}, g.founded_on, {created}) >= %(r12_cutoff)s THEN 1 ELSE 0 END)
            FROM wxgroups_chatgroup g JOIN orgs_org o ON o.id = g.org_id
            LEFT JOIN lc ON lc.gid = g.id LEFT JOIN la ON la.gid = g.id
            WHERE {self.r("o")} AND g.status IN ('built', 'active', 'dormant')
            GROUP BY {self.c("o")}
            """
        ]

    def _submissions(self, kind: str) -> list[str]:
        return [
            f"""
            SELECT {self.c("o")} AS child, COUNT(*), SUM(CASE WHEN (
                SELECT s.status FROM campaign_submission s
                WHERE s.org_id = o.id AND s.campaign_id = %(campaign)s AND s.kind = '{kind}'
                ORDER BY s.submitted_at DESC, s.id DESC LIMIT 1) IN ('submitted', 'accepted')
                THEN 1 ELSE 0 END)
            FROM orgs_org o WHERE {self.r("o")} AND o.level = 'county' AND o.status = 'active'
            GROUP BY {self.c("o")}
            """
        ]

    def sql_r9(self) -> list[str]:
        return self._submissions("plan")

    def sql_r10(self) -> list[str]:
        return self._submissions("summary")

    def sql_r11_adjustments(self) -> list[str]:
        """R11 beyond the rules it reuses: the inspectors' adjustments, and the content and activity
        figures of its two other dimensions over the campaign so far."""
        self.p["window_start"] = self.campaign.survey_start
        return [
            f"""
            SELECT a.org_id, a.dimension, a.score FROM inspection_scoreadjustment a
            JOIN orgs_org o ON o.id = a.org_id
            WHERE a.campaign_id = %(campaign)s AND {self.r("o")} AND o.depth <= %(depth)s
            """,
            f"""
            SELECT {self.c("o")} AS child, COUNT(*), COUNT(DISTINCT p.group_id) FROM content_grouppost p
            JOIN wxgroups_chatgroup g ON g.id = p.group_id JOIN orgs_org o ON o.id = g.org_id
            WHERE {self.r("o")} AND p.sent_on >= %(window_start)s AND p.sent_on <= %(today)s
            GROUP BY {self.c("o")}
            """,
            f"""
            SELECT {self.c("o")} AS child, COUNT(*) FROM wxgroups_chatgroup g
            JOIN orgs_org o ON o.id = g.org_id
            WHERE {self.r("o")} AND g.status IN ('built', 'active', 'dormant') GROUP BY {self.c("o")}
            """,
            f"""
            SELECT {self.c("o")} AS child, COUNT(*) FROM activities_activity x
            JOIN orgs_org o ON o.id = x.org_id
            WHERE {self.r("o")} AND x.status = 'held' AND x.held_on >= %(window_start)s
              AND x.held_on <= %(today)s
            GROUP BY {self.c("o")}
            """,
            f"""
            SELECT {self.c("o")} AS child, COUNT(*) FROM orgs_org o
            WHERE {self.r("o")} AND o.status = 'active' GROUP BY {self.c("o")}
            """,
        ]

    def sql_counts(self) -> list[str]:
        """The dashboard's counts: groups by child, type and status (also the stacked chart), youth and
        youth reached, cadres, subscribers, posts this week, activities this month — one scan each."""
        sqls = [
            f"""
            SELECT {self.c("o")} AS child, g.group_type, g.status, COUNT(*) FROM wxgroups_chatgroup g
            JOIN orgs_org o ON o.id = g.org_id WHERE {self.r("o")}
            GROUP BY {self.c("o")}, g.group_type, g.status
            """,
            f"""
            SELECT {self.c("o")} AS child, COUNT(*), SUM(CASE WHEN y.liaison_id IS NOT NULL THEN 1 ELSE 0 END)
            FROM youth_youth y JOIN orgs_org o ON o.id = y.home_org_id WHERE {self.r("o")}
            GROUP BY {self.c("o")}
            """,
            # Youth reached without a liaison: a semi-join, the fastest form found (an OR inside one count
            # probes the memberships once per youth).
            f"""
            SELECT {self.c("o")} AS child, COUNT(*)
            FROM youth_youth y JOIN orgs_org o ON o.id = y.home_org_id WHERE {self.r("o")}
              AND y.liaison_id IS NULL AND EXISTS (
                SELECT 1 FROM wxgroups_groupmembership m JOIN wxgroups_chatgroup g ON g.id = m.group_id
                WHERE m.youth_id = y.id AND g.group_type IN ('tuanqing', 'exclusive')
                AND g.status <> 'dissolved')
            GROUP BY {self.c("o")}
            """,
            f"""
            SELECT {self.c("o")} AS child, COUNT(*) FROM orgs_cadre cd JOIN orgs_org o ON o.id = cd.org_id
            WHERE {self.r("o")} AND cd.is_active GROUP BY {self.c("o")}
            """,
        ]
        if _count("mp_follower") is not None:
            sqls.append(
                f"""
                SELECT {self.c("o")} AS child, COUNT(*) FROM mp_follower f
                JOIN mp_officialaccount a ON a.id = f.account_id JOIN orgs_org o ON o.id = a.org_id
                WHERE {self.r("o")} AND f.subscribed AND NOT a.is_external GROUP BY {self.c("o")}
                """
            )
            sqls.append(
                f"""
                SELECT {self.c("o")} AS child, COUNT(*) FROM mp_post p
                JOIN mp_officialaccount a ON a.id = p.account_id JOIN orgs_org o ON o.id = a.org_id
                WHERE {self.r("o")} AND p.status = 'published' AND p.published_at >= %(qr_since)s
                GROUP BY {self.c("o")}
                """
            )
        if _count("activities_activity") is not None:
            sqls.append(
                f"""
                SELECT {self.c("o")} AS child, COUNT(*) FROM activities_activity x
                JOIN orgs_org o ON o.id = x.org_id
                WHERE {self.r("o")} AND x.status = 'held' AND x.held_on >= %(today)s GROUP BY {self.c("o")}
                """
            )
        return sqls


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
