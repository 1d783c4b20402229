"""The compiled engine agrees with the reference interpreter on random reachable states.

Random walks through the interpreter's own successor function reach states of several specs; at
each state the compiled successor functions must produce the same successors, in the same order,
with the same action and parameters, and every compiled property must give the interpreter's
verdict. Each spec is compiled three ways: with the default unrolling, with every quantifier,
parameter and update turned into a loop, and with tiny source limits (unroll, then fall back).
"""

from __future__ import annotations

from functools import cache

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from checker import ir
from checker.explicit.codegen import CompiledSpec, Limits, compile_instance
from checker.explicit.interp import Failed, Interpreter, Step
from checker.explicit.layout import Layout, Structured
from checker.instance import instantiate
from checker.lang.trace import trace_spec
from checker.loader import load_spec
from tests.conftest import ROOT

CASES = {
    "paxos": ("spec/paxos.py", (("max_ballot", 1),)),
    "voting": ("spec/voting.py", (("rounds", 2),)),
    "paxos-minority-quorums": ("spec/mutants/paxos_minority_quorums.py", ()),
    "paxos-two-proposals": ("spec/mutants/paxos_two_proposals_per_ballot.py", ()),
    "voting-vote-in-left-round": ("spec/mutants/voting_vote_in_left_round.py", ()),
    "lockserver": ("tests/specs/lockserver.py", ()),
    "clocks": ("tests/specs/clocks.py", ()),
    "stuck": ("tests/specs/stuck.py", ()),
    "hostile-names": ("tests/specs/hostile_names.py", ()),
    "frames": ("tests/specs/frames.py", ()),
    # Integer sorts: arithmetic, negative values, Checks that fail (an increment past the top).
    "counters": ("tests/specs/counters.py", (("max_count", 2),)),
    "counter-overflow": ("tests/specs/counter_overflow.py", ()),
    # Wide relations (a 5-column channel), ordered sorts used as counters.
    "lamport-mutex": ("spec/lamport_mutex.py", (("n", 2), ("max_nat", 2))),
    # Choices inside actions (pick, maybe, narrow), rigid relations listed by z3.
    "choices": ("tests/specs/choices.py", (("values", 2),)),
    "ring": ("spec/mypyvy/ring.py", ()),
    # Sequences (a length and slots per argument tuple), with errors: a full channel.
    "fifo": ("tests/specs/fifo.py:Fifo", (("cap", 1),)),
    "fifo-overfull": ("tests/specs/fifo.py:Overfull", ()),
    # Records: flattened into their fields (columns, parameters, quantified variables).
    "records": ("tests/specs/records.py:Records", ()),
    # Sequences of records: a length and one slots function per field, with a full channel.
    "record-channel": ("tests/specs/record_channel.py:RecordChannel", (("cap", 1),)),
    "record-channel-overfull": ("tests/specs/record_channel.py:Overfull", (("cap", 1),)),
    # CHOOSE: the least element satisfying a condition, or an error when none does.
    "chooser": ("tests/specs/chooser.py:Chooser", (("nodes", 2),)),
    "chooser-careless": ("tests/specs/chooser.py:Careless", (("nodes", 2),)),
    # CHOOSE in properties (and a constraint), per element of an update; none: a failure.
    "choose-properties": ("tests/specs/choose_properties.py:Limited", ()),
    "choose-crashy": ("tests/specs/choose_properties.py:Crashy", ()),
    "choose-per-element": ("tests/specs/choose_properties.py:Counters", ()),
    "choose-stuck": ("tests/specs/choose_properties.py:Stuck", ()),
    # Sets as values (a Subsets sort), bags (counts, with errors).
    "subsets": ("tests/specs/subsets.py:Readers", (("nodes", 2),)),
    # Sets built from others, tested in properties (an axiom too) and chosen as values (one
    # where it was built, before a write: `give_back`).
    "set-expressions": ("tests/specs/set_expressions.py:Pinned", (("jobs", 2),)),
    # Built sets as values in properties and per element of an update (CHOOSEs of subsets).
    "set-values": ("tests/specs/set_values.py:EveryPairLogged", (("nodes", 2),)),
    "bags": ("tests/specs/bags.py:Duplicating", (("nodes", 1),)),
    "bags-careless": ("tests/specs/bags.py:Careless", (("nodes", 1),)),
    # Sequence parameters and quantified sequences (SeqSort: a length and slots, the slots past
    # the length empty), of sort elements and of records.
    "seq-params": ("tests/specs/seq_params.py:NotSquare", (("values", 2),)),
    "seq-record-params": ("tests/specs/seq_params.py:AckedTwice", ()),
    # Counting (unrolled sums), a set's size.
    "counting": ("tests/specs/counting.py:Counting", ()),
    # Actions without parameters (compiled as one instance even when loops are forced).
    "ticket": ("tests/specs/ticket.py:Ticket", ()),
}

