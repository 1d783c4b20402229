"""The vector engine on a Ray cluster (`--ray`): a three-node cluster on this machine (local,
one CPU a node, so one actor a node) gives the results of one process, on every bundled spec
and mutant; checkpoints resume across one process and the cluster; a lost node stops the
search with an error, exit 2; the option's misuses are refused; Ray is imported only for it."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import jsonschema
import pytest
from click.testing import CliRunner

from checker.check import check
from checker.cli import main
from checker.errors import UsageError
from checker.explicit import Options, SearchResult, checkpoint
from checker.explicit.vector import bfs
from checker.explicit.vector.raypool import RayWorkers
from checker.loader import bundled_specs
from tests.conftest import ROOT, run_cli

ray = pytest.importorskip("ray")
cluster_utils = pytest.importorskip("ray.cluster_utils")

NODES = 3  # each node costs seconds of start-up
# One cluster, on one xdist worker (scripts/test.sh runs --dist loadgroup), tests in order.
pytestmark = pytest.mark.xdist_group("ray")


@pytest.fixture(scope="module")
def cluster() -> Iterator[Any]:
    """A head and NODES - 1 more nodes, each with one CPU; this process is connected to it."""
    args = {"num_cpus": 1, "include_dashboard": False}
    nodes = cluster_utils.Cluster(initialize_head=True, head_node_args=args)
    try:
        for _ in range(NODES - 1):
            nodes.add_node(num_cpus=1)
        nodes.wait_for_nodes()
        ray.init(address=nodes.address, logging_level="ERROR", log_to_driver=False)
        yield nodes
    finally:
        ray.shutdown()
        nodes.shutdown()


def summary(result: SearchResult) -> tuple[Any, ...]:
    coverage = sorted((name, c.fired, c.distinct) for name, c in result.coverage.items())
    v = result.violation
    return (result.distinct_states, result.depth, result.transitions, coverage, result.liveness,
            None if v is None else (v.kind, v.name, v.trace, v.loop))  # fmt: skip


CASES = [
    ("spec/paxos.py", {"max_ballot": 1}, {}),
    ("spec/paxos.py", {"max_ballot": 1}, {"exact": False, "symmetry": True}),
    ("spec/mutants/paxos_ignore_highest_vote.py", {"max_ballot": 1}, {}),
    ("tests/specs/stuck.py", {}, {"deadlock": True}),
    ("tests/specs/live_mutex.py:WeakMutex", {}, {}),
]


@pytest.mark.parametrize(("spec", "params", "options"), CASES, ids=[
    "paxos", "paxos-fingerprints-symmetry", "mutant-invariant", "deadlock", "liveness-violated",
])  # fmt: skip
def test_a_cluster_gives_the_results_of_one_process(
    cluster: Any,
    monkeypatch: pytest.MonkeyPatch,
    spec: str,
    params: dict[str, int],
    options: dict[str, Any],
) -> None:
    """Identical counts, depth, coverage and counterexample; small groups, so that every
    actor expands some of each level and ships candidates to the others."""
    one = check(spec, params, Options(workers=1, **options)).result
    monkeypatch.setattr(bfs, "GROUP_ROWS", 64)
    monkeypatch.setattr(bfs, "MIN_GROUP_ROWS", 16)
    seen: list[RayWorkers] = []
    real = RayWorkers.close

    def close(self: RayWorkers, keep: bool = True) -> None:
        seen.append(self)
        real(self, keep)

    monkeypatch.setattr(RayWorkers, "close", close)
    on_ray = check(spec, params, Options(ray=cluster.address, **options)).result
    assert summary(on_ray) == summary(one)
    assert on_ray.workers == NODES  # one actor per CPU of the cluster
    if spec == "spec/paxos.py" and not options:
        assert (one.distinct_states, one.depth) == (3921, 17)
        assert sum(s.states for s in seen[0].stats) == 3921
        assert all(s.shipped > 0 for s in seen[0].stats)


BUNDLED_DEPTH = 3  # levels of each bundled spec: a few, so that all of them take seconds
# ... with their default parameters, but for those whose first levels are large
BUNDLED_PARAMS: dict[str, dict[str, int]] = {"Bakery": {"n": 1}}  # n=2: 655,200 initial states


def test_every_bundled_spec_and_mutant_gives_the_results_of_one_process(
    cluster: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Each bundled spec and mutant, with its default parameters, to a bounded depth (its
    liveness properties, which need the whole graph, are checked in `CASES`); small groups,
    so that candidates travel between the three actors. One search's actors serve the next
    (starting them would cost seconds a spec)."""
    monkeypatch.setattr(bfs, "GROUP_ROWS", 256)
    monkeypatch.setattr(bfs, "MIN_GROUP_ROWS", 64)
    actors: set[tuple[Any, ...]] = set()
    real = RayWorkers.close

    def close(self: RayWorkers, keep: bool = True) -> None:
        actors.add(tuple(a._actor_id.hex() for a in self.actors))
        real(self, keep)

    monkeypatch.setattr(RayWorkers, "close", close)
    checked = 0
    for module, cls in bundled_specs():
        path = f"{module.replace('.', '/')}.py:{cls.__name__}"
        bounded: dict[str, Any] = {"max_depth": BUNDLED_DEPTH, "liveness": []}
        params = BUNDLED_PARAMS.get(cls.__name__, {})
        one = check(path, params, Options(workers=1, **bounded)).result
        on_ray = check(path, params, Options(ray=cluster.address, **bounded)).result
        assert summary(on_ray) == summary(one), path
        checked += 1
    assert checked >= 40
    assert len(actors) == 1


