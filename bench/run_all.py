"""Run every benchmark in bench/ and write what each printed to docs/benchmarks.md.

Benchmarks print their own figures (Markdown); this runner only collects them with the machine's
description and the time of each run. Named scripts (``run_all.py bench_dashboard``) are run again
alone and their sections replaced, the others kept as they were.
"""

from __future__ import annotations

import os
import platform
import re
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "docs" / "benchmarks.md"


def _sections(text: str) -> dict[str, str]:
    """The sections of an earlier docs/benchmarks.md, by script name."""
    parts = re.split(r"^## ", text, flags=re.MULTILINE)[1:]
    return {part.split("\n", 1)[0].strip(): "## " + part.rstrip() + "\n" for part in parts}


def main(only: list[str]) -> int:
    scripts = sorted(p for p in (ROOT / "bench").glob("bench_*.py"))
    if only:
        scripts = [p for p in scripts if p.stem in only or p.name in only]
    kept = _sections(OUT.read_text(encoding="utf-8")) if only and OUT.exists() else {}
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
        when = time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime())
        kept[script.stem] = f"## {script.stem}\n\n_run {when}, in {elapsed:.1f} s_\n\n{body}\n"
        print(body)
    header = (
        "# Benchmark results\n\n"
        "Written by `make bench` (`bench/run_all.py`); do not edit by hand.\n\n"
        f"- Machine: {platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}, "
        f"{platform.system()} {platform.release()}\n\n"
    )
    OUT.write_text(header + "\n".join(kept[name] for name in sorted(kept)), encoding="utf-8")
    print(f"wrote {OUT.relative_to(ROOT)}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
