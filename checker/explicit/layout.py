"""Packed states: one Python integer per state.

A relation occupies one bit per tuple of its columns' domains (row-major, last column fastest);
a function occupies one fixed-width field per argument tuple, holding the code of its value.
Symbols are laid out in declaration order from bit 0.

The *structured* form of a state (used by the reference interpreter, traces and tests) is a
tuple aligned with the spec's symbols: a relation is a frozenset of code tuples, a function a
tuple of codes in row-major order of its arguments.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from checker import ir
from checker.instance import Instance

Value = frozenset[tuple[int, ...]] | tuple[int, ...]
Structured = tuple[Value, ...]


@dataclass(frozen=True)
class SymbolLayout:
    decl: ir.SymbolDecl
    offset: int  # first bit
    arg_lo: tuple[int, ...]  # per column: the code stored at index 0
    arg_sizes: tuple[int, ...]
    strides: tuple[int, ...]  # per column, in tuples (not bits)
    count: int  # number of argument tuples
    width: int  # bits per field: 1 for relations
    result_lo: int = 0
    result_hi: int = 0  # functions: codes lie in [result_lo, result_hi)

    @property
    def is_relation(self) -> bool:
        return self.decl.kind is ir.SymbolKind.RELATION

    @property
    def bits(self) -> int:
        return self.count * self.width

    @property
    def field_mask(self) -> int:
        return (1 << self.width) - 1

    def index(self, codes: tuple[int, ...]) -> int:
        """Row-major index of an argument tuple (codes must lie in the column domains)."""
        return sum(
            (c - lo) * st for c, lo, st in zip(codes, self.arg_lo, self.strides, strict=True)
        )

    def tuple_at(self, index: int) -> tuple[int, ...]:
        out = []
        for lo, st, size in zip(self.arg_lo, self.strides, self.arg_sizes, strict=True):
            out.append(lo + (index // st) % size)
        return tuple(out)

    def bit(self, codes: tuple[int, ...]) -> int:
        """First bit of the slot for `codes`."""
        return self.offset + self.index(codes) * self.width


def _strides(sizes: tuple[int, ...]) -> tuple[int, ...]:
    out = []
    acc = 1
    for size in reversed(sizes):
        out.append(acc)
        acc *= size
    return tuple(reversed(out))


class Layout:
    def __init__(self, inst: Instance) -> None:
        self.inst = inst
        self.symbols: list[SymbolLayout] = []
        self.by_name: dict[str, SymbolLayout] = {}
        offset = 0
        for decl in inst.spec.symbols:
            arg_lo = tuple(inst.lo(t) for t in decl.args)
            arg_sizes = tuple(inst.domain_size(t) for t in decl.args)
            count = math.prod(arg_sizes)
            if decl.kind is ir.SymbolKind.RELATION:
                layout = SymbolLayout(
                    decl, offset, arg_lo, arg_sizes, _strides(arg_sizes), count, 1
                )
            else:
                assert decl.result is not None
                lo, hi = inst.lo(decl.result), inst.sorts[decl.result.sort].hi()
                width = max(1, (hi - 1).bit_length())
                layout = SymbolLayout(
                    decl, offset, arg_lo, arg_sizes, _strides(arg_sizes), count, width, lo, hi
                )
            self.symbols.append(layout)
            self.by_name[decl.name] = layout
            offset += layout.bits
        self.total_bits = offset

    def pack(self, state: Structured) -> int:
        s = 0
        for lay, value in zip(self.symbols, state, strict=True):
            s |= self.pack_symbol(lay, value)
        return s

    @staticmethod
    def pack_symbol(lay: SymbolLayout, value: Value) -> int:
        """The bits of one symbol's value (a packed state is the OR of its symbols')."""
        s = 0
        if lay.is_relation:
            assert isinstance(value, frozenset)
            for tup in value:
                s |= 1 << lay.bit(tup)
        else:
            for i, code in enumerate(value):
                assert isinstance(code, int)
                s |= code << (lay.offset + i * lay.width)
        return s

    def unpack(self, s: int) -> Structured:
        out: list[Value] = []
        for lay in self.symbols:
            if lay.is_relation:
                bits = (s >> lay.offset) & ((1 << lay.count) - 1)
                tuples = []
                while bits:
                    low = bits & -bits
                    tuples.append(lay.tuple_at(low.bit_length() - 1))
                    bits ^= low
                out.append(frozenset(tuples))
            else:
                mask = lay.field_mask
                out.append(
                    tuple((s >> (lay.offset + i * lay.width)) & mask for i in range(lay.count))
                )
        return tuple(out)
