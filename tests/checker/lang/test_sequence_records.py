"""Sequences of records (`Sequence(args..., Msg, capacity=k)`, stored as a length and one slots
function per field): both explicit engines explore what a plain-Python model of
tests/specs/record_channel.py explores, with and without symmetry; every sequence operation and
value gives and takes records; traces print `<<[type |-> req, ...]>>` and ITF lists of records
that `trace`, `show` and `conform` read back; appending past the capacity is an error with its trace
(check, bmc and prove); what cannot be supported is refused at its line."""

from __future__ import annotations

import itertools
import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pytest

from checker import (
    Individual,
    IntSort,
    Record,
    Sequence,
    Sort,
    Spec,
    action,
    iff,
    implies,
    invariant,
    ir,
    maybe,
    require,
)
from checker.check import check
from checker.conformance.driver import Driver
from checker.errors import SpecError
from checker.explicit import Options
from checker.lang.trace import trace_spec
from checker.loader import load_spec
from checker.symbolic.bmc import bmc
from tests.conftest import ROOT, run_cli

CHANNEL = str(ROOT / "tests/specs/record_channel.py")

Msg = tuple[int, int, int]  # type (0 req, 1 ack), ballot, value (-1: None)
State = tuple[tuple[tuple[Msg, ...], ...], tuple[Msg, ...]]
PAIRS: list[tuple[int, int]] = [(s, r) for s in range(2) for r in range(2)]


def python_states(cap: int) -> tuple[set[State], int]:
    """The states and depth of record_channel.py's `RecordChannel` (2 processes, 2 values, 2
    ballots), by breadth-first search over tuples of (type, ballot, value) triples."""

    def successors(st: State) -> list[State]:
        net, got = st
        out: list[State] = []

        def put(changes: dict[tuple[int, int], tuple[Msg, ...]], log: tuple[Msg, ...]) -> None:
            out.append((tuple(changes.get(p, net[k]) for k, p in enumerate(PAIRS)), log))

        for k, (s, r) in enumerate(PAIRS):
            q = net[k]
            back = net[PAIRS.index((r, s))]
            if s != r and len(q) < cap:
                for b, v in itertools.product(range(2), range(2)):
                    put({(s, r): (*q, (0, b, v))}, got)
            if q and q[0][0] == 0 and len(back) < cap:
                put({(r, s): (*back, (1, q[0][1], -1)), (s, r): q[1:]}, got)
            if q and q[0][0] == 1:
                put({(s, r): q[1:]}, (*(got[1:] if len(got) == 2 else got), q[0]))
            for i in range(len(q)):
                put({(s, r): q[:i] + q[i + 1 :]}, got)
            if q and q[0][1] < 1:
                put({(s, r): ((q[0][0], 1, q[0][2]), *q[1:])}, got)
            if len(q) >= 2 and q[0] != q[1]:
                put({(s, r): (*q[1:], q[0])}, got)
        return out

    start: State = (tuple(() for _ in PAIRS), ())
    level, seen, depth = {start}, {start}, 0
    while level:
        depth += 1
        level = {t for st in level for t in successors(st)} - seen
        seen |= level
    return seen, depth  # the number of levels, as paxoscope counts depth


@pytest.mark.parametrize("cap", [1, 2])
@pytest.mark.parametrize("engine", ["vector", "reference"])
def test_a_record_channel_explores_what_python_does(engine: str, cap: int) -> None:
    report = check(CHANNEL + ":RecordChannel", {"cap": cap}, Options(engine=engine))
    assert report.ok and report.result.complete
    assert report.never_fired == ([] if cap > 1 else ["rotate"])  # rotating needs two
    states, depth = python_states(cap)
    assert (report.result.distinct_states, report.result.depth) == (len(states), depth)


@pytest.mark.parametrize("engine", ["vector", "reference"])
def test_symmetry_permutes_the_processes_inside_record_channels(engine: str) -> None:
    from tests.specs.record_channel import RecordChannel

    class Symmetric(RecordChannel):
        proc = Sort(RecordChannel.procs, labels="p", symmetric=True)

    def swapped(st: State) -> State:
        net, got = st
        moved = {(1 - s, 1 - r): net[k] for k, (s, r) in enumerate(PAIRS)}
        return (tuple(moved[p] for p in PAIRS), got)

    states, _ = python_states(2)
    orbits = {min(st, swapped(st)) for st in states}
    report = check(Symmetric, {}, Options(engine=engine, symmetry=True))
    assert report.ok and report.result.distinct_states == len(orbits) < len(states)


