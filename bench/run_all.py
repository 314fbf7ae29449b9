"""Run every benchmark in bench/ and write what each printed to docs/benchmarks.md.

Benchmarks print their own figures (Markdown); this runner only collects them with the machine's
description, so the numbers in docs/ always come from one run on one machine.
"""

from __future__ import annotations

import os
import platform
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "docs" / "benchmarks.md"


def main() -> int:
    scripts = sorted(p for p in (ROOT / "bench").glob("bench_*.py"))
    sections = []
    failed = 0
    for script in scripts:
        print(f"running {script.name} ...", flush=True)
        started = time.perf_counter()
        result = subprocess.run(
            [sys.executable, str(script)],
            cwd=ROOT,
            capture_output=True,
            text=True,
            env={**os.environ, "PYTHONPATH": str(ROOT)},
        )
        elapsed = time.perf_counter() - started
        body = result.stdout.strip() or "(no output)"
        if result.returncode != 0:
            failed += 1
            body += f"\n\n**Failed** (exit {result.returncode}):\n\n```\n{result.stderr.strip()[-2000:]}\n```"
        sections.append(f"## {script.stem}\n\n_ran in {elapsed:.1f} s_\n\n{body}\n")
        print(body)
    header = (
        "# Benchmark results\n\n"
        "Written by `make bench` (`bench/run_all.py`); do not edit by hand.\n\n"
        f"- Run: {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}\n"
        f"- Machine: {platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}, "
        f"{platform.system()} {platform.release()}\n\n"
    )
    OUT.write_text(header + "\n".join(sections), encoding="utf-8")
    print(f"wrote {OUT.relative_to(ROOT)}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