LIMITS = {
    "unrolled": Limits(),
    "loops": Limits(quantifier_domain=0, unrolled_source=0, action_instances=0, update_tuples=0),
    "fallback": Limits(unrolled_source=40, action_instances=4, update_tuples=4),
}


class Model:
    def __init__(self, case: str, limits: str) -> None:
        path, params = CASES[case]
        self.spec = trace_spec(load_spec(str(ROOT / path)))
        self.inst = instantiate(self.spec, dict(params))
        self.layout = Layout(self.inst)
        self.interp = Interpreter(self.inst, self.layout)
        self.compiled: CompiledSpec = compile_instance(self.inst, self.layout, LIMITS[limits])
        self.inits = [st for _, _, st in self.interp.initial_states()]


@cache
def model(case: str, limits: str) -> Model:
    return Model(case, limits)


def compare(m: Model, state: Structured) -> list[Step]:
    """Compare the engines at `state`; return the interpreter's successors (for the walk)."""
    s = m.layout.pack(state)
    assert m.layout.unpack(s) == state
    outcomes = list(m.interp.outcomes(state))  # one pass: steps and failures
    steps = [o for o in outcomes if isinstance(o, Step)]
    expected = [(step.action, step.params, m.layout.pack(step.state)) for step in steps]
    got = []
    failed = []  # (action, parameters, Check) of the instances whose Check held
    for k, fn in enumerate(m.compiled.labelled):
        got += [(k, m.compiled.params[k][index], t) for t, index in fn(s)]
        failed += [(k, m.compiled.params[k][i], m.compiled.checks[c]) for i, c in m.compiled.failed]
        m.compiled.failed.clear()
    assert got == expected
    actions = list(m.spec.actions)
    assert failed == [
        (actions.index(f.act), f.params, f.check) for f in outcomes if isinstance(f, Failed)
    ]
    # The unlabelled functions (the hot path of the search) produce the same states.
    assert [t for fn in m.compiled.actions for t in fn(s)] == [t for _, _, t in expected]
    assert len(m.compiled.failed) == len(failed)
    m.compiled.failed.clear()
    for prop in m.spec.properties:
        fn = m.compiled.properties[prop.name]
        if prop.kind is ir.PropertyKind.ACTION_PROPERTY:
            for step, (_, _, t) in zip(steps, expected, strict=True):
                assert fn(s, t) == m.interp.holds(prop, state, step.state), prop.name
        else:
            assert fn(s) == m.interp.holds(prop, state), prop.name
    return steps


@pytest.mark.parametrize("limits", list(LIMITS))
@pytest.mark.parametrize("case", list(CASES))
@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_compiled_matches_interpreter(case: str, limits: str, data: st.DataObject) -> None:
    m = model(case, limits)
    state = data.draw(st.sampled_from(m.inits), label="initial state")
    for _ in range(data.draw(st.integers(0, 30), label="walk length")):
        successors = compare(m, state)
        if not successors:
            break
        state = successors[data.draw(st.integers(0, len(successors) - 1))].state
    compare(m, state)


def test_loop_fallbacks_are_really_used() -> None:
    """The "loops" variant must not silently unroll: its code contains the loop forms."""
    source = model("paxos", "loops").compiled.source
    assert "for _v_a in range(" in source  # a looped action parameter
    assert "_bits(" in source  # a quantifier over the set bits of a relation
    assert "all(" in source or "any(" in source
    clocks = model("clocks", "loops").compiled.source
    assert "_product(" in clocks  # a whole-function update as a loop
