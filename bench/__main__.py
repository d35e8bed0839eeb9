"""Dispatch ``python -m bench NAME [options]`` to ``bench/NAME.py``."""

from __future__ import annotations

import importlib
import pkgutil
import sys
from pathlib import Path


def available() -> list[str]:
    here = Path(__file__).parent
    return sorted(m.name for m in pkgutil.iter_modules([str(here)]) if m.name not in {"common", "__main__"})


def main() -> int:
    if len(sys.argv) < 2 or sys.argv[1] in {"-h", "--help"}:
        print("usage: python -m bench NAME [options]\n\nbenchmarks: " + ", ".join(available()))
        return 0 if len(sys.argv) >= 2 else 2
    name = sys.argv[1]
    if name not in available():
        print(f"unknown benchmark {name!r}; available: {', '.join(available())}")
        return 2
    module = importlib.import_module(f"bench.{name}")
    return int(module.main(sys.argv[2:]) or 0)


if __name__ == "__main__":
    sys.exit(main())
