"""The IR's sizes, sorts and types: the values a term can denote, independent of instance
sizes (a sort's size is a `Size` expression over the spec's named parameters)."""

from __future__ import annotations

import enum
from collections.abc import Mapping
from dataclasses import dataclass

from checker.errors import UNKNOWN_LOC, Loc, UsageError

# ---------------------------------------------------------------------------------------------
# Sizes: integer expressions over spec parameters.


@dataclass(frozen=True)
class Size:
    """An integer expression over named spec parameters: a constant, a parameter, or `op(a, b)`."""

    op: str  # "const" | "param" | "+" | "-" | "*" | "//"
    value: int = 0
    name: str = ""
    left: Size | None = None
    right: Size | None = None

    def evaluate(self, params: Mapping[str, int]) -> int:
        if self.op == "const":
            return self.value
        if self.op == "param":
            return params[self.name]
        assert self.left is not None and self.right is not None
        a, b = self.left.evaluate(params), self.right.evaluate(params)
        if self.op == "+":
            return a + b
        if self.op == "-":
            return a - b
        if self.op == "*":
            return a * b
        if self.op == "//":
            if b == 0:
                raise UsageError(f"division by zero in the size expression {self}")
            return a // b
        raise AssertionError(self.op)

    def __str__(self) -> str:
        if self.op == "const":
            return str(self.value)
        if self.op == "param":
            return self.name
        return f"({self.left} {self.op} {self.right})"


def const_size(n: int) -> Size:
    return Size("const", value=n)


# The sort of `maybe()`'s choices, added to a spec that uses it: element 1 is TRUE.
BOOLEAN = "BOOLEAN"


# ---------------------------------------------------------------------------------------------
# Sorts and types.


class SortKind(enum.Enum):
    PLAIN = "plain"
    ORDERED = "ordered"
    QUORUM = "quorum"
    INT = "int"  # the integers lo..hi: ordered, with arithmetic on their values


# The type of integer values that belong to no sort: literals and the results of arithmetic.
# They become an element of an integer sort only where one is needed (stored, or an argument),
# through `Cast`, which a `Check` before it guards against values outside the sort.
INT_ANY = "int"


@dataclass(frozen=True)
class SortDecl:
    name: str
    kind: SortKind
    size: Size | None  # number of proper elements; None for quorum sorts (derived)
    symmetric: bool = False
    bottom: str | int | None = None  # label of the bottom element, if the sort has one
    # element label prefix (str), first integer label (int), or one name per element (tuple)
    labels: str | int | tuple[str, ...] = ""
    base: str | None = None  # quorum sorts: the sort whose subsets they are
    quorum_size: Size | None = None  # quorum sorts: member count; None = majority
    all_subsets: bool = False  # a quorum sort of every subset of its base (`Subsets`)
    lo: Size | None = None  # integer sorts: the smallest value (the size counts from it)
    loc: Loc = UNKNOWN_LOC

    @property
    def has_bottom(self) -> bool:
        return self.bottom is not None


@dataclass(frozen=True)
class Type:
    """The type of a term: a sort, with or without its bottom element."""

    sort: str
    bottom: bool = False

    def __str__(self) -> str:
        return f"{self.sort}.or_bottom" if self.bottom else self.sort