def test_a_record_sequence_is_a_length_and_one_slots_function_per_field() -> None:
    spec = trace_spec(load_spec(CHANNEL + ":RecordChannel"))
    net = [s for s in spec.symbols if s.sequence is not None and s.sequence.name == "net"]
    assert [s.name for s in net] == ["net_len", "net_at_type", "net_at_bal", "net_at_val"]
    assert net[0].sequence == ir.SequenceOf(
        "net", "net_len", ("net_at_type", "net_at_bal", "net_at_val"), ("type", "bal", "val")
    )
    assert [t.sort for t in net[1].args] == ["proc", "proc", "net_index"]


@pytest.mark.parametrize("engine", ["vector", "reference"])
def test_appending_past_the_capacity_is_an_error_with_its_trace(engine: str) -> None:
    v = check(CHANNEL + ":Overfull", {}, Options(engine=engine)).result.violation
    assert v is not None and v.kind == "error" and v.name == "send" and len(v.trace) == 3


def test_bmc_reads_record_sequences() -> None:
    found = bmc(CHANNEL + ":Overfull", {}, k=3)
    assert (found.result, found.kind, found.violated) == ("violation", "error", "send")
    assert bmc(CHANNEL + ":RecordChannel", {"cap": 1}, k=4).result == "ok"


def test_prove_reads_record_sequences() -> None:
    """The invariants are inductive in `RecordChannel` (an acknowledgement is made with no
    value, and only acknowledgements are logged); in `Overfull`, `send` can fail."""
    from checker import conjunct
    from checker.symbolic.prove import prove
    from tests.specs.record_channel import Overfull, RecordChannel

    def proof_of(spec: type) -> type:
        def acks(self):  # type: ignore[no-untyped-def]
            return self.acks_carry_no_value() & self.the_log_holds_acks()

        safety = ("acks_carry_no_value", "the_log_holds_acks")
        return type(f"{spec.__name__}Proof", (spec,), {"safety": safety, "acks": conjunct(acks)})

    assert prove(proof_of(RecordChannel)).result == "proved"
    broken = prove(proof_of(Overfull))
    assert broken.result == "failed"
    assert [o.title for o in broken.failed] == ["send never fails"]


# -- every operation and value, on one scripted run -------------------------------------------


class Script(Spec):
    """One run, a step at a time; `as_expected` states each step's sequences with list values,
    `==`, `!=`, `contains`, `any`, `all`, indexing, slices, `tail` and concatenation."""

    node = Sort(2, labels="n")
    step = IntSort(0, 4)
    Pair = Record(src=node, dst=node)
    q = Sequence(Pair, capacity=3)
    r = Sequence(Pair, capacity=3)
    at = Individual(step, init=0)

    def p(self, a: int, b: int):  # type: ignore[no-untyped-def]
        return self.Pair(src=self.node[a], dst=self.node[b])

    @action
    def fill(self) -> None:  # q = [(0,1), (1,0)]
        require(self.at == 0)
        self.q().append(self.p(0, 1))
        self.q().append(self.q().head().replace(src=self.node[1], dst=self.node[0]))
        self.at = 1

    @action
    def copy(self) -> None:  # r = [(1,0), (0,1), (1,0)]
        require(self.at == 1)
        self.r = self.q()[1:] + self.q()
        self.at = 2

    @action
    def rewrite(self) -> None:  # q = [(1,1), (1,0)]
        require(self.at == 2)
        self.q().set(0, self.q().last().replace(dst=self.node[1]))
        self.at = 3

    @action
    def shorten(self) -> None:  # r = [(1,0), (1,0)], q = [(1,0)]
        require(self.at == 3)
        self.r().remove(1)
        self.q = self.q().tail()
        self.at = 4

    def expected(self, step: int):  # type: ignore[no-untyped-def]
        q, r, p = self.q(), self.r(), self.p
        match step:
            case 0:
                return q.is_empty() & (r == [])
            case 1:
                return (
                    (q == [p(0, 1), p(1, 0)])
                    & (q.head() == p(0, 1))
                    & (q.last().src == self.node[1])
                    & (q[1] != q[0])
                    & q.contains(p(1, 0))
                    & ~q.contains(p(0, 0))
                    & (r == [])
                )
            case 2:
                return (
                    (r == [p(1, 0), p(0, 1), p(1, 0)])
                    & (r[1:] == q)
                    & (r.tail()[:1] == [p(0, 1)])
                    & r.any(lambda i, m: (i == 2) & (m == p(1, 0)))
                    & r.all(lambda m: m.src != m.dst)
                )
            case 3:
                return (q == [p(1, 1), p(1, 0)]) & (q != r[:2]) & (q[1:] == r[2:])
            case _:
                return (
                    (r == [p(1, 0), p(1, 0)])
                    & (q == [p(1, 0)])
                    & (q + q == r)
                    & ([p(1, 0)] + r[1:] == [p(1, 0)] + q)  # noqa: RUF005 - symbolic
                )

    @invariant
    def as_expected(self):
        parts = [implies(self.at == k, self.expected(k)) for k in range(5)]
        out = parts[0]
        for part in parts[1:]:
            out = out & part
        return out


