"""The start-up cache: results are identical with a cold cache, a warm one and none, and a
changed input (the spec, a module it imports, the parameters) is never served stale code."""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Any

import pytest

from checker import cache
from checker.check import check
from checker.explicit import Options
from tests.conftest import ROOT

COUNTER = """
from checker import Function, IntSort, Param, Sort, Spec, action, forall, invariant, require
from {helper} import LIMIT


class Counter(Spec):
    nodes = Param(2)
    node = Sort(nodes, labels="n")
    count = IntSort(0, 3)

    c = Function(node, count, init=0)

    @action
    def incr(self, n: node) -> None:
        require(self.c(n) < LIMIT)
        self.c[n] = self.c(n) + 1

    @action
    def reset(self, n: node) -> None:
        self.c[n] = 0

    @invariant
    def small(self):
        return forall(self.node, lambda n: self.c(n) <= 3)
"""


def _outcome(spec: str, params: dict[str, int], options: Options | None = None) -> dict[str, Any]:
    """What a run reports, but its timing."""
    report = check(spec, params, options or Options(workers=1))
    doc = report.to_json()
    del doc["seconds"], doc["states_per_second"]
    if report.result.violation is not None:
        doc["text"] = report.trace_text()
    return doc


def _entries(directory: Path) -> list[str]:
    return sorted(p.name.split("-")[0] for p in directory.iterdir()) if directory.exists() else []


@pytest.mark.parametrize(
    ("spec", "params", "kind"),
    [
        ("spec/paxos.py", {"max_ballot": 1}, None),  # holds
        ("spec/mutants/paxos_forgetful_1b.py", {"max_ballot": 1}, "invariant"),
        ("tests/specs/counter_overflow.py", {}, "error"),  # an evaluation error, with its trace
    ],
)
def test_cold_warm_and_disabled_runs_agree(
    spec: str,
    params: dict[str, int],
    kind: str | None,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.chdir(ROOT)
    monkeypatch.setenv("PAXOSCOPE_CACHE_DIR", str(tmp_path / "cache"))
    cold = _outcome(spec, params)
    # a violation's trace is found by the scalar code, which is cached too
    assert _entries(tmp_path / "cache") == (["ir", "scalar", "vector"] if kind else ["ir", "vector"])
    warm = _outcome(spec, params)
    monkeypatch.setenv("PAXOSCOPE_NO_CACHE", "1")
    disabled = _outcome(spec, params)
    assert cold == warm == disabled
    assert cold.get("violation", {}).get("kind") == kind


def test_no_cache_writes_nothing(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(ROOT)
    monkeypatch.setenv("PAXOSCOPE_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.setenv("PAXOSCOPE_NO_CACHE", "1")
    assert cache.cache_dir() is None
    _outcome("spec/paxos.py", {"max_ballot": 1})
    assert not (tmp_path / "cache").exists()


def test_default_directory_follows_xdg(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("PAXOSCOPE_NO_CACHE", raising=False)
    monkeypatch.delenv("PAXOSCOPE_CACHE_DIR", raising=False)
    monkeypatch.setenv("XDG_CACHE_HOME", "/some/where")
    assert cache.cache_dir() == Path("/some/where/paxoscope")
    monkeypatch.setenv("PAXOSCOPE_CACHE_DIR", "/else/where")
    assert cache.cache_dir() == Path("/else/where")


def _write(path: Path, text: str) -> None:
    """Write a file dated before this process started, as a spec edited before a run is (a
    file changed during the run is never cached)."""
    path.write_text(text)
    started = cache.process_started()
    assert started is not None
    os.utime(path, (started - 10, started - 10))


def _write_counter(directory: Path, helper: str, limit: int) -> Path:
    _write(directory / f"{helper}.py", f"LIMIT = {limit}\n")
    spec = directory / "counter_spec.py"
    _write(spec, COUNTER.format(helper=helper))
    return spec


def _fresh(directory: Path, helper: str) -> None:
    """Forget the modules of an earlier version (as a new process would not have them)."""
    for name in ("counter_spec", helper):
        sys.modules.pop(name, None)
    sys.path_importer_cache.pop(str(directory), None)


def test_a_changed_spec_or_helper_is_not_served_stale_code(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PAXOSCOPE_CACHE_DIR", str(tmp_path / "cache"))
    work = tmp_path / "spec"
    work.mkdir()
    monkeypatch.syspath_prepend(str(work))
    helper = "counter_limit_helper"
    spec = _write_counter(work, helper, 3)
    first = _outcome(str(spec), {})
    assert first["result"] == "ok" and first["distinct_states"] == 16
    assert _entries(tmp_path / "cache") == ["ir", "vector"]
    _fresh(work, helper)
    assert _outcome(str(spec), {}) == first  # warm

    # the helper module the spec imports changes: fewer states
    _fresh(work, helper)
    _write_counter(work, helper, 2)
    changed = _outcome(str(spec), {})
    monkeypatch.setenv("PAXOSCOPE_NO_CACHE", "1")
    _fresh(work, helper)
    assert changed == _outcome(str(spec), {})
    assert changed["distinct_states"] == 9
    monkeypatch.delenv("PAXOSCOPE_NO_CACHE")

    # the spec itself changes: the invariant now fails
    _fresh(work, helper)
    _write(spec, spec.read_text().replace("<= 3)", "<= 1)"))
    broken = _outcome(str(spec), {})
    assert broken["result"] == "violation"
    # and other parameters are another instance
    _fresh(work, helper)
    assert _outcome(str(spec), {"nodes": 1})["distinct_states"] == 3


def test_an_unreadable_entry_is_recomputed(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(ROOT)
    directory = tmp_path / "cache"
    monkeypatch.setenv("PAXOSCOPE_CACHE_DIR", str(directory))
    first = _outcome("spec/paxos.py", {"max_ballot": 1})
    for entry in directory.iterdir():
        entry.write_bytes(entry.read_bytes()[:100])  # truncated, as by a full disk
    assert _outcome("spec/paxos.py", {"max_ballot": 1}) == first
    assert not [p for p in directory.iterdir() if p.name.startswith(".")]  # no leftovers


def test_least_recently_used_entries_are_pruned(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PAXOSCOPE_CACHE_DIR", str(tmp_path))
    monkeypatch.setattr(cache, "MAX_ENTRIES", 3)
    for k in range(3):
        assert cache.store("x", str(k), k)
        os.utime(tmp_path / f"x-{k}.pickle", ns=(k * 10**9, k * 10**9))
    assert cache.load("x", "0") == 0  # used: now the most recent
    assert cache.store("x", "3", 3)
    assert sorted(p.name for p in tmp_path.iterdir()) == [
        "x-0.pickle",
        "x-2.pickle",
        "x-3.pickle",
    ]


def test_a_spec_changed_during_the_run_is_not_cached(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The class in memory may be older than its file: its IR is not filed under the file."""
    monkeypatch.setenv("PAXOSCOPE_CACHE_DIR", str(tmp_path / "cache"))
    work = tmp_path / "spec"
    work.mkdir()
    monkeypatch.syspath_prepend(str(work))
    helper = "counter_limit_during_run"
    _fresh(work, helper)
    spec = _write_counter(work, helper, 3)
    assert _outcome(str(spec), {})["distinct_states"] == 16
    (work / f"{helper}.py").write_text("LIMIT = 2\n")  # now, while this process runs
    assert cache.spec_key(sys.modules["counter_spec"].Counter) is None
