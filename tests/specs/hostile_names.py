"""Bound variables named like the code generators' own helpers and temporaries.

Every action parameter and quantified variable here is called after a name the scalar or the
vector code generator uses for itself (`i`, `p`, `acc`, `out`, `s`, `bits`, `field`, `bit`, ...).
Compiled with loops (an action's parameters, a whole-relation update), such a variable once
overwrote the generator's own loop counter `_i` and bit position `_p`: the reference engine then
found 30 states of Lamport's mutex where there are 41. The tests compile this spec every way
and compare it with the interpreter, so any such capture changes a successor and fails.
"""

from checker import (
    Function,
    OrderedSort,
    Param,
    Relation,
    Spec,
    action,
    exists,
    forall,
    implies,
    invariant,
    ite,
    require,
)


class HostileNames(Spec):
    size = Param(2)
    elem = OrderedSort(size)
    slot = OrderedSort(3)

    table = Relation(elem, slot, elem)
    level = Function(elem, elem, init=elem[0])

    @action
    def put(self, p: elem, i: slot, acc: elem) -> None:
        """Append (p, acc) at the first free slot i of p's row, which shifts nothing."""
        require(~exists(self.elem, lambda out: self.table(p, i, out)))
        require(
            forall(
                self.slot,
                lambda s: implies(s < i, exists(self.elem, lambda bits: self.table(p, s, bits))),
            )
        )
        self.table.update(
            lambda field, bit, full: (
                self.table(field, bit, full) | ((field == p) & (bit == i) & (full == acc))
            )
        )
        self.level[p] = acc

    @action
    def shift(self, p: elem) -> None:
        """Drop the first entry of p's row, moving the others one slot down."""
        require(exists(self.elem, lambda out: self.table(p, self.slot[0], out)))
        self.table.update(
            lambda i, s, n: ite(
                i == p,
                exists(
                    self.slot,
                    lambda acc: (
                        (s < acc)
                        & forall(self.slot, lambda s1: ~((s < s1) & (s1 < acc)))
                        & self.table(i, acc, n)
                    ),
                ),
                self.table(i, s, n),
            )
        )

    @action
    def raise_all(self, out: elem) -> None:
        """Every level below `out` becomes `out`."""
        self.level.update(lambda p: ite(self.level(p) < out, out, self.level(p)))

    @invariant
    def rows_are_packed(self):
        return forall(
            self.elem,
            self.slot,
            self.slot,
            lambda p, i, acc: implies(
                (i < acc) & exists(self.elem, lambda x: self.table(p, acc, x)),
                exists(self.elem, lambda y: self.table(p, i, y)),
            ),
        )
