"""Why a property is false in a state: the failing conjunct and the witnesses that break it.

Walks the property's formula with the reference interpreter, following only what is false: the
first false conjunct of a conjunction, the first assignment that falsifies a universal
quantifier (its *witnesses*), the conclusion of an implication whose premise holds, the
existential whose witnesses make a negated one true. Each step names the spec line it comes
from, so a user reads the path from the property down to the atom that failed.
"""

from __future__ import annotations

import linecache
import os
from collections.abc import Mapping
from dataclasses import dataclass

from checker import ir
from checker.errors import Loc
from checker.explicit.interp import Interpreter
from checker.explicit.layout import Structured
from checker.explicit.simplify import free_vars

MAX_STEPS = 12


@dataclass(frozen=True)
class Reason:
    text: str  # what is false, with witnesses
    where: str  # file:line and the source line


def _where(loc: Loc | None) -> str:
    if loc is None or not loc.line:
        return ""
    source = linecache.getline(loc.file, loc.line).strip()
    path = os.path.relpath(loc.file) if loc.file.startswith(os.getcwd()) else loc.file
    return f"{path}:{loc.line}: {source}" if source else f"{path}:{loc.line}"


class _Explainer:
    def __init__(self, interp: Interpreter, state: Structured, post: Structured | None) -> None:
        self.interp, self.state, self.post = interp, state, post
        self.reasons: list[Reason] = []

    def holds(self, f: ir.Formula, env: Mapping[str, int]) -> bool:
        return self.interp.formula(f, env, self.state, self.post)

    def label(self, v: ir.Var, code: int) -> str:
        return f"{v.name.split('#')[0]}={self.interp.inst.label(v.type.sort, code)}"

    def false(self, f: ir.Formula, env: Mapping[str, int], depth: int = 0) -> None:
        """Explain why `f` (false under `env`) is false."""
        if depth > MAX_STEPS:
            return
        if isinstance(f, ir.And):
            for i, arg in enumerate(f.args):
                if not self.holds(arg, env):
                    self.add(f"conjunct {i + 1} of {len(f.args)} is false", arg)
                    self.false(arg, env, depth + 1)
                    return
        elif isinstance(f, ir.Forall):
            for codes in self.interp.inst.product([v.type for v in f.vars]):
                inner = {**env, **dict(zip((v.name for v in f.vars), codes, strict=True))}
                if not self.holds(f.body, inner):
                    witnesses = ", ".join(
                        self.label(v, c) for v, c in zip(f.vars, codes, strict=True)
                    )
                    self.add(f"for all: false for {witnesses}", f)
                    self.false(f.body, inner, depth + 1)
                    return
        elif isinstance(f, ir.Implies):
            self.add("the premise holds but the conclusion is false", f.right)
            self.false(f.right, env, depth + 1)
        elif isinstance(f, ir.Not) and isinstance(f.arg, ir.Exists):
            ex = f.arg
            for codes in self.interp.inst.product([v.type for v in ex.vars]):
                inner = {**env, **dict(zip((v.name for v in ex.vars), codes, strict=True))}
                if self.holds(ex.body, inner):
                    witnesses = ", ".join(
                        self.label(v, c) for v, c in zip(ex.vars, codes, strict=True)
                    )
                    self.add(f"there is one that must not exist: {witnesses}", ex)
                    return
        elif isinstance(f, ir.Not) and isinstance(f.arg, ir.Or | ir.Implies):
            return  # a negated disjunction: every part is true; nothing single to point at
        elif isinstance(f, ir.FormulaIte):
            branch = f.then if self.holds(f.cond, env) else f.else_
            self.add("the branch taken is false", branch)
            self.false(branch, env, depth + 1)

    def add(self, text: str, node: ir.Expr) -> None:
        self.reasons.append(Reason(text, _where(node.loc)))


def explain(
    interp: Interpreter, prop: ir.Property, state: Structured, post: Structured | None = None
) -> list[Reason]:
    """The chain of reasons why `prop` is false in `state` (or on the step `state -> post`)."""
    e = _Explainer(interp, state, post)
    if e.holds(prop.formula, {}):
        return []
    if prop.name.startswith("defined(") and prop.name.endswith(")"):
        reasons = _undefined(interp, prop.name[len("defined(") : -1], state, post)
        if reasons:
            return reasons
    e.false(prop.formula, {})
    return e.reasons


