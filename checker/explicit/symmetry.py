"""Symmetry reduction over the full product group of permutations of the symmetric sorts.

A group element permutes the proper elements of every symmetric sort (bottom stays put), and
with them the quorums built over those sorts. It acts on a packed state by moving relation bits
and function fields and by mapping the values stored in fields. The canonical form of a state is
the numerically smallest image over the whole group, so two states get the same canonical form
exactly when they lie in one orbit: the distinct-state count is the number of orbits (as TLC
counts with `Permutations(A) \\cup Permutations(V)`).

Speed: the state is cut into chunks of whole units (relation bits, function fields). For each
chunk a table maps the chunk's value to the images under *all* group elements at once, packed
side by side in one integer; OR-ing one lookup per chunk yields every image, and the minimum is
read off. Large groups use one table per group element instead.

`canonical_with_witness` also returns the group element, which maps a reduced trace back to a
concrete one.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from checker import ir
from checker.errors import SpecError
from checker.explicit.contract import Perm
from checker.explicit.layout import Layout, SymbolLayout
from checker.instance import Instance

_COMBINED_BITS_LIMIT = 1 << 14  # |group| x state bits above which tables are kept per element
_CHUNK_BITS = 10


@dataclass(frozen=True)
class _Unit:
    """A relation bit or a function field."""

    lay: SymbolLayout
    index: int  # argument-tuple index within the symbol

    @property
    def start(self) -> int:
        return self.lay.offset + self.index * self.lay.width


def check_symmetric(spec: ir.SpecIR) -> None:
    """Refuse symmetry when the spec names a particular element of a symmetric sort."""
    symmetric = {s.name for s in spec.sorts if s.symmetric}
    symmetric |= {
        s.name for s in spec.sorts if s.kind is ir.SortKind.QUORUM and s.base in symmetric
    }

    def visit(expr: ir.Expr, where: str) -> None:
        for e in ir.walk(expr):
            if isinstance(e, ir.Elem) and e.index is not None and e.sort in symmetric:
                raise SpecError(
                    f"{where} names the element `{e.sort}[{e.index}]` of the symmetric sort "
                    f"`{e.sort}`, so the spec is not symmetric in it; drop symmetric=True or "
                    "run without --symmetry",
                    e.loc,
                )

    for sym in spec.symbols:
        if isinstance(sym.init, ir.Elem):
            visit(sym.init, f"the init= value of `{sym.name}`")
    for act in (*spec.inits, *spec.actions):
        for stmt in act.body:
            for e in ir.stmt_exprs(stmt):
                visit(e, f"action `{act.name}`")
    for prop in spec.properties:
        # A @liveness property's state formulas (one per node may name its node) are never
        # evaluated under symmetry: `check` refuses liveness with it, for that reason.
        if prop.kind not in (ir.PropertyKind.PREDICATE, ir.PropertyKind.STEP_PREDICATE):
            visit(prop.formula, f"property `{prop.name}`")


class Symmetry:
    def __init__(self, inst: Instance, layout: Layout) -> None:
        check_symmetric(inst.spec)
        self.inst = inst
        self.layout = layout
        self.perms = self._group()
        self.units = [_Unit(lay, i) for lay in layout.symbols for i in range(lay.count)]
        self.canonical: Callable[[int], int] = self._compile()

    @property
    def group_size(self) -> int:
        return len(self.perms)

    # -- the group ---------------------------------------------------------------------------

    def _group(self) -> list[Perm]:
        """All group elements, the identity first, in a fixed order."""
        inst = self.inst
        symmetric = [s for s in inst.sorts.values() if s.decl.symmetric]
        choices = []
        for s in symmetric:
            proper = list(s.codes(False))
            choices.append([(s.name, p) for p in itertools.permutations(proper)])
        perms = []
        for combo in itertools.product(*choices):
            perm: Perm = {}
            for sort, images in combo:
                inst_sort = inst.sorts[sort]
                mapping = list(range(inst_sort.hi()))
                for code, image in zip(inst_sort.codes(False), images, strict=True):
                    mapping[code] = image
                perm[sort] = tuple(mapping)
            for s in inst.sorts.values():
                if s.decl.kind is ir.SortKind.QUORUM and s.decl.base in perm:
                    assert s.quorums is not None
                    base = perm[s.decl.base]
                    where = {q: i for i, q in enumerate(s.quorums)}
                    perm[s.name] = tuple(where[frozenset(base[m] for m in q)] for q in s.quorums)
            perms.append(perm)
        return perms

    def map_code(self, perm: Perm, sort: str, code: int) -> int:
        mapping = perm.get(sort)
        return code if mapping is None else mapping[code]

    def inverse(self, perm: Perm) -> Perm:
        out: Perm = {}
        for sort, mapping in perm.items():
            inv = [0] * len(mapping)
            for code, image in enumerate(mapping):
                inv[image] = code
            out[sort] = tuple(inv)
        return out

    def compose(self, outer: Perm, inner: Perm) -> Perm:
        """outer after inner."""
        sorts = set(outer) | set(inner)
        out: Perm = {}
        for sort in sorts:
            size = self.inst.sorts[sort].hi()
            out[sort] = tuple(
                self.map_code(outer, sort, self.map_code(inner, sort, c)) for c in range(size)
            )
        return out

    def identity(self) -> Perm:
        return self.perms[0]

    # -- acting on states --------------------------------------------------------------------

    def _unit_image(self, perm: Perm, unit: _Unit, field_value: int) -> int:
        """Bits contributed by `unit` holding `field_value` (1 for a set relation bit)."""
        lay = unit.lay
        args = lay.tuple_at(unit.index)
        moved = tuple(
            self.map_code(perm, t.sort, c) for c, t in zip(args, lay.decl.args, strict=True)
        )
        target = lay.bit(moved)
        if lay.is_relation:
            return 1 << target
        assert lay.decl.result is not None
        value = field_value
        if lay.result_lo <= value < lay.result_hi:
            value = self.map_code(perm, lay.decl.result.sort, value)
        return value << target

    def apply(self, perm: Perm, s: int) -> int:
        """The image of packed state `s` (slow and simple; the reference for the tables)."""
        out = 0
        for unit in self.units:
            lay = unit.lay
            value = (s >> unit.start) & lay.field_mask
            if lay.is_relation and not value:
                continue
            out |= self._unit_image(perm, unit, value)
        return out

    def map_params(
        self, perm: Perm, types: Sequence[ir.Type], params: Sequence[int]
    ) -> tuple[int, ...]:
        return tuple(self.map_code(perm, t.sort, c) for t, c in zip(types, params, strict=True))

    def canonical_with_witness(self, s: int) -> tuple[int, Perm]:
        """The canonical form and the group element that maps `s` to it (the first such)."""
        best, witness = None, self.perms[0]
        for perm in self.perms:
            image = self.apply(perm, s)
            if best is None or image < best:
                best, witness = image, perm
        assert best is not None
        return best, witness

    # -- fast canonical form -----------------------------------------------------------------

    def _table(self, chunk: list[_Unit], perms: list[Perm], width: int) -> list[int]:
        """For each value of the chunk: the images under `perms`, packed `width` bits apart."""
        base = chunk[0].start
        span = chunk[-1].start + chunk[-1].lay.width - base
        # Per unit and per value of its field: the packed images.
        unit_images = []
        for unit in chunk:
            lay = unit.lay
            values = range(2) if lay.is_relation else range(1 << lay.width)
            per_value = []
            for v in values:
                if lay.is_relation and v == 0:
                    per_value.append(0)
                    continue
                packed = 0
                for k, perm in enumerate(perms):
                    packed |= self._unit_image(perm, unit, v) << (k * width)
                per_value.append(packed)
            unit_images.append((unit.start - base, lay.field_mask, per_value))
        table = []
        for value in range(1 << span):
            packed = 0
            for shift, mask, per_value in unit_images:
                packed |= per_value[(value >> shift) & mask]
            table.append(packed)
        return table

    def _compile(self) -> Callable[[int], int]:
        if len(self.perms) == 1:
            return lambda s: s
        width = self.layout.total_bits
        chunks = chunk_units(self.units, _CHUNK_BITS)
        namespace: dict[str, object] = {}
        lines = []
        if len(self.perms) * width <= _COMBINED_BITS_LIMIT:
            lookups = []
            for c, chunk in enumerate(chunks):
                namespace[f"T{c}"] = self._table(chunk, self.perms, width)
                lookups.append(self._lookup(f"T{c}", chunk))
            mask = (1 << width) - 1
            lines.append("def canonical(s):")
            lines.append("    x = " + " | ".join(lookups))
            lines.append(f"    best = x & {hex(mask)}")
            for k in range(1, len(self.perms)):
                lines.append(f"    y = (x >> {k * width}) & {hex(mask)}")
                lines.append("    if y < best: best = y")
            lines.append("    return best")
        else:
            images = []
            for k, perm in enumerate(self.perms):
                lookups = []
                for c, chunk in enumerate(chunks):
                    namespace[f"T{k}_{c}"] = self._table(chunk, [perm], width)
                    lookups.append(self._lookup(f"T{k}_{c}", chunk))
                images.append(" | ".join(lookups))
            lines.append("def canonical(s):")
            lines.append("    return min(" + ", ".join(f"({i})" for i in images) + ")")
        exec(compile("\n".join(lines), "<paxoscope symmetry>", "exec"), namespace)
        fn = namespace["canonical"]
        assert callable(fn)
        return fn

    @staticmethod
    def _lookup(table: str, chunk: list[_Unit]) -> str:
        base = chunk[0].start
        span = chunk[-1].start + chunk[-1].lay.width - base
        return f"{table}[(s >> {base}) & {hex((1 << span) - 1)}]"


def chunk_units(units: list[_Unit], max_bits: int) -> list[list[_Unit]]:
    """Consecutive units grouped into chunks of at most `max_bits` bits (a wider unit alone)."""
    chunks: list[list[_Unit]] = []
    current: list[_Unit] = []
    start = 0
    for unit in units:
        end = unit.start + unit.lay.width
        if current and end - start > max_bits:
            chunks.append(current)
            current = []
        if not current:
            start = unit.start
        current.append(unit)
    if current:
        chunks.append(current)
    return chunks
