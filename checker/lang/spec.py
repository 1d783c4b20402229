"""The `Spec` base class, state declarations, and the decorators that mark actions and properties.

A spec is a subclass of `Spec`. Its class body declares parameters, sorts, and state:

* `Relation(sort, ...)`: a set of tuples, read as `self.r(x, y)`; `insert`, `remove`, `update`.
* `Function(arg_sort, ..., result_sort, init=...)`: read as `self.f(x)` or `self.f[x]`;
  written as `self.f[x] = v` or with `update`.
* `Individual(sort, init=...)`: a single value, read as `self.x`, written as `self.x = v`.

Methods marked `@action`, `@init`, `@invariant`, `@action_property`, `@constraint` and `@conjunct`
(one conjunct of an inductive invariant, in proofs) are traced
by `checker.lang.trace`. Inside them `self` is a tracing proxy: reading state yields symbolic
values, and an undeclared name is an error that names the spec line.
"""

from __future__ import annotations

import graphlib
from collections.abc import Callable
from typing import Any, TypeVar

from checker import ir
from checker.errors import Loc, SpecError, user_loc
from checker.lang import context
from checker.lang.logic import bind_vars
from checker.lang.records import (
    Record,
    Shape,
    SymRecord,
    flat_types,
    flatten_values,
    record_columns,
    shape_of,
    shape_text,
)
from checker.lang.sorts import IntSort, Param, SortBase, TypeLike, TypeRef, resolve_type
from checker.lang.terms import (
    SymFormula,
    SymTerm,
    as_formula,
    as_term,
    check_type,
    coerce,
    shown,
)

F = TypeVar("F", bound=Callable[..., Any])

MARK = "_paxoscope_kind"


def _mark(kind: str) -> Callable[[F], F]:
    def deco(fn: F) -> F:
        if not callable(fn):
            raise SpecError(f"@{kind} decorates a method, not {fn!r}")
        setattr(fn, MARK, kind)
        return fn

    return deco


action = _mark("action")
action.__doc__ = "Mark a method as an action; its parameters need sort annotations."
init = _mark("init")
init.__doc__ = "Mark a method as an initial action, applied to the declared initial state."
invariant = _mark("invariant")
invariant.__doc__ = "Mark a method returning a formula as a state invariant."
action_property = _mark("action_property")
action_property.__doc__ = (
    "Mark a method `(self, post)` returning a formula over a transition: `self` is the pre-state."
)
conjunct = _mark("conjunct")
conjunct.__doc__ = (
    "Mark a method returning a formula as one named conjunct of an inductive invariant (proofs)."
)
constraint = _mark("constraint")
constraint.__doc__ = "Mark a method returning a formula as a state constraint (TLC's CONSTRAINT)."
liveness = _mark("liveness")
liveness.__doc__ = (
    "Mark a method returning a temporal formula (`always`, `eventually`, `leads_to`, or "
    "`forall(sort, lambda x: ...)` of one) as a liveness property, checked under the spec's "
    "`fairness` on the explored state graph."
)
axiom = _mark("axiom")
axiom.__doc__ = (
    "Mark a method returning a formula over the rigid symbols (mypyvy's `axiom`): the explicit "
    "engines explore every interpretation of the rigid symbols that satisfies the axioms, each "
    "one giving its initial states; z3 assumes them."
)


class _Arbitrary:
    """`init=arbitrary`: the symbol starts with any value of its type; an `@init`'s guards
    keep the values that satisfy them (mypyvy's `init` formulas, TLA+'s `x \\in [S -> T]`)."""

    def __repr__(self) -> str:
        return "arbitrary"


arbitrary = _Arbitrary()
r"""`Relation(..., init=arbitrary)`, `Function(..., init=arbitrary)`: the symbol starts with any
value, which an @init may constrain with `require(...)` (mypyvy's `init` formulas, TLA+'s
`x \in [S -> T]`): the initial states are every value that the @init guards allow."""


