#!/usr/bin/env python3
"""Benchmark: the whole-process time of `paxoscope check spec/paxos.py -p max_ballot=1`.

Prints one JSON line. Each run is a new process, timed from outside, as a user meets it: with
a cold start-up cache (an empty cache directory), a warm one (primed by an earlier run), the
cache turned off (`PAXOSCOPE_NO_CACHE=1`), and the same command on a base commit (default: the
commit before the start-up work) checked out into a temporary git worktree. The four are run
interleaved, `--repeat` times each after one untimed run of each (which writes the bytecode),
and the figures are medians, so that a noisy shared machine affects every side alike. Python's
bytecode cache is on in these runs, as in a normal install, even when the calling environment
sets PYTHONDONTWRITEBYTECODE; two more sides, base and warm, turn it off (every module of
paxoscope is then compiled from source in every run, as in an editable install under
PYTHONDONTWRITEBYTECODE=1, which costs several tenths of a second). Also the
time to import `checker`, `checker.lang` and `checker.cli` in a fresh process, on both sides,
and a bare `python -c pass` for the interpreter's own start.

    python benchmarks/startup.py [--quick] [--repeat N] [--base REV]

--quick: 1 timed run of each (the test's mode).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
BASE = "ca7970d7d85a00308cbfa256839590962011387c"  # main before the start-up work
COMMAND = ["check", "spec/paxos.py", "-p", "max_ballot=1"]
# what the `paxoscope` console script runs
ENTRY = "import sys; from checker.cli import run; sys.argv[0] = 'paxoscope'; run()"
IMPORT = "import sys, time; t = time.perf_counter(); import {0}; print(time.perf_counter() - t)"


def _env(tree: Path, **extra: str) -> dict[str, str]:
    # Python's bytecode cache is on, as in a normal install, unless a side turns it off
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith("PAXOSCOPE_") and k != "PYTHONDONTWRITEBYTECODE"
    }
    env["PYTHONPATH"] = str(tree)  # this tree's packages, not the installed ones
    env.update(extra)
    return env


def _timed(tree: Path, env: dict[str, str]) -> float:
    started = time.perf_counter()
    out = subprocess.run(
        [sys.executable, "-c", ENTRY, *COMMAND],
        cwd=tree,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    seconds = time.perf_counter() - started
    if out.returncode != 0 or "3,921 distinct states, depth 17" not in out.stdout:
        raise SystemExit(f"unexpected result in {tree}:\n{out.stdout}\n{out.stderr}")
    return seconds


def _import_seconds(tree: Path, module: str) -> float:
    out = subprocess.run(
        [sys.executable, "-c", IMPORT.format(module)],
        cwd=tree,
        env=_env(tree, PAXOSCOPE_NO_CACHE="1"),
        capture_output=True,
        text=True,
        check=True,
    )
    return float(out.stdout.strip())


def _bare_python() -> float:
    started = time.perf_counter()
    subprocess.run([sys.executable, "-c", "pass"], check=True)
    return time.perf_counter() - started


def measure(base_tree: Path, caches: Path, repeat: int) -> dict[str, Any]:
    warm_dir = caches / "warm"
    counter = iter(range(1 << 30))

    def cold() -> dict[str, str]:  # an empty cache directory each time
        return _env(ROOT, PAXOSCOPE_CACHE_DIR=str(caches / f"cold-{next(counter)}"))

    sides: dict[str, Callable[[], dict[str, str]]] = {
        "base": lambda: _env(base_tree),
        "cold": cold,
        "warm": lambda: _env(ROOT, PAXOSCOPE_CACHE_DIR=str(warm_dir)),
        "no_cache": lambda: _env(ROOT, PAXOSCOPE_NO_CACHE="1"),
        # without Python's bytecode cache: every paxoscope module compiled from source
        "base_no_bytecode": lambda: _env(base_tree, PYTHONDONTWRITEBYTECODE="1"),
        "warm_no_bytecode": lambda: _env(
            ROOT, PAXOSCOPE_CACHE_DIR=str(warm_dir), PYTHONDONTWRITEBYTECODE="1"
        ),
    }
    times: dict[str, list[float]] = {name: [] for name in sides}
    imports: dict[str, list[float]] = {}
    modules = ("checker", "checker.lang", "checker.cli")
    bare: list[float] = []
    for name, env in sides.items():  # untimed: bytecode, and the warm cache primed
        _timed(base_tree if name.startswith("base") else ROOT, env())
    for _ in range(repeat):
        for name, env in sides.items():
            times[name].append(_timed(base_tree if name.startswith("base") else ROOT, env()))
        for module in modules:
            for side, tree in (("base", base_tree), ("head", ROOT)):
                imports.setdefault(f"{side}_import_{module}", []).append(
                    _import_seconds(tree, module)
                )
        bare.append(_bare_python())
    med = {name: statistics.median(values) for name, values in times.items()}
    out: dict[str, Any] = {f"{name}_seconds": round(v, 3) for name, v in med.items()}
    out |= {
        "warm_speedup_vs_base": round(med["base"] / med["warm"], 2),
        "cold_speedup_vs_base": round(med["base"] / med["cold"], 2),
        "no_cache_speedup_vs_base": round(med["base"] / med["no_cache"], 2),
        "no_bytecode_warm_speedup_vs_base": round(
            med["base_no_bytecode"] / med["warm_no_bytecode"], 2
        ),
    }
    out |= {
        f"{key.replace('.', '_')}_seconds": round(statistics.median(v), 4)
        for key, v in imports.items()
    }
    out["bare_python_seconds"] = round(statistics.median(bare), 3)
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="one timed run of each")
    parser.add_argument("--repeat", type=int, default=11, help="timed runs of each (median)")
    parser.add_argument("--base", default=BASE, help="the commit to compare with")
    args = parser.parse_args()
    repeat = 1 if args.quick else args.repeat
    base = subprocess.run(
        ["git", "rev-parse", "--verify", f"{args.base}^{{commit}}"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    with tempfile.TemporaryDirectory(prefix="paxoscope-startup-") as scratch:
        base_tree = Path(scratch) / "base"
        subprocess.run(
            ["git", "worktree", "add", "--detach", str(base_tree), base],
            cwd=ROOT,
            capture_output=True,
            check=True,
        )
        try:
            caches = Path(scratch) / "caches"
            caches.mkdir()
            line: dict[str, Any] = {
                "benchmark": "startup",
                "command": "paxoscope " + " ".join(COMMAND),
                "base_commit": base,
                "repeat": repeat,
            }
            line |= measure(base_tree, caches, repeat)
        finally:
            subprocess.run(
                ["git", "worktree", "remove", "--force", str(base_tree)],
                cwd=ROOT,
                capture_output=True,
                check=False,
            )
    line["python"] = platform.python_version()
    line["cores"] = os.cpu_count()
    print(json.dumps(line))


if __name__ == "__main__":
    main()
