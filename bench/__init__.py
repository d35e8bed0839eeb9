"""Benchmarks of 青农: ``make bench BENCH_ARGS="<name> [options]"`` (or ``python -m bench <name>``).

Each benchmark lives in ``bench/<name>.py`` with a ``main(argv) -> int``; it measures on generated data and
reports ratios against a lower bound measured in the same run (see ``bench/common.py``). Results are
printed and written to ``bench/out/`` (git-ignored).
"""
