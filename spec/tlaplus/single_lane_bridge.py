r"""SingleLaneBridge: cars in two directions share a one-lane bridge, ported from tlaplus/Examples.

TLA+ module: specifications/SingleLaneBridge/SingleLaneBridge.tla, model MC.tla
TLC model:   specifications/SingleLaneBridge/MC.cfg (CarsRight = {"r1","r2"},
             CarsLeft = {"l1","l2"}, Bridge = {4,5}, Positions = {1,...,8}; INVARIANT
             Invariants; PROPERTIES CarsInBridgeExitBridge CarsEnterBridge; deadlock checked).
TLC's counts: 3,605 distinct states, depth 29.

Encoding:
- Cars are the integers 0..R+L-1 (`car`): the first R are CarsRight (r1, r2), the others
  CarsLeft (l1, l2). Positions are 1..P (`posn`) and Bridge the interval
  bridge_lo..bridge_hi, as in the model (StartPos = 1, EndPos = P, StartBridge = bridge_lo,
  EndBridge = bridge_hi are then what the CHOOSEs pick).
- Location is a function car -> posn, set by an @init (right cars at EndPos, left at StartPos).
- WaitingBeforeBridge, a sequence of cars, is the `Sequence` `queue` of capacity |Cars|:
  Append, Head, Tail and Len are `append`, `head`, `pop` and `len` (a fifth car would be an
  error: TypeOK's Len(WaitingBeforeBridge) <= Cardinality(Cars) is enforced so).
- ChangeLocation's IF ... THEN Append ELSE UNCHANGED is `queue().append(c, when=...)` in
  `move_outside_bridge` (the car joins the queue when it reaches the place before the
  bridge). MoveInsideBridge never
  reaches it under the module's ASSUME (StartPos < StartBridge, EndBridge < EndPos: a car in
  the bridge moves to a neighbouring position that is in the bridge or past its far end, never
  around the wrap of Positions), so `move_inside_bridge` only moves the car.
- The initial sequence SeqFromSet(CarsBeforeBridge) is empty with the model's constants
  (EndPos - EndBridge = 3 and StartBridge - StartPos = 3, not 1), so the queue starts empty.
  Other constants where it is not empty are not ported (its order is CHOOSE's).
- EnterBridge's two disjuncts have the same effect, so they are one action whose guard is their
  disjunction, on h = Head(WaitingBeforeBridge) (TLC's Next wraps it in an `\E car` that it
  does not use, which changes no state either).
- Invariants: its first and third conjuncts are ported as they are; its second,
  Cardinality(CarsInBridge) <= Cardinality(Bridge), follows from the first (cars in the bridge
  are at distinct bridge positions) and is written so: at most one car per bridge position.
  TypeOK (not in the .cfg) holds by construction. TLC checks deadlock; the model has none
  (`check --deadlock`).
- Fairness: `\A car : WF_vars(MoveOutsideBridge(car))` and `... MoveInsideBridge(car)` are one
  condition per car, `WF(move_outside_bridge, per="c")` and `WF(move_inside_bridge,
  per="c")`; `\A car : WF_vars(EnterBridge)` does not depend on the car, so it is the one
  condition `WF(enter_bridge)`. CarsInBridgeExitBridge (`\A car : Location[car] \in Bridge ~>
  Location[car] \notin Bridge`) and CarsEnterBridge (the converse) are `leads_to` per car.

TLC 2.19 on this machine (2026-12-03, one worker), MC.cfg (PROPERTIES CarsInBridgeExitBridge
CarsEnterBridge): "Checking 8 branches of temporal properties for the complete state space with
28840 total distinct states ... Model checking completed. No error has been found. 20181 states
generated, 3605 distinct states found, 0 states left on queue. The depth of the complete state
graph search is 29." Both properties hold, as here. Without the fairness of EnterBridge
(SPECIFICATION Init /\ [][Next]_vars with the fairness of MoveOutsideBridge and
MoveInsideBridge per car; `SingleLaneBridgeNoEnterFairness` in
tests/spec/test_liveness_ports.py): "Error: Temporal properties were violated." — the four cars
reach the queue (<<"r1", "l2", "l1", "r2">>), then "State 10: Stuttering".

A direct port would want sets of cars as values, and a conditional statement (IF ... THEN
Append) in an action.
"""

from checker import (
    WF,
    Function,
    IntSort,
    Param,
    Sequence,
    Spec,
    action,
    exists,
    forall,
    implies,
    init,
    invariant,
    ite,
    leads_to,
    liveness,
    require,
)


