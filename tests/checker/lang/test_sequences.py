"""Sequences (`Sequence(args..., elem, capacity=k)`): every engine explores what a plain-Python
model of tests/specs/fifo.py explores; appending past the capacity, popping an empty sequence
and reading past the length are errors with their trace (check, both engines, and bmc);
traces print sequences as `<<a, b>>`."""

from __future__ import annotations

import itertools

import pytest

from checker import Sort
from checker.check import check
from checker.explicit import Options
from checker.symbolic.bmc import bmc
from checker.symbolic.prove import prove
from tests.conftest import ROOT, run_cli

FIFO = str(ROOT / "tests/specs/fifo.py")

State = tuple[tuple[tuple[int, ...], ...], tuple[tuple[int, ...], ...], tuple[int, ...]]


def python_model(nodes: int, values: int, cap: int) -> tuple[int, int]:
    """Distinct states and depth of fifo.py's `Fifo`, by breadth-first search over tuples."""
    seen, depth = python_states(nodes, values, cap)
    return len(seen), depth


def python_states(nodes: int, values: int, cap: int, lossy: bool = False) -> tuple[set[State], int]:
    pairs = list(itertools.product(range(nodes), repeat=2))

    def successors(st: State) -> list[State]:
        net, log, sent = st
        out: list[State] = []
        for k, (s, r) in enumerate(pairs):
            for v in range(values):
                if s != r and len(net[k]) < cap and sent[s] < 3:
                    n2 = list(net)
                    n2[k] = (*net[k], v)
                    s2 = list(sent)
                    s2[s] += 1
                    out.append((tuple(n2), log, tuple(s2)))
            if net[k] and len(log[r]) < 2:
                n2, l2 = list(net), list(log)
                l2[r] = (*log[r], net[k][0])
                n2[k] = net[k][1:]
                out.append((tuple(n2), tuple(l2), sent))
        for k in range(len(pairs)) if lossy else ():
            for i in range(min(len(net[k]), 2)):  # Lossy: lose the message at i (i in 0..1)
                n2 = list(net)
                n2[k] = net[k][:i] + net[k][i + 1 :]
                out.append((tuple(n2), log, sent))
        for n in range(nodes):
            for v in range(values):
                if log[n] and log[n][-1] != v:
                    l2 = list(log)
                    l2[n] = (*log[n][:-1], v)
                    out.append((net, tuple(l2), sent))
        return out

    start: State = (tuple(() for _ in pairs), tuple(() for _ in range(nodes)), (0,) * nodes)
    level, seen, depth = {start}, {start}, 0
    while level:
        depth += 1
        level = {t for st in level for t in successors(st)} - seen
        seen |= level
    return seen, depth


@pytest.mark.parametrize("params", [{"cap": 1}, {"cap": 2}, {"values": 1, "cap": 3}])
@pytest.mark.parametrize("engine", ["vector", "reference"])
def test_a_fifo_explores_what_python_does(engine: str, params: dict[str, int]) -> None:
    report = check(FIFO + ":Fifo", params, Options(engine=engine))
    assert report.ok and report.result.complete
    full = {"nodes": 2, "values": 2, "cap": 2, **params}
    expected = python_model(full["nodes"], full["values"], full["cap"])
    assert (report.result.distinct_states, report.result.depth) == expected


def test_symmetry_permutes_the_nodes_of_sequences_not_their_positions() -> None:
    """With the nodes symmetric, the orbits of Fifo's states under swapping the two nodes (a
    channel n1->n2 becomes n2->n1, the logs and tallies swap; positions stay)."""
    from tests.specs.fifo import Fifo

    class SymmetricFifo(Fifo):
        node = Sort(Fifo.nodes, labels="n", symmetric=True)

    def swapped(st: State) -> State:
        net, log, sent = st
        pairs = list(itertools.product(range(2), repeat=2))
        moved = {(1 - s, 1 - r): net[k] for k, (s, r) in enumerate(pairs)}
        return (tuple(moved[p] for p in pairs), (log[1], log[0]), (sent[1], sent[0]))

    states, _ = python_states(2, 2, 2)
    orbits = {min(st, swapped(st)) for st in states}
    report = check(SymmetricFifo, {}, Options(symmetry=True))
    assert report.ok and report.result.distinct_states == len(orbits) < len(states)


