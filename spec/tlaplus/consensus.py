"""Consensus: the specification of consensus that Paxos implements, from tlaplus/Examples — with
its liveness.

TLA+ module: specifications/Paxos/Consensus.tla (the model: MCConsensus.tla). TLC model:
specifications/Paxos/MCConsensus.cfg (Value = {"a", "b", "c"}, SPECIFICATION ISpec == IInv /\\
[][Next]_chosen — every state satisfying the invariant is initial —, INVARIANT Inv, no deadlock
check). That model checks no liveness; the module states `LivenessTheorem == LiveSpec =>
Success` with `LiveSpec == Spec /\\ WF_chosen(Next)` and `Success == <>(chosen # {})`. This port
is ISpec with LiveSpec's fairness, `ILiveSpec == ISpec /\\ WF_chosen(Next)` (whose behaviours
include LiveSpec's: its initial states include `chosen = {}`), checked by TLC as MCConsensusLive
(`EXTENDS MCConsensus`, SPECIFICATION ILiveSpec, INVARIANT Inv, PROPERTY Success).

TLC 2.19 on this machine (2026-12-02, one worker; Consensus.tla without its TLAPS proofs, since
TLC only needs the definitions and the TLAPS library is not installed here):
- MCConsensus.cfg: "Model checking completed. No error has been found. ... 7 states generated,
  4 distinct states found, 0 states left on queue. The depth of the complete state graph search
  is 1." (the manifest's counts);
- ILiveSpec, PROPERTY Success: "Model checking completed. No error has been found. ... 7 states
  generated, 4 distinct states found ... The depth of the complete state graph search is 1.";
- LiveSpec itself (Init: chosen = {}), PROPERTY Success: "No error has been found. 4 states
  generated, 4 distinct states found ... depth ... 2.";
- ISpec, PROPERTY Success (no fairness: `NoFairness` in tests/spec/test_liveness_ports.py):
  "Error: Temporal properties were violated. ... State 1: <Initial predicate> chosen = {} /
  State 2: Stuttering".

Encoding: `chosen` is a relation over the values, starting as any subset, and the `@init` keeps
those ISpec's IInv admits (at most one value: `Cardinality(chosen) <= 1`). `Next` is `decide(v)`,
weakly fair as a whole (`WF_chosen(Next)`, Next being `\\E v \\in Value : ...`).
"""

from checker import (
    WF,
    Param,
    Relation,
    Sort,
    Spec,
    action,
    arbitrary,
    count,
    eventually,
    exists,
    forall,
    init,
    invariant,
    liveness,
    require,
)


class Consensus(Spec):
    expected_states = {"": 4}  # TLC
    expected_depth = 1

    values = Param(3, doc='|Value|: Value = {"a", "b", "c"}')
    value = Sort(values, labels=("a", "b", "c"))

    chosen = Relation(value, init=arbitrary)

    fairness = (WF("decide"),)  # WF_chosen(Next)

    @init
    def iinv(self) -> None:
        """ISpec's initial predicate IInv: chosen \\in SUBSET Value, Cardinality(chosen) <= 1."""
        require(count(self.value, lambda v: self.chosen(v)) <= 1)

    @action
    def decide(self, v: value) -> None:
        """Next: chosen = {} /\\ chosen' = {v}."""
        require(forall(self.value, lambda w: ~self.chosen(w)))
        self.chosen.insert(v)

    @invariant
    def inv(self):
        """Inv: Cardinality(chosen) <= 1 (TypeOK holds by construction)."""
        return count(self.value, lambda v: self.chosen(v)) <= 1

    @liveness
    def success(self):
        """Success == <>(chosen # {})."""
        return eventually(exists(self.value, lambda v: self.chosen(v)))
