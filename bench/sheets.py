"""Sheets benchmark: import a generated 100 k-row cadre .xlsx on SQLite and PostgreSQL, export 1 M rows.

    make bench BENCH_ARGS="sheets"                      # 100 k import on both engines + 1 M export
    python -m bench sheets --rows 20000 --export-rows 0 --engines sqlite   # a quick run

For each engine: a fresh database, ``migrate``, ``gen_scale --profile city`` (≈ 5 k orgs, 26 k cadres),
then in separate child processes (each reporting its own peak RSS):

* the bare read: python-calamine opens the file and iterates every row (best of 3) — the lower bound;
* the import: ``run_import(commit=True)`` as the system actor, every row through the cadre rules,
  written with bulk inserts and one audit entry per cadre and per position, in one transaction;
* the export: the cadres table filled up to ``--export-rows`` then ``export_sheet cadres out.xlsx``.

Reports rows/s, peak RSS, the import/read ratio and the phase breakdown; targets: import ≤ 5× the
bare read, peak RSS ≤ 400 MB (import) and ≤ 300 MB (export).
"""

from __future__ import annotations

import argparse
import base64
import json
import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from bench.common import OUT, PG_ADMIN_URL, ROOT, database_url, manage, report

PHONE_PREFIX = "170"  # not used by gen_scale, so imported cadres are all new


def _child_env(db_url: str) -> dict[str, str]:
    """Production-like settings (DEBUG off: no query log) against the benchmark database."""
    return {
        **os.environ,
        "DATABASE_URL": db_url,
        "DEBUG": "0",
        "SECRET_KEY": "bench-only-secret-key-0123456789abcdefghijklmnopqrstuvwxyz",
        "FIELD_ENCRYPTION_KEY": base64.urlsafe_b64encode(b"b" * 32).decode(),
        "QINGNONG_VAR_DIR": str(OUT / "var"),
        "PYTHONPATH": str(ROOT),
    }


def _child(db_url: str, *args: str) -> dict[str, Any]:
    """Run ``python -m bench sheets _child ARGS`` and return the JSON it prints last."""
    proc = subprocess.run(
        [sys.executable, "-m", "bench", "sheets", "_child", *args],
        env=_child_env(db_url),
        cwd=ROOT,
        text=True,
        capture_output=True,
    )
    if proc.returncode != 0:
        sys.stderr.write(proc.stdout + proc.stderr)
        raise SystemExit(f"child {args[0]} failed with {proc.returncode}")
    return json.loads(proc.stdout.strip().splitlines()[-1])


# --- children (run inside their own process) ------------------------------------------------------


def _rss_mb() -> float:
    import resource

    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _setup_django() -> None:
    import django

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "qingnong.settings")
    django.setup()


def child_generate(out: str, rows: int, prefix: str = PHONE_PREFIX) -> dict[str, Any]:
    """Write the cadre ledger: ``rows`` cadres spread over the grassroots orgs of the scale tree."""
    import random

    import xlsxwriter

    _setup_django()
    from qingnong.orgs.models import Org
    from qingnong.orgs.selectors import org_display_paths

    orgs = list(Org.objects.filter(level="grassroots").order_by("path"))
    paths = org_display_paths(orgs)
    targets = [paths[o.pk] for o in orgs]
    rng = random.Random(2014)
    surnames = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗"
    given = "伟芳娜秀英敏静丽强磊军洋勇艳杰娟涛明超兰霞平刚"
    workbook = xlsxwriter.Workbook(out, {"constant_memory": True})
    sheet = workbook.add_worksheet("团干部")
    date_format = workbook.add_format({"num_format": "yyyy-mm-dd"})
    sheet.write(0, 0, "规模测试团干部台账")
    header = ["所属组织", "姓名", "手机号", "性别", "出生年份", "微信号", "职务"]
    header += ["班子成员", "团委成员", "专职", "任职日期", "在任"]
    sheet.write_row(1, 0, header)
    import datetime

    start = datetime.datetime(2014, 9, 5)
    for i in range(rows):
        r = i + 2
        sheet.write_row(
            r,
            0,
            [
                targets[i % len(targets)],
                rng.choice(surnames) + rng.choice(given) + rng.choice(given),
                f"{prefix}{i:08d}",
                rng.choice("男女"),
                rng.randint(1985, 2002),
                f"wx{i:07d}",
                "委员",
                "否",
                rng.choice("是否"),
                "否",
            ],
        )
        sheet.write_datetime(r, 10, start, date_format)
        sheet.write_string(r, 11, "是")
    workbook.close()
    return {"file": out, "rows": rows, "bytes": os.path.getsize(out), "orgs": len(targets)}


def child_read(path: str) -> dict[str, Any]:
    """The lower bound: python-calamine opens the workbook and yields every row, nothing else."""
    from python_calamine import CalamineWorkbook

    times = []
    count = 0
    for _ in range(3):
        started = time.perf_counter()
        sheet = CalamineWorkbook.from_path(path).get_sheet_by_index(0)
        count = 0
        for _row in sheet.iter_rows():
            count += 1
        times.append(time.perf_counter() - started)
    return {"seconds": min(times), "rows": count, "peak_rss_mb": _rss_mb()}


