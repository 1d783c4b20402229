#!/usr/bin/env bash
# The main job: set up, model-check Lamport's Paxos, then show how a known bug is caught.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
# shellcheck disable=SC1091
. .venv/bin/activate

echo "== Lamport's Paxos: 3 acceptors, 2 values, ballots 0..2 (TLC finds 185,369 states, depth 25)"
paxoscope check spec/paxos.py -p max_ballot=2

echo
echo "== A known bug: a proposer that ignores the highest vote reported by its quorum"
set +e
paxoscope check spec/mutants/paxos_ignore_highest_vote.py --invariant agreement
status=$?
set -e
if [ "$status" -ne 1 ]; then
    echo "expected the mutant to be caught (exit 1), but paxoscope exited with $status" >&2
    exit 1
fi
echo
echo "== The mutant was caught with a shortest counterexample, as it must be."

echo
echo "== Proofs with z3, for every number of nodes, values and ballots"
paxoscope prove proofs/voting.py
paxoscope prove proofs/paxos.py

echo
echo "== The TLA+ corpus: MultiPaxos-SMR (MultiPaxos_MC_small.cfg, TLC: 343,796 states under SYMMETRY)"
paxoscope check spec/tlaplus/multipaxos_smr.py --symmetry

echo
echo "== Liveness: once its leader is stable, Paxos eventually chooses a value (weak fairness)"
paxoscope check spec/paxos_live.py

echo
echo "== ... and without a stable leader, the livelock: two proposers pre-empt each other for ever"
set +e
paxoscope check spec/mutants/paxos_live_no_stable_leader.py
status=$?
set -e
if [ "$status" -ne 1 ]; then
    echo "expected the livelock to be found as a lasso (exit 1), but paxoscope exited with $status" >&2
    exit 1
fi

echo
echo "== A mypyvy example: leader election in a ring (rigid order and ring, axioms), proved"
paxoscope prove proofs/mypyvy/ring.py

echo
echo "== Paxos implements Lamport's Voting (Paxos.tla's refinement mapping), checked and proved"
paxoscope refine spec/paxos.py spec/lamport_voting.py \
    --mapping proofs/paxos_refines_voting.py:paxos_to_voting -p max_ballot=1 \
    --prove proofs/paxos_refines_voting.py:PaxosRefinementInvariant

echo
echo "== The replicated log (impl/): 200 seeds of a simulated 3-replica cluster under faults"
python -m impl.sim --seeds 200

echo
echo "== ... and three real server processes: kill -9 the leader, restart everything"
python scripts/cluster_demo.py

echo
echo "== The ZooKeeper-compatible service: kazoo against three servers, kill -9, full restart"
python scripts/zk_demo.py

echo
echo "== Conformance: the edge cover of Paxos (3,921 states) replayed against the single-decree cores"
paxoscope conform spec/paxos.py --driver tests/conformance/paxos_driver.py:PaxosDriver -p max_ballot=1