class WrongScript(Script):
    def expected(self, step: int):  # type: ignore[no-untyped-def]
        if step == 3:  # set(0, ...) replaced the head, so this is wrong
            return self.q() == [self.p(0, 1), self.p(1, 0)]
        return super().expected(step)


@pytest.mark.parametrize("engine", ["vector", "reference"])
def test_every_operation_gives_and_takes_records(engine: str) -> None:
    report = check(Script, {}, Options(engine=engine))
    assert report.ok and report.result.distinct_states == 5, report.result.violation
    v = check(WrongScript, {}, Options(engine=engine)).result.violation
    assert v is not None and v.name == "as_expected" and len(v.trace) == 4


# -- traces -------------------------------------------------------------------------------------


FIRST = "[type |-> req, bal |-> 0, val |-> v1]"


def test_text_html_and_itf_traces_show_records_and_read_back(tmp_path: Path) -> None:
    itf, html = tmp_path / "t.itf.json", tmp_path / "t.html"
    result = run_cli(
        "check",
        CHANNEL + ":Overfull",
        "--no-progress",
        "--trace-out",
        str(itf),
        "--html",
        str(html),
    )
    assert result.returncode == 1, result.stderr
    assert f"  net[p1, p2]: <<{FIRST}>> -> <<{FIRST}, {FIRST}>>" in result.stdout
    assert "  got = <<>>" in result.stdout and "net_at" not in result.stdout
    assert f"<<{FIRST}, {FIRST}>>" in html.read_text()
    doc = json.loads(itf.read_text())
    assert doc["vars"] == ["net", "got"]
    record = {"type": "req", "bal": 0, "val": "v1"}
    assert doc["states"][-1]["net"]["#map"][1] == [{"#tup": ["p1", "p2"]}, [record, record]]
    replayed = run_cli("trace", CHANNEL + ":Overfull", str(itf))
    assert replayed.returncode == 0, replayed.stderr
    assert f"  net[p1, p2]: <<{FIRST}>> -> <<{FIRST}, {FIRST}>>" in replayed.stdout
    page = tmp_path / "shown.html"
    shown = run_cli("show", str(itf), "-o", str(page))
    assert shown.returncode == 0, shown.stderr
    assert f"<<{FIRST}, {FIRST}>>" in page.read_text()


class ChannelDriver(Driver):
    """A toy implementation of record_channel.py's sends: Python lists of (type, bal, val)
    triples, abstracted to the functions that store the spec's sequences. `wrong_bal`: it
    stores every message with ballot 1."""

    wrong_bal = False

    def __init__(self, params: Mapping[str, int], options: Mapping[str, str] | None = None):
        super().__init__(params, options)
        self.net: dict[tuple[str, str], list[tuple[str, int, str]]] = {
            (s, r): [] for s in ("p1", "p2") for r in ("p1", "p2")
        }

    def send(self, s: str, r: str, b: int, v: str) -> None:
        self.net[s, r].append(("req", 1 if self.wrong_bal else b, v))

    def abstract(self) -> dict[str, Any]:
        """The length and the per-field slots functions of `net` (past the length: the empty
        slot's values), and `got`, which sends leave empty."""
        out: dict[str, Any] = {"net_len": {k: len(q) for k, q in self.net.items()}, "got_len": 0}
        for k, (field, empty) in enumerate((("type", "req"), ("bal", 0), ("val", "None"))):
            out[f"net_at_{field}"] = {
                (s, r, i): q[i][k] if i < len(q) else empty
                for (s, r), q in self.net.items()
                for i in range(self.params["cap"])
            }
            out[f"got_at_{field}"] = {0: empty, 1: empty}
        return out


class WrongDriver(ChannelDriver):
    wrong_bal = True


