"""Meaning-preserving rewrites that make compiled formulas cheaper to evaluate.

* Negation normal form: `~` is pushed through `&`, `|`, `implies` and quantifiers.
* Miniscoping: a quantifier moves inward past the parts of its body that do not mention its
  variable: `forall x. (p(x) -> q)` becomes `(exists x. p(x)) -> q`. Lamport's
  `\\A a, b, v : VotedFor(a, b, v) => SafeAt(b, v)` then evaluates `SafeAt(b, v)` once per
  ballot and value instead of once per acceptor, and `exists a. VotedFor(a, b, v)` compiles to a
  single mask test.

Variable names are unique within a trace (see `lang.context`), so moving a quantifier can never
capture a variable. The reference interpreter does not use these rewrites; tests compare the two.
"""

from __future__ import annotations

from typing import assert_never

from checker import ir


def bound_name(name: str) -> str:
    """The Python name the code generators give a bound variable (a looped action parameter or
    quantified variable). Their own helpers and temporaries never start with `_v_`, so a spec's
    variable can never shadow one (a quantifier over `i` once overwrote a loop's `_i`)."""
    return f"_v_{name}"


def free_vars(e: ir.Expr) -> frozenset[str]:
    if isinstance(e, ir.Var):
        return frozenset((e.name,))
    if isinstance(e, ir.Forall | ir.Exists | ir.Count | ir.Choose):
        return free_vars(e.body) - {v.name for v in e.vars}
    out: frozenset[str] = frozenset()
    for c in e.children():
        out |= free_vars(c)
    return out


def nnf(f: ir.Formula, negate: bool = False) -> ir.Formula:
    """Negation normal form (Iff, Ite and atoms are kept, negated where needed)."""
    match f:
        case ir.Not():
            return nnf(f.arg, not negate)
        case ir.And() | ir.Or():
            args = tuple(nnf(a, negate) for a in f.args)
            dual = (isinstance(f, ir.And)) == negate
            return ir.Or(args, loc=f.loc) if dual else ir.And(args, loc=f.loc)
        case ir.Implies():
            return nnf(ir.Or((ir.Not(f.left), f.right), loc=f.loc), negate)
        case ir.Forall() | ir.Exists():
            body = nnf(f.body, negate)
            flip = isinstance(f, ir.Forall) == negate
            if flip:
                return ir.Exists(f.vars, body, loc=f.loc)
            return ir.Forall(f.vars, body, loc=f.loc)
        case ir.BoolLit():
            return ir.BoolLit(f.value != negate, loc=f.loc)
        case (
            ir.Atom()
            | ir.Member()
            | ir.Eq()
            | ir.Lt()
            | ir.Le()
            | ir.Iff()
            | ir.FormulaIte()
            | ir.WellTyped()
            | ir.Enabled()
        ):
            return ir.Not(f, loc=f.loc) if negate else f
        case _:
            assert_never(f)


def flatten(f: ir.Formula, kind: type[ir.And] | type[ir.Or]) -> list[ir.Formula]:
    """Arguments of nested And (or Or, reading `p -> q` as `~p | q`), in order: the
    conjuncts (disjuncts) that compiled code evaluates one after another."""
    out: list[ir.Formula] = []
    stack = [f]
    while stack:
        g = stack.pop()
        if isinstance(g, kind):
            stack.extend(reversed(g.args))
        elif kind is ir.Or and isinstance(g, ir.Implies):
            stack.append(g.right)
            stack.append(ir.Not(g.left))
        else:
            out.append(g)
    return out


def _parts(f: ir.Formula, kind: type[ir.And] | type[ir.Or]) -> list[ir.Formula]:
    if isinstance(f, kind):
        out: list[ir.Formula] = []
        for a in f.args:
            out.extend(_parts(a, kind))
        return out
    return [f]


def _join(parts: list[ir.Formula], kind: type[ir.And] | type[ir.Or]) -> ir.Formula:
    return parts[0] if len(parts) == 1 else kind(tuple(parts))


def _push(var: ir.Var, body: ir.Formula, forall: bool) -> ir.Formula:
    """`forall var. body` (or exists), with the quantifier moved as far in as it goes."""
    if var.name not in free_vars(body):
        return body  # sorts are never empty
    # forall distributes over and; exists over or.
    spread, split = (ir.And, ir.Or) if forall else (ir.Or, ir.And)
    spread_parts = _parts(body, spread)
    if len(spread_parts) > 1:
        return _join([_push(var, p, forall) for p in spread_parts], spread)
    node = ir.Forall if forall else ir.Exists
    if isinstance(body, node):
        # forall x. forall y. b = forall y. forall x. b: x may go further in than y.
        return node(body.vars, _push(var, body.body, forall), loc=body.loc)
    split_parts = _parts(body, split)
    dependent = [p for p in split_parts if var.name in free_vars(p)]
    independent = [p for p in split_parts if var.name not in free_vars(p)]
    if independent:
        inner = _push(var, _join(dependent, split), forall)
        return _join([*independent, inner], split)
    distributed = _distribute(var, split_parts, spread, split)
    if distributed is not None:
        return _push(var, distributed, forall)
    return node((var,), body)


DISTRIBUTE_LIMIT = 4  # distribute over a conjunction of at most this many parts


def _distribute(
    var: ir.Var,
    parts: list[ir.Formula],
    spread: type[ir.And] | type[ir.Or],
    split: type[ir.And] | type[ir.Or],
) -> ir.Formula | None:
    """`p | (q1 & q2)` as `(p | q1) & (p | q2)` (dually for exists) when some q_i does not
    mention `var`: the quantifier then spreads over the conjunction and leaves that q_i out.
    `forall m. ~sent(m) | (ok(m) & fine)` becomes `(forall m. ~sent(m) | ok(m)) & (fine |
    forall m. ~sent(m))`, and each part compiles to fewer tests."""
    for i, part in enumerate(parts):
        inner = _parts(part, spread)
        if not 1 < len(inner) <= DISTRIBUTE_LIMIT:
            continue
        if all(var.name in free_vars(q) for q in inner):
            continue
        others = parts[:i] + parts[i + 1 :]
        return _join([_join([*others, q], split) for q in inner], spread)
    return None


def miniscope(f: ir.Formula) -> ir.Formula:
    """Move quantifiers inward (on an NNF formula), then merge directly nested ones."""
    if isinstance(f, ir.And | ir.Or):
        return type(f)(tuple(miniscope(a) for a in f.args), loc=f.loc)
    if isinstance(f, ir.Forall | ir.Exists):
        forall = isinstance(f, ir.Forall)
        result = miniscope(f.body)
        for v in reversed(f.vars):
            result = _push(v, result, forall)
        return _merge(result)
    return f


def _merge(f: ir.Formula) -> ir.Formula:
    """Forall(x, Forall(y, b)) -> Forall((x, y), b), so that quantifiers unroll together."""
    if isinstance(f, ir.Forall | ir.Exists) and type(f.body) is type(f):
        inner = _merge(f.body)
        if type(inner) is type(f):
            assert isinstance(inner, ir.Forall | ir.Exists)
            return type(f)((*f.vars, *inner.vars), inner.body, loc=f.loc)
    if isinstance(f, ir.And | ir.Or):
        return type(f)(tuple(_merge(a) for a in f.args), loc=f.loc)
    return f


def simplify(f: ir.Formula) -> ir.Formula:
    return miniscope(nnf(f))