class StateDecl:
    """Base of relation, function and individual declarations."""

    kind: ir.SymbolKind

    def __init__(self, arg_types: tuple[TypeLike | Record, ...], doc: str) -> None:
        self.name = ""
        self.arg_types = arg_types
        self.doc = doc
        self.loc = user_loc(2)
        for t in arg_types:
            if not isinstance(t, SortBase | TypeRef | Record):
                raise SpecError(
                    f"state declarations take sorts (or `sort.or_bottom`, or records), not {t!r}",
                    self.loc,
                )

    def __set_name__(self, owner: type, name: str) -> None:
        self.name = name

    def shapes(self) -> list[Shape]:
        """What each argument holds: a sort's type, or a record (one column per field)."""
        return [shape_of(t, "a column", self.loc) for t in self.arg_types]

    def ir_args(self) -> tuple[ir.Type, ...]:
        return tuple(flat_types(self.shapes()))

    def record_args(self) -> tuple[ir.RecordColumns, ...]:
        """The argument columns that hold records (for traces)."""
        return record_columns(self.shapes())

    def decl(self) -> ir.SymbolDecl:  # pragma: no cover - overridden
        raise NotImplementedError

    def decls(self) -> tuple[ir.SymbolDecl, ...]:
        """The IR symbols that store this declaration: one, or one per field of a record-valued
        function (`last` of a record `Msg` is `last_type`, `last_bal`, ...: marked
        `SymbolDecl.record`), or a sequence's length and slots."""
        return (self.decl(),)


def _proxy_primed(instance: Spec) -> bool:
    return bool(instance.__dict__.get("_primed", False))


class Message:
    """Marks a relation as a set of messages, for message-sequence charts: each tuple goes from
    the node in column `sender` to the node in column `to` (an index), or to every element of
    the sort `to` (a broadcast). `Relation(acceptor, ballot, message=Message(sender=0, to=1))`."""

    def __init__(self, sender: int = 0, to: int | SortBase = 1) -> None:
        self.sender, self.to = sender, to


class Relation(StateDecl):
    """A relation over sorts: the set of tuples for which it holds. `init=False` (empty, the
    default), `init=True` (every tuple) or `init=arbitrary`; `rigid=True`: it never changes.
    Read `self.r(x, y)`; write `insert`, `remove`, `update(lambda x, y: formula)`."""

    kind = ir.SymbolKind.RELATION

    def __init__(
        self,
        *column_types: TypeLike | Record,
        doc: str = "",
        message: Message | None = None,
        init: bool | _Arbitrary = False,
        rigid: bool = False,
    ) -> None:
        super().__init__(column_types, doc)
        self.message = message
        if not (isinstance(init, _Arbitrary) or init is False or init is True):
            raise SpecError(
                "a relation's init= is False (empty, the default), True (every tuple) or "
                f"arbitrary, not {init!r}",
                self.loc,
            )
        self.init_value, self.rigid = init, rigid

    def decl(self) -> ir.SymbolDecl:
        args = self.ir_args()
        arbitrary = self.rigid or isinstance(self.init_value, _Arbitrary)
        return ir.SymbolDecl(
            self.name,
            self.kind,
            args,
            None,
            init=None if arbitrary else bool(self.init_value),
            loc=self.loc,
            message=self._message(args),
            arbitrary=arbitrary,
            rigid=self.rigid,
            record_args=self.record_args(),
        )

    def _message(self, args: tuple[ir.Type, ...]) -> ir.MessageDecl | None:
        m = self.message
        if m is None:
            return None
        if not isinstance(m, Message):
            raise SpecError("`message=` takes a Message(sender=..., to=...)", self.loc)
        for what, col in (("sender", m.sender), ("to", m.to)):
            if isinstance(col, int) and not 0 <= col < len(args):
                raise SpecError(
                    f"Message {what}={col} is not a column of `{self.name}` (it has {len(args)})",
                    self.loc,
                )
        if isinstance(m.to, SortBase):
            return ir.MessageDecl(m.sender, m.to.name)
        if not isinstance(m.to, int):
            raise SpecError("Message `to` is a column index or a sort", self.loc)
        return ir.MessageDecl(m.sender, m.to)

    def __get__(self, instance: Spec | None, owner: type) -> Any:
        if instance is None:
            return self
        return RelationHandle(self, _proxy_primed(instance))


