"""Sequences as action parameters and quantified variables (`SeqSort`, flattened into a length
and slots whose slots past the length are empty): both explicit engines count exactly the states,
transitions and enabled instances of brute-force Python models of tests/specs/seq_params.py;
quantifiers over sequences hold or fail as they should; every reading operation works on a
parameter; traces and ITF show one sequence that `trace` reads back; prove and bmc see the
construct; misuse is an error at its line."""

from __future__ import annotations

import itertools
import json
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from checker import (
    Individual,
    IntSort,
    Param,
    Relation,
    SeqSort,
    Sequence,
    Sort,
    Spec,
    action,
    always,
    conjunct,
    eventually,
    forall,
    implies,
    invariant,
    liveness,
    pick,
    require,
)
from checker.check import check
from checker.errors import SpecError
from checker.explicit import Options
from checker.lang.trace import trace_spec
from checker.symbolic.bmc import bmc
from checker.symbolic.prove import prove
from checker.traces.itf import trace_from_itf
from tests.conftest import ROOT, run_cli

SPECS = str(ROOT / "tests/specs/seq_params.py")
ENGINES = ["vector", "reference"]

Seq = tuple[int, ...]


def seqs(values: int, capacity: int) -> list[Seq]:
    """Every sequence of at most `capacity` elements of range(values)."""
    return [s for k in range(capacity + 1) for s in itertools.product(range(values), repeat=k)]


def explore(
    start: object, actions: dict[str, Callable[[object], Iterator[object]]]
) -> tuple[int, int, int, dict[str, int]]:
    """Breadth-first search of a Python model: distinct states, depth (TLC's), transitions
    and, per action, its enabled instances over every state (each yields one successor)."""
    level, seen, depth = [start], {start}, 0
    fired = dict.fromkeys(actions, 0)
    while level:
        depth += 1
        following = []
        for st in level:
            for name, successors in actions.items():
                for nxt in successors(st):
                    fired[name] += 1
                    if nxt not in seen:
                        seen.add(nxt)
                        following.append(nxt)
        level = following
    return len(seen), depth, sum(fired.values()), fired


def seq_params_model(values: int) -> tuple[int, int, int, dict[str, int]]:
    every = seqs(values, 2)

    def put(q: Seq) -> Iterator[Seq]:
        return (q + s for s in every if len(q) + len(s) <= 3)

    def take(q: Seq) -> Iterator[Seq]:
        return (q[len(s) :] for s in every if 0 < len(s) <= len(q) and q[: len(s)] == s)

    def reset(q: Seq) -> Iterator[Seq]:
        return (s for s in every if len(q) == 3)

    def push_head(q: Seq) -> Iterator[Seq]:
        return (q + s[:1] for s in every if s and len(q) < 3 and s[-1] != s[0])

    fns = {"put": put, "take": take, "reset": reset, "push_head": push_head}
    return explore((), fns)  # type: ignore[arg-type]


def record_params_model() -> tuple[int, int, int, dict[str, int]]:
    msgs = [(t, b) for t in range(2) for b in range(2)]  # (type: 0 req 1 ack, ballot)
    batches = [
        s for k in range(3) for s in itertools.product(msgs, repeat=k)
    ]  # every sequence of at most 2 messages

    def send(q: tuple[tuple[int, int], ...]) -> Iterator[object]:
        return (b for b in batches if not q and all(m[0] == 0 for m in b))

    def answer(q: tuple[tuple[int, int], ...]) -> Iterator[object]:
        acked = tuple((1, m[1]) for m in q)
        return (b for b in batches if q and q[0][0] == 0 and b == acked)

    def take(q: tuple[tuple[int, int], ...]) -> Iterator[object]:
        return iter([q[1:]] if q and q[0][0] == 1 else [])

    return explore((), {"send": send, "answer": answer, "take": take})  # type: ignore[dict-item]


