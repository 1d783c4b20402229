"""A jump marks a slot at least two after another (`~exists(m: p < m < s)` says "just before",
which `prove` reads as a relation of adjacent slots: tests/checker/symbolic/test_unbounded.py)."""

from __future__ import annotations

from checker import OrderedSort, Param, Relation, Spec, action, conjunct, exists, invariant, require
from checker.lang import SymFormula, SymTerm


class Jump(Spec):
    """A slot is marked by a jump from a slot at least two before it."""

    slots = Param(3, doc="slots")
    slot = OrderedSort(slots)
    done = Relation(slot)

    def next_to(self, p: SymTerm, s: SymTerm) -> SymFormula:
        return (p < s) & ~exists(self.slot, lambda m: (p < m) & (m < s))

    @action
    def jump(self, p: slot, s: slot) -> None:
        require((p < s) & ~self.next_to(p, s))
        self.done.insert(s)

    @invariant
    def the_second_slot_is_never_marked(self) -> SymFormula:
        return ~self.done(self.slot[1])


class JumpProof(Jump):
    @conjunct
    def second_unmarked(self) -> SymFormula:
        return ~self.done(self.slot[1])
