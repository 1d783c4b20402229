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
- TypeOK holds by construction and is not ported; ExclusiveAccess is. NobodyStarves is a
  liveness property (not checked here). TLC checks deadlock on this model; the model has none
  (`check --deadlock` agrees).
"""

from checker import (
    Function,
    IntSort,
    Param,
    Relation,
    Sort,
    Spec,
    action,
    forall,
    implies,
    init,
    invariant,
    ite,
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