def counts(spec: str, engine: str, params: dict[str, int] | None = None) -> object:
    report = check(f"{SPECS}:{spec}", params or {}, Options(engine=engine))
    assert report.ok and report.result.complete
    r = report.result
    fired = {name: c.fired for name, c in r.coverage.items()}
    return r.distinct_states, r.depth, r.transitions, fired


@pytest.mark.parametrize("values", [1, 2])
@pytest.mark.parametrize("engine", ENGINES)
def test_each_sequence_is_one_instance_of_an_action(engine: str, values: int) -> None:
    """put, take, reset and push_head have a sequence parameter: their enabled instances are
    the model's, one per sequence (a slot past the length is not a second instance)."""
    expected = seq_params_model(values)
    assert counts("SeqParams", engine, {"values": values}) == expected
    assert expected[0] == sum(values**k for k in range(4))  # every queue of at most 3


@pytest.mark.parametrize("engine", ENGINES)
def test_a_sequence_of_records_is_one_instance_too(engine: str) -> None:
    assert counts("RecordParams", engine) == record_params_model()


def test_a_parameter_is_a_length_and_slots_shown_as_one_sequence() -> None:
    spec = trace_spec(__import__("tests.specs.seq_params", fromlist=["x"]).RecordParams)
    send = next(a for a in spec.actions if a.name == "send")
    assert [v.name for v in send.params] == [
        "b_len", "b_0_type", "b_0_bal", "b_1_type", "b_1_bal"
    ]  # fmt: skip
    assert send.params[0].vtype.sort == "Batch_length"
    assert [(sc.name, sc.start, sc.capacity, sc.fields) for sc in send.sequence_params] == [
        ("b", 0, 2, ("type", "bal"))
    ]
    assert send.record_params == ()  # the slots' fields belong to the sequence


# -- quantifiers ------------------------------------------------------------------------------


@pytest.mark.parametrize("engine", ENGINES)
def test_quantifiers_over_sequences_hold_and_fail_as_they_should(engine: str) -> None:
    """SeqParams' `splits` (every queue is a + b), `counted` and `counted_with_bottom` (each
    sequence counted once, bottom slots too) hold; `not_square` fails where q = s + s."""
    assert check(f"{SPECS}:SeqParams", {}, Options(engine=engine)).ok
    report = check(f"{SPECS}:NotSquare", {}, Options(engine=engine))
    v = report.result.violation
    assert v is not None and (v.kind, v.name, len(v.trace)) == ("invariant", "not_square", 2)
    assert "put(s=<<v1, v1>>)" in report.trace_text()
    acked = check(f"{SPECS}:AckedTwice", {}, Options(engine=engine)).result.violation
    assert acked is not None and acked.name == "one_ack_at_most" and len(acked.trace) == 3


class Probe(Spec):
    """A queue that takes every value of at most 3 elements, and probes that change nothing:
    each is enabled for the sequences `s` its guard (a reading operation) admits."""

    value = Sort(2, labels="v")
    Seqs = SeqSort(value, capacity=2)
    q = Sequence(value, capacity=3)

    @action
    def put(self, s: Seqs) -> None:
        require(self.q().len() < 3)
        self.q().append(s.head(), when=~s.is_empty())

    @action
    def drop(self) -> None:
        self.q = []

    @action
    def head(self, s: Seqs) -> None:
        require(~s.is_empty() & ~self.q().is_empty() & (s.head() == self.q().head()))

    @action
    def index(self, s: Seqs) -> None:
        require((s.len() == 2) & (s[1] == s[0]))

    @action
    def moving_index(self, s: Seqs) -> None:  # s[len(q) - 1], a position that is not constant
        n = self.q().len()
        require((n >= 1) & (n <= s.len()) & (s[n - 1] == self.q().last()))

    @action
    def last(self, s: Seqs) -> None:
        require(~s.is_empty() & (s.last() == self.value[0]))

    @action
    def slice(self, s: Seqs) -> None:
        require((s.len() >= 1) & (s[1:] == self.q()))

    @action
    def rotated(self, s: Seqs) -> None:
        require(~s.is_empty() & (s.tail() + [s.head()] == self.q()))  # noqa: RUF005

    @action
    def commute(self, s: Seqs) -> None:
        require(self.q() + s == s + self.q())

    @action
    def contains(self, s: Seqs) -> None:
        require(s.contains(self.value[1]))

    @action
    def any_(self, s: Seqs) -> None:
        require(s.any(lambda i, x: (i > 0) & (x == self.value[0])))

    @action
    def all_(self, s: Seqs) -> None:
        require(s.all(lambda x: self.q().contains(x)))

    @action
    def differs(self, s: Seqs) -> None:
        require((s != self.q()) & (s.len() < self.q().len()))

    @action
    def prefix(self, s: Seqs) -> None:
        require((s.len() <= self.q().len()) & (self.q()[: s.len()] == s))