class _Valued(StateDecl):
    """A declaration whose entries hold sort elements: functions and individuals."""

    kind = ir.SymbolKind.FUNCTION
    individual = False

    def __init__(
        self,
        arg_types: tuple[TypeLike | Record, ...],
        result_type: TypeLike | Record,
        init: object,
        doc: str,
        rigid: bool = False,
    ) -> None:
        super().__init__(arg_types, doc)
        self.result_type = result_type
        self.init_value = init
        self.rigid = rigid

    def result(self) -> ir.Type:
        return resolve_type(self.result_type, f"the result sort of `{self.name}`", self.loc)

    def record(self) -> Record | None:
        """The record type of the values, when they are records."""
        return self.result_type if isinstance(self.result_type, Record) else None

    def field_symbol(self, field: str) -> str:
        return f"{self.name}_{field}"

    def decls(self) -> tuple[ir.SymbolDecl, ...]:
        record = self.record()
        if record is None:
            return (self.decl(),)
        arbitrary = self.rigid or isinstance(self.init_value, _Arbitrary)
        init = None if arbitrary else self.init_value
        if init is not None and not (isinstance(init, dict) and set(init) == set(record.fields)):
            raise SpecError(
                f"the init= value of `{self.name}` (a `{record.name}` record) is a dict of every "
                f"field's initial element: init={{{', '.join(repr(f) for f in record.fields)}: ...}}",
                self.loc,
            )
        out = []
        fields = tuple(record.fields)
        grouped = ir.RecordOf(self.name, fields, tuple(self.field_symbol(f) for f in fields))
        for field, t in record.field_types():
            name = self.field_symbol(field)
            value = None if init is None else init[field]
            out.append(
                ir.SymbolDecl(
                    name,
                    self.kind,
                    self.ir_args(),
                    t,
                    init=_init_term(value, t, name, self.loc, record.fields[field]),
                    individual=self.individual,
                    loc=self.loc,
                    arbitrary=arbitrary,
                    rigid=self.rigid,
                    record=grouped,
                    record_args=self.record_args(),
                )
            )
        return tuple(out)

    def read(self, args: tuple[ir.Term, ...], primed: bool, loc: Loc) -> SymTerm | SymRecord:
        """The value at `args`: an element, or a record of its fields' values."""
        record = self.record()
        if record is None:
            return SymTerm(ir.App(self.name, args, self.result(), primed, loc=loc))
        return SymRecord(
            record,
            {
                f: SymTerm(ir.App(self.field_symbol(f), args, t, primed, loc=loc))
                for f, t in record.field_types()
            },
        )

    def write(self, args: tuple[ir.Term, ...], value: object, what: str, loc: Loc) -> None:
        """Set the value at `args` (every field of a record, in order)."""
        record = self.record()
        ctx = context.require_current(what, loc)
        if record is None:
            term, _ = coerce(value, self.result(), f"the value of {what}", loc, reading=False)
            ctx.add_stmt(ir.SetFn(self.name, args, term, loc=loc), what, loc)
            return
        if not isinstance(value, SymRecord) or value.record is not record:
            raise SpecError(
                f"{what}: the value must be a `{record.name}` record, not {shown(value)}", loc
            )
        terms: dict[str, ir.Term] = {}
        for f, t in record.field_types():
            terms[f], _ = coerce(value.values[f], t, f"field `{f}` of {what}", loc, reading=False)
        for f in self.field_order(terms, what, loc):
            ctx.add_stmt(ir.SetFn(self.field_symbol(f), args, terms[f], loc=loc), what, loc)

    def field_order(self, terms: dict[str, ir.Term], what: str, loc: Loc) -> list[str]:
        """The order to write a record's fields in, each before any field whose old value it
        reads (statements run in order: a field written first would be read new)."""
        order = graphlib.TopologicalSorter[str]()
        for f, term in terms.items():
            order.add(f)
            read = {n.symbol for n in ir.walk(term) if isinstance(n, ir.App)}
            for g in terms:  # f reads g's old value: write g after f
                if g != f and self.field_symbol(g) in read:
                    order.add(g, f)
        try:
            return list(order.static_order())
        except graphlib.CycleError:
            raise SpecError(
                f"{what}: its fields read each other's old values in a cycle, so no order of "
                "writing them keeps every old value; freeze one with pick(...) first",
                loc,
            ) from None

    def decl(self) -> ir.SymbolDecl:
        result = self.result()
        arbitrary = self.rigid or isinstance(self.init_value, _Arbitrary)
        init = None if arbitrary else self.init_value
        return ir.SymbolDecl(
            self.name,
            self.kind,
            self.ir_args(),
            result,
            init=_init_term(init, result, self.name, self.loc, self.result_type),
            individual=self.individual,
            loc=self.loc,
            arbitrary=arbitrary,
            rigid=self.rigid,
            record_args=self.record_args(),
        )


class Function(_Valued):
    """A total function from argument sorts to a result sort: `Function(a, b, result, init=x)`."""

    def __init__(
        self, *types: TypeLike | Record, init: object = None, doc: str = "", rigid: bool = False
    ) -> None:
        if len(types) < 2:
            raise SpecError(
                "Function(...) takes the argument sorts and then the result sort "
                "(use Individual(sort) for a single value)",
                user_loc(),
            )
        super().__init__(types[:-1], types[-1], init, doc, rigid)

    def __get__(self, instance: Spec | None, owner: type) -> Any:
        if instance is None:
            return self
        return FunctionHandle(self, _proxy_primed(instance))


