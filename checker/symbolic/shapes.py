"""The shapes of formula that the unbounded translation (`checker.symbolic.unbounded`) abstracts,
recognized in the IR: the size of a set of a quorum sort (`sort.size(q)`), a set with more than
half the members of another (`size(c) < size(q) * 2`), and "nothing lies between p and s" in an
ordered sort (`~exists(m: p < m & m < s)`); which sorts a spec uses them on; and the elements
it names by index. Pure functions of the IR: the translator decides what each becomes in z3.
"""

from __future__ import annotations

from dataclasses import dataclass

from checker import ir


def spec_exprs(spec: ir.SpecIR) -> list[ir.Expr]:
    """Every expression of the spec: its actions', properties' and initial values'."""
    exprs: list[ir.Expr] = []
    for act in (*spec.inits, *spec.actions):
        for stmt in act.body:
            exprs.extend(ir.stmt_exprs(stmt))
    exprs.extend(p.formula for p in spec.properties)
    exprs.extend(d.init for d in spec.symbols if isinstance(d.init, ir.Expr))
    return exprs


def indexed_elements(spec: ir.SpecIR) -> list[ir.Elem]:
    return [
        e
        for root in spec_exprs(spec)
        for e in ir.walk(root)
        if isinstance(e, ir.Elem) and e.index is not None
    ]


@dataclass(frozen=True)
class Shapes:
    """The sorts of which the spec uses a formula that the translator abstracts."""

    counted: set[str]  # quorum sorts: a set's size (`sort.size(q)`)
    halved: set[str]  # quorum sorts: a size compared with half another's
    adjacent: set[str]  # ordered sorts: nothing lies between two elements


def spec_shapes(spec: ir.SpecIR) -> Shapes:
    shapes = Shapes(set(), set(), set())
    for root in spec_exprs(spec):
        for e in ir.walk(root):
            if (size := set_size(e)) is not None:
                shapes.counted.add(size[0])
            if (half := more_than_half(e)) is not None:
                shapes.halved.add(half[0])
            if (adjacent := nothing_between(e)) is not None:
                shapes.adjacent.add(adjacent[0])
    return shapes


def nothing_between(f: ir.Expr) -> tuple[str, ir.Term, ir.Term] | None:
    """(sort, p, s) if `f` says that no element of an ordered sort lies strictly between p and
    s: `~exists(m: p < m & m < s)` (m proper, and in neither p nor s)."""
    match f:
        case ir.Not(
            arg=ir.Exists(
                vars=(var,),
                body=ir.And(
                    args=(
                        ir.Lt(left=p, right=ir.Var(name=m1)),
                        ir.Lt(left=ir.Var(name=m2), right=s),
                    )
                ),
            )
        ) if (
            m1 == m2 == var.name
            and not var.type.bottom
            and not any(
                isinstance(e, ir.Var) and e.name == var.name
                for root in (p, s)
                for e in ir.walk(root)
            )
        ):
            return var.type.sort, p, s
    return None


def set_size(t: ir.Expr) -> tuple[str, ir.Term] | None:
    """(sort, q) if `t` is the size of set q of a quorum sort (`sort.size(q)`)."""
    match t:
        case ir.Count(
            vars=(var,), body=ir.Member(sort=sort, elem=ir.Var(name=name), quorum=quorum)
        ) if name == var.name and not any(
            isinstance(e, ir.Var) and e.name == name for e in ir.walk(quorum)
        ):
            return sort, quorum
    return None


def more_than_half(f: ir.Expr) -> tuple[str, ir.Term, ir.Term] | None:
    """(sort, q, c) if `f` says that set q has more than half the members of set c:
    `size(c) < size(q) * 2` (or `2 * size(q)`)."""
    if not isinstance(f, ir.Lt) or not isinstance(f.right, ir.Arith) or f.right.op != "*":
        return None
    c = set_size(f.left)
    for twice, other in ((f.right.left, f.right.right), (f.right.right, f.right.left)):
        q = set_size(twice)
        two = isinstance(other, ir.IntLit) and other.value == 2
        if two and c is not None and q is not None and q[0] == c[0]:
            return q[0], q[1], c[1]
    return None