def _undefined(
    interp: Interpreter, name: str, state: Structured, post: Structured | None
) -> list[Reason]:
    """Why property `name` cannot be evaluated in `state` (or on the step to `post`): its
    values outside their sorts, divisions by zero, CHOOSEs that nothing satisfies."""
    spec = interp.spec
    roots: list[ir.Expr] = [p.formula for p in spec.properties if p.name == name]
    for live in spec.liveness:
        if live.name == name:
            roots += [live.p] if live.q is None else [live.p, live.q]
    reasons: list[Reason] = []
    for root in roots:
        for node in ir.walk(root):
            reasons += (r for r in _failing(interp, node, {}, state, post) if r not in reasons)
            if len(reasons) >= 3:
                return reasons
    return reasons


def explain_failure(
    interp: Interpreter,
    act: ir.Action,
    params: tuple[int, ...],
    check: ir.Check,
    state: Structured,
) -> list[Reason]:
    """Why action instance `act(params)` fails from `state` at `check`: the values that lie
    outside their integer sort, the divisions by zero, in the statement the check guards
    (found by evaluating it where the check stands, over every binding of its variables)."""
    position = next(i for i, s in enumerate(act.body) if s is check)
    env, work = interp.state_at(act, params, state, position)
    guarded = act.body[position + 1] if position + 1 < len(act.body) else check
    reasons: list[Reason] = []
    for root in ir.stmt_exprs(guarded):
        for node in ir.walk(root):
            reasons += (r for r in _failing(interp, node, env, work) if r not in reasons)
            if len(reasons) >= 3:
                return reasons
    return reasons or [Reason(check.what, _where(check.loc))]


def _failing(
    interp: Interpreter,
    node: ir.Expr,
    env: Mapping[str, int],
    work: Structured,
    post: Structured | None = None,
) -> list[Reason]:
    """The bindings of `node`'s free variables under which it fails, as reasons."""
    if isinstance(node, ir.Choose):
        return [] if node.total else _no_witness(interp, node, env, work, post)
    if not (isinstance(node, ir.Cast) and not node.guarded) and not (
        isinstance(node, ir.Arith) and node.op in ("//", "%")
    ):
        return []
    arg = node.arg if isinstance(node, ir.Cast) else node.right
    free = sorted((v for v in _vars(arg) if v.name not in env), key=lambda v: v.name)
    for codes in interp.inst.product([v.type for v in free]):
        bound = {**env, **{v.name: c for v, c in zip(free, codes, strict=True)}}
        try:
            value = interp.term(arg, bound, work, post)
        except (KeyError, IndexError):
            continue  # a variable bound further out that we cannot name: skip
        names = ", ".join(
            f"{v.name}={interp.inst.label(v.type.sort, c)}"
            for v, c in zip(free, codes, strict=True)
        )
        where = f" (for {names})" if names else ""
        if isinstance(node, ir.Cast):
            sort = interp.inst.sorts[node.sort]
            lo, hi = sort.bias, sort.bias + sort.size - 1
            if not lo <= value <= hi:
                text = node.why or f"{value} is outside `{node.sort}` ({lo}..{hi})"
                return [Reason(f"{text}{where}", _where(node.loc))]
        elif value == 0:
            return [Reason(f"a division by zero{where}", _where(node.loc))]
    return []


def _no_witness(
    interp: Interpreter,
    node: ir.Choose,
    env: Mapping[str, int],
    work: Structured,
    post: Structured | None,
) -> list[Reason]:
    """The bindings of a CHOOSE's free variables under which nothing satisfies it."""
    names = free_vars(node)
    free = sorted((v for v in _vars(node) if v.name in names and v.name not in env),
                  key=lambda v: v.name)  # fmt: skip
    (var,) = node.vars
    for codes in interp.inst.product([v.type for v in free]):
        bound = {**env, **{v.name: c for v, c in zip(free, codes, strict=True)}}
        try:
            found = any(
                interp.formula(node.body, {**bound, var.name: c}, work, post)
                for c in interp.inst.codes(var.type)
            )
        except (KeyError, IndexError):
            continue  # a variable bound further out that we cannot name: skip
        if not found:
            names_ = ", ".join(
                f"{v.name}={interp.inst.label(v.type.sort, c)}"
                for v, c in zip(free, codes, strict=True)
            )
            where = f" (for {names_})" if names_ else ""
            text = node.why or "CHOOSE finds no element satisfying its condition"
            return [Reason(f"{text}{where}", _where(node.loc))]
    return []


def _vars(e: ir.Expr) -> list[ir.Var]:
    """The variables `e` mentions, once each (by name)."""
    found = {n.name: n for n in ir.walk(e) if isinstance(n, ir.Var)}
    return list(found.values())
