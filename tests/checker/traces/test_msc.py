"""Message-sequence charts: a change of a sequence is one note `net[n1, n2]: <<>> → <<v1>>`
on its first argument's lane (or on the row when there are no lanes), not its length and
slots."""

from __future__ import annotations

from checker import Message, Relation, Sequence, Sort, Spec, action, require
from checker.check import check
from checker.explicit.graph import explore_graph
from checker.traces.msc import msc_dot
from tests.conftest import ROOT


class Chatty(Spec):
    node = Sort(2, labels="n")
    value = Sort(2, labels="v")
    hello = Relation(node, node, message=Message(sender=0, to=1))
    net = Sequence(node, node, value, capacity=1)

    @action
    def send(self, s: node, r: node, v: value) -> None:
        require((s != r) & self.net(s, r).is_empty())
        self.net(s, r).append(v)
        self.hello.insert(s, r)


def test_a_sequence_change_is_a_note_on_its_first_arguments_lane() -> None:
    engine = check(Chatty).engine
    graph = explore_graph(engine)
    step = next(
        e[2]
        for e in graph.edges
        if e[0] == 0 and [engine.inst.label(s, c) for _, c, s in e[2].params] == ["n1", "n2", "v2"]
    )
    dot = msc_dot(engine.inst, engine.layout, [engine.initial_step(graph.states[0]), step])
    assert 'label="node n1"' in dot and 'label="node n2"' in dot  # the lanes
    assert 'label="hello(n1, n2)"' in dot  # the message
    note = 'label="net[n1, n2]: <<>> → <<v2>>", shape=note'
    assert note in dot and 'id="msc-note-1-node-' in dot
    assert "net_len" not in dot and "net_at" not in dot


def test_without_lanes_a_sequence_change_is_a_note_on_the_row() -> None:
    report = check(str(ROOT / "tests/specs/fifo.py") + ":Overfull")
    v = report.result.violation
    assert v is not None
    dot = msc_dot(report.engine.inst, report.engine.layout, v.trace)
    assert "3: send(s=n1, r=n2, v=v1)\\\\nnet[n1, n2]: <<v1>> → <<v1, v1>>" in dot
    assert "net_len" not in dot and "log" not in dot