class Individual(_Valued):
    """A single state value of a sort: read `self.x`, write `self.x = v`."""

    individual = True

    def __init__(
        self,
        result_type: TypeLike | Record,
        *,
        init: object = None,
        doc: str = "",
        rigid: bool = False,
    ) -> None:
        super().__init__((), result_type, init, doc, rigid)

    def __get__(self, instance: Spec | None, owner: type) -> Any:
        if instance is None:
            return self
        return self.read((), _proxy_primed(instance), user_loc())

    def __set__(self, instance: Spec, value: object) -> None:
        loc = user_loc()
        if _proxy_primed(instance):
            raise SpecError(f"the post-state `{self.name}` of an action property is read-only", loc)
        _not_rigid(self, loc)
        self.write((), value, f"assigning `{self.name}`", loc)


def _not_rigid(decl: StateDecl, loc: Loc) -> None:
    if getattr(decl, "rigid", False):
        raise SpecError(
            f"`{decl.name}` is rigid: it never changes, so no action or @init writes it (its "
            "values are the ones its @axiom methods allow)",
            loc,
        )


def _init_term(
    value: object, result: ir.Type, name: str, loc: Loc, sort: object = None
) -> ir.Term | None:
    if value is None:
        return None
    if isinstance(sort, IntSort) and isinstance(value, int | Param) and value is not True:
        value = sort.element(value, loc)  # an integer sort's initial value, as a number
    term = as_term(value, f"the init= value of `{name}`", loc)
    if not isinstance(term, ir.Elem):
        raise SpecError(f"the init= value of `{name}` must be a constant such as `sort[0]`", loc)
    check_type(term, result, f"the init= value of `{name}`", loc, reading=False)
    return term


class _Handle:
    """A state symbol seen from inside a traced method."""

    def __init__(self, decl: StateDecl, primed: bool) -> None:
        self.decl = decl
        self.primed = primed

    @property
    def name(self) -> str:
        return self.decl.name

    def _args(self, args: tuple[object, ...], loc: Loc, *, reading: bool) -> tuple[ir.Term, ...]:
        shapes = self.decl.shapes()
        if len(args) != len(shapes):
            raise SpecError(
                f"`{self.name}` takes {len(shapes)} argument(s) "
                f"({', '.join(shape_text(t) for t in shapes)}), but got {len(args)}",
                loc,
            )
        args = tuple(flatten_values(shapes, args, f"`{self.name}`", loc))
        types = self.decl.ir_args()
        out = []
        self.guards: list[ir.Formula] = []
        for i, (a, t) in enumerate(zip(args, types, strict=True)):
            what = f"argument {i + 1} of `{self.name}`"
            term, guard = coerce(a, t, what, loc, reading=reading)
            if guard is not None:
                self.guards.append(guard)
            out.append(term)
        return tuple(out)

    def _write(self, stmt: ir.Stmt, what: str, loc: Loc) -> None:
        if self.primed:
            raise SpecError(f"the post-state `{self.name}` of an action property is read-only", loc)
        _not_rigid(self.decl, loc)
        context.require_current(what, loc).add_stmt(stmt, what, loc)

    def _bind_update(self, fn: Callable[..., Any], loc: Loc) -> tuple[tuple[ir.Var, ...], Any]:
        return bind_vars(self.decl.shapes(), fn, f"`{self.name}.update(...)`", loc)


class RelationHandle(_Handle):
    def __call__(self, *args: object) -> SymFormula:
        loc = user_loc()
        atom = ir.Atom(self.name, self._args(args, loc, reading=True), self.primed, loc=loc)
        if self.guards:  # integer arguments outside their sort: the atom is false
            return SymFormula(ir.And((*self.guards, atom), loc=loc))
        return SymFormula(atom)

    def insert(self, *args: object) -> None:
        """Add the tuple `args` to the relation."""
        loc = user_loc()
        stmt = ir.Insert(self.name, self._args(args, loc, reading=False), loc=loc)
        self._write(stmt, f"`{self.name}.insert(...)`", loc)

    def remove(self, *args: object) -> None:
        """Remove the tuple `args` from the relation."""
        loc = user_loc()
        stmt = ir.Remove(self.name, self._args(args, loc, reading=False), loc=loc)
        self._write(stmt, f"`{self.name}.remove(...)`", loc)

    def update(self, fn: Callable[..., Any]) -> None:
        """Set the relation to `{xs | fn(*xs)}`; `fn` sees the relation as it was before."""
        loc = user_loc()
        variables, body = self._bind_update(fn, loc)
        formula = as_formula(body, f"the body of `{self.name}.update(...)`", loc)
        self._write(
            ir.UpdateRel(self.name, variables, formula, loc=loc), f"`{self.name}.update`", loc
        )


