"""Is a proof in EPR, the decidable fragment? The quantifier-alternation / function-sort graph.

Every formula z3 is asked about is put, in effect, into prenex Skolem form: an existential over
sort T inside universals over sorts S1..Sn becomes a Skolem function S1 x ... x Sn -> T, and a
state function f: S1 x ... x Sn -> T is one already. Draw an edge Si -> T for each. If the graph
of sorts is acyclic, only finitely many ground terms exist, and z3's model-based quantifier
instantiation decides every obligation (Padon et al., "Paxos Made EPR"). A cycle names the
sorts whose terms can grow without bound: z3 may then answer `unknown` or not terminate.

The analysis reads the z3 formulas themselves, so it covers axioms, the translated actions
(including updates substituted into a post-state) and negated goals exactly as z3 sees them.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import z3


@dataclass(frozen=True)
class Edge:
    src: str
    dst: str
    why: str


@dataclass
class EprReport:
    edges: list[Edge] = field(default_factory=list)
    cycle: list[Edge] | None = None
    arithmetic: str | None = None  # where integer arithmetic appears (outside EPR)

    @property
    def in_fragment(self) -> bool:
        return self.cycle is None and self.arithmetic is None

    def summary(self) -> str:
        if self.arithmetic is not None:
            return (
                f"not in EPR: integer arithmetic ({self.arithmetic}); z3 decides linear "
                "arithmetic with quantifiers only sometimes, so it may answer unknown"
            )
        if self.cycle is None:
            arrows = ", ".join(sorted({f"{e.src} -> {e.dst}" for e in self.edges})) or "none"
            return f"in EPR: the sort graph is acyclic (edges: {arrows})"
        path = " -> ".join([self.cycle[0].src] + [e.dst for e in self.cycle])
        whys = "; ".join(f"{e.src} -> {e.dst}: {e.why}" for e in self.cycle)
        return (
            f"not in EPR: the sort graph has the cycle {path} ({whys}); "
            "z3 may answer unknown, the proof is attempted anyway"
        )


_ARITHMETIC = {
    z3.Z3_OP_ADD,
    z3.Z3_OP_SUB,
    z3.Z3_OP_MUL,
    z3.Z3_OP_DIV,
    z3.Z3_OP_IDIV,
    z3.Z3_OP_MOD,
    z3.Z3_OP_UMINUS,
}


class _Walker:
    def __init__(self) -> None:
        self.edges: dict[tuple[str, str], str] = {}
        self.seen: set[tuple[int, bool, frozenset[str]]] = set()
        self.arithmetic: str | None = None

    def edge(self, src: str, dst: str, why: str) -> None:
        self.edges.setdefault((src, dst), why)

    def visit(self, e: z3.ExprRef, positive: bool, universals: frozenset[str], label: str) -> None:
        key = (e.get_id(), positive, universals)
        if key in self.seen:
            return
        self.seen.add(key)
        if z3.is_quantifier(e):
            sorts = [e.var_sort(i).name() for i in range(e.num_vars())]
            if e.is_forall() == positive:  # a universal, after negations are pushed in
                self.visit(e.body(), positive, universals | frozenset(sorts), label)
            else:
                for s in sorts:
                    for u in sorted(universals):
                        self.edge(u, s, f"an exists over {s} under a forall over {u} in {label}")
                self.visit(e.body(), positive, universals, label)
            return
        if not z3.is_app(e):
            return
        kind = e.decl().kind()
        if self.arithmetic is None and kind in _ARITHMETIC:
            self.arithmetic = f"{e.decl().name()} in {label}"
        children = e.children()
        if kind == z3.Z3_OP_NOT:
            self.visit(children[0], not positive, universals, label)
        elif kind in (z3.Z3_OP_AND, z3.Z3_OP_OR):
            for c in children:
                self.visit(c, positive, universals, label)
        elif kind == z3.Z3_OP_IMPLIES:
            self.visit(children[0], not positive, universals, label)
            self.visit(children[1], positive, universals, label)
        elif kind == z3.Z3_OP_ITE:
            self.visit(children[0], True, universals, label)
            self.visit(children[0], False, universals, label)
            for c in children[1:]:
                self.visit(c, positive, universals, label)
        elif kind in (z3.Z3_OP_EQ, z3.Z3_OP_DISTINCT, z3.Z3_OP_IFF, z3.Z3_OP_XOR) and all(
            z3.is_bool(c) for c in children
        ):
            for c in children:
                self.visit(c, True, universals, label)
                self.visit(c, False, universals, label)
        else:
            if kind == z3.Z3_OP_UNINTERPRETED and children and not z3.is_bool(e):
                decl = e.decl()
                rng = decl.range().name()
                for i in range(decl.arity()):
                    self.edge(decl.domain(i).name(), rng, f"the function {decl.name()}")
            for c in children:
                if z3.is_bool(c):
                    self.visit(c, True, universals, label)
                    self.visit(c, False, universals, label)
                else:
                    self.visit(c, positive, universals, label)


def _find_cycle(edges: list[Edge]) -> list[Edge] | None:
    out: dict[str, list[Edge]] = {}
    for e in edges:
        out.setdefault(e.src, []).append(e)
    state: dict[str, int] = {}  # 1 on the stack, 2 done
    path: list[Edge] = []

    def dfs(node: str) -> list[Edge] | None:
        state[node] = 1
        for e in out.get(node, []):
            if state.get(e.dst) == 1:
                start = next((i for i, p in enumerate(path) if p.src == e.dst), len(path))
                return [*path[start:], e]
            if e.dst not in state:
                path.append(e)
                found = dfs(e.dst)
                if found:
                    return found
                path.pop()
        state[node] = 2
        return None

    for node in sorted(out):
        if node not in state:
            found = dfs(node)
            if found:
                return found
    return None


def analyse(assertions: Sequence[tuple[str, z3.BoolRef]]) -> EprReport:
    """The sort graph of formulas asserted (each labelled, to name where an edge comes from)."""
    walker = _Walker()
    for label, formula in assertions:
        walker.visit(formula, True, frozenset(), label)
    edges = [Edge(s, d, why) for (s, d), why in walker.edges.items()]
    return EprReport(edges, _find_cycle(edges), walker.arithmetic)
