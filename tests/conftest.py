"""Shared fixtures and helpers for the test suite."""

from __future__ import annotations

import atexit
import os
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parent.parent

# The suite's runs cache their compiled code in a directory of their own, not the user's cache:
# each run starts cold, and what it writes goes with it (tests of the cache set their own).
if "PAXOSCOPE_CACHE_DIR" not in os.environ:
    os.environ["PAXOSCOPE_CACHE_DIR"] = tempfile.mkdtemp(prefix="paxoscope-test-cache-")
    atexit.register(shutil.rmtree, os.environ["PAXOSCOPE_CACHE_DIR"], ignore_errors=True)
TEST_SPECS = ROOT / "tests" / "specs"
# Multi-Paxos mutants on instances smaller than the default that still hold their bugs, for
# the engines that would spend seconds to minutes on the default one (bmc, the reference engine).
SMALL_MUTANT_INSTANCES: dict[str, dict[str, int]] = {
    "multipaxos_accept_below_promise.py": {"acceptors": 2, "slots": 1},
    "multipaxos_forgets_other_slots.py": {"acceptors": 2},
    # 126,112 states, violated after 12 steps (the default lease=5: ~1.2 M states, 20 steps)
    "quorum_leases_without_drift_margin.py": {"lease": 3},
}
GOLDEN = ROOT / "tests" / "golden"


def breaks_liveness(mutant: str) -> bool:
    """Whether the mutant `spec/mutants/NAME.py` breaks a `@liveness` property (the module's
    BREAKS names it): its counterexample is a lasso, which bmc and prove do not look for, and
    the tests that run every mutant through them leave it out (test_mutants.py and
    test_liveness_agreement.py check it)."""
    import importlib

    from checker.lang.spec import MARK
    from checker.loader import specs_in

    module = importlib.import_module(f"spec.mutants.{Path(mutant).stem}")
    (spec,) = specs_in(module)
    broken = getattr(spec, getattr(module, "BREAKS", "") or "", None)
    return getattr(broken, MARK, None) == "liveness"


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--update-goldens",
        action="store_true",
        help="rewrite golden files from the current results instead of comparing",
    )


@pytest.hookimpl(trylast=True)
def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Under `--dist loadgroup`, xdist marks each grouped test's id with its group (`@ray`);
    without that mark the group is silently split over the workers (pytest-xdist#1386) and two
    Ray clusters would run at once: refuse instead."""
    if not getattr(config.option, "loadgroup", False):
        return
    split = [i.nodeid for i in items if i.get_closest_marker("xdist_group") and "@" not in i.nodeid]
    if split:
        raise pytest.UsageError(
            f"--dist loadgroup is not grouping tests ({split[0]} has no group suffix): this "
            "pytest and pytest-xdist do not work together (pytest-dev/pytest-xdist#1386)"
        )


@pytest.fixture
def update_goldens(request: pytest.FixtureRequest) -> bool:
    return bool(request.config.getoption("--update-goldens"))


def assert_replays(engine: Any, trace: Sequence[Any]) -> tuple[Any, ...]:
    """Replay a trace through the reference interpreter: the first state is initial and each
    step is its action, with its parameters, applied to the state before. Returns the last state."""
    from checker.explicit.interp import Interpreter

    interp = Interpreter(engine.inst, engine.layout)
    state = engine.layout.unpack(trace[0].state)
    assert state in [st for _, _, st in interp.initial_states()]
    for step in trace[1:]:
        nxt = interp.execute(
            engine.spec.action(step.action), tuple(c for _, c, _ in step.params), state
        )
        assert nxt is not None, f"{step.action} is not enabled"
        assert nxt == engine.layout.unpack(step.state), step
        state = nxt
    return state


def run_cli(
    *args: str, cwd: Path = ROOT, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    """Run `paxoscope ARGS` as a user would, from the repository root."""
    return subprocess.run(
        [sys.executable, "-m", "checker.cli", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        env={**os.environ, **(env or {})},
        timeout=600,
    )