class FunctionHandle(_Handle):
    def _result(self) -> ir.Type:
        decl = self.decl
        assert isinstance(decl, Function)
        return decl.result()

    def __call__(self, *args: object) -> Any:
        loc = user_loc()
        decl = self.decl
        assert isinstance(decl, Function)
        return decl.read(self._args(args, loc, reading=False), self.primed, loc)

    def __getitem__(self, key: object) -> Any:
        """`f[x, y]` reads like `f(x, y)`."""
        return self(*(key if isinstance(key, tuple) else (key,)))

    def __setitem__(self, key: object, value: object) -> None:
        loc = user_loc()
        args = key if isinstance(key, tuple) else (key,)
        decl = self.decl
        assert isinstance(decl, Function)
        what = f"assigning `{self.name}[...]`"
        if self.primed:
            raise SpecError(f"the post-state `{self.name}` of an action property is read-only", loc)
        _not_rigid(decl, loc)
        decl.write(self._args(args, loc, reading=False), value, what, loc)

    def update(self, fn: Callable[..., Any]) -> None:
        """Set `f(xs) = fn(*xs)` for every argument tuple; `fn` sees the function as it was."""
        loc = user_loc()
        decl = self.decl
        assert isinstance(decl, Function)
        record = decl.record()
        variables, body = self._bind_update(fn, loc)
        if record is not None:  # one update per field, ordered as a record assignment is
            what = f"`{self.name}.update(...)`"
            if not isinstance(body, SymRecord) or body.record is not record:
                raise SpecError(
                    f"{what} must give a `{record.name}` record, not {shown(body)}", loc
                )
            terms = {
                f: coerce(body.values[f], t, f"field `{f}` of {what}", loc, reading=False)[0]
                for f, t in record.field_types()
            }
            for f in decl.field_order(terms, what, loc):
                stmt = ir.UpdateFn(decl.field_symbol(f), variables, terms[f], loc=loc)
                self._write(stmt, what, loc)
            return
        what = f"the body of `{self.name}.update(...)`"
        term, _ = coerce(body, self._result(), what, loc, reading=False)
        self._write(ir.UpdateFn(self.name, variables, term, loc=loc), f"`{self.name}.update`", loc)


class _Namespace(dict[str, Any]):
    """A spec class body's namespace. A name the body has not bound falls back to the sorts and
    parameters of the base specs (before module globals), so that a subclass — a mutant —
    writes `def act(self, a: acceptor)` as its parent does, instead of `Parent.acceptor`."""

    def __init__(self, inherited: dict[str, Any]) -> None:
        super().__init__()
        self.inherited = inherited

    def __missing__(self, key: str) -> Any:
        if key in self.inherited:
            return self.inherited[key]
        raise KeyError(key)


class _SpecMeta(type):
    @classmethod
    def __prepare__(mcls, name: str, bases: tuple[type, ...], **kwargs: Any) -> _Namespace:  # type: ignore[override]
        inherited: dict[str, Any] = {}
        for base in bases:
            for klass in reversed(base.__mro__):
                for key, value in vars(klass).items():
                    if isinstance(value, SortBase | Param | Record):
                        inherited[key] = value
        return _Namespace(inherited)


class Spec(metaclass=_SpecMeta):
    """Base class of specs. See the module docstring for what a spec declares."""

    def __getattr__(self, name: str) -> Any:
        # Only called when normal lookup fails: the name is not declared anywhere.
        if name.startswith("__"):
            raise AttributeError(name)
        raise SpecError(
            f"`{name}` is not declared in spec {type(self).__name__} "
            f"(declared state: {', '.join(declared_state(type(self))) or 'none'})",
            user_loc(),
        )

    def __setattr__(self, name: str, value: object) -> None:
        attr = getattr(type(self), name, None)
        if isinstance(attr, StateDecl) and hasattr(attr, "__set__"):  # an individual, a sequence
            attr.__set__(self, value)
            return
        if isinstance(attr, Relation | Function):
            raise SpecError(
                f"`{name}` is a {attr.kind.value}; change it with `{name}.insert/remove/update(...)`"
                + (f" or `self.{name}[x] = v`" if isinstance(attr, Function) else ""),
                user_loc(),
            )
        raise SpecError(
            f"cannot assign `self.{name}`: it is not a declared Individual of "
            f"{type(self).__name__} (declared state: {', '.join(declared_state(type(self))) or 'none'})",
            user_loc(),
        )


def declared_state(cls: type) -> list[str]:
    return [n for n in dir(cls) if isinstance(getattr(cls, n, None), StateDecl)]
