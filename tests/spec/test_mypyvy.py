"""The ports of mypyvy's examples (spec/mypyvy/, proofs/mypyvy/): rigid symbols with axioms and
initial states given by formulas check on small instances in both explicit engines and bmc,
and prove for every size; dropping a needed conjunct gives a counterexample to induction."""

from __future__ import annotations

import pytest

from checker.check import check
from checker.explicit import Options
from checker.explicit.interp import Interpreter, reference_bfs
from checker.instance import instantiate
from checker.lang import Spec
from checker.lang.trace import trace_spec
from checker.loader import load_spec
from checker.symbolic.bmc import bmc
from checker.symbolic.prove import prove
from proofs.mypyvy.cache import CacheProof
from proofs.mypyvy.chain_replication import ChainReplicationProof
from proofs.mypyvy.client_server_ae import ClientServerAeProof
from proofs.mypyvy.fast_paxos_epr import FastPaxosEprProof
from proofs.mypyvy.flexible_paxos_epr import FlexiblePaxosEprProof
from proofs.mypyvy.hybrid_reliable_broadcast_cisa import HybridReliableBroadcastCisaProof
from proofs.mypyvy.ironfleet_distributed_lock import IronfleetDistributedLockProof
from proofs.mypyvy.ring import RingProof

PORTS = {
    # spec file: (parameters, distinct states, depth), counted by the reference interpreter
    "spec/mypyvy/ironfleet_distributed_lock.py": ({"hosts": 2, "epochs": 3}, 72, 3),
    "spec/mypyvy/ring.py": ({"nodes": 3}, 1152, 8),
    "spec/mypyvy/client_server_ae.py": ({"nodes": 1, "requests": 2, "responses": 2}, 244, 7),
    "spec/mypyvy/flexible_paxos_epr.py": ({"nodes": 1, "rounds": 3, "values": 2}, 1242, 11),
    # one value (agreement is then trivial) keeps the interpreter's oracle under 20 s; two nodes
    # and two values are checked by the vector engine below
    "spec/mypyvy/fast_paxos_epr.py": ({"nodes": 1, "rounds": 3, "values": 1}, 5184, 11),
    "spec/mypyvy/chain_replication.py": ({"node_ids": 3, "node_states": 2}, 1776, 10),
    "spec/mypyvy/cache.py": ({"addresses": 1, "cores": 2, "values": 2}, 266, 9),
    # 52 interpretations of the quorums, fault classes and rcv_init; 3 nodes: 4,243,696 states
    "spec/mypyvy/hybrid_reliable_broadcast_cisa.py": (
        {"nodes": 2, "quorums_a": 1, "quorums_b": 1},
        1588,
        7,
    ),
}

IDLE = {
    # spec file: the actions that cannot fire at the PORTS size (tested below at a larger one)
    "spec/mypyvy/fast_paxos_epr.py": ["propose_2"],
}

PROOFS: dict[str, tuple[type[Spec], list[str]]] = {
    # proof: (its class, conjuncts without which it has a counterexample to induction)
    "ironfleet_distributed_lock": (
        IronfleetDistributedLockProof,
        ["in_flight_has_freshest_epoch", "in_flight_precludes_lock_held"],
    ),
    "ring": (RingProof, ["leader_max", "no_bypass"]),
    "client_server_ae": (ClientServerAeProof, ["sent_match_a_request"]),
    "flexible_paxos_epr": (
        FlexiblePaxosEprProof,
        [
            "joining_leaves_lower_rounds",
            "other_values_of_lower_rounds_are_not_choosable",
            "decisions_come_from_quorums",
        ],
    ),
    "fast_paxos_epr": (
        FastPaxosEprProof,
        ["classic_choosable", "fast_choosable", "one_fast_vote_per_node"],
    ),
    "chain_replication": (
        ChainReplicationProof,
        ["head_messages_are_behind_the_head", "middle_messages_are_behind_the_middle"],
    ),
    "cache": (CacheProof, ["exclusive_is_alone", "answered_shared_reads_are_on_the_bus"]),
    "hybrid_reliable_broadcast_cisa": (
        HybridReliableBroadcastCisaProof,
        ["message_is_in_projection", "received_was_sent", "a_quorum_of_senders_means_an_init"],
    ),
}