def fast_audit_bulk(
    *, actor: Any, action: str, objects: Any, befores: Any = None, batch_size: int = 2000
) -> int:
    """A PROPOSAL for core.audit.audit_bulk, measured here only: the same rows (same fields, same
    snapshots), inserted with the sheets app's column-wise fast_insert instead of Django's bulk_create."""
    from django.contrib.contenttypes.models import ContentType
    from django.utils import timezone

    from qingnong.core.audit import _actor_fields, _org_path_of, snapshot
    from qingnong.core.context import current_request_meta
    from qingnong.core.models import AuditEntry
    from qingnong.sheets.bulkdb import fast_insert, new_instance

    meta = current_request_meta()
    fields = _actor_fields(actor)
    actor_id = fields["actor"].pk if fields["actor"] is not None else None
    befores = befores or {}
    now = timezone.now()
    types: dict[type, int] = {}
    batch = []
    count = 0
    for obj in objects:
        model = type(obj)
        if model not in types:
            types[model] = ContentType.objects.get_for_model(obj).pk
        batch.append(
            new_instance(
                AuditEntry,
                {
                    "at": now,
                    "actor_id": actor_id,
                    "actor_name": fields["actor_name"],
                    "action": action,
                    "object_type_id": types[model],
                    "object_id": str(obj.pk),
                    "object_repr": str(obj)[:200],
                    "org_path": _org_path_of(obj),
                    "before": befores.get(obj.pk),
                    "after": snapshot(obj),
                    "request_id": meta.request_id,
                    "ip": meta.ip,
                },
            )
        )
        if len(batch) >= batch_size:
            fast_insert(AuditEntry, batch)
            count += len(batch)
            batch = []
    fast_insert(AuditEntry, batch)
    return count + len(batch)


def child_import(path: str, variant: str = "") -> dict[str, Any]:
    _setup_django()
    import qingnong.orgs.bulk

    # Time the audit trail inside the write phase (and swap in the proposal for that variant).
    real_audit = fast_audit_bulk if variant == "fast-audit" else qingnong.orgs.bulk.audit_bulk
    audit_seconds = [0.0]

    def timed_audit(**kwargs: Any) -> int:
        started = time.perf_counter()
        try:
            return real_audit(**kwargs)
        finally:
            audit_seconds[0] += time.perf_counter() - started

    qingnong.orgs.bulk.audit_bulk = timed_audit  # type: ignore[assignment]
    from qingnong.core.system import SYSTEM
    from qingnong.sheets.pipeline import run_import
    from qingnong.sheets.registry import get_definition

    definition = get_definition("cadres")
    started = time.perf_counter()
    result = run_import(definition, path, actor=SYSTEM, commit=True)
    seconds = time.perf_counter() - started
    return {
        "seconds": seconds,
        "rows": result.total,
        "committed": result.committed,
        "counts": result.counts,
        "file_error": result.file_error,
        "errors": result.errors[:5],
        "phases": {
            **{k: round(v, 3) for k, v in result.timings.items()},
            "of_write_audit": round(audit_seconds[0], 3),
        },
        "peak_rss_mb": _rss_mb(),
    }


def child_fill(total: int) -> dict[str, Any]:
    """Top the cadres table up to ``total`` rows (bulk, no audit: this is test data, not an import)."""
    _setup_django()
    from django.db import transaction

    from qingnong.orgs.models import Cadre, Org
    from qingnong.sheets.bulkdb import fast_insert

    have = Cadre.objects.count()
    orgs = list(Org.objects.filter(level="grassroots").order_by("path"))
    started = time.perf_counter()
    n = have
    while n < total:
        batch = []
        for _ in range(min(20_000, total - n)):
            org = orgs[n % len(orgs)]
            batch.append(Cadre(org=org, name=f"填充{n}", gender="male", birth_year=1995, phone=f"171{n:08d}"))
            n += 1
        with transaction.atomic():
            fast_insert(Cadre, batch)
    return {"before": have, "after": n, "seconds": time.perf_counter() - started}


def child_export(out: str) -> dict[str, Any]:
    _setup_django()
    import io
    import re

    from django.core.management import call_command

    started = time.perf_counter()
    said = io.StringIO()
    call_command("export_sheet", "cadres", out, stdout=said)
    seconds = time.perf_counter() - started
    peak = _rss_mb()  # before anything else touches memory
    match = re.search(r"已导出 (\d+) 行", said.getvalue())
    rows = int(match.group(1)) if match else -1
    return {"seconds": seconds, "rows": rows, "bytes": os.path.getsize(out), "peak_rss_mb": peak}


CHILDREN = {
    "generate": lambda a: child_generate(a[0], int(a[1]), *a[2:]),
    "read": lambda a: child_read(a[0]),
    "import": lambda a: child_import(*a),
    "fill": lambda a: child_fill(int(a[0])),
    "export": lambda a: child_export(a[0]),
}


