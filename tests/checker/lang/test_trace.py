"""Tracing: the IR that spec code produces, sequential semantics, and subclass overrides."""

from __future__ import annotations

from checker import Function, Individual, Relation, Sort, Spec, action, ir
from checker.explicit.interp import Interpreter
from checker.instance import instantiate
from checker.lang.trace import trace_spec
from spec.mutants.paxos_minority_quorums import PaxosMinorityQuorums
from spec.mutants.paxos_two_proposals_per_ballot import PaxosTwoProposalsPerBallot
from spec.paxos import Paxos


def test_paxos_ir_shape() -> None:
    spec = trace_spec(Paxos)
    assert [s.name for s in spec.sorts] == ["acceptor", "value", "ballot", "quorum"]
    assert spec.sort("ballot").kind is ir.SortKind.ORDERED and spec.sort("ballot").bottom == -1
    assert spec.sort("acceptor").symmetric and not spec.sort("ballot").symmetric
    assert spec.sort("quorum").base == "acceptor"
    assert [a.name for a in spec.actions] == ["phase1a", "phase1b", "phase2a", "phase2b"]
    phase1b = spec.action("phase1b")
    assert [(v.name, str(v.type)) for v in phase1b.params] == [("a", "acceptor"), ("b", "ballot")]
    assert [type(s).__name__ for s in phase1b.body] == ["Require", "SetFn", "Insert"]
    msg_1b = spec.symbol("msg_1b")
    assert [str(t) for t in msg_1b.args] == [
        "acceptor",
        "ballot",
        "ballot.or_bottom",
        "value.or_bottom",
    ]
    assert {p.name for p in spec.properties_of(ir.PropertyKind.INVARIANT)} == {
        "type_ok",
        "agreement",
        "inv_acceptors",
        "inv_messages",
        "inv_voting",
    }
    assert [(p.name, p.default) for p in spec.params] == [
        ("acceptors", 3),
        ("values", 2),
        ("max_ballot", 2),
    ]


def test_locations_point_into_the_spec_file() -> None:
    spec = trace_spec(Paxos)
    act = spec.action("phase1b")
    assert act.loc.file.endswith("spec/paxos.py")
    require = act.body[0]
    assert require.loc.file.endswith("spec/paxos.py") and require.loc.line > act.loc.line


def test_subclass_overrides_keep_order_and_replace_by_name() -> None:
    base, mutant = trace_spec(Paxos), trace_spec(PaxosTwoProposalsPerBallot)
    assert [a.name for a in mutant.actions] == [a.name for a in base.actions]
    assert len(mutant.action("phase2a").body) == len(base.action("phase2a").body) - 1
    assert mutant.params[2].default == 0
    # A redeclared sort replaces the base's everywhere, including in inherited code.
    quorum = trace_spec(PaxosMinorityQuorums).sort("quorum")
    assert quorum.quorum_size is not None and str(quorum.quorum_size) == "(acceptors // 2)"
    inst = instantiate(trace_spec(PaxosMinorityQuorums))
    assert inst.sorts["quorum"].quorums == (frozenset({0}), frozenset({1}), frozenset({2}))


class Sequential(Spec):
    """A statement sees the state left by the statements before it."""

    elem = Sort(2)
    x = Individual(elem, init=elem[0])
    r = Relation(elem)
    f = Function(elem, elem, init=elem[0])

    @action
    def step(self) -> None:
        self.x = self.elem[1]
        self.r.insert(self.x)  # the new x
        self.f[self.x] = self.x
        self.f.update(lambda e: self.f(self.x))  # every f(e) := old f(new x) = elem[1]


def test_updates_are_sequential_in_both_engines() -> None:
    from checker.explicit.codegen import compile_instance
    from checker.explicit.layout import Layout

    spec = trace_spec(Sequential)
    inst = instantiate(spec)
    layout = Layout(inst)
    interp = Interpreter(inst, layout)
    init = interp.initial_states()[0][2]
    after = interp.execute(spec.action("step"), (), init)
    assert after == ((1,), frozenset({(1,)}), (1, 1))
    compiled = compile_instance(inst, layout)
    assert [layout.unpack(t) for t in compiled.actions[0](layout.pack(init))] == [after]


def test_majority_quorums_are_the_minimal_majorities() -> None:
    inst = instantiate(trace_spec(Paxos), {"acceptors": 5})
    quorums = inst.sorts["quorum"].quorums
    assert quorums is not None and len(quorums) == 10 and all(len(q) == 3 for q in quorums)
    assert inst.label("quorum", 0) == "{a1,a2,a3}"
    assert inst.label("ballot", 0) == -1 and inst.label("ballot", 1) == 0
    assert inst.label("value", 0) == "None" and inst.label("value", 2) == "v2"
