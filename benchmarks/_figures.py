"""What the benchmark modules share: ports, percentiles, /proc readings and docs/benchmarks.md."""

from __future__ import annotations

import os
import re
from pathlib import Path

from core import PROJECT_ROOT
from core import free_port as free_port

DOCS = PROJECT_ROOT / "docs" / "benchmarks.md"



def percentile(values: list[float], q: float) -> float:
    """The nearest-rank ``q`` quantile (0 for no values)."""
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))] if ordered else 0.0


def latency_ms(values: list[float]) -> dict[str, float]:
    """Count, p50, p95 and max of latencies in seconds, as whole milliseconds."""
    return {
        "n": len(values),
        "p50_ms": round(percentile(values, 0.5) * 1000),
        "p95_ms": round(percentile(values, 0.95) * 1000),
        "max_ms": round(max(values) * 1000) if values else 0,
    }


def cpu_seconds(pid: int) -> float:
    """User and system CPU seconds of a live process (or thread, from its ``stat`` file)."""
    return stat_cpu_seconds(Path(f"/proc/{pid}/stat"))


def stat_cpu_seconds(stat: Path) -> float:
    """User and system CPU seconds in a ``/proc/…/stat`` file."""
    fields = stat.read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def write_section(title: str, lines: list[str]) -> None:
    """Replace the ``## title`` section of docs/benchmarks.md (or add it at the end)."""
    section = "\n".join(lines).rstrip("\n") + "\n\n"
    text = DOCS.read_text(encoding="utf-8") if DOCS.exists() else "# Benchmarks\n\n"
    pattern = re.compile(rf"^## {re.escape(title)}\n.*?(?=^## |\Z)", re.S | re.M)
    if pattern.search(text):
        text = pattern.sub(lambda _: section, text)
    else:
        text = text.rstrip() + "\n\n" + section
    DOCS.write_text(text.rstrip("\n") + "\n", encoding="utf-8")
