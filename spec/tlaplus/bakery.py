r"""Bakery: Lamport's bakery algorithm (the PlusCal version with non-atomic reads and writes of
flag and num), ported from tlaplus/Examples, checked from its inductive invariant.

TLA+ module: specifications/Bakery-Boulangerie/Bakery.tla, model MCBakery.tla
TLC model:   specifications/Bakery-Boulangerie/MCBakery.cfg (N = 2, MaxNat = 2 with
             Nat <- 0..MaxNat; SPECIFICATION ISpec == Inv /\ [][Next]_vars; INVARIANTS
             MutualExclusion TypeOK Inv; CHECK_DEADLOCK FALSE).
TLC's counts: 655,200 distinct states, depth 1, 3,403,584 states generated (655,200 initial
states and 2,748,384 transitions, as here): the initial states are every state that satisfies
Inv = TypeOK /\ IInv, and since Inv is inductive, every successor is one of them. Also measured
with TLC 2.19: N=1 MaxNat=1: 84 states; N=1 MaxNat=2: 204; N=2 MaxNat=1: 112,160 (with
Bakery.tla's ASSUME N \in Nat dropped, since Nat <- 0..1 does not hold 2); all depth 1.

Encoding:
- Procs = 1..N and Nat = 0..MaxNat are integer sorts; num, max and nxt are functions, flag a
  relation, unchecked[p] (a subset of Procs) a relation unchecked(p, q), pc a function into the
  nine labels.
- ISpec's initial predicate Inv: every symbol starts arbitrary (TypeOK: each ranges over exactly
  its TLA+ type), and an @init requires IInv.
- Each PlusCal label's either / or and IF / ELSE is one action per branch (`e1_flip`,
  `e1_go`, ...); `\E i \in unchecked[self]` and `\E k \in Nat` are action parameters.
  w1's `~flag[nxt'[self]]` reads the chosen i.
- <<a, i>> \prec <<b, j>> is a < b \/ (a = b /\ i < j).
- Invariants: MutualExclusion, and Inv's IInv (`iinv`); TypeOK holds by construction.

The initial states are 9^2 * 2^2 * 2^4 * 3^2 * 2^2 * 3^2 = 1,679,616 combinations of arbitrary
values filtered by IInv: the explicit engines run the compiled @init over them (the
interpreter, at about half a millisecond each, would take a quarter of an hour). The check
takes about 5 s (TLC: about a minute).
"""

from checker import (
    Function,
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
    init,
    invariant,
    ite,
    require,
)

PCS = ("ncs", "e1", "e2", "e3", "e4", "w1", "w2", "cs", "exit")


