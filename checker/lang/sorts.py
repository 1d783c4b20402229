"""Declarations that make up a spec's universe: parameters and sorts.

These objects live in a spec's class body. They learn their names from Python (`__set_name__`)
when the class is created, so every reference to them is resolved by name at trace time; a
subclass that redeclares a sort or parameter under the same name overrides it everywhere.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any, Union

from checker import ir
from checker.errors import Loc, SpecError, user_loc

if TYPE_CHECKING:
    from checker.lang.sets import SetExpr
    from checker.lang.terms import ElemRef, SymFormula, SymTerm

SizeLike = Union["Param", "SizeExpr", int]


def size_of(x: SizeLike, loc: Loc) -> ir.Size:
    if isinstance(x, bool):
        raise SpecError(f"a size must be an integer or a Param, not {x!r}", loc)
    if isinstance(x, int):
        return ir.const_size(x)
    if isinstance(x, Param):
        return ir.Size("param", name=x.name)
    if isinstance(x, SizeExpr):
        return x.to_size(loc)
    raise SpecError(f"a size must be an integer or a Param, not {type(x).__name__}", loc)


class _SizeArith:
    """Arithmetic on parameters, so that `Sort(size=max_ballot + 1)` works."""

    def _op(self, op: str, other: SizeLike, swap: bool = False) -> SizeExpr:
        if not isinstance(other, int | _SizeArith):
            # A state term (`lease - self.asked(h)`): the term's operator makes a term of it.
            return NotImplemented
        me: SizeLike = self  # type: ignore[assignment]  # only Param and SizeExpr derive from this
        return SizeExpr(op, other, me) if swap else SizeExpr(op, me, other)

    def __add__(self, other: SizeLike) -> SizeExpr:
        return self._op("+", other)

    def __radd__(self, other: SizeLike) -> SizeExpr:
        return self._op("+", other, swap=True)

    def __sub__(self, other: SizeLike) -> SizeExpr:
        return self._op("-", other)

    def __rsub__(self, other: SizeLike) -> SizeExpr:
        return self._op("-", other, swap=True)

    def __neg__(self) -> SizeExpr:
        return self._op("-", 0, swap=True)

    def __mul__(self, other: SizeLike) -> SizeExpr:
        return self._op("*", other)

    def __rmul__(self, other: SizeLike) -> SizeExpr:
        return self._op("*", other, swap=True)

    def __floordiv__(self, other: SizeLike) -> SizeExpr:
        return self._op("//", other)

    # Comparing a parameter with a number in Python would be decided once, as the spec is
    # traced, not per instance (`receipts == 1` is False, a `require` of it never holds): a
    # clear error instead. Against a state term, the term's operator makes a formula.
    def _refuse(self, op: str, other: object) -> None:
        if isinstance(other, int | _SizeArith) and other is not self:
            raise SpecError(
                f"`{self!r} {op} {other!r}` compares parameters with Python's {op}, which is "
                "decided once, as the spec is traced, for every instance: compare a state term "
                f"with the parameter instead (`self.x {op} {self!r}`), or use arithmetic on it"
            )

    def __eq__(self, other: object) -> bool:
        self._refuse("==", other)
        return other is self if isinstance(other, _SizeArith) else NotImplemented

    def __ne__(self, other: object) -> bool:
        self._refuse("!=", other)
        return other is not self if isinstance(other, _SizeArith) else NotImplemented

    def __lt__(self, other: object) -> bool:
        self._refuse("<", other)
        return NotImplemented

    def __le__(self, other: object) -> bool:
        self._refuse("<=", other)
        return NotImplemented

    def __gt__(self, other: object) -> bool:
        self._refuse(">", other)
        return NotImplemented

    def __ge__(self, other: object) -> bool:
        self._refuse(">=", other)
        return NotImplemented

    __hash__ = object.__hash__


class SizeExpr(_SizeArith):
    def __init__(self, op: str, left: SizeLike, right: SizeLike) -> None:
        self.op, self.left, self.right = op, left, right

    def to_size(self, loc: Loc) -> ir.Size:
        return ir.Size(self.op, left=size_of(self.left, loc), right=size_of(self.right, loc))

    def __repr__(self) -> str:
        return f"{self.left!r} {self.op} {self.right!r}"


class Param(_SizeArith):
    """A named spec parameter (an instance size) with a default, set with `-p NAME=VALUE`."""

    def __init__(self, default: int, doc: str = "") -> None:
        if isinstance(default, bool) or not isinstance(default, int):
            raise SpecError(f"Param default must be an integer, not {default!r}")
        self.default = default
        self.doc = doc
        self.name = ""
        self.loc = user_loc()

    def __set_name__(self, owner: type, name: str) -> None:
        self.name = name

    def __repr__(self) -> str:
        return self.name or f"Param({self.default})"


class TypeRef:
    """A sort together with its bottom element: the type of `maxVBal[a]` (a ballot or -1)."""

    def __init__(self, sort: SortBase, loc: Loc) -> None:
        self.sort = sort
        self.loc = loc

    def to_type(self) -> ir.Type:
        if self.sort.bottom_label is None:
            raise SpecError(
                f"`{self.sort.name}.or_bottom`: sort `{self.sort.name}` has no bottom element; "
                "declare it with bottom=...",
                self.loc,
            )
        return ir.Type(self.sort.name, True)

    def __repr__(self) -> str:
        return f"{self.sort.name}.or_bottom"


class SortBase:
    kind: ir.SortKind

    def __init__(
        self,
        *,
        symmetric: bool = False,
        bottom: str | int | None = None,
        labels: str | int | tuple[str, ...] = "",
    ) -> None:
        self.name = ""
        self.symmetric = symmetric
        self.bottom_label = bottom
        self.labels = labels
        self.loc = user_loc(2)

    def __set_name__(self, owner: type, name: str) -> None:
        self.name = name

    def __repr__(self) -> str:
        return f"<sort {self.name}>"

    def to_type(self) -> ir.Type:
        return ir.Type(self.name, False)

    def decl(self) -> ir.SortDecl:  # pragma: no cover - overridden
        raise NotImplementedError

    @property
    def or_bottom(self) -> TypeRef:
        """The type of this sort's elements together with its bottom element."""
        return TypeRef(self, user_loc())

    @property
    def bottom(self) -> ElemRef:
        """The bottom element (ballot -1, value None)."""
        from checker.lang.terms import ElemRef

        return ElemRef(self, None, user_loc())

    def __getitem__(self, index: int | str | Param | SizeExpr) -> ElemRef:
        """The element with this index (0 is the first proper element; an expression over the
        parameters such as `max_nat - 1` is evaluated for each instance), or with this name
        (a sort declared with `labels=("working", "prepared", ...)`)."""
        from checker.lang.terms import ElemRef

        loc = user_loc()
        if isinstance(index, str):
            names = self.labels if isinstance(self.labels, tuple) else ()
            if index not in names:
                known = f"its elements are {', '.join(names)}" if names else "it names none"
                raise SpecError(
                    f"`{self.name}[{index!r}]`: sort `{self.name}` has no element "
                    f"named {index!r} ({known})",
                    loc,
                )
            return ElemRef(self, names.index(index), loc)
        if isinstance(index, Param | SizeExpr):
            return ElemRef(self, index, loc)
        if isinstance(index, bool) or not isinstance(index, int) or index < 0:
            from checker.lang.terms import shown

            raise SpecError(
                f"`{self.name}[{_written(index)}]`: an element is named by a non-negative "
                "integer, a parameter expression (`max_nat - 1`) or, for a sort with named "
                f"elements, its name, not {shown(index)}",
                loc,
            )
        return ElemRef(self, index, loc)


