"""Vector expressions: what a formula or a term becomes over a batch of states, and how it is
written out as numpy code.

A batch is a set of rows (states). The generated code sees each 64-bit word of a state as one
uint64 array over the rows, and computes arrays over the same rows: a term is a uint64 array
(a field's value in every row), a formula a bool array. Values that are the same for every row
stay scalars: compile-time constants (Python `int` and `bool`, folded as the scalar compiler
folds them) and run-time scalars (a loop variable, and arithmetic on one).

Nodes name the row-aligned arrays they read as *inputs* (`X3`: word 3 of the state; `Y0`: word
0 of the post-state; `v_a`: a variable bound to one element per row). Emitting a node resolves
inputs through an `Env`, which maps them to the local variables that hold them for the rows
being evaluated. That is what makes short-circuit evaluation possible over arrays: a
conjunction evaluates its cheap parts on every row, then each expensive part only on the rows
still true, after gathering the inputs that part reads for those rows (`Junction`).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

# A part whose cost (numpy operations per row) reaches this is evaluated lazily: only on the
# rows whose outcome it can still change. Below it, gathering the rows costs more than it saves.
LAZY_COST = 10

ARR, BOOL, SINT, SBOOL = "arr", "bool", "sint", "sbool"  # the run-time kinds of a node


class Node:
    """A run-time value. `kind` says what it is: a uint64 array (`arr`), a bool array (`bool`),
    a Python int (`sint`) or a Python bool (`sbool`) computed at run time."""

    kind: str
    inputs: frozenset[str]
    cost: int

    def emit(self, em: Emitter, env: Env) -> str:
        raise NotImplementedError

    @property
    def is_array(self) -> bool:
        return self.kind in (ARR, BOOL)


Value = Node | int | bool  # int/bool: compile-time constants


@dataclass(frozen=True, eq=False)
class Lit(Node):
    """Python source with no row-aligned inputs: a run-time scalar (a loop variable)."""

    src: str
    kind: str = SINT
    lo: int = 0  # the range of values (scalars and arrays of integers)
    hi: int = 0
    inputs: frozenset[str] = frozenset()
    cost: int = 0

    def emit(self, em: Emitter, env: Env) -> str:
        return self.src


@dataclass(frozen=True, eq=False)
class Input(Node):
    """A row-aligned uint64 array the evaluation is given: a state word or a bound variable."""

    name: str
    lo: int = 0
    hi: int = (1 << 64) - 1
    kind: str = ARR
    cost: int = 0

    @property
    def inputs(self) -> frozenset[str]:  # type: ignore[override]
        return frozenset((self.name,))

    def emit(self, em: Emitter, env: Env) -> str:
        return env.names[self.name]


@dataclass(frozen=True, eq=False)
class Op(Node):
    """An operation written as a format string over its arguments (`{0}`, `{1}`, ...)."""

    fmt: str
    args: tuple[Value, ...]
    kind: str
    lo: int = 0  # integer kinds: the range of values
    hi: int = 0
    inputs: frozenset[str] = field(init=False)
    cost: int = field(init=False)

    def __post_init__(self) -> None:
        nodes = [a for a in self.args if isinstance(a, Node)]
        inputs: frozenset[str] = frozenset().union(*(a.inputs for a in nodes))
        object.__setattr__(self, "inputs", inputs)
        own = 1 if self.is_array else 0
        object.__setattr__(self, "cost", own + sum(a.cost for a in nodes))

    def emit(self, em: Emitter, env: Env) -> str:
        return self.fmt.format(*(emit(a, em, env) for a in self.args))


@dataclass(frozen=True, eq=False)
class Test(Node):
    """A test of the bits `mask` of one input: any / all / none / notall of them set."""

    input: str
    mask: int
    mode: str
    kind: str = BOOL

    @property
    def inputs(self) -> frozenset[str]:  # type: ignore[override]
        return frozenset((self.input,))

    @property
    def cost(self) -> int:  # type: ignore[override]
        return 2

    def emit(self, em: Emitter, env: Env) -> str:
        x, m = env.names[self.input], hex(self.mask)
        if self.mode == "any" or (self.mode == "all" and _single(self.mask)):
            return f"(({x} & {m}) != 0)"
        if self.mode == "none" or (self.mode == "notall" and _single(self.mask)):
            return f"(({x} & {m}) == 0)"
        if self.mode == "all":
            return f"(({x} & {m}) == {m})"
        return f"(({x} & {m}) != {m})"


def _single(mask: int) -> bool:
    return mask & (mask - 1) == 0


_FLIP = {"any": "none", "none": "any", "all": "notall", "notall": "all"}
_ONE_BIT_ALIAS = {"all": "any", "any": "all", "none": "notall", "notall": "none"}


@dataclass(frozen=True, eq=False)
class Junction(Node):
    """A conjunction (`op` "and") or disjunction of bool arrays, evaluated with short circuit:
    cheap parts together on every row, then each expensive part on the rows it can still
    change (for "and", the rows still true)."""

    op: str
    parts: tuple[Node, ...]
    kind: str = BOOL
    inputs: frozenset[str] = field(init=False)
    cost: int = field(init=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "inputs", frozenset().union(*(p.inputs for p in self.parts)))
        object.__setattr__(self, "cost", sum(p.cost for p in self.parts) + len(self.parts) - 1)

    def emit(self, em: Emitter, env: Env) -> str:
        joiner = " & " if self.op == "and" else " | "
        cheap = [p for p in self.parts if p.cost < LAZY_COST]
        heavy = [p for p in self.parts if p.cost >= LAZY_COST]
        if not heavy:
            return "(" + joiner.join(p.emit(em, env) for p in cheap) + ")"
        r = em.fresh("r")
        if cheap:
            dense = "(" + joiner.join(p.emit(em, env) for p in cheap) + ")"
        else:
            dense = heavy.pop(0).emit(em, env)
        em.line(f"{r} = _full({env.n}, {dense})")
        then = "_and_then" if self.op == "and" else "_or_else"
        for part in heavy:
            fn, inputs = em.function(part)
            args = ", ".join(env.names[name] for name in inputs)
            em.line(f"{r} = {then}({r}, {fn}, {args})")
        return r


@dataclass(frozen=True, eq=False)
class Negation(Node):
    """The negation of a bool array that is not a simple test (a junction, a loop)."""

    arg: Node
    kind: str = BOOL

    @property
    def inputs(self) -> frozenset[str]:  # type: ignore[override]
        return self.arg.inputs

    @property
    def cost(self) -> int:  # type: ignore[override]
        return self.arg.cost + 1

    def emit(self, em: Emitter, env: Env) -> str:
        return f"(~{self.arg.emit(em, env)})"


def emit(v: Value, em: Emitter, env: Env) -> str:
    if isinstance(v, bool):
        return "True" if v else "False"
    if isinstance(v, int):
        return str(v)
    return v.emit(em, env)


# ---------------------------------------------------------------------------------------------
# Emission.


@dataclass
class Env:
    """Where the inputs of the rows being evaluated are: input name -> local variable."""

    names: dict[str, str]
    n: str  # source of the number of rows


class Emitter:
    """Collects the lines of a generated function; fresh local names; gathering of rows."""

    def __init__(self, indent: int = 1) -> None:
        self.lines: list[str] = []
        self.depth = indent
        self.counter = 0

    def fresh(self, prefix: str) -> str:
        self.counter += 1
        return f"{prefix}{self.counter}"

    def line(self, text: str) -> None:
        self.lines.append("    " * self.depth + text)

    def indented(self) -> _Indent:
        return _Indent(self)

    def function(self, part: Node) -> tuple[str, list[str]]:
        """Define a local function computing `part` from its inputs (and their row count
        `n`); the caller decides which rows to pass (`runtime._and_then`)."""
        name = self.fresh("p")
        inputs = sorted(part.inputs)
        params = [self.fresh("a") for _ in inputs]
        self.line(f"def {name}(n, {', '.join(params)}):")
        self.depth += 1
        result = part.emit(self, Env(dict(zip(inputs, params, strict=True)), "n"))
        self.line(f"return {result}")
        self.depth -= 1
        return name, inputs

    def gather(self, env: Env, inputs: Iterable[str], rows: str) -> Env:
        """An env over the rows `rows` (indices into env's rows) holding the given inputs."""
        names = dict(env.names)
        for name in sorted(inputs):
            local = self.fresh("g")
            self.line(f"{local} = {env.names[name]}[{rows}]")
            names[name] = local
        return Env(names, f"{rows}.size")


class _Indent:
    def __init__(self, em: Emitter) -> None:
        self.em = em

    def __enter__(self) -> None:
        self.em.depth += 1

    def __exit__(self, *exc: object) -> None:
        self.em.depth -= 1


# ---------------------------------------------------------------------------------------------
# Constructors that fold constants and pick array or scalar operations.


def kind_of(args: Sequence[Value], array: str, scalar: str) -> str:
    return array if any(isinstance(a, Node) and a.is_array for a in args) else scalar


def bool_not(x: Value) -> Value:
    if isinstance(x, bool | int) and not isinstance(x, Node):
        return not x
    if isinstance(x, Test):
        return Test(x.input, x.mask, _FLIP[x.mode])
    if x.kind == SBOOL:
        return Op("(not {0})", (x,), SBOOL)
    if isinstance(x, Junction):
        return Junction("or" if x.op == "and" else "and", tuple(_node_not(p) for p in x.parts))
    if isinstance(x, Negation):
        return x.arg
    if isinstance(x, Op):
        return Op("(~{0})", (x,), BOOL)
    return Negation(x)


def _node_not(x: Node) -> Node:
    out = bool_not(x)
    assert isinstance(out, Node)
    return out


def bool_and(parts: Iterable[Value]) -> Value:
    return _junction(parts, "and")


def bool_or(parts: Iterable[Value]) -> Value:
    return _junction(parts, "or")


def _junction(parts: Iterable[Value], op: str) -> Value:
    """AND (or OR) with constants folded, tests on one input merged into one mask test, and
    run-time scalar parts combined with Python's own `and` / `or`.

    For AND, tests that bits are all set merge into one `all` test and tests that bits are all
    clear into one `none` test; OR merges `any` and `notall` tests. A one-bit test is both
    `any` and `all`, so it merges on either side.
    """
    absorbing = op == "or"  # the constant that decides the junction
    set_mode, clear_mode = ("all", "none") if op == "and" else ("any", "notall")
    set_masks: dict[str, int] = {}
    clear_masks: dict[str, int] = {}
    scalars: list[Node] = []
    others: list[Node] = []
    flat: list[Value] = []
    for p in parts:  # nested junctions of the same kind flatten
        if isinstance(p, Junction) and p.op == op:
            flat.extend(p.parts)
        else:
            flat.append(p)
    for p in flat:
        if not isinstance(p, Node):
            if bool(p) == absorbing:
                return absorbing
            continue
        if isinstance(p, Test):
            one_bit = _single(p.mask)
            if p.mode == set_mode or (one_bit and p.mode == _ONE_BIT_ALIAS[set_mode]):
                set_masks[p.input] = set_masks.get(p.input, 0) | p.mask
                continue
            if p.mode == clear_mode or (one_bit and p.mode == _ONE_BIT_ALIAS[clear_mode]):
                clear_masks[p.input] = clear_masks.get(p.input, 0) | p.mask
                continue
        if p.kind == SBOOL:
            scalars.append(p)
        else:
            others.append(p)
    for name, mask in set_masks.items():
        if clear_masks.get(name, 0) & mask:
            return absorbing  # AND: a bit both set and clear; OR: a bit either set or clear
    tests: list[Node] = [Test(n, m, set_mode) for n, m in set_masks.items()]
    tests += [Test(n, m, clear_mode) for n, m in clear_masks.items()]
    merged = _merge_across_words(tests, op)
    scalar: Node | None = None
    if scalars:
        word = " and " if op == "and" else " or "
        scalar = (
            scalars[0]
            if len(scalars) == 1
            else Op(
                "(" + word.join(f"{{{i}}}" for i in range(len(scalars))) + ")",
                tuple(scalars),
                SBOOL,
            )
        )
    items = merged + others
    if not items:
        return scalar if scalar is not None else (not absorbing)
    if scalar is not None:
        items = [scalar, *items]
    if len(items) == 1:
        return items[0]
    return Junction(op, tuple(items))


def _merge_across_words(tests: list[Node], op: str) -> list[Node]:
    """AND of `none` tests on several words is one test that their masked OR is zero; OR of
    `any` tests likewise. Other tests stay as they are."""
    mode = "none" if op == "and" else "any"
    same = [t for t in tests if isinstance(t, Test) and t.mode == mode]
    if len(same) < 2:
        return tests
    rest = [t for t in tests if not (isinstance(t, Test) and t.mode == mode)]
    terms = [f"(@{t.input}@ & {hex(t.mask)})" for t in same if isinstance(t, Test)]
    cmp = "== 0" if mode == "none" else "!= 0"
    fmt = "((" + " | ".join(terms) + f") {cmp})"
    return [*rest, Raw(fmt, frozenset(t.input for t in same if isinstance(t, Test)), 2 * len(same))]


@dataclass(frozen=True, eq=False)
class Raw(Node):
    """Source over inputs written as `@name@` (tests merged across words)."""

    fmt: str
    inputs: frozenset[str]
    cost: int
    kind: str = BOOL

    def emit(self, em: Emitter, env: Env) -> str:
        out = self.fmt
        for name in self.inputs:
            out = out.replace(f"@{name}@", env.names[name])
        return out


# -- integer terms ---------------------------------------------------------------------------


def int_range(v: Value) -> tuple[int, int]:
    if isinstance(v, bool | int) and not isinstance(v, Node):
        return int(v), int(v)
    lo, hi = getattr(v, "lo", 0), getattr(v, "hi", (1 << 64) - 1)
    return int(lo), int(hi)


def int_op(fmt: str, args: Sequence[Value], lo: int, hi: int) -> Op:
    return Op(fmt, tuple(args), kind_of(args, ARR, SINT), lo, hi)


def add(a: Value, b: int) -> Value:
    """a + b for a constant b that may be negative (uint64 arrays cannot add a negative int)."""
    if not isinstance(a, Node):
        return int(a) + b
    if b == 0:
        return a
    lo, hi = int_range(a)
    if b > 0:
        return int_op(f"({{0}} + {b})", (a,), lo + b, hi + b)
    return int_op(f"({{0}} - {-b})", (a,), lo + b, hi + b)


def mul(a: Value, k: int) -> Value:
    if not isinstance(a, Node):
        return int(a) * k
    if k == 1:
        return a
    lo, hi = int_range(a)
    return int_op(f"({{0}} * {k})", (a,), lo * k, hi * k)


def plus(a: Value, b: Value) -> Value:
    if not isinstance(b, Node):
        return add(a, int(b))
    if not isinstance(a, Node):
        return add(b, int(a))
    (alo, ahi), (blo, bhi) = int_range(a), int_range(b)
    return int_op("({0} + {1})", (a, b), alo + blo, ahi + bhi)


def compare(a: Value, op: str, b: Value) -> Value:
    """a op b on integer terms (op: ==, !=, <, <=)."""
    if not isinstance(a, Node) and not isinstance(b, Node):
        x, y = int(a), int(b)
        return {"==": x == y, "!=": x != y, "<": x < y, "<=": x <= y}[op]
    if a is b:  # one node (a pinned variable compared with its own value) is equal to itself
        return op in ("==", "<=")
    return Op(f"({{0}} {op} {{1}})", (a, b), kind_of((a, b), BOOL, SBOOL))


def where(c: Value, a: Value, b: Value, kind_array: str, kind_scalar: str) -> Value:
    """`a if c else b` per row (a term, or a formula when the kinds are BOOL / SBOOL)."""
    if not isinstance(c, Node):
        return a if c else b
    lo = hi = 0
    if kind_array == ARR:
        (alo, ahi), (blo, bhi) = int_range(a), int_range(b)
        lo, hi = min(alo, blo), max(ahi, bhi)
    if kind_of((c, a, b), "array", "scalar") == "array":
        return Op("np.where({0}, {1}, {2})", (c, a, b), kind_array, lo, hi)
    return Op("({1} if {0} else {2})", (c, a, b), kind_scalar, lo, hi)


# -- integer values (signed: int64 arrays, or Python ints) -------------------------------------


def signed(code: Value, bias: int) -> Value:
    """The value of an integer sort's element from its code: `code + bias`, as int64."""
    if not isinstance(code, Node):
        return int(code) + bias
    lo, hi = int_range(code)
    if code.kind == SINT:
        return add(code, bias)
    fmt = "{0}.astype(np.int64)" if bias == 0 else f"({{0}}.astype(np.int64) + {bias})"
    return Op(fmt, (code,), ARR, lo + bias, hi + bias)


def unsigned(value: Value, by: int, size: int) -> Value:
    """The code of the element whose value is `value`: `value + by`, as uint64, known to lie
    in 0..size-1 where it is used (a Check before the statement reports the others)."""
    if not isinstance(value, Node):
        return int(value) + by
    if value.kind == SINT:
        shifted = add(value, by)
        return Op("{0}", (shifted,), SINT, 0, size - 1)
    fmt = "{0}.astype(np.uint64)" if by == 0 else f"({{0}} + {by}).astype(np.uint64)"
    return Op(fmt, (value,), ARR, 0, size - 1)


def arith(op: str, a: Value, b: Value) -> Value:
    """Arithmetic on signed values, folded when both are constants (`ir.arith`'s meaning: a
    zero divisor gives 0 for `//` and `a` for `%`)."""
    from checker import ir

    if not isinstance(a, Node) and not isinstance(b, Node):
        return ir.arith(op, int(a), int(b))
    array = kind_of((a, b), "array", "scalar") == "array"
    wide = -(1 << 62), 1 << 62  # ranges do not matter past a Cast, which has its own
    if op in ("min", "max"):
        fmt = f"np.{op}imum({{0}}, {{1}})" if array else f"{op}({{0}}, {{1}})"
    elif op == "//":
        fmt = "_floordiv({0}, {1})" if array else "({0} // {1} if {1} else 0)"
    elif op == "%":
        fmt = "_mod({0}, {1})" if array else "({0} % {1} if {1} else {0})"
    else:
        fmt = f"({{0}} {op} {{1}})"
    return Op(fmt, (a, b), ARR if array else SINT, *wide)
