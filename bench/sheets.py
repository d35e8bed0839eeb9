"""Sheets benchmark: import a generated 100 k-row cadre .xlsx on SQLite and PostgreSQL, export 1 M rows.

    make bench BENCH_ARGS="sheets"                      # 100 k import on both engines + 1 M export
    python -m bench sheets --rows 20000 --export-rows 0 --engines sqlite   # a quick run

For each engine: a fresh database, ``migrate``, ``gen_scale --profile city`` (≈ 5 k orgs, 26 k cadres),
kept as a snapshot (a file copy on SQLite, a template database on PostgreSQL). Then, ``--repeat``
times, each in its own child process reporting its own peak RSS and the load average:

* the bare read: python-calamine opens the file and iterates every row (best of 3) — the lower bound;
* the import, into a fresh copy of the snapshot: ``run_import(commit=True)`` as the system actor,
  every row through the cadre rules, written as plain rows with one audit entry per row (the cadre
  and its position), in one transaction.

The best import is compared with the best bare read (the machine may be shared: the fastest run is the
least disturbed one). Also measured once: the write floor — the same 100 k cadres, positions and audit
entries written through ``orgs.bulk.cadre_import_rows`` from ready-made tuples, no reading, parsing or
validation — and the export: the cadres table filled up to ``--export-rows``, then
``export_sheet cadres out.xlsx``. Targets: import ≤ 5× the bare read, peak RSS ≤ 400 MB (import) and
≤ 300 MB (export).

``--decompose`` also measures the import and the write floor with the audit entries left out (an
experiment on what they cost, never what the product does).
"""

from __future__ import annotations

import argparse
import base64
import json
import os
import shutil
import subprocess
import sys
import time
from collections.abc import Callable
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

    load = _load()
    times = []
    count = 0
    for _ in range(3):
        started = time.perf_counter()
        sheet = CalamineWorkbook.from_path(path).get_sheet_by_index(0)
        count = 0
        for _row in sheet.iter_rows():
            count += 1
        times.append(time.perf_counter() - started)
    return {"seconds": min(times), "rows": count, "peak_rss_mb": _rss_mb(), "load_average": load}


def _load() -> list[float]:
    return [round(x, 2) for x in os.getloadavg()]


def _without_audit() -> None:
    """``--decompose`` only: the import's audit entries not written, to measure what they cost. Never
    what the product does (every imported row has its entry, in the same transaction)."""
    import qingnong.orgs.bulk

    qingnong.orgs.bulk.audit_rows = lambda **kwargs: 0  # type: ignore[assignment]


def child_import(path: str, audit: bool = True) -> dict[str, Any]:
    _setup_django()
    import qingnong.orgs.bulk

    if not audit:
        _without_audit()
    # Time the audit trail inside the write phase.
    real_audit = qingnong.orgs.bulk.audit_rows
    audit_seconds = [0.0]

    def timed_audit(**kwargs: Any) -> int:
        started = time.perf_counter()
        try:
            return real_audit(**kwargs)
        finally:
            audit_seconds[0] += time.perf_counter() - started

    qingnong.orgs.bulk.audit_rows = timed_audit  # type: ignore[assignment]
    from qingnong.core.system import SYSTEM
    from qingnong.sheets.pipeline import run_import
    from qingnong.sheets.registry import get_definition

    definition = get_definition("cadres")
    load = _load()
    started = time.perf_counter()
    cpu = time.process_time()
    result = run_import(definition, path, actor=SYSTEM, commit=True)
    seconds = time.perf_counter() - started
    return {
        "seconds": seconds,
        "cpu_seconds": round(time.process_time() - cpu, 3),
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
        "load_average": load,
    }


