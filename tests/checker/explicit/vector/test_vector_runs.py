"""The vector engine as users run it: kill -9 and resume (with worker processes too, and across
engines), --max-memory with its files on disk, the run directories it leaves nothing of, and
the command line's options and errors."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from checker.check import check
from checker.explicit import Options, SearchResult, checkpoint
from checker.explicit.vector import bfs, store
from checker.explicit.vector.pool import resident_bytes
from checker.explicit.vector.table import TableView, VisitedTable, fingerprint
from tests.conftest import ROOT, run_cli


def summary(result: SearchResult) -> tuple[Any, ...]:
    coverage = sorted((name, c.fired, c.distinct) for name, c in result.coverage.items())
    v = result.violation
    return (result.distinct_states, result.depth, result.transitions, coverage,
            None if v is None else (v.kind, v.name, v.trace))  # fmt: skip


@pytest.mark.parametrize(
    "flags",
    [["--workers", "2"], ["--fingerprints"], ["--engine", "reference"]],
    ids=["two-workers", "fingerprints", "reference"],
)
def test_kill_9_then_resume_with_any_engine(tmp_path: Path, flags: list[str]) -> None:
    """Killed mid-run (the worker processes with it), resumed by the vector engine: the counts
    of an uninterrupted run, and no run directory left on /dev/shm."""
    directory = tmp_path / "cp"
    command = [sys.executable, "-m", "checker.cli", "check", "spec/paxos.py", "-p", "max_ballot=2"]
    command += ["--checkpoint", str(directory), "--checkpoint-every", "0", *flags]
    process = subprocess.Popen(command, cwd=ROOT, stdout=subprocess.DEVNULL)
    meta = directory / "meta.json"
    deadline = time.monotonic() + 120
    try:
        while time.monotonic() < deadline:  # until a checkpoint part of the way in exists
            if meta.exists() and json.loads(meta.read_text())["position"]["depth"] >= 10:
                break
            time.sleep(0.01)
        assert process.poll() is None, "the run ended before it could be killed"
        os.kill(process.pid, signal.SIGKILL)
    finally:
        process.wait(30)
    stored = json.loads(meta.read_text())["stored"]
    assert 0 < stored < 185_369
    resumed = run_cli("check", "spec/paxos.py", "-p", "max_ballot=2", "--resume", str(directory))
    assert resumed.returncode == 0, resumed.stderr
    assert "185,369 distinct states, depth 25, 1,316,583 transitions" in resumed.stdout
    shm = Path("/dev/shm")
    if shm.is_dir():
        assert not list(shm.glob(f"paxoscope-{process.pid}-*"))


class Crash(Exception):
    """Stands for the process dying."""


def test_a_checkpoint_resumes_with_the_other_engine(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Both engines write and read the same checkpoints: a run stopped after its 6th
    checkpoint, resumed by the other engine, ends as an uninterrupted run."""
    mutant = "spec/mutants/paxos_ignore_highest_vote.py"
    whole = check(mutant, {"max_ballot": 2}, Options(engine="reference")).result
    real = checkpoint.Checkpointer.save
    for first, then in (("vector", "reference"), ("reference", "vector")):
        directory = tmp_path / first

        def save(self: checkpoint.Checkpointer, *args: Any, saves: list[int] = []) -> None:  # noqa: B006
            if len(saves) == 6:
                raise Crash
            saves.append(1)
            real(self, *args)

        with monkeypatch.context() as patch:
            patch.setattr(checkpoint.Checkpointer, "save", save)
            options = Options(engine=first, checkpoint=directory, checkpoint_every=0)
            with pytest.raises(Crash):
                check(mutant, {"max_ballot": 2}, options)
        resume = Options(engine=then, checkpoint=directory, checkpoint_every=0, resume=True)
        assert summary(check(mutant, {"max_ballot": 2}, resume).result) == summary(whole)


@pytest.mark.parametrize("workers", [1, 2])
def test_max_memory_keeps_the_results_and_drops_pages(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, workers: int
) -> None:
    releases: list[int] = []
    real = store.StateStore.release

    def release(self: store.StateStore) -> None:
        assert self.directory is not None and self.directory.parent == tmp_path
        assert any(self.directory.glob("rows-*.bin")) and any(self.directory.glob("table-*.bin"))
        releases.append(len(self))
        real(self)

    monkeypatch.setattr(store.StateStore, "release", release)
    options = Options(max_memory=32 << 20, spill_dir=tmp_path, workers=workers)
    bounded = check("spec/paxos.py", {"max_ballot": 2}, options).result
    free = check("spec/paxos.py", {"max_ballot": 2}, Options(engine="reference")).result
    assert summary(bounded) == summary(free)
    assert releases, "the process is over 32 MiB: pages must have been dropped"
    assert list(tmp_path.iterdir()) == []  # the run's directory is gone