@pytest.mark.parametrize("path", PORTS)
def test_the_port_checks_alike_in_every_engine(path: str) -> None:
    params, states, depth = PORTS[path]
    spec = trace_spec(load_spec(path))
    invariants = list(spec.state_invariants())
    oracle = reference_bfs(Interpreter(instantiate(spec, params)), invariants)
    assert oracle == (states, depth, None)
    for engine in ("vector", "reference"):
        report = check(path, params, Options(engine=engine))
        assert report.ok and report.never_fired == IDLE.get(path, [])
        assert (report.result.distinct_states, report.result.depth) == (states, depth)
    assert bmc(path, params, k=min(depth + 2, 8)).result == "ok"  # bmc's time grows with k


def test_ironfleet_has_an_initial_state_per_order_of_epochs() -> None:
    """`le` and `zero` are rigid: every total order of 3 epochs (6), with `zero` its least
    element, is an interpretation; each gives the @init's 4 states (the holder, its epoch)."""
    report = check("spec/mypyvy/ironfleet_distributed_lock.py", {}, Options())
    assert len(report.engine.inits) == 6 * 4


def test_fast_paxos_proposes_the_one_value_no_fast_quorum_can_have_chosen() -> None:
    """`propose_2` needs a classic quorum whose every fast quorum has, for every value, a member
    that did not vote it in `maxr`: two nodes that voted apart in a fast round, or one that
    voted and one that did not. One node cannot; two can."""
    report = check("spec/mypyvy/fast_paxos_epr.py", {"nodes": 2, "values": 2}, Options())
    assert report.ok and report.never_fired == []
    assert (report.result.distinct_states, report.result.depth) == (473_220, 15)


@pytest.mark.parametrize("name", PROOFS)
def test_the_port_is_proved(name: str) -> None:
    report = prove(PROOFS[name][0])
    assert report.result == "proved", [o.title for o in report.failed]


CTI_CASES = [(name, dropped) for name, (_, needed) in PROOFS.items() for dropped in needed]


@pytest.mark.parametrize(("name", "dropped"), CTI_CASES)
def test_dropping_a_needed_conjunct_gives_a_cti(name: str, dropped: str) -> None:
    def without(self: Spec) -> object:
        return None  # a plain method: no longer a conjunct

    weaker = type("Weaker", (PROOFS[name][0],), {dropped: without})
    report = prove(weaker)
    assert report.result == "failed"


def test_ring_starts_from_each_order_and_direction() -> None:
    """`le` (3! total orders) and `btw` (2 cyclic orders of 3 nodes, out of 2^27 values of the
    relation) are listed by z3: 12 interpretations, one initial state each."""
    report = check("spec/mypyvy/ring.py", {}, Options())
    assert len(report.engine.inits) == 12


def test_hybrid_broadcast_counts_as_mypyvy_transitions_relate_states() -> None:
    """The counts of a plain-Python model that takes, for each transition, every post-state its
    mypyvy formula allows (any superset of the row, any column): 16,260 states, depth 7, with
    two quorums of each kind (588 interpretations); with 3 nodes and one of each, 4,243,696 and
    13 (33 s, not run here)."""
    path = "spec/mypyvy/hybrid_reliable_broadcast_cisa.py"
    report = check(path, {"nodes": 2, "quorums_a": 2, "quorums_b": 2}, Options())
    assert report.ok and report.never_fired == []
    assert len(report.engine.inits) == 588
    assert (report.result.distinct_states, report.result.depth) == (16_260, 7)