PROBES: dict[str, Callable[[Seq, Seq], bool]] = {
    "head": lambda q, s: bool(s and q and s[0] == q[0]),
    "index": lambda q, s: len(s) == 2 and s[1] == s[0],
    "moving_index": lambda q, s: 1 <= len(q) <= len(s) and s[len(q) - 1] == q[-1],
    "last": lambda q, s: bool(s) and s[-1] == 0,
    "slice": lambda q, s: len(s) >= 1 and s[1:] == q,
    "rotated": lambda q, s: bool(s) and s[1:] + s[:1] == q,
    "commute": lambda q, s: q + s == s + q,
    "contains": lambda q, s: 1 in s,
    "any_": lambda q, s: any(x == 0 for x in s[1:]),
    "all_": lambda q, s: all(x in q for x in s),
    "differs": lambda q, s: s != q and len(s) < len(q),
    "prefix": lambda q, s: len(s) <= len(q) and q[: len(s)] == s,
}


@pytest.mark.parametrize("engine", ENGINES)
def test_every_reading_operation_works_on_a_parameter(engine: str) -> None:
    report = check(Probe, {}, Options(engine=engine))
    assert report.ok and report.result.distinct_states == 15
    queues, every = seqs(2, 3), seqs(2, 2)
    for name, holds in PROBES.items():
        expected = sum(1 for q in queues for s in every if holds(q, s))
        assert (name, report.result.coverage[name].fired) == (name, expected)
    assert report.result.coverage["put"].fired == sum(1 for q in queues if len(q) < 3) * 7


@pytest.mark.parametrize("engine", ENGINES)
def test_reading_past_a_parameters_length_is_an_error_with_its_trace(engine: str) -> None:
    class Careless(Probe):
        @action
        def index(self, s: Seqs) -> None:  # type: ignore[name-defined]  # noqa: F821
            require(s[1] == self.value[0])

    v = check(Careless, {}, Options(engine=engine)).result.violation
    assert v is not None and (v.kind, v.name, len(v.trace)) == ("error", "index", 1)


@pytest.mark.parametrize("engine", ENGINES)
def test_assigning_a_parameter_longer_than_the_capacity_is_an_error(engine: str) -> None:
    class Small(Spec):
        value = Sort(2, labels="v")
        Seqs = SeqSort(value, capacity=2)
        q = Sequence(value, capacity=1)

        @action
        def put(self, s: Seqs) -> None:
            self.q = s

    report = check(Small, {}, Options(engine=engine))
    v = report.result.violation
    assert v is not None and (v.kind, v.name) == ("error", "put")
    assert "put(s=<<v1, v1>>) fails, assigning `q`" in report.trace_text()


# -- traces -----------------------------------------------------------------------------------