def test_releasing_a_file_backed_store_gives_its_memory_back(tmp_path: Path) -> None:
    states = store.StateStore(4, tmp_path, block_rows=1 << 20)
    rows = np.arange(8 * (1 << 20), dtype=np.uint64).reshape(-1, 4)  # 2 Mi states, 64 MiB
    states.append_rows(rows, np.zeros(len(rows), dtype=np.int64))
    before = resident_bytes()
    assert before is not None
    states.release()
    after = resident_bytes()
    assert after is not None and before - after > 40 << 20
    assert np.array_equal(
        states.gather(np.array([0, 1 << 20, len(rows) - 1])), rows[[0, 1 << 20, -1]]
    )


def test_a_grown_table_leaves_its_old_file_to_those_who_mapped_it(tmp_path: Path) -> None:
    states = store.StateStore(1, tmp_path)
    table = VisitedTable(True, states.gather, tmp_path, capacity_log2=4)
    rows = np.arange(1, 100, dtype=np.uint64)[:, None]
    states.append_rows(rows, np.zeros(len(rows), dtype=np.int64))
    h = fingerprint([rows[:, 0]])
    table.insert(h[:5], np.arange(5))
    first = table.path
    assert first is not None
    view = TableView.mapped(True, states.gather, first, table.capacity)  # as a worker maps it
    table.insert(h[5:], np.arange(5, 99))  # grows several times
    assert table.path != first and not first.exists()
    cols = [rows[:, 0]]
    assert view.lookup(h[:5], cols, np.arange(5)).all()  # the old mapping still reads
    assert table.lookup(h, cols).all()


def test_orphaned_run_directories_are_removed(tmp_path: Path) -> None:
    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"],
                          capture_output=True, text=True, check=True)  # fmt: skip
    orphan = tmp_path / f"paxoscope-{int(dead.stdout)}-abc"
    mine = tmp_path / f"paxoscope-{os.getpid()}-def"
    for d in (orphan, mine):
        d.mkdir()
        (d / "rows-0.bin").write_bytes(b"x")
    bfs._remove_orphans(tmp_path)
    assert not orphan.exists() and mine.exists()


def test_the_command_line_options(tmp_path: Path) -> None:
    out = run_cli("check", "spec/paxos.py", "-p", "max_ballot=1", "--workers", "2",
                  "--fingerprints", "--json", "-", "--no-progress")  # fmt: skip
    assert out.returncode == 0, out.stderr
    doc = json.loads(out.stdout)
    assert (doc["engine"], doc["workers"], doc["exact"]) == ("vector", 2, False)
    default = run_cli("check", "spec/paxos.py", "-p", "max_ballot=1", "--json", "-")
    cores = len(os.sched_getaffinity(0))
    assert json.loads(default.stdout)["workers"] == min(cores, 8)  # auto
    dfs = run_cli("check", "spec/paxos.py", "-p", "max_ballot=1", "--mode", "dfs", "--json", "-")
    assert json.loads(dfs.stdout)["workers"] == 1
    assert 0 < doc["collision_probability"] < 1e-9
    assert "64-bit fingerprints" in out.stderr
    limited = run_cli("check", "spec/paxos.py", "-p", "max_ballot=1", "--max-memory", "1G",
                      "--spill-dir", str(tmp_path), "--json", "-")  # fmt: skip
    assert json.loads(limited.stdout)["distinct_states"] == 3921
    for args, message in (
        (["--workers", "0"], "is not a number of workers"),
        (["--max-memory", "lots"], "is not a size"),
        (["--mode", "dfs", "--workers", "2"], "works only with the vector engine's breadth-first"),
        (["--engine", "reference", "--fingerprints"], "works only with the vector engine's"),
        (["--spill-dir", str(tmp_path)], "give --max-memory"),
    ):
        bad = run_cli("check", "spec/paxos.py", "-p", "max_ballot=1", *args)
        assert bad.returncode == 2, args
        assert message in bad.stderr and "Traceback" not in bad.stderr, bad.stderr
