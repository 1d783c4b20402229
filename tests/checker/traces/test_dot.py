"""State graphs (DOT): a sequence is a label `net(n1, n2) = <<v1>>` on its first argument's
node (or on the state's note without arguments); the sorts of its lengths and positions are
not drawn."""

from __future__ import annotations

from checker.check import check
from checker.traces.dot import state_graph
from tests.conftest import ROOT


def test_a_step_shows_the_sequences_it_changed() -> None:
    report = check(str(ROOT / "tests/specs/fifo.py") + ":Overfull")
    v = report.result.violation
    assert v is not None
    layout = report.engine.layout
    pre, post = (layout.unpack(s.state) for s in v.trace[1:3])
    dot = state_graph(report.engine.inst, layout, pre, post, "send")
    node_n1 = next(line for line in dot.splitlines() if line.strip().startswith('"node:n1" ['))
    assert "net(n1, n2) = <<v1, v1>>" in node_n1  # the new value
    assert "~net(n1, n2) = <<v1>>" in node_n1  # the old one, struck out
    assert "log(n1) = <<>>" in node_n1
    for hidden in ("net_len", "net_at", "net_length", "net_index", "log_index"):
        assert hidden not in dot


def test_a_sequence_without_arguments_is_on_the_states_note() -> None:
    from checker import IntSort, Sequence, Spec, action, require

    class Log(Spec):
        entry = IntSort(0, 1)
        log = Sequence(entry, capacity=2)

        @action
        def add(self, x: entry) -> None:
            require(self.log().len() < 2)
            self.log().append(x)

    report = check(Log)
    engine = report.engine
    state = engine.layout.unpack(engine.inits[0][2])
    assert 'state [label="log = <<>>", shape=note];' in state_graph(
        engine.inst, engine.layout, state
    )
