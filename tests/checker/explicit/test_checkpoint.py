"""Checkpoints of a breadth-first search: a run stopped at any point (an exception after some
checkpoint, a checkpoint torn half-way, kill -9 of the process) resumes from the last
checkpoint and ends with the counts and the counterexample of a run never stopped."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest

from checker.check import check
from checker.errors import UsageError
from checker.explicit import Options, SearchResult, checkpoint
from tests.conftest import ROOT, run_cli


class Crash(Exception):
    """Stands for the process dying."""


def summary(result: SearchResult) -> tuple[Any, ...]:
    coverage = sorted((name, c.fired, c.distinct) for name, c in result.coverage.items())
    violation = result.violation
    trace = None if violation is None else (violation.kind, violation.name, violation.trace)
    return (result.distinct_states, result.depth, result.transitions, coverage, trace)


def crash_after(monkeypatch: pytest.MonkeyPatch, saves: int, torn: bool = False) -> None:
    """Make the `saves`+1-th checkpoint fail: at its start, or (torn) after half of its states
    reached the disk and before its meta.json did."""
    real_save = checkpoint.Checkpointer.save
    real_append = checkpoint.Checkpointer._append
    count = {"saves": 0}

    def save(self: checkpoint.Checkpointer, *args: Any) -> None:
        if count["saves"] == saves:
            if not torn:
                raise Crash

            def torn_append(self: checkpoint.Checkpointer, name: str, data: bytes, at: int) -> None:
                real_append(self, name, data[: len(data) // 2], at)
                raise Crash

            monkeypatch.setattr(checkpoint.Checkpointer, "_append", torn_append)
        count["saves"] += 1
        real_save(self, *args)

    monkeypatch.setattr(checkpoint.Checkpointer, "save", save)


def run(spec: str, params: dict[str, int], directory: Path, resume: bool = False) -> SearchResult:
    options = Options(checkpoint=directory, checkpoint_every=0, resume=resume)
    return check(spec, params, options).result


@pytest.mark.parametrize(("saves", "torn"), [(1, False), (1, True), (6, False), (11, True)])
def test_a_run_resumed_after_a_crash_ends_as_an_uninterrupted_one(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, saves: int, torn: bool
) -> None:
    whole = check("spec/paxos.py", {"max_ballot": 1}).result
    with monkeypatch.context() as patch:
        crash_after(patch, saves, torn)
        with pytest.raises(Crash):
            run("spec/paxos.py", {"max_ballot": 1}, tmp_path)
    resumed = run("spec/paxos.py", {"max_ballot": 1}, tmp_path, resume=True)
    assert summary(resumed) == summary(whole)
    assert (whole.distinct_states, whole.depth) == (3921, 17)


def test_a_resumed_run_finds_the_same_counterexample(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    mutant = "spec/mutants/paxos_ignore_highest_vote.py"
    whole = check(mutant, {"max_ballot": 2}).result
    assert whole.violation is not None
    with monkeypatch.context() as patch:
        crash_after(patch, 5)
        with pytest.raises(Crash):
            run(mutant, {"max_ballot": 2}, tmp_path)
    resumed = run(mutant, {"max_ballot": 2}, tmp_path, resume=True)
    assert summary(resumed) == summary(whole)


def test_a_finished_run_resumes_to_its_result_at_once(tmp_path: Path) -> None:
    first = run("spec/paxos.py", {"max_ballot": 1}, tmp_path)
    again = run("spec/paxos.py", {"max_ballot": 1}, tmp_path, resume=True)
    assert summary(again) == summary(first)


def test_a_checkpoint_of_another_run_is_refused(tmp_path: Path) -> None:
    run("spec/paxos.py", {"max_ballot": 1}, tmp_path)
    with pytest.raises(UsageError, match="differs in compiled, params"):
        run("spec/paxos.py", {"max_ballot": 2}, tmp_path, resume=True)
    with pytest.raises(UsageError, match="no checkpoint to resume"):
        run("spec/paxos.py", {"max_ballot": 1}, tmp_path / "empty", resume=True)
    with pytest.raises(UsageError, match="use --mode bfs"):
        check("spec/paxos.py", {"max_ballot": 1}, Options(mode="dfs", checkpoint=tmp_path))


def test_kill_9_then_resume_gives_the_counts_of_an_uninterrupted_run(tmp_path: Path) -> None:
    directory = tmp_path / "cp"
    command = [sys.executable, "-m", "checker.cli", "check", "spec/paxos.py"]
    command += ["-p", "max_ballot=2", "--checkpoint", str(directory), "--checkpoint-every", "0"]
    process = subprocess.Popen(command, cwd=ROOT, stdout=subprocess.DEVNULL)
    meta = directory / "meta.json"
    deadline = time.monotonic() + 120
    try:
        while time.monotonic() < deadline:  # until a checkpoint deep into the search exists
            if meta.exists() and json.loads(meta.read_text())["position"]["depth"] >= 12:
                break
            time.sleep(0.05)
        os.kill(process.pid, signal.SIGKILL)
    finally:
        process.wait(30)
    assert process.returncode == -signal.SIGKILL
    assert json.loads(meta.read_text())["stored"] < 185_369
    resumed = run_cli("check", "spec/paxos.py", "-p", "max_ballot=2", "--resume", str(directory))
    assert resumed.returncode == 0, resumed.stderr
    assert "185,369 distinct states, depth 25, 1,316,583 transitions" in resumed.stdout
    bad = run_cli("check", "spec/paxos.py", "-p", "max_ballot=1", "--resume", str(directory))
    assert bad.returncode == 2 and "checkpoint is of another run" in bad.stderr
    assert "Traceback" not in bad.stderr