class SingleLaneBridge(Spec):
    expected_states = {"": 3605}  # TLC
    expected_depth = 29

    cars_right = Param(2, doc="|CarsRight|")
    cars_left = Param(2, doc="|CarsLeft|")
    positions = Param(8, doc="Positions = 1..positions")
    bridge_lo = Param(4, doc="Bridge = bridge_lo..bridge_hi")
    bridge_hi = Param(5, doc="Bridge = bridge_lo..bridge_hi")

    car = IntSort(0, cars_right + cars_left - 1)
    posn = IntSort(1, positions)

    location = Function(car, posn, init=1)
    queue = Sequence(car, capacity=cars_right + cars_left)  # WaitingBeforeBridge

    fairness = (  # Fairness
        WF("move_outside_bridge", per="c"),
        WF("move_inside_bridge", per="c"),
        WF("enter_bridge"),
    )

    @init
    def start(self) -> None:
        self.location.update(lambda c: ite(self.is_right(c), self.posn.last, self.posn.first))

    # -- definitions -------------------------------------------------------------------------
    def is_right(self, c):
        return c < self.cars_right

    def in_bridge(self, pos):
        return (self.bridge_lo <= pos) & (pos <= self.bridge_hi)

    def car_in_bridge(self, c):
        return self.in_bridge(self.location(c))

    def next_location(self, c):
        pos = self.location(c)
        r_move = ite(pos > 1, pos - 1, self.posn.last)
        l_move = ite(pos < self.positions, pos + 1, self.posn.first)
        return ite(self.is_right(c), r_move, l_move)

    def reaches_queue(self, c):
        """ChangeLocation's IF: c's next location is the place before the bridge."""
        nxt = self.next_location(c)
        return (self.is_right(c) & (nxt == self.bridge_hi + 1)) | (
            ~self.is_right(c) & (nxt == self.bridge_lo - 1)
        )

    def have_same_direction(self, c):
        return ite(
            self.is_right(c),
            forall(self.car, lambda d: implies(self.car_in_bridge(d), self.is_right(d))),
            forall(self.car, lambda d: implies(self.car_in_bridge(d), ~self.is_right(d))),
        )

    # -- actions -----------------------------------------------------------------------------
    @action
    def move_outside_bridge(self, c: car) -> None:
        """MoveOutsideBridge(c): ChangeLocation appends c to the queue when it reaches it
        (`IF ... THEN Append(...) ELSE UNCHANGED`: `append(..., when=...)`)."""
        require(~self.in_bridge(self.next_location(c)))
        self.queue().append(c, when=self.reaches_queue(c))  # reads the location before it moves
        self.location[c] = self.next_location(c)

    @action
    def move_inside_bridge(self, c: car) -> None:
        """MoveInsideBridge(c) (ChangeLocation's ELSE: see the docstring)."""
        require(self.car_in_bridge(c))
        require(forall(self.car, lambda d: self.location(d) != self.next_location(c)))
        self.location[c] = self.next_location(c)

    @action
    def enter_bridge(self) -> None:
        require(~self.queue().is_empty())
        h = self.queue().head()  # read where used: the queue is popped last
        bridge_empty = ~exists(self.car, lambda d: self.car_in_bridge(d))
        same_way = (
            ~self.car_in_bridge(h)
            & self.have_same_direction(h)
            & forall(self.car, lambda d: self.location(d) != self.next_location(h))
        )
        require(bridge_empty | same_way)
        self.location[h] = self.next_location(h)
        self.queue().pop()

    # -- properties --------------------------------------------------------------------------
    @invariant
    def invariants(self):
        one_per_place = forall(
            self.car,
            self.car,
            lambda a, b: implies(
                self.car_in_bridge(a) & (self.location(a) == self.location(b)), a == b
            ),
        )
        one_direction = forall(
            self.car,
            self.car,
            lambda rc, lc: implies(
                self.is_right(rc) & ~self.is_right(lc),
                ~(self.car_in_bridge(rc) & self.car_in_bridge(lc)),
            ),
        )
        return one_per_place & one_direction

    @liveness
    def cars_in_bridge_exit_bridge(self):
        """\\A car \\in Cars : Location[car] \\in Bridge ~> Location[car] \\notin Bridge."""
        return forall(self.car, lambda c: leads_to(self.car_in_bridge(c), ~self.car_in_bridge(c)))

    @liveness
    def cars_enter_bridge(self):
        """\\A car \\in Cars : Location[car] \\notin Bridge ~> Location[car] \\in Bridge."""
        return forall(self.car, lambda c: leads_to(~self.car_in_bridge(c), self.car_in_bridge(c)))