def test_traces_and_itf_show_a_sequence_parameter_and_trace_reads_it_back(tmp_path: Path) -> None:
    out = tmp_path / "cex.itf.json"
    run = run_cli("check", f"{SPECS}:NotSquare", "--trace-out", str(out), "--no-progress")
    assert run.returncode == 1, run.stderr
    assert "State 2: put(s=<<v1, v1>>)" in run.stdout
    doc = json.loads(out.read_text())
    assert doc["states"][1]["#meta"]["params"] == {"s": ["v1", "v1"]}
    again = run_cli("trace", f"{SPECS}:NotSquare", str(out))
    assert again.returncode == 0, again.stderr
    assert "State 2: put(s=<<v1, v1>>)" in again.stdout


def test_itf_lists_records_of_a_parameter_and_reads_them_back() -> None:
    report = check(f"{SPECS}:AckedTwice")
    doc = report.itf()
    assert doc is not None
    req, ack = {"type": "req", "bal": 0}, {"type": "ack", "bal": 0}
    assert [s["#meta"]["params"] for s in doc["states"]] == [
        {},
        {"b": [req, req]},
        {"b": [ack, ack]},
    ]
    assert "answer(b=<<[type |-> ack, bal |-> 0], [type |-> ack, bal |-> 0]>>)" in (
        report.trace_text()
    )
    v = report.result.violation
    assert v is not None
    back = trace_from_itf(report.engine.inst, report.engine.layout, doc)
    assert back == [s.__class__(s.action, s.params, s.state) for s in v.trace]


def test_a_shorter_parameter_reads_back_with_empty_slots() -> None:
    """The slots past the length come back as the element type's lowest value (here the
    first value, `value` having a bottom the parameter does not admit)."""
    from tests.specs.seq_params import SeqParams

    class Short(SeqParams):
        @invariant
        def never_one(self):
            return self.q().len() != 1

    report = check(Short)
    doc = report.itf()
    assert doc is not None and doc["states"][1]["#meta"]["params"] == {"s": ["v1"]}
    v = report.result.violation
    assert v is not None
    back = trace_from_itf(report.engine.inst, report.engine.layout, doc)
    assert back[1].params == v.trace[1].params
    assert [(n, report.engine.inst.label(sort, c)) for n, c, sort in back[1].params] == [
        ("s_len", 1), ("s_0", "v1"), ("s_1", "v1")
    ]  # fmt: skip


# -- prove and bmc ----------------------------------------------------------------------------


class Pairs(Spec):
    value = Sort(2, labels="v")
    Seqs = SeqSort(value, capacity=2)
    q = Sequence(value, capacity=2)

    @action
    def put(self, s: Seqs) -> None:
        require(self.q().is_empty() & ((s.len() < 2) | (s[0] != s[1])))
        self.q = s

    @action
    def take(self) -> None:
        require(~self.q().is_empty())
        self.q().pop()

    @invariant
    def no_twins(self):
        q = self.q()
        return ~((q.len() == 2) & (q[0] == q[1]))


class PairsProof(Pairs):
    safety = ("no_twins",)

    @conjunct
    def no_twin_sequence(self):  # over sequences, as TLA+'s \A s \in Seqs : s = q => ...
        return forall(
            self.Seqs,
            lambda s: implies(s == self.q(), ~((s.len() == 2) & (s[0] == s[1]))),
        )


class TwinsProof(PairsProof):
    @action
    def put(self, s: Seqs) -> None:  # type: ignore[name-defined]  # noqa: F821
        require(self.q().is_empty())
        self.q = s


def test_prove_quantifies_over_sequences_and_over_a_sequence_parameter() -> None:
    assert check(Pairs).ok
    assert prove(PairsProof).result == "proved"
    broken = prove(TwinsProof)
    assert broken.result == "failed" and broken.cti is not None
    assert "put preserves no_twin_sequence" in [o.title for o in broken.failed]
    assert "step: put(s=<<v1, v1>>)" in broken.cti.text() or "step: put(s=<<v2, v2>>)" in (
        broken.cti.text()
    )