class Bakery(Spec):
    expected_states = {  # TLC
        "": 655200,
        "n=1 max_nat=1": 84,
        "n=1 max_nat=2": 204,
        "n=2 max_nat=1": 112160,
    }
    expected_depth = None  # TLC: 1 (every state is initial)

    n = Param(2, doc="N, the number of processes")
    max_nat = Param(2, doc="Nat is overridden by 0..MaxNat")

    proc = IntSort(1, n)
    nat = IntSort(0, max_nat)
    pcs = Sort(len(PCS), labels=PCS)

    num = Function(proc, nat, init=arbitrary)
    flag = Relation(proc, init=arbitrary)
    unchecked = Relation(proc, proc, init=arbitrary)
    max_ = Function(proc, nat, init=arbitrary)
    nxt = Function(proc, proc, init=arbitrary)
    pc = Function(proc, pcs, init=arbitrary)

    @init
    def start(self) -> None:
        """ISpec's initial predicate: Inv (TypeOK holds by construction)."""
        require(self.iinv())

    # -- helpers -----------------------------------------------------------------------------
    def at(self, p, *labels: str):
        out = self.pc(p) == self.pcs[labels[0]]
        for label in labels[1:]:
            out = out | (self.pc(p) == self.pcs[label])
        return out

    def goto(self, p, label: str) -> None:
        self.pc[p] = self.pcs[label]

    def prec(self, a, i, b, j):
        r"""<<a, i>> \prec <<b, j>>."""
        return (a < b) | ((a == b) & (i < j))

    def flip_flag(self, p) -> None:
        self.flag.update(lambda q: ite(q == p, ~self.flag(q), self.flag(q)))

    def check_all_others(self, p) -> None:
        r"""unchecked[p] := Procs \ {p}."""
        self.unchecked.update(lambda q, r: ite(q == p, r != p, self.unchecked(q, r)))

    # -- the algorithm -----------------------------------------------------------------------
    @action
    def ncs(self, p: proc) -> None:
        require(self.at(p, "ncs"))
        self.goto(p, "e1")

    @action
    def e1_flip(self, p: proc) -> None:
        require(self.at(p, "e1"))
        self.flip_flag(p)

    @action
    def e1_go(self, p: proc) -> None:
        require(self.at(p, "e1"))
        self.flag.insert(p)
        self.check_all_others(p)
        self.max_[p] = 0
        self.goto(p, "e2")

    @action
    def e2_read(self, p: proc, i: proc) -> None:
        require(self.at(p, "e2") & self.unchecked(p, i))
        self.unchecked.remove(p, i)
        self.max_[p] = ite(self.num(i) > self.max_(p), self.num(i), self.max_(p))

    @action
    def e2_done(self, p: proc) -> None:
        require(self.at(p, "e2") & ~exists(self.proc, lambda i: self.unchecked(p, i)))
        self.goto(p, "e3")

    @action
    def e3_any(self, p: proc, k: nat) -> None:
        require(self.at(p, "e3"))
        self.num[p] = k

    @action
    def e3_go(self, p: proc, k: nat) -> None:
        require(self.at(p, "e3") & (k > self.max_(p)))
        self.num[p] = k
        self.goto(p, "e4")

    @action
    def e4_flip(self, p: proc) -> None:
        require(self.at(p, "e4"))
        self.flip_flag(p)

    @action
    def e4_go(self, p: proc) -> None:
        require(self.at(p, "e4"))
        self.flag.remove(p)
        self.check_all_others(p)
        self.goto(p, "w1")

    @action
    def w1_pick(self, p: proc, i: proc) -> None:
        require(self.at(p, "w1") & self.unchecked(p, i) & ~self.flag(i))
        self.nxt[p] = i
        self.goto(p, "w2")

    @action
    def w1_done(self, p: proc) -> None:
        require(self.at(p, "w1") & ~exists(self.proc, lambda i: self.unchecked(p, i)))
        self.goto(p, "cs")

    @action
    def w2(self, p: proc, q: proc) -> None:
        """q is nxt[self] (a parameter pinned to it)."""
        require(self.at(p, "w2") & (self.nxt(p) == q))
        require((self.num(q) == 0) | self.prec(self.num(p), p, self.num(q), q))
        self.unchecked.remove(p, q)
        self.goto(p, "w1")

    @action
    def cs(self, p: proc) -> None:
        require(self.at(p, "cs"))
        self.goto(p, "exit")

    @action
    def exit_any(self, p: proc, k: nat) -> None:
        require(self.at(p, "exit"))
        self.num[p] = k

    @action
    def exit_go(self, p: proc) -> None:
        require(self.at(p, "exit"))
        self.num[p] = 0
        self.goto(p, "ncs")

    # -- properties --------------------------------------------------------------------------
    @invariant
    def mutual_exclusion(self):
        return forall(
            self.proc,
            self.proc,
            lambda i, j: implies(i != j, ~(self.at(i, "cs") & self.at(j, "cs"))),
        )

    def before(self, i, j):
        ni = self.num(i)
        return (ni > 0) & (
            self.at(j, "ncs", "e1", "exit")
            | (self.at(j, "e2") & (self.unchecked(j, i) | (self.max_(j) >= ni)))
            | (self.at(j, "e3") & (self.max_(j) >= ni))
            | (
                self.at(j, "e4", "w1", "w2")
                & self.prec(ni, i, self.num(j), j)
                & implies(self.at(j, "w1", "w2"), self.unchecked(j, i))
            )
        )

    @invariant
    def iinv(self):
        def one(i):
            n = self.nxt(i)
            return (
                implies(self.at(i, "e4", "w1", "w2", "cs"), self.num(i) != 0)
                & implies(self.at(i, "e2", "e3"), self.flag(i))
                & implies(self.at(i, "w2"), n != i)
                & implies(self.at(i, "w1", "w2"), ~self.unchecked(i, i))
                & implies(
                    self.at(i, "w1", "w2"),
                    forall(
                        self.proc,
                        lambda j: implies(~self.unchecked(i, j) & (j != i), self.before(i, j)),
                    ),
                )
                & implies(
                    self.at(i, "w2")
                    & ((self.at(n, "e2") & ~self.unchecked(n, i)) | self.at(n, "e3")),
                    self.max_(n) >= self.num(i),
                )
                & implies(
                    self.at(i, "cs"),
                    forall(self.proc, lambda j: implies(j != i, self.before(i, j))),
                )
            )

        return forall(self.proc, one)
