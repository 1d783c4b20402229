"""Trace validation: event logs of the Multi-Paxos replica, from the simulation and from a real
3-process cluster under kill -9, are behaviours of spec/multipaxos.py; logs of faulty builds
are rejected with the first unexplained event named."""

from __future__ import annotations

import contextlib
import dataclasses
import json
import subprocess
import sys
import time
from pathlib import Path

import pytest

from checker.conformance.validate import Event, read_logs, validate
from checker.errors import UsageError
from impl.net.client import Client
from impl.net.cluster import LocalCluster
from impl.paxos.faults import Fault
from impl.sim.cluster import SIM_OPTIONS, Faults, Simulation
from tests.conformance.multipaxos_log import MultiPaxosLog
from tests.conftest import ROOT

MAPPING = "tests/conformance/multipaxos_log.py:MultiPaxosLog"
# Lost log tails included: a replica that recovers as it should never does anything the spec
# forbids, although the spec knows nothing of amnesia.
FAULTS = Faults(crash=0.004, partition=0.004, tail_loss=0.004)


def sim_log(seed: int, steps: int, faults: frozenset[Fault] = frozenset()) -> list[Event]:
    options = dataclasses.replace(SIM_OPTIONS, events=True, snapshot_every=0, faults=faults)
    sim = Simulation(3, seed, steps, faults=FAULTS, options=options)
    # A faulty build may break the simulation's own checks too; the log is what counts here.
    with contextlib.suppress(AssertionError):
        sim.run()
    return [Event(f"sim:{i + 1}", record) for i, record in enumerate(sim.event_log)]


@pytest.mark.parametrize("seed", range(6))
def test_simulated_runs_under_faults_are_behaviours_of_the_spec(seed: int) -> None:
    report = validate("spec/multipaxos.py", sim_log(seed, 500), MultiPaxosLog)
    assert report.ok, report.text()
    assert report.events > 20


@pytest.mark.parametrize(
    "fault",
    [
        Fault.IGNORE_REPORTED_VOTES,
        Fault.COMMIT_WITHOUT_MAJORITY,
        Fault.UNPERSISTED_PROMISE,
        Fault.FORGET_VOTES_ON_RESTART,
        Fault.BALLOT_NOT_UNIQUE,
        Fault.SKIP_RECOVERY,
    ],
)
def test_a_faulty_build_is_rejected_at_its_first_unexplained_event(fault: Fault) -> None:
    for seed in range(40):
        report = validate(
            "spec/multipaxos.py", sim_log(seed, 600, frozenset({fault})), MultiPaxosLog
        )
        if not report.ok:
            text = report.text()
            assert f"no spec step explains event {report.events + 1}, at sim:" in text
            assert "the guard at spec/multipaxos.py:" in text or "differ in:" in text
            return
    pytest.fail(f"{fault}: every log of 40 seeds was accepted")


def test_logs_merge_by_time_and_bad_lines_name_file_and_line(tmp_path: Path) -> None:
    a, b = tmp_path / "a.ndjson", tmp_path / "b.ndjson"
    a.write_text('{"time": 1, "event": "x"}\n{"time": 5, "event": "z"}\n')
    b.write_text('{"time": 3, "event": "y"}\n')
    assert [e.record["event"] for e in read_logs([a, b])] == ["x", "y", "z"]
    b.write_text('{"time": 3, "event": "y"}\nnot json\n')
    with pytest.raises(UsageError, match=rf"{b}:2: not a JSON object"):
        read_logs([a, b])


def run_cluster(
    directory: Path,
    faults: frozenset[Fault],
    kill_leader: bool,
    writes: int = 10,
    kill_followers: bool = False,
) -> list[Path]:
    settings = {"paxoscope.eventLog": "true", "paxoscope.electionTicks": "20"}
    with LocalCluster(directory, 3, faults=faults, settings=settings, service="kv") as cluster:
        cluster.start()
        leader = cluster.wait_for_leader()
        with Client(cluster.addresses, timeout=20, attempt_timeout=0.5) as client:
            client.put("warm-up", b"v")  # every node is connected and has voted once
            if kill_followers:  # whatever is decided now is decided by the leader alone
                for node in cluster.nodes:
                    if node.id != leader:
                        cluster.kill_node(node.id)
            for i in range(writes):
                client.put(f"k{i}", b"v")
            if kill_leader:
                cluster.kill_node(leader)
                for i in range(10, 20):
                    client.put(f"k{i}", b"v")
                cluster.start_node(leader)
                time.sleep(1)  # let it rejoin and catch up
                for i in range(20, 25):
                    client.put(f"k{i}", b"v")
    return [node.directory / "data" / "events.ndjson" for node in cluster.nodes]


def paxoscope_validate(logs: list[Path]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "checker.cli", "validate", "spec/multipaxos.py", *map(str, logs),
         "--mapping", MAPPING],
        cwd=ROOT, capture_output=True, text=True, timeout=300,
    )  # fmt: skip


def test_a_real_cluster_run_under_kill_9_validates(tmp_path: Path) -> None:
    logs = run_cluster(tmp_path / "c", frozenset(), kill_leader=True)
    events = [json.loads(line) for log in logs for line in log.read_text().splitlines()]
    assert sum(e["event"] == "campaign" for e in events) >= 2  # a second election happened
    result = paxoscope_validate(logs)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "the log is a behaviour of MultiPaxos" in result.stdout


def test_a_real_cluster_of_a_faulty_build_is_rejected(tmp_path: Path) -> None:
    # With both followers dead, the faulty leader decides on its own vote (a correct one would
    # wait): no race with the followers' votes can make the log look legal.
    logs = run_cluster(
        tmp_path / "c",
        frozenset({Fault.COMMIT_WITHOUT_MAJORITY}),
        kill_leader=False,
        writes=3,
        kill_followers=True,
    )
    result = paxoscope_validate(logs)
    assert result.returncode == 1, result.stdout + result.stderr
    assert "no spec step explains event" in result.stdout
    assert '"event": "learn"' in result.stdout  # decided on the leader's vote alone


def test_validate_reports_bad_input_with_exit_2(tmp_path: Path) -> None:
    log = tmp_path / "e.ndjson"
    log.write_text("[1, 2]\n")
    result = paxoscope_validate([log])
    assert result.returncode == 2
    assert f"{log}:1: an event needs an `event` field" in result.stderr