def test_conform_replays_an_itf_trace_of_records(tmp_path: Path) -> None:
    from checker.conform import conform

    itf = tmp_path / "t.itf.json"
    found = run_cli("check", CHANNEL + ":Overfull", "--no-progress", "--trace-out", str(itf))
    assert found.returncode == 1, found.stderr
    fine = conform(CHANNEL + ":RecordChannel", ChannelDriver, {"cap": 2}, traces=[str(itf)])
    assert fine.ok and fine.steps == 2, fine.text()
    wrong = conform(CHANNEL + ":RecordChannel", WrongDriver, {"cap": 2}, traces=[str(itf)])
    assert not wrong.ok and "state mismatch at step 1" in wrong.text()
    differs = [line.text for line in wrong.mismatches[0].detail]
    assert any("[type |-> req, bal |-> 1, val |-> v1]" in text for text in differs), differs


def test_every_reachable_state_round_trips_through_itf() -> None:
    from checker.explicit.graph import explore_graph
    from checker.traces.itf import state_from_itf, state_to_itf

    report = check(CHANNEL + ":RecordChannel", {"cap": 1})
    engine = report.engine
    graph = explore_graph(engine, limit=100_000)
    assert graph.complete and len(graph.states) == report.result.distinct_states
    logs: set[int] = set()
    for s in graph.states:
        obj = json.loads(json.dumps(state_to_itf(engine.inst, engine.layout, s)))
        logs.add(len(obj["got"]))
        assert all(set(m) == {"type", "bal", "val"} for m in obj["got"])
        assert state_from_itf(engine.inst, engine.layout, obj) == s
    assert logs == {0, 1, 2}


# -- what is refused ----------------------------------------------------------------------------


def test_a_wrong_field_name_exits_2_naming_its_line() -> None:
    result = run_cli("check", CHANNEL + ":Misfiled", "--no-progress")
    assert result.returncode == 2
    assert "record_channel.py:108" in result.stderr
    assert "record `Msg` has no field `ballot`" in result.stderr


def test_an_element_of_another_kind_is_refused() -> None:
    class Mixed(Script):
        @action
        def push(self) -> None:
            self.q().append(self.node[0])

    with pytest.raises(SpecError, match="must be a `Pair` record, not") as caught:
        trace_spec(Mixed)
    assert "test_sequence_records.py" in str(caught.value)


def test_a_pop_whose_condition_reads_the_elements_is_refused() -> None:
    """`q.pop(when=q.head() == m)`: the pop moves the elements, field by field, before it
    writes the length, so the condition would be read changed."""

    class Popper(Script):
        @action
        def drop(self) -> None:
            require(~self.q().is_empty())
            self.q().pop(when=self.q().head() == self.p(0, 1))

    with pytest.raises(SpecError, match="freeze it with a choice first") as caught:
        trace_spec(Popper)
    assert "test_sequence_records.py" in str(caught.value)

    class Plain(Spec):  # a sequence of sort elements read them moved too
        node = Sort(2, labels="n")
        q = Sequence(node, capacity=2)

        @action
        def drop(self) -> None:
            require(~self.q().is_empty())
            self.q().pop(when=self.q().head() == self.node[0])

    with pytest.raises(SpecError, match="reads the elements of `q`"):
        trace_spec(Plain)


class Dropper(Spec):
    node = Sort(2, labels="n")
    Pair = Record(src=node, dst=node)
    q = Sequence(Pair, capacity=2)

    @action
    def send(self, a: node, b: node) -> None:
        require(self.q().len() < 2)
        self.q().append(self.Pair(src=a, dst=b))


class FrozenDrop(Dropper):
    """The workaround: the condition frozen with a choice, then `pop(when=...)`."""

    @action
    def drop(self) -> None:
        require(~self.q().is_empty())
        hit = maybe()
        require(iff(hit, self.q().head() == self.Pair(src=self.node[0], dst=self.node[1])))
        self.q().pop(when=hit)


class SplitDrop(Dropper):
    @action
    def drop(self) -> None:
        require(~self.q().is_empty())
        require(self.q().head() == self.Pair(src=self.node[0], dst=self.node[1]))
        self.q().pop()


@pytest.mark.parametrize("engine", ["vector", "reference"])
def test_the_frozen_condition_pops_what_a_guard_does(engine: str) -> None:
    frozen = check(FrozenDrop, {}, Options(engine=engine)).result
    split = check(SplitDrop, {}, Options(engine=engine)).result
    assert frozen.violation is None and split.violation is None
    assert (frozen.distinct_states, frozen.depth) == (split.distinct_states, split.depth)
    assert frozen.distinct_states == 1 + 4 + 16


def test_fields_that_read_each_other_in_a_cycle_are_refused() -> None:
    class Swap(Dropper):
        @action
        def swap(self) -> None:
            q = self.q()
            require(~q.is_empty())
            q.set(0, self.Pair(src=q.head().dst, dst=q.head().src))

    with pytest.raises(SpecError, match="read each other's old values in a cycle"):
        trace_spec(Swap)