class Sort(SortBase):
    """A finite sort of `size` elements, e.g. acceptors or values.

    `symmetric=True` declares that the spec treats all elements alike, which enables symmetry
    reduction. `bottom="None"` adds a bottom element outside the proper elements.
    `labels` is the prefix of element names in traces (default: the sort's first letter:
    `n1, n2, ...`), or one name per element (`labels=("working", "prepared", "committed")`),
    which traces print and `sort["committed"]` names.
    """

    kind = ir.SortKind.PLAIN

    def __init__(
        self,
        size: SizeLike,
        *,
        symmetric: bool = False,
        bottom: str | int | None = None,
        labels: str | Sequence[str] = "",
    ) -> None:
        super().__init__(symmetric=symmetric, bottom=bottom, labels=_labels(labels, bottom))
        self.size = size

    def decl(self) -> ir.SortDecl:
        return ir.SortDecl(
            self.name,
            self.kind,
            size_of(self.size, self.loc),
            symmetric=self.symmetric,
            bottom=self.bottom_label,
            labels=self.labels or self.name[:1],
            loc=self.loc,
        )


class OrderedSort(SortBase):
    """A totally ordered finite sort (ballots, rounds, log slots).

    Elements are labelled `start, start+1, ...` in traces. `bottom=-1` adds an element below every
    other one. Ordered sorts cannot be symmetric.
    """

    kind = ir.SortKind.ORDERED

    def __init__(self, size: SizeLike, *, bottom: str | int | None = None, start: int = 0) -> None:
        super().__init__(symmetric=False, bottom=bottom, labels=start)
        self.size = size

    @property
    def first(self) -> ElemRef:
        return self[0]

    @property
    def last(self) -> ElemRef:
        """The greatest proper element (its index is the sort's size minus one)."""
        from checker.lang.terms import ElemRef

        last = self.size - 1  # an int, or an expression over the parameters
        return ElemRef(self, last, user_loc())

    def decl(self) -> ir.SortDecl:
        return ir.SortDecl(
            self.name,
            self.kind,
            size_of(self.size, self.loc),
            bottom=self.bottom_label,
            labels=self.labels,
            loc=self.loc,
        )