# --- the benchmark ----------------------------------------------------------------------------------


def _fresh_database(engine: str) -> str:
    """``bench.common.database_url``, except that a PostgreSQL DROP stuck behind other sessions (it waits
    for every backend to acknowledge it) gives up after 30 s and a new database name is used instead."""
    if engine != "postgres":
        return database_url(engine, "sheets")
    admin = PG_ADMIN_URL + "/postgres"
    for name in ("bench_sheets", f"bench_sheets_{os.getpid()}"):
        drop = subprocess.run(
            [
                "psql",
                admin,
                "-q",
                "-c",
                "SET statement_timeout = '30s'",
                "-c",
                f"DROP DATABASE IF EXISTS {name}",
            ],
            capture_output=True,
            text=True,
        )
        if drop.returncode == 0:
            subprocess.run(["psql", admin, "-q", "-c", f"CREATE DATABASE {name}"], check=True)
            return f"{PG_ADMIN_URL}/{name}"
    raise SystemExit("PostgreSQL: could not prepare a fresh benchmark database")


def run_engine(engine: str, args: argparse.Namespace, ledger: Path) -> dict[str, Any]:
    db_url = _fresh_database(engine)
    manage(db_url, "migrate", "--noinput", "-v0")
    manage(db_url, "gen_scale", "--profile", "city", capture=True)
    result: dict[str, Any] = {}
    if not ledger.exists() or ledger.stat().st_mtime < time.time() - 6 * 3600 or args.regenerate:
        result["generate"] = _child(db_url, "generate", str(ledger), str(args.rows))
        args.regenerate = False
    read = _child(db_url, "read", str(ledger))
    imported = _child(db_url, "import", str(ledger))
    read_after = _child(db_url, "read", str(ledger))
    bare = min(read["seconds"], read_after["seconds"])
    result["bare_read"] = {**read, "seconds": bare}
    result["import"] = {
        **imported,
        "rows_per_second": round(imported["rows"] / imported["seconds"]),
        "ratio_to_bare_read": round(imported["seconds"] / bare, 2),
        "target_ratio": 5,
        "target_peak_rss_mb": 400,
    }
    if args.fast_audit:
        # The same import (other phone numbers) with the proposed raw-insert audit_bulk.
        other = ledger.with_name(ledger.stem + "-b.xlsx")
        if not other.exists() or args.regenerate_b:
            _child(db_url, "generate", str(other), str(args.rows), "172")
            args.regenerate_b = False
        fast = _child(db_url, "import", str(other), "fast-audit")
        result["import_with_proposed_fast_audit"] = {
            **fast,
            "rows_per_second": round(fast["rows"] / fast["seconds"]),
            "ratio_to_bare_read": round(fast["seconds"] / bare, 2),
        }
    if args.export_rows and engine in args.export_engines:
        result["fill"] = _child(db_url, "fill", str(args.export_rows))
        out = OUT / f"sheets-export-{engine}.xlsx"
        exported = _child(db_url, "export", str(out))
        result["export"] = {
            **exported,
            "rows_per_second": round(exported["rows"] / exported["seconds"]),
            "target_peak_rss_mb": 300,
        }
        out.unlink(missing_ok=True)
    return result


def main(argv: list[str]) -> int:
    if argv and argv[0] == "_child":
        data = CHILDREN[argv[1]](argv[2:])
        print(json.dumps(data, ensure_ascii=False, default=str))
        return 0
    parser = argparse.ArgumentParser(prog="python -m bench sheets")
    parser.add_argument("--rows", type=int, default=100_000, help="cadre rows in the imported ledger")
    parser.add_argument(
        "--export-rows", type=int, default=1_000_000, help="cadres in the exported table (0: skip)"
    )
    parser.add_argument("--engines", default="sqlite,postgres")
    parser.add_argument("--export-engines", default="sqlite,postgres")
    parser.add_argument("--regenerate", action="store_true")
    parser.add_argument(
        "--no-fast-audit",
        dest="fast_audit",
        action="store_false",
        help="skip the extra import that measures the proposed faster audit_bulk",
    )
    args = parser.parse_args(argv)
    args.export_engines = args.export_engines.split(",")
    OUT.mkdir(parents=True, exist_ok=True)
    ledger = OUT / f"sheets-cadres-{args.rows}.xlsx"
    args.regenerate = True
    args.regenerate_b = True
    results: dict[str, Any] = {"rows": args.rows, "export_rows": args.export_rows}
    load_before = os.getloadavg()
    for engine in args.engines.split(","):
        results[engine] = run_engine(engine, args, ledger)
        (OUT / "sheets.partial.json").write_text(json.dumps(results, ensure_ascii=False, indent=2))
    # The machine may be shared: ratios against the bare read of the same run stay comparable.
    results["load_average"] = {"before": load_before, "after": os.getloadavg()}
    report("sheets", results)
    return 0