class Crash(Exception):
    """Stands for the driver dying."""


def test_a_checkpoint_resumes_across_one_process_and_the_cluster(
    cluster: Any, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """A run stopped after its 5th checkpoint resumes on the cluster, and the other way
    round, to the end of an uninterrupted run."""
    mutant = "spec/mutants/paxos_ignore_highest_vote.py"
    whole = check(mutant, {"max_ballot": 2}, Options(workers=1)).result
    real = checkpoint.Checkpointer.save
    alone: dict[str, Any] = {"workers": 1}
    on_ray: dict[str, Any] = {"ray": cluster.address}
    for first, then in ((alone, on_ray), (on_ray, alone)):
        directory = tmp_path / ("ray-first" if "ray" in first else "alone-first")

        def save(self: checkpoint.Checkpointer, *args: Any, saves: list[int] = []) -> None:  # noqa: B006
            if len(saves) == 5:
                raise Crash
            saves.append(1)
            real(self, *args)

        common: dict[str, Any] = {"checkpoint": directory, "checkpoint_every": 0}
        with monkeypatch.context() as patch:
            patch.setattr(checkpoint.Checkpointer, "save", save)
            with pytest.raises(Crash):
                check(mutant, {"max_ballot": 2}, Options(**common, **first))
        resumed = check(mutant, {"max_ballot": 2}, Options(resume=True, **common, **then))
        assert summary(resumed.result) == summary(whole)


def test_the_report_says_what_the_cluster_cost(cluster: Any, tmp_path: Path) -> None:
    """`--json` has a `ray` section (schema-checked): the nodes, the actors, per level the
    states, the bytes shipped and the barrier waits; the text report sums them in one line."""
    out = tmp_path / "out.json"
    args = ["check", "spec/paxos.py", "-p", "max_ballot=1", "--ray", cluster.address]
    result = CliRunner().invoke(main, [*args, "--json", str(out)])
    assert result.exit_code == 0, result.output
    assert re.search(
        rf"on Ray: {NODES} nodes, {NODES} actors, [0-9.]+ MiB shipped, barrier waits", result.output
    )
    doc = json.loads(out.read_text())
    schema = json.loads((ROOT / "checker/schemas/check-result.schema.json").read_text())
    jsonschema.validate(doc, schema)
    cost = doc["ray"]
    assert (cost["nodes"], cost["actors"]) == (NODES, NODES)
    assert sum(level["states"] for level in cost["levels"]) == doc["distinct_states"] == 3921
    assert cost["shipped_bytes"] == sum(level["shipped"] for level in cost["levels"]) > 0
    # one process: no such section
    alone = CliRunner().invoke(
        main, ["check", "spec/paxos.py", "-p", "max_ballot=1", "--json", "-"]
    )
    assert "ray" not in json.loads(alone.output[alone.output.index("{") :])


def test_a_lost_node_stops_the_search_with_an_error(
    cluster: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A node removed after the third level: its actor's partition of the visited states is
    gone, and the run stops with an error (exit 2) rather than counting wrong. (Last: the
    cluster has a node fewer afterwards.)"""
    real = RayWorkers.store

    def store(self: RayWorkers, numbered: Any, limit: int) -> None:
        real(self, numbered, limit)
        if len(self.stats) == 3 and cluster.worker_nodes:  # the first run loses the node
            cluster.remove_node(next(iter(cluster.worker_nodes)))

    monkeypatch.setattr(RayWorkers, "store", store)
    args = ["check", "spec/paxos.py", "-p", "max_ballot=1", "--ray", cluster.address]
    result = CliRunner().invoke(main, args)
    assert result.exit_code == 2, result.output
    assert "lost an actor or a node" in result.output
    assert "distinct states" not in result.output


def test_without_ray_the_option_is_a_usage_error(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "ray", None)  # import ray fails
    with pytest.raises(UsageError, match=r"--ray needs Ray.*paxoscope\[ray\]"):
        check("spec/paxos.py", {"max_ballot": 1}, Options(ray="auto"))


@pytest.mark.parametrize(
    ("flags", "message"),
    [
        (["--max-memory", "1G"], "--ray and --max-memory do not work together"),
        (["--engine", "reference"], "--ray auto works only with the vector engine"),
        (["--mode", "dfs"], "--ray auto works only with the vector engine"),
    ],
)
def test_misuses_of_the_option_are_refused(flags: list[str], message: str) -> None:
    result = run_cli("check", "spec/paxos.py", "-p", "max_ballot=1", "--ray", "auto", *flags)
    assert result.returncode == 2
    assert message in result.stderr
    assert "Traceback" not in result.stderr


def test_checking_without_the_option_does_not_import_ray() -> None:
    code = (
        "import sys\n"
        "from checker.check import check\n"
        "from checker.cli import main\n"
        "from checker.explicit import Options\n"
        "check('spec/paxos.py', {'max_ballot': 1}, Options(workers=2))\n"
        "assert 'ray' not in sys.modules, 'ray was imported'\n"
    )
    subprocess.run([sys.executable, "-c", code], cwd=ROOT, check=True)