@pytest.mark.parametrize(
    ("cls", "action", "what"),
    [
        ("Overfull", "send", "appending to `net`, full at its capacity"),
        ("PopEmpty", "recv", "popping `net`, which is empty"),
        ("PastTheEnd", "peek", "is outside `log_index`"),
    ],
)
@pytest.mark.parametrize("engine", ["vector", "reference"])
def test_misuse_is_an_error_with_its_trace(engine: str, cls: str, action: str, what: str) -> None:
    report = check(f"{FIFO}:{cls}", {}, Options(engine=engine))
    v = report.result.violation
    assert v is not None and v.kind == "error" and v.name == action
    text = " ".join(r.text for r in report.explanation()) + (
        v.failure.check.what if v.failure else ""
    )
    assert what in text, text


@pytest.mark.parametrize("engine", ["vector", "reference"])
def test_remove_takes_out_any_element(engine: str) -> None:
    report = check(FIFO + ":Lossy", {"cap": 2}, Options(engine=engine))
    assert report.ok and report.never_fired == []
    states, depth = python_states(2, 2, 2, lossy=True)
    assert (report.result.distinct_states, report.result.depth) == (len(states), depth)
    v = check(FIFO + ":LossyPastTheEnd", {}, Options(engine=engine)).result.violation
    assert v is not None and v.kind == "error" and v.name == "lose" and len(v.trace) == 1


@pytest.mark.parametrize("engine", ["vector", "reference"])
def test_any_and_all_read_the_elements_below_the_length(engine: str) -> None:
    v = check(FIFO + ":Watched", {}, Options(engine=engine)).result.violation
    assert v is not None and v.name == "never_v2_second" and len(v.trace) == 3


@pytest.mark.parametrize("engine", ["vector", "reference"])
def test_append_when_is_a_conditional_append(engine: str) -> None:
    when = check(FIFO + ":Filtered", {}, Options(engine=engine)).result
    split = check(FIFO + ":Split", {}, Options(engine=engine)).result
    assert when.violation is None and split.violation is None
    assert (when.distinct_states, when.depth) == (split.distinct_states, split.depth)
    assert when.distinct_states != python_model(2, 2, 2)[0]  # dropping changes what is reachable


def test_bmc_finds_the_overflow_and_proves_nothing_wrong_in_fifo() -> None:
    found = bmc(FIFO + ":Overfull", {}, k=4)
    assert (found.result, found.kind, found.violated) == ("violation", "error", "send")
    assert bmc(FIFO + ":Fifo", {"cap": 1}, k=5).result == "ok"


def test_the_trace_shows_sequences() -> None:
    result = run_cli("check", "tests/specs/fifo.py:Overfull", "--no-progress")
    assert result.returncode == 1, result.stderr
    assert "  net[n1, n2]: <<v1>> -> <<v1, v1>>" in result.stdout
    assert "  log = {n1: <<>>, n2: <<>>}" in result.stdout
    assert "net_at" not in result.stdout


def test_prove_reads_sequences_as_functions() -> None:
    """The proof obligations treat the length and slots as functions of integers: "send never
    fails" holds in `Fifo` (its guard keeps room) and fails in `Overfull`."""
    from checker import conjunct, forall
    from tests.specs.fifo import Fifo, Overfull

    def proof_of(spec: type) -> type:
        def short_logs(self):  # type: ignore[no-untyped-def]
            return forall(self.node, lambda n: self.log(n).len() <= 2)

        return type(
            f"{spec.__name__}Proof",
            (spec,),
            {
                "safety": ("logs_hold_what_was_sent",),
                "short_logs": conjunct(short_logs),
            },
        )

    fine = prove(proof_of(Fifo))
    assert fine.result == "proved", [o.title for o in fine.failed]
    broken = prove(proof_of(Overfull))
    assert broken.result == "failed"
    assert any("send" in o.title and "fail" in o.title for o in broken.failed), [
        o.title for o in broken.failed
    ]