class IntSort(SortBase):
    """The integers `lo..hi`, both included; the bounds may be expressions over parameters
    (`IntSort(0, max_clock)`). Ordered (`<`, `<=`), with arithmetic on values: `x + 1`,
    `x - y`, `*`, `//`, `%`, `minimum(x, y)`, `maximum(x, y)`; a Python int or a parameter
    is an integer too. Storing a value outside `lo..hi` (or using it as a function argument)
    is an error reported with the trace that reached it; a relation read at such a value is
    false. Traces print the values."""

    kind = ir.SortKind.INT

    def __init__(self, lo: SizeLike, hi: SizeLike) -> None:
        super().__init__(symmetric=False, bottom=None, labels="")
        self.lo, self.hi = lo, hi

    def bounds(self) -> tuple[ir.Size, ir.Size]:
        return size_of(self.lo, self.loc), size_of(self.hi, self.loc)

    def __getitem__(self, value: int | str | Param | SizeExpr) -> ElemRef:
        """The element whose *value* is `value` (a number or a parameter expression): for an
        integer sort, `clock[3]` is 3, whatever `lo` is."""

        if isinstance(value, str | bool) or not isinstance(value, int | Param | SizeExpr):
            from checker.lang.terms import shown

            raise SpecError(
                f"`{self.name}[{_written(value)}]`: an integer sort's element is named by its "
                f"value, an integer or a parameter expression, not {shown(value)}",
                user_loc(),
            )
        return self.element(value, user_loc())

    def element(self, value: int | Param | SizeExpr, loc: Loc) -> ElemRef:
        """The element whose value is `value`, written at `loc`."""
        from checker.lang.terms import ElemRef

        return ElemRef(self, SizeExpr("-", value, self.lo), loc)

    @property
    def first(self) -> ElemRef:
        """The smallest value, `lo`."""
        return self[self.lo]

    @property
    def last(self) -> ElemRef:
        """The largest value, `hi`."""
        return self[self.hi]

    def decl(self) -> ir.SortDecl:
        lo, hi = self.bounds()
        size = ir.Size("+", left=ir.Size("-", left=hi, right=lo), right=ir.const_size(1))
        return ir.SortDecl(self.name, self.kind, size, labels=0, lo=lo, loc=self.loc)


