"""DiningPhilosophers: the Chandy-Misra solution in PlusCal, ported from tlaplus/Examples.

TLA+ module: specifications/DiningPhilosophers/DiningPhilosophers.tla (the PlusCal translation)
TLC model:   specifications/DiningPhilosophers/DiningPhilosophers.cfg (NP = 5, INVARIANTS TypeOK
             ExclusiveAccess, PROPERTY NobodyStarves, deadlock checked).
TLC's counts: 67 distinct states, depth 29.

Encoding:
- Philosophers and forks are both 1..NP, an integer sort `phil` (LeftFork(p) = p, RightFork and
  the neighbours are `ite`s on values).
- forks[f] = [holder, clean] is two symbols: a function `holder` and a relation `clean`; the
  initial holder (IF fork = 2 THEN 1 ELSE fork) is set by an @init.
- hungry is a relation (initially every philosopher); pc a function into the labels
  Loop, Eat, Think.
- Loop(self)'s IF / ELSIF / ELSE on the forks is three actions with exclusive guards
  (`loop_give_left`, `loop_give_right`, `loop_keep`), each with the same update of pc, computed
  from the forks before the step as in the TLA+ (CanEat reads the unprimed forks). The
  transitions, hence the states, are TLC's.
- TypeOK holds by construction and is not ported; ExclusiveAccess is. TLC checks deadlock on
  this model; the model has none (`check --deadlock` agrees).
- Liveness: Spec's `\\A self \\in 1..NP : WF_vars(Philosopher(self))`, Philosopher(self) being
  Loop(self) \\/ Think(self) \\/ Eat(self), is one weak fairness condition per philosopher over
  the five actions that make up its steps, `WF(loop_give_left, loop_give_right, loop_keep,
  think, eat, per="p")`. `NobodyStarves == \\A p \\in 1..NP : []<>(~hungry[p])` is
  `nobody_starves`, one property per philosopher.

TLC 2.19 on this machine (2026-12-03, one worker), DiningPhilosophers.cfg (PROPERTY
NobodyStarves): "Checking temporal properties for the complete state space with 67 total
distinct states ... Model checking completed. No error has been found. ... 336 states generated,
67 distinct states found, 0 states left on queue. The depth of the complete state graph search
is 29." NobodyStarves holds, as here. Without the fairness (SPECIFICATION Init /\\ [][Next]_vars,
PROPERTY NobodyStarves; `DiningPhilosophersNoFairness` in tests/spec/test_liveness_ports.py):
"Error: Temporal properties were violated." with a 27-state behaviour ending in "State 28:
Stuttering" (here the shortest lasso: the initial state, every philosopher hungry, stutters).
Fairness of Philosopher as a whole (`WF_vars(\\E self \\in 1..NP : Philosopher(self))`) is
enough on this model: TLC finds no error, and neither does paxoscope.
"""

from checker import (
    WF,
    Function,
    IntSort,
    Param,
    Relation,
    Sort,
    Spec,
    action,
    always,
    eventually,
    forall,
    implies,
    init,
    invariant,
    ite,
    liveness,
    require,
)


class DiningPhilosophers(Spec):
    expected_states = {"": 67}  # TLC
    expected_depth = 29

    np = Param(5, doc="NP, the number of philosophers (and forks)")

    phil = IntSort(1, np)
    pcs = Sort(3, labels=("Loop", "Eat", "Think"))

    holder = Function(phil, phil, init=1)
    clean = Relation(phil)
    hungry = Relation(phil, init=True)
    pc = Function(phil, pcs, init=pcs["Loop"])

    # \A self \in 1..NP : WF_vars(Philosopher(self))
    fairness = (WF("loop_give_left", "loop_give_right", "loop_keep", "think", "eat", per="p"),)

    @init
    def start(self) -> None:
        self.holder.update(lambda f: ite(f == 2, 1, f))

    # -- the define block ------------------------------------------------------------------
    def left_fork(self, p):
        return p

    def right_fork(self, p):
        return ite(p == self.np, 1, p + 1)

    def left_philosopher(self, p):
        return ite(p == 1, self.np, p - 1)

    def right_philosopher(self, p):
        return ite(p == self.np, 1, p + 1)

    def can_eat(self, p):
        lf, rf = self.left_fork(p), self.right_fork(p)
        return (self.holder(lf) == p) & (self.holder(rf) == p) & self.clean(lf) & self.clean(rf)

    def dirty_left(self, p):
        return (self.holder(self.left_fork(p)) == p) & ~self.clean(self.left_fork(p))

    def dirty_right(self, p):
        return (self.holder(self.right_fork(p)) == p) & ~self.clean(self.right_fork(p))

    def next_pc(self, p) -> None:
        """pc' of Loop, from the forks before the step."""
        self.pc[p] = ite(
            self.hungry(p),
            ite(self.can_eat(p), self.pcs["Eat"], self.pcs["Loop"]),
            self.pcs["Think"],
        )

    # -- Loop(self) --------------------------------------------------------------------------
    @action
    def loop_give_left(self, p: phil) -> None:
        require((self.pc(p) == self.pcs["Loop"]) & self.dirty_left(p))
        self.next_pc(p)
        self.holder[self.left_fork(p)] = self.left_philosopher(p)
        self.clean.insert(self.left_fork(p))

    @action
    def loop_give_right(self, p: phil) -> None:
        require((self.pc(p) == self.pcs["Loop"]) & ~self.dirty_left(p) & self.dirty_right(p))
        self.next_pc(p)
        self.holder[self.right_fork(p)] = self.right_philosopher(p)
        self.clean.insert(self.right_fork(p))

    @action
    def loop_keep(self, p: phil) -> None:
        require((self.pc(p) == self.pcs["Loop"]) & ~self.dirty_left(p) & ~self.dirty_right(p))
        self.next_pc(p)

    @action
    def think(self, p: phil) -> None:
        require(self.pc(p) == self.pcs["Think"])
        self.hungry.insert(p)
        self.pc[p] = self.pcs["Loop"]

    @action
    def eat(self, p: phil) -> None:
        require(self.pc(p) == self.pcs["Eat"])
        self.hungry.remove(p)
        self.clean.remove(self.left_fork(p))
        self.clean.remove(self.right_fork(p))
        self.pc[p] = self.pcs["Loop"]

    # -- properties --------------------------------------------------------------------------
    def share_fork(self, p, q):
        lp, rp = self.left_fork(p), self.right_fork(p)
        lq, rq = self.left_fork(q), self.right_fork(q)
        return (lp == lq) | (lp == rq) | (rp == lq) | (rp == rq)

    @invariant
    def exclusive_access(self):
        return forall(
            self.phil,
            self.phil,
            lambda p, q: implies(
                (p != q) & self.share_fork(p, q),
                ~((self.pc(p) == self.pcs["Eat"]) & (self.pc(q) == self.pcs["Eat"])),
            ),
        )

    @liveness
    def nobody_starves(self):
        """NobodyStarves == \\A p \\in 1..NP : []<>(~hungry[p])."""
        return forall(self.phil, lambda p: always(eventually(~self.hungry(p))))