def test_bmc_finds_what_a_sequence_parameter_breaks() -> None:
    assert bmc(Pairs, {}, k=3).result == "ok"
    found = bmc(TwinsProof, {}, k=3)
    assert (found.result, found.violated) == ("violation", "no_twins")


# -- misuse -----------------------------------------------------------------------------------


def _line_of(text: str) -> int:
    return next(
        i for i, line in enumerate(Path(__file__).read_text().splitlines(), 1) if text in line
    )


@pytest.mark.parametrize(
    "capacity, message",
    [
        (-1, "must be a size, an integer >= 0, not -1"),
        ("2", "must be a size, an integer >= 0, not '2'"),
        (True, "must be a size"),
        (Param(2), "must be a constant integer, not a parameter"),
    ],
)
def test_a_capacity_that_is_not_a_constant_size_is_refused_at_its_line(
    capacity: object, message: str
) -> None:
    with pytest.raises(SpecError, match=message) as err:
        SeqSort(Sort(2), capacity=capacity)  # the capacity's line
    assert err.value.loc is not None
    assert (err.value.loc.file, err.value.loc.line) == (__file__, _line_of("# the capacity's line"))


OUTSIDE = SeqSort(Sort(2), capacity=1)  # a sequence sort of no spec


class Base(Spec):
    value = Sort(2, labels="v")
    Seqs = SeqSort(value, capacity=1)
    x = Individual(value, init=value[0])

    @action
    def noop(self) -> None:
        self.x = self.value[0]


class Foreign(Base):
    @action  # a foreign sort (the action's line)
    def put(self, s: OUTSIDE) -> None:
        pass


class AsElement(Base):
    @action
    def put(self, s: Seqs) -> None:  # type: ignore[name-defined]  # noqa: F821
        self.x = s  # a sequence where an element is expected


class TemporalOverSequences(Base):
    @liveness
    def live(self):  # type: ignore[no-untyped-def]
        return forall(self.Seqs, lambda s: always(eventually(s.is_empty())))  # temporal


class Picked(Base):
    @action
    def choose_one(self) -> None:
        s = pick(self.Seqs)  # a choice of a sequence
        require(s.is_empty())


@pytest.mark.parametrize(
    "spec, line, message",
    [
        (Foreign, "# a foreign sort", "has a sequence sort not declared in this spec"),
        (AsElement, "# a sequence where an element", "must be a sort element"),
        (TemporalOverSequences, "# temporal", "over a sequence sort of a temporal formula"),
        (Picked, "# a choice of a sequence", "must be a sort"),
    ],
)
def test_misuse_of_a_sequence_sort_is_an_error_at_its_line(
    spec: type[Spec], line: str, message: str
) -> None:
    with pytest.raises(SpecError, match=message) as err:
        trace_spec(spec)
    assert err.value.loc is not None
    assert (err.value.loc.file, err.value.loc.line) == (__file__, _line_of(line)), str(err.value)


def test_an_element_sort_that_is_not_one_is_refused_at_its_line() -> None:
    with pytest.raises(SpecError, match="element sort") as err:
        SeqSort(3, capacity=1)  # type: ignore[arg-type]  # not an element sort
    assert err.value.loc is not None and err.value.loc.line == _line_of("# not an element sort")
    with pytest.raises(SpecError, match="not <sequence sort Seqs>") as err:
        Relation(Base.Seqs)  # type: ignore[arg-type]  # a column
    assert err.value.loc is not None and err.value.loc.line == _line_of("# a column")


def test_a_sequence_sort_and_a_sort_of_the_same_name_clash() -> None:
    class Clash(Spec):
        value = Sort(2, labels="v")
        Seqs = SeqSort(value, capacity=1)
        Seqs_length = IntSort(0, 3)
        x = Individual(value, init=value[0])

        @action
        def noop(self) -> None:
            self.x = self.value[0]

    with pytest.raises(SpecError, match="`Seqs_length` is declared twice"):
        trace_spec(Clash)