class Quorums(SortBase):
    """The quorums over another sort: the subsets of `size` members (majorities by default).

    Quorum sorts carry the membership relation `member(x, q)`. The explicit engine enumerates the
    concrete subsets; the symbolic engine gets membership and, for majorities, the axiom that any
    two quorums intersect.
    """

    kind = ir.SortKind.QUORUM

    def __init__(self, base: SortBase, size: SizeLike | None = None) -> None:
        super().__init__(symmetric=False, bottom=None, labels="")
        if not isinstance(base, SortBase) or isinstance(base, Quorums):
            raise SpecError("Quorums(...) needs a plain or ordered sort as its base")
        self.base = base
        self.quorum_size = size

    def decl(self) -> ir.SortDecl:
        return ir.SortDecl(
            self.name,
            self.kind,
            None,
            base=self.base.name,
            quorum_size=None if self.quorum_size is None else size_of(self.quorum_size, self.loc),
            labels="q",
            loc=self.loc,
        )

    def member(self, elem: SymTerm | ElemRef, quorum: SymTerm | ElemRef) -> SymFormula:
        """`elem` belongs to `quorum`."""
        from checker.lang.terms import SymFormula, as_term, check_sort

        loc = user_loc()
        e = as_term(elem, f"the element argument of {self.name}.member", loc)
        q = as_term(quorum, f"the quorum argument of {self.name}.member", loc)
        check_sort(e, self.base.name, f"the element argument of {self.name}.member", loc)
        check_sort(q, self.name, f"the quorum argument of {self.name}.member", loc)
        return SymFormula(ir.Member(self.name, e, q, loc=loc))

    def forall(self, s: Any, fn: Callable[[Any], Any]) -> SymFormula:
        """`fn(x)` holds for every member `x` of `s` (TLA+'s `\\A x \\in s : ...`)."""
        from checker.lang import sets
        from checker.lang.terms import SymFormula

        return SymFormula(sets.quantify(self, "forall", s, fn, user_loc()))

    def exists(self, s: Any, fn: Callable[[Any], Any]) -> SymFormula:
        """`fn(x)` holds for some member `x` of `s` (TLA+'s `\\E x \\in s : ...`)."""
        from checker.lang import sets
        from checker.lang.terms import SymFormula

        return SymFormula(sets.quantify(self, "exists", s, fn, user_loc()))


