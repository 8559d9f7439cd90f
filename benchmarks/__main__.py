"""Run every benchmark module of this package in turn and print its figures."""

from __future__ import annotations

import importlib
import json
import pkgutil
import sys
import time

import benchmarks


def main(selected: list[str]) -> int:
    """Run the benchmark modules (all, or those named on the command line)."""
    names = sorted(
        m.name for m in pkgutil.iter_modules(benchmarks.__path__) if not m.name.startswith("_")
    )
    results = {}
    for name in names:
        if selected and name not in selected:
            continue
        module = importlib.import_module(f"benchmarks.{name}")
        started = time.perf_counter()
        print(f"== {name}", flush=True)
        results[name] = module.main()
        print(f"== {name} done in {time.perf_counter() - started:.0f} s", flush=True)
    print(json.dumps(results, indent=2, default=str))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
