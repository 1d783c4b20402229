"""A spec bound to concrete sizes: the finite universe that the explicit engine explores.

Every value of a sort is represented by an integer *code*. For a sort with a bottom element the
bottom is code 0 and the proper elements are codes 1..n; without one they are 0..n-1. Codes keep
the sort's order, so the bottom of an ordered sort is below every element. Quorum sorts number
their subsets 0..k-1 in lexicographic order of members. An integer sort lo..hi numbers its
values from 0: the value of code c is c + lo (the sort's `bias`).
"""

from __future__ import annotations

import itertools
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass

from checker import ir
from checker.errors import SpecError, UsageError

Label = str | int


@dataclass(frozen=True)
class SortInstance:
    decl: ir.SortDecl
    size: int  # number of proper elements
    quorums: tuple[frozenset[int], ...] | None = None  # quorum sorts: member codes in the base
    bias: int = 0  # integer sorts: the value of code 0 (value = code + bias)

    @property
    def name(self) -> str:
        return self.decl.name

    @property
    def offset(self) -> int:
        """Code of the first proper element: 1 when code 0 is the bottom."""
        return 1 if self.decl.has_bottom else 0

    def lo(self, bottom: bool) -> int:
        """Smallest code of the type `(this sort, bottom)`."""
        return 0 if bottom else self.offset

    def hi(self) -> int:
        """One past the largest code."""
        return self.offset + self.size

    def codes(self, bottom: bool) -> range:
        return range(self.lo(bottom), self.hi())

    def domain_size(self, bottom: bool) -> int:
        return self.hi() - self.lo(bottom)


@dataclass(frozen=True)
class Instance:
    """An IR together with parameter values; knows every sort's codes and labels."""

    spec: ir.SpecIR
    params: Mapping[str, int]
    sorts: Mapping[str, SortInstance]

    # -- types -------------------------------------------------------------------------------

    def codes(self, t: ir.Type) -> range:
        return self.sorts[t.sort].codes(t.bottom)

    def lo(self, t: ir.Type) -> int:
        return self.sorts[t.sort].lo(t.bottom)

    def domain_size(self, t: ir.Type) -> int:
        return self.sorts[t.sort].domain_size(t.bottom)

    def product(self, types: Sequence[ir.Type]) -> Iterator[tuple[int, ...]]:
        """All code tuples over the given types, in lexicographic order (the engines' order)."""
        return itertools.product(*(self.codes(t) for t in types))

    def elem_code(self, elem: ir.Elem) -> int:
        inst = self.sorts[elem.sort]
        if elem.index is None:
            return 0
        index = elem.index
        if isinstance(index, ir.Size):
            index = index.evaluate(self.params)
        if not 0 <= index < inst.size and inst.decl.kind is ir.SortKind.INT:
            raise SpecError(
                f"{index + inst.bias} is not a value of the integer sort `{elem.sort}` "
                f"({inst.bias}..{inst.bias + inst.size - 1} with parameters {dict(self.params)})",
                elem.loc,
            )
        if not 0 <= index < inst.size:
            shown = f"{elem.index} = {index}" if isinstance(elem.index, ir.Size) else index
            raise SpecError(
                f"`{elem.sort}[{shown}]` does not exist: sort `{elem.sort}` has "
                f"{inst.size} element(s) with parameters {dict(self.params)}",
                elem.loc,
            )
        return inst.offset + index

    def int_value(self, lit: ir.IntLit) -> int:
        return lit.value if isinstance(lit.value, int) else lit.value.evaluate(self.params)

    # -- labels ------------------------------------------------------------------------------

    def label(self, sort: str, code: int) -> Label:
        """How a code is shown in traces: `a1`, `v2`, `None`, `0`, `-1`, `{a1,a2}`."""
        inst = self.sorts[sort]
        decl = inst.decl
        if decl.has_bottom and code == 0:
            assert decl.bottom is not None
            return decl.bottom
        index = code - inst.offset
        if decl.kind is ir.SortKind.QUORUM:
            assert inst.quorums is not None and decl.base is not None
            members = sorted(inst.quorums[index])
            return "{" + ",".join(str(self.label(decl.base, m)) for m in members) + "}"
        if decl.kind is ir.SortKind.INT:
            return code + inst.bias
        if decl.kind is ir.SortKind.ORDERED:
            assert isinstance(decl.labels, int)
            return decl.labels + index
        if isinstance(decl.labels, tuple):
            return decl.labels[index]
        return f"{decl.labels}{index + 1}"

    def code_of_label(self, sort: str, label: Label) -> int:
        for code in self.sorts[sort].codes(self.sorts[sort].decl.has_bottom):
            if self.label(sort, code) == label:
                return code
        raise UsageError(f"`{label}` is not an element of sort `{sort}`")


def resolve_params(spec: ir.SpecIR, overrides: Mapping[str, int]) -> dict[str, int]:
    known = {p.name: p.default for p in spec.params}
    for name in overrides:
        if name not in known:
            listed = ", ".join(f"{n}={d}" for n, d in known.items()) or "none"
            raise UsageError(
                f"spec {spec.name} has no parameter `{name}` (its parameters: {listed})"
            )
    return {**known, **overrides}


def instantiate(spec: ir.SpecIR, overrides: Mapping[str, int] | None = None) -> Instance:
    """Bind the spec's parameters (defaults overridden by `overrides`) and build its sorts."""
    params = resolve_params(spec, overrides or {})
    sorts: dict[str, SortInstance] = {}
    for decl in spec.sorts:
        if decl.kind is ir.SortKind.QUORUM:
            continue
        assert decl.size is not None
        size = decl.size.evaluate(params)
        if size < 1:
            what = f"size {decl.size}"
            if decl.lo is not None:
                what = f"{decl.lo}..{decl.lo.evaluate(params) + size - 1}"
            raise UsageError(
                f"sort `{decl.name}` of {spec.name} would have {size} elements "
                f"({what} with {params}); every sort needs at least one"
            )
        if isinstance(decl.labels, tuple) and len(decl.labels) != size:
            raise SpecError(
                f"sort `{decl.name}` names {len(decl.labels)} element(s) "
                f"({', '.join(decl.labels)}) but has {size} (size {decl.size} with {params})",
                decl.loc,
            )
        bias = decl.lo.evaluate(params) if decl.lo is not None else 0
        sorts[decl.name] = SortInstance(decl, size, bias=bias)
    for decl in spec.sorts:
        if decl.kind is not ir.SortKind.QUORUM:
            continue
        assert decl.base is not None
        base = sorts[decl.base]
        if decl.all_subsets:  # every subset, the smaller first
            codes = base.codes(False)
            every = tuple(
                frozenset(c) for k in range(base.size + 1) for c in itertools.combinations(codes, k)
            )
            sorts[decl.name] = SortInstance(decl, len(every), every)
            continue
        k = base.size // 2 + 1 if decl.quorum_size is None else decl.quorum_size.evaluate(params)
        if not 1 <= k <= base.size:
            raise UsageError(
                f"quorums `{decl.name}` would have {k} members out of {base.size} `{decl.base}` elements"
            )
        subsets = tuple(frozenset(c) for c in itertools.combinations(base.codes(False), k))
        sorts[decl.name] = SortInstance(decl, len(subsets), subsets)
    ordered = {d.name: sorts[d.name] for d in spec.sorts}
    return Instance(spec, params, ordered)