class Subsets(Quorums):
    """Every subset of another sort, the empty one included: the sort of set-valued state
    (`holders = Function(lock, Subsets(node))`), of a set-valued parameter, or of a subset chosen
    inside an action (`s = pick(self.nodesets, lambda s: ...)`).

    `member(n, s)`, `is_empty`, `subset_of`, `equal` (`==`), `size` and `forall`/`exists` over
    the members are formulas anywhere; `union`, `intersection`, `difference`, `with_`,
    `without`, `singleton`, `empty` and `full` build sets (`checker/lang/sets.py`) that these
    test anywhere, and that inside an action are values too (each the one subset with those
    members, a choice). A base of n elements has 2^n subsets; `prove` reads them as an
    uninterpreted sort with membership (no intersection assumed)."""

    def __init__(self, base: SortBase) -> None:
        super().__init__(base)

    def decl(self) -> ir.SortDecl:
        return ir.SortDecl(
            self.name,
            self.kind,
            None,
            base=self.base.name,
            labels="s",
            loc=self.loc,
            all_subsets=True,
        )

    # -- formulas over set values (anywhere: properties, axioms, guards) ---------------------
    # Each set argument is a stored set (state, a parameter, a choice) or one built below.

    def member(self, elem: SymTerm | ElemRef, s: Any) -> SymFormula:
        """`elem` is a member of the set `s`."""
        from checker.lang import sets
        from checker.lang.terms import SymFormula

        loc = user_loc()
        return SymFormula(sets.member(self, elem, s, f"{self.name}.member", loc))

    def contains(self, s: Any, x: Any) -> SymFormula:
        """`x` is a member of the set `s` (the same as `member(x, s)`)."""
        from checker.lang import sets
        from checker.lang.terms import SymFormula

        loc = user_loc()
        return SymFormula(sets.member(self, x, s, f"{self.name}.contains", loc))

    def is_empty(self, s: Any) -> SymFormula:
        """`s` has no member (`s = {}`)."""
        from checker.lang import sets
        from checker.lang.terms import SymFormula

        return SymFormula(sets.is_empty(self, s, user_loc()))

    def size(self, s: Any) -> SymTerm:
        """How many members `s` has (an integer): `Cardinality(s)`."""
        from checker.lang import sets
        from checker.lang.terms import SymTerm

        return SymTerm(sets.size(self, s, user_loc()))

    def subset_of(self, a: Any, b: Any) -> SymFormula:
        """Every member of `a` is a member of `b` (`a \\subseteq b`)."""
        from checker.lang import sets
        from checker.lang.terms import SymFormula

        return SymFormula(sets.subset_of(self, a, b, user_loc()))

    def equal(self, a: Any, b: Any) -> SymFormula:
        """`a` and `b` have the same members (the same as `a == b`)."""
        from checker.lang import sets
        from checker.lang.terms import SymFormula

        return SymFormula(sets.equal(self, a, b, user_loc()))

    # -- sets built from others (tested anywhere; as values, chosen inside actions) ------------

    def union(self, a: Any, b: Any) -> SetExpr:
        """`a \\cup b`."""
        return self._build("union", a, b)

    def intersection(self, a: Any, b: Any) -> SetExpr:
        """`a \\cap b`."""
        return self._build("intersection", a, b)

    def difference(self, a: Any, b: Any) -> SetExpr:
        """`a \\ b`: the members of `a` that are not members of `b`."""
        return self._build("difference", a, b)

    def with_(self, s: Any, y: Any) -> SetExpr:
        """`s` with `y` added (`s \\cup {y}`)."""
        return self._build("with_", s, y)

    def without(self, s: Any, y: Any) -> SetExpr:
        """`s` with `y` removed (`s \\ {y}`)."""
        return self._build("without", s, y)

    def singleton(self, y: Any) -> SetExpr:
        """`{y}`."""
        return self._build("singleton", y)

    def empty(self) -> SetExpr:
        """`{}`."""
        return self._build("empty")

    def full(self) -> SetExpr:
        """Every element of the base sort."""
        return self._build("full")

    def _build(self, op: str, *args: Any) -> SetExpr:
        from checker.lang import sets

        return sets.build(self, op, args, user_loc(2))


class MajorityQuorums(Quorums):
    """The majorities of another sort: any two of them intersect."""

    def __init__(self, base: SortBase) -> None:
        super().__init__(base, None)


def _labels(labels: object, bottom: object) -> str | tuple[str, ...]:
    """A label prefix, or one distinct name per element (checked against the size later)."""
    loc = user_loc()
    if isinstance(labels, str):
        return labels
    if isinstance(labels, list | tuple) and labels and all(isinstance(x, str) for x in labels):
        names = tuple(labels)
        if any(not name for name in names):
            raise SpecError("labels=(...): an element's name cannot be empty", loc)
        repeated = sorted({n for n in names if names.count(n) > 1} | ({str(bottom)} & set(names)))
        if repeated:
            raise SpecError(
                f"labels=(...): each element needs its own name, but {', '.join(map(str, repeated))} "
                "is used twice (or is the bottom element's name)",
                loc,
            )
        return names
    raise SpecError(
        f'labels={labels!r}: give a prefix (labels="n" names elements n1, n2, ...) or one '
        'name per element (labels=("working", "prepared"))',
        loc,
    )


TypeLike = SortBase | TypeRef


def resolve_type(obj: object, what: str, loc: Loc) -> ir.Type:
    """The IR type that a sort or `sort.or_bottom` denotes."""
    if isinstance(obj, SortBase):
        return obj.to_type()
    if isinstance(obj, TypeRef):
        return obj.to_type()
    from checker.lang.terms import shown

    raise SpecError(f"{what} must be a sort (or `sort.or_bottom`), not {shown(obj)}", loc)


def _written(index: object) -> str:
    """An index as the spec wrote it inside `sort[...]`: a Python value, or `...` for a
    symbolic one (whose IR means nothing to its author)."""
    return repr(index) if isinstance(index, bool | int | float | str) else "..."
