"""EWD840: Dijkstra's termination detection on a ring, from tlaplus/Examples — with liveness.

TLA+ module: specifications/ewd840/EWD840.tla. TLC model: specifications/ewd840/EWD840.cfg
(N = 3, Spec == Init /\\ [][Next]_vars /\\ WF_vars(System), INVARIANTS TypeOK
TerminationDetection Inv, PROPERTIES Liveness TDSpec, no deadlock check).

TLC 2.19 on this machine (2026-12-02, one worker): "Model checking completed. No error has been
found. 2001 states generated, 302 distinct states found ... The depth of the complete state graph
search is 9." (the manifest's depth 10 is a multi-worker run's). With N = 6 (PROPERTIES Liveness):
"No error has been found", 36,990 distinct states, depth 18 — this port's counts too
(benchmarks/liveness.py compares the times). `Liveness == terminated ~>
terminationDetected` holds; the same model without `WF_vars(System)` (`NoFairness` below;
TLC: `SPECIFICATION Init /\\ [][Next]_vars`, PROPERTIES Liveness) gives "Error: Temporal
properties were violated." with a 3-state trace ending in "State 4: Stuttering"
(tests/spec/test_liveness_ports.py checks that mutant).

Encoding: Node = 0..N-1 is an integer sort (the token moves to i - 1, a message to j > i
blackens its sender); `active` is a relation (a node is active), starting as any subset, and
`color` a function starting with any colours, as `Init` lets them; the token starts anywhere,
black. `System` (InitiateProbe or some PassToken) is weakly fair as one: `WF(initiate_probe,
pass_token)`. `TDSpec` (refinement of SyncTerminationDetection) is not ported here.
"""

from checker import (
    WF,
    Function,
    Individual,
    IntSort,
    Param,
    Relation,
    Sort,
    Spec,
    action,
    arbitrary,
    exists,
    forall,
    implies,
    invariant,
    ite,
    leads_to,
    liveness,
    require,
)


class EWD840(Spec):
    expected_states = {"": 302}  # TLC
    expected_depth = 9

    n = Param(3, doc="N: the number of nodes on the ring")
    node = IntSort(0, n - 1)
    colour = Sort(2, labels=("white", "black"))

    active = Relation(node, init=arbitrary)
    color = Function(node, colour, init=arbitrary)
    tpos = Individual(node, init=arbitrary)
    tcolor = Individual(colour, init=colour["black"])

    fairness = (WF("initiate_probe", "pass_token"),)  # WF_vars(System)

    def black(self, x):
        return x == self.colour["black"]

    @action
    def initiate_probe(self) -> None:
        require((self.tpos == 0) & (self.black(self.tcolor) | self.black(self.color(0))))
        self.tpos = self.n - 1
        self.tcolor = self.colour["white"]
        self.color[0] = self.colour["white"]

    @action
    def pass_token(self, i: node) -> None:
        require((i != 0) & (self.tpos == i))
        require(~self.active(i) | self.black(self.color(i)) | self.black(self.tcolor))
        self.tpos = i - 1
        self.tcolor = ite(self.black(self.color(i)), self.colour["black"], self.tcolor)
        self.color[i] = self.colour["white"]

    @action
    def send_msg(self, i: node, j: node) -> None:
        require(self.active(i) & (j != i))
        self.active.insert(j)
        self.color[i] = ite(j > i, self.colour["black"], self.color(i))

    @action
    def deactivate(self, i: node) -> None:
        require(self.active(i))
        self.active.remove(i)

    def terminated(self):
        return forall(self.node, lambda i: ~self.active(i))

    def termination_detected(self):
        return (
            (self.tpos == 0)
            & (self.tcolor == self.colour["white"])
            & (self.color(0) == self.colour["white"])
            & ~self.active(0)
        )

    @invariant
    def termination_detection(self):
        return implies(self.termination_detected(), self.terminated())

    @invariant
    def inv(self):
        """Dijkstra's inductive invariant (P0 \\/ P1 \\/ P2)."""
        p0 = forall(self.node, lambda i: implies(self.tpos < i, ~self.active(i)))
        p1 = exists(self.node, lambda j: (j <= self.tpos) & self.black(self.color(j)))
        p2 = self.black(self.tcolor)
        return p0 | p1 | p2

    @liveness
    def termination_is_detected(self):
        """Liveness == terminated ~> terminationDetected."""
        return leads_to(self.terminated(), self.termination_detected())