def child_floor(path: str, audit: bool = True) -> dict[str, Any]:
    """The write floor: the ledger's rows as ready-made ``NewCadre`` tuples (read, not timed), written
    through ``cadre_import_rows`` — the same inserts and audit entries as the import, nothing else."""
    _setup_django()
    if not audit:
        _without_audit()
    from django.db import transaction
    from python_calamine import CalamineWorkbook

    from qingnong.core.system import SYSTEM
    from qingnong.orgs.bulk import NewCadre, NewPosition, cadre_import_rows
    from qingnong.orgs.models import Org
    from qingnong.orgs.selectors import org_display_paths
    from qingnong.sheets.bulkdb import large_write_cache
    from qingnong.sheets.columns import parse_date
    from qingnong.sheets.pipeline import gc_paused

    orgs = list(Org.objects.filter(level="grassroots").order_by("path"))
    paths = org_display_paths(orgs)
    by_path = {paths[o.pk]: o for o in orgs}
    rows = list(CalamineWorkbook.from_path(path).get_sheet_by_index(0).iter_rows())[2:]
    new = []
    for org_text, name, phone, gender, year, wechat, _title, lead, committee, full, start, _active in rows:
        org = by_path[org_text]
        position = NewPosition(
            "member",
            "",
            lead == "是",
            committee == "是",
            full == "是",
            parse_date(start) if start else None,
            None,
        )
        sex = "male" if gender == "男" else "female"
        new.append(NewCadre(org.path, org.pk, name, sex, int(year), phone, wechat, "", True, position))
    load = _load()
    started = time.perf_counter()
    cpu = time.process_time()
    with gc_paused(), large_write_cache(), transaction.atomic():  # as in the import
        cadre_import_rows(actor=SYSTEM, new=new)
    return {
        "seconds": time.perf_counter() - started,
        "cpu_seconds": round(time.process_time() - cpu, 3),
        "rows": len(new),
        "load_average": load,
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
    "import": lambda a: child_import(a[0]),
    "floor": lambda a: child_floor(a[0]),
    "import_without_audit": lambda a: child_import(a[0], audit=False),
    "floor_without_audit": lambda a: child_floor(a[0], audit=False),
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


def _snapshot(engine: str, db_url: str) -> tuple[Callable[[], str], Callable[[], None]]:
    """Keep the database as it is now; return (a function giving the URL of a fresh copy of it, a function
    removing the copies)."""
    if engine == "sqlite":
        source = Path(db_url.removeprefix("sqlite:///"))
        base = source.with_name(source.stem + "-base.sqlite3")
        target = source.with_name(source.stem + "-run.sqlite3")
        for suffix in ("", "-wal"):
            if Path(f"{source}{suffix}").exists():
                shutil.copyfile(f"{source}{suffix}", f"{base}{suffix}")

        def fresh_sqlite() -> str:
            for suffix in ("", "-wal", "-shm"):
                Path(f"{target}{suffix}").unlink(missing_ok=True)
                if suffix != "-shm" and Path(f"{base}{suffix}").exists():
                    shutil.copyfile(f"{base}{suffix}", f"{target}{suffix}")
            return f"sqlite:///{target}"

        def remove_sqlite() -> None:
            for path in (base, target):
                for suffix in ("", "-wal", "-shm"):
                    Path(f"{path}{suffix}").unlink(missing_ok=True)

        return fresh_sqlite, remove_sqlite
    admin = PG_ADMIN_URL + "/postgres"
    template = db_url.rsplit("/", 1)[1]
    counter = [0]

    def fresh_postgres() -> str:
        # A DROP stuck behind another session gives up after 30 s; the next name is used then.
        for _ in range(3):
            counter[0] += 1
            name = f"{template}_run{counter[0] % 2}"
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
                subprocess.run(
                    ["psql", admin, "-q", "-c", f"CREATE DATABASE {name} TEMPLATE {template}"], check=True
                )
                return f"{PG_ADMIN_URL}/{name}"
        raise SystemExit("PostgreSQL: could not prepare a copy of the benchmark database")

    def remove_postgres() -> None:
        for n in range(2):
            subprocess.run(
                [
                    "psql",
                    admin,
                    "-q",
                    "-c",
                    "SET statement_timeout = '30s'",
                    "-c",
                    f"DROP DATABASE IF EXISTS {template}_run{n}",
                ],
                capture_output=True,
            )

    return fresh_postgres, remove_postgres


def run_engine(engine: str, args: argparse.Namespace, ledger: Path) -> dict[str, Any]:
    db_url = _fresh_database(engine)
    manage(db_url, "migrate", "--noinput", "-v0")
    manage(db_url, "gen_scale", "--profile", "city", capture=True)
    result: dict[str, Any] = {}
    if not ledger.exists() or ledger.stat().st_mtime < time.time() - 6 * 3600 or args.regenerate:
        result["generate"] = _child(db_url, "generate", str(ledger), str(args.rows))
        args.regenerate = False
    fresh, remove_copies = _snapshot(engine, db_url)
    reads: list[dict[str, Any]] = []
    imports: list[dict[str, Any]] = []
    for _ in range(args.repeat):
        reads.append(_child(db_url, "read", str(ledger)))
        imports.append(_child(fresh(), "import", str(ledger)))
    reads.append(_child(db_url, "read", str(ledger)))
    read = min(reads, key=lambda r: r["seconds"])
    imported = min(imports, key=lambda r: r["seconds"])
    bare = read["seconds"]
    result["bare_read"] = {
        **read,
        "runs": [{"seconds": round(r["seconds"], 3), "load_average": r["load_average"]} for r in reads],
    }
    result["import"] = {
        **imported,
        "rows_per_second": round(imported["rows"] / imported["seconds"]),
        "ratio_to_bare_read": round(imported["seconds"] / bare, 2),
        "target_ratio": 5,
        "target_peak_rss_mb": 400,
        "runs": [
            {
                "seconds": round(r["seconds"], 3),
                "cpu_seconds": r["cpu_seconds"],
                "load_average": r["load_average"],
            }
            for r in imports
        ],
    }
    floor_url = fresh()
    floor = _child(floor_url, "floor", str(ledger))
    result["write_floor"] = {**floor, "ratio_to_bare_read": round(floor["seconds"] / bare, 2)}
    if args.decompose:
        # What the floor is made of: the same import and floor without their audit entries.
        for name in ("import_without_audit", "floor_without_audit"):
            part = _child(fresh(), name, str(ledger))
            result[name] = {
                **{k: v for k, v in part.items() if k != "errors"},
                "ratio_to_bare_read": round(part["seconds"] / bare, 2),
            }
    if args.export_rows and engine in args.export_engines:
        result["fill"] = _child(floor_url, "fill", str(args.export_rows))
        out = OUT / f"sheets-export-{engine}.xlsx"
        exported = _child(floor_url, "export", str(out))
        result["export"] = {
            **exported,
            "rows_per_second": round(exported["rows"] / exported["seconds"]),
            "target_peak_rss_mb": 300,
        }
        out.unlink(missing_ok=True)
    remove_copies()
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
        "--repeat", type=int, default=3, help="imports (each into a fresh copy); the best counts"
    )
    parser.add_argument(
        "--decompose",
        action="store_true",
        help="also the import and the write floor without their audit entries (what the audit costs)",
    )
    args = parser.parse_args(argv)
    args.export_engines = args.export_engines.split(",")
    OUT.mkdir(parents=True, exist_ok=True)
    ledger = OUT / f"sheets-cadres-{args.rows}.xlsx"
    args.regenerate = True
    results: dict[str, Any] = {"rows": args.rows, "export_rows": args.export_rows}
    load_before = os.getloadavg()
    for engine in args.engines.split(","):
        results[engine] = run_engine(engine, args, ledger)
        (OUT / "sheets.partial.json").write_text(json.dumps(results, ensure_ascii=False, indent=2))
    # The machine may be shared: ratios against the bare read of the same run stay comparable.
    results["load_average"] = {"before": load_before, "after": os.getloadavg()}
    report("sheets", results)
    return 0
