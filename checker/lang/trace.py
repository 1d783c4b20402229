"""The tracer: runs a spec class's methods once, symbolically, and records the IR.

`trace_spec(cls)` collects declarations through the class hierarchy (a subclass overrides a
member of the same name, which is how mutants are written), traces every `@init`, `@action` and
property once, checks what the language requires, and returns a `SpecIR`. Any failure is a
`SpecError` naming the spec file and line.
"""

from __future__ import annotations

import inspect
import os
import sys
import traceback
from collections.abc import Callable, Mapping
from typing import Any, cast

from checker import ir
from checker.errors import Loc, PaxoscopeError, SpecError
from checker.lang import context
from checker.lang.dropped import check_no_dropped_formulas
from checker.lang.failures import checked_liveness, checked_property
from checker.lang.records import (
    Binder,
    Record,
    domains,
    fresh_variables,
    record_columns,
)
from checker.lang.seqsorts import SeqSort, sequence_columns
from checker.lang.sequences import Bag, Sequence
from checker.lang.sorts import IntSort, Param, Quorums, SortBase, TypeRef
from checker.lang.spec import MARK, Function, Individual, Spec, StateDecl
from checker.lang.temporal import Temporal, check_liveness, fairness_decls
from checker.lang.terms import SetValue, SymFormula, as_formula, shown

_CHECKER_DIR = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def _members(cls: type) -> dict[str, Any]:
    """Class members in declaration order, base classes first; an override keeps its slot."""
    out: dict[str, Any] = {}
    for klass in reversed(cls.__mro__):
        if klass is object or klass is Spec:
            continue
        for name, value in vars(klass).items():
            if name.startswith("__"):
                continue
            out[name] = value
    return out


def fn_loc(fn: Callable[..., Any]) -> Loc:
    code = fn.__code__
    return Loc(os.path.abspath(code.co_filename), code.co_firstlineno)


def _user_frame_loc(exc: BaseException) -> Loc | None:
    """The innermost traceback frame outside the checker package: where the spec went wrong."""
    loc = None
    for frame, lineno in traceback.walk_tb(exc.__traceback__):
        filename = os.path.abspath(frame.f_code.co_filename)
        if not filename.startswith(_CHECKER_DIR + os.sep):
            loc = Loc(filename, lineno)
    return loc


def call_traced(fn: Callable[..., Any], args: list[Any], what: str) -> Any:
    try:
        return fn(*args)
    except PaxoscopeError:
        raise
    except RecursionError as exc:
        raise SpecError(
            f"{what} recurses without end while being traced", _user_frame_loc(exc) or fn_loc(fn)
        ) from None
    except Exception as exc:  # user code failed: report where, in the spec
        loc = _user_frame_loc(exc) or fn_loc(fn)
        raise SpecError(f"{what} raised {type(exc).__name__}: {exc}", loc) from None


def _check_conjunct_names(cls: type) -> None:
    """A @conjunct that takes the name of a base spec's property (or the reverse) would replace
    it silently: the invariant would no longer be checked as such."""
    kinds: dict[str, tuple[str, type]] = {}
    for klass in reversed(cls.__mro__):
        if klass is object or klass is Spec:
            continue
        for name, value in vars(klass).items():
            kind = getattr(value, MARK, None)
            if kind is None or kind in ("action", "init"):
                continue
            earlier = kinds.get(name)
            if earlier is not None and (kind == "conjunct") != (earlier[0] == "conjunct"):
                raise SpecError(
                    f"@{kind} `{name}` of {klass.__name__} has the name of the "
                    f"@{earlier[0]} `{name}` of {earlier[1].__name__}, which it would replace; "
                    "give it a name of its own",
                    fn_loc(value),
                )
            kinds[name] = (kind, klass)


class Tracer:
    def __init__(self, cls: type[Spec]) -> None:
        self.cls = cls
        _check_conjunct_names(cls)
        self.members = _members(cls)
        self.signatures: dict[str, tuple[str, ...]] = {}  # action -> its (flat) parameters
        self.sort_objs = {n: v for n, v in self.members.items() if isinstance(v, SortBase)}
        self.params = [v for v in self.members.values() if isinstance(v, Param)]
        self.state = {n: v for n, v in self.members.items() if isinstance(v, StateDecl)}
        self.owner: dict[str, StateDecl] = {}  # IR symbol -> its declaration (records: several)
        for decl in self.state.values():  # a sequence's length and positions, a bag's counts
            if isinstance(decl, Sequence | Bag):
                self._add_hidden_sorts(
                    decl.hidden_sorts(), f"by the spec and by `{decl.name}`: rename it", decl.loc
                )
        for name, value in self.members.items():  # a sequence sort's lengths
            if isinstance(value, SeqSort):
                self._add_hidden_sorts(
                    value.hidden_sorts(),
                    "twice: by the spec (or a sequence) and by the sequence sort "
                    f"`{name}`: rename one",
                    value.loc,
                )
        self.sort_kinds = {ir.BOOLEAN: ir.SortKind.PLAIN}  # maybe()'s, unless declared
        self.sort_kinds.update({n: s.kind for n, s in self.sort_objs.items()})
        self.int_bounds = {
            n: s.bounds() for n, s in self.sort_objs.items() if isinstance(s, IntSort)
        }
        self.spec_file = (
            os.path.abspath(sys.modules[cls.__module__].__file__ or "<spec>")
            if cls.__module__ in sys.modules
            else "<spec>"
        )

    # -- declarations ------------------------------------------------------------------------

    def sorts(self) -> tuple[ir.SortDecl, ...]:
        decls = []
        for name, s in self.sort_objs.items():
            if s.name != name:
                raise SpecError(
                    f"sort `{s.name}` is also bound to the name `{name}`; declare each sort once",
                    s.loc,
                )
            if isinstance(s, Quorums) and s.base.name not in self.sort_objs:
                raise SpecError(
                    f"the base sort of quorums `{name}` is not declared in this spec", s.loc
                )
            decls.append(s.decl())
        for d in decls:
            if d.size is not None:
                self._check_size_params(d.size, d.loc)
        return tuple(decls)

    def _check_size_params(self, size: ir.Size, loc: Loc) -> None:
        known = {p.name for p in self.params}
        if size.op == "param" and size.name not in known:
            raise SpecError(f"size refers to `{size.name}`, which is not a Param of this spec", loc)
        for part in (size.left, size.right):
            if part is not None:
                self._check_size_params(part, loc)

    def symbols(self) -> tuple[ir.SymbolDecl, ...]:
        out = []
        for name, decl in self.state.items():
            if decl.name != name:
                raise SpecError(
                    f"state `{decl.name}` is also bound to `{name}`; declare it once", decl.loc
                )
            for sym in self._decl_in_context(decl):
                self.owner[sym.name] = decl
                for t in (*sym.args, *([sym.result] if sym.result else [])):
                    if t.sort not in self.sort_objs:
                        raise SpecError(
                            f"`{name}` uses sort `{t.sort}`, which is not declared in this spec",
                            decl.loc,
                        )
                out.append(sym)
        names = [sym.name for sym in out]
        for sym in sorted(out, key=lambda sym: sym.sequence is not None):  # the user's first
            if names.count(sym.name) > 1:
                raise SpecError(
                    f"`{sym.name}` is declared twice (a sequence `q` stores itself as `q_len` "
                    "and `q_at`, or `q_at_<field>` for each field of its records)",
                    sym.loc,
                )
        return tuple(out)

    def _decl_in_context(self, decl: StateDecl) -> tuple[ir.SymbolDecl, ...]:
        with context.tracing(
            context.TraceContext(
                f"the declaration of `{decl.name}`", None, self.sort_kinds, self.int_bounds
            )
        ):
            return decl.decls()

    # -- methods -----------------------------------------------------------------------------

    def _proxy(self, primed: bool) -> Spec:
        proxy = object.__new__(self.cls)
        proxy.__dict__["_primed"] = primed
        return proxy

    def _param_types(self, fn: Callable[..., Any], what: str) -> list[tuple[str, Binder]]:
        loc = fn_loc(fn)
        sig = inspect.signature(fn)
        params = list(sig.parameters.values())[1:]  # skip self
        out: list[tuple[str, Binder]] = []
        namespace = dict(self.members)
        for p in params:
            if p.kind not in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD):
                raise SpecError(
                    f"parameter `{p.name}` of {what} must be a plain positional parameter", loc
                )
            ann = p.annotation
            if ann is inspect.Parameter.empty:
                raise SpecError(
                    f"parameter `{p.name}` of {what} has no sort: write `{p.name}: some_sort`", loc
                )
            if isinstance(ann, str):
                try:
                    ann = eval(ann, fn.__globals__, namespace)
                except Exception:
                    raise SpecError(
                        f"the sort `{p.annotation}` of parameter `{p.name}` of {what} is not declared",
                        loc,
                    ) from None
            if isinstance(ann, Record):
                if self.members.get(ann.name) is not ann:
                    raise SpecError(
                        f"parameter `{p.name}` of {what} has a record type not declared in this spec",
                        loc,
                    )
                out.append((p.name, cast(Record, ann)))
            elif isinstance(ann, SeqSort):
                if self.members.get(ann.name) is not ann:
                    raise SpecError(
                        f"parameter `{p.name}` of {what} has a sequence sort not declared in "
                        "this spec",
                        loc,
                    )
                out.append((p.name, cast(SeqSort, ann)))
            elif isinstance(ann, SortBase):
                if ann.name not in self.sort_objs:
                    raise SpecError(
                        f"parameter `{p.name}` of {what} has a sort not declared in this spec", loc
                    )
                out.append((p.name, ir.Type(ann.name, False)))
            elif isinstance(ann, TypeRef):
                out.append((p.name, ir.Type(ann.sort.name, True)))
            else:
                raise SpecError(
                    f"parameter `{p.name}` of {what} is annotated with {ann!r}, which is not a sort "
                    "of this spec",
                    loc,
                )
        return out

    def trace_action(self, name: str, fn: Callable[..., Any], kind: str) -> ir.Action:
        what = f"{'@init' if kind == 'init' else 'action'} `{name}`"
        ctx = context.TraceContext(what, [], self.sort_kinds, self.int_bounds)
        params = self._param_types(fn, what)
        names, shapes = [n for n, _ in params], [shape for _, shape in params]
        # A record parameter `m` is one parameter per field (`m_type`, ...), and ITF traces show
        # it as `m`: no choice may take that name.
        ctx.used_names.update(n for n, s in params if isinstance(s, Record | SeqSort))
        variables, values = fresh_variables(ctx, names, shapes, fn_loc(fn))
        assert ctx.stmts is not None
        # A sequence parameter is a length and slots: only the tuple whose slots past the
        # length are empty is the sequence, so that each sequence is one instance.
        ctx.stmts.extend(ir.Require(d, loc=d.loc) for d in domains(shapes, variables, fn_loc(fn)))
        with context.tracing(ctx):
            result = call_traced(fn, [self._proxy(False), *values], what)
        if result is not None:
            raise SpecError(
                f"{what} returns a value; an action states its guards with require(...) and returns nothing",
                fn_loc(fn),
            )
        assert ctx.stmts is not None
        self.signatures[name] = tuple(v.name for v in variables)
        chosen = (*variables, *ctx.choices)  # values chosen inside it are parameters too
        return ir.Action(
            name,
            chosen,
            tuple(ctx.stmts),
            inspect.getdoc(fn) or "",
            fn_loc(fn),
            record_params=record_columns(shapes, names),
            sequence_params=sequence_columns(shapes, names),
        )

    def _add_hidden_sorts(self, sorts: Mapping[str, SortBase], clash: str, loc: Loc) -> None:
        """The sorts a declaration brings with it (a sequence's lengths and positions, a bag's
        counts), each refused when its name is taken: "the sort `x` is declared <clash>"."""
        for sort_name, sort in sorts.items():
            if sort_name in self.sort_objs:
                raise SpecError(f"the sort `{sort_name}` is declared {clash}", loc)
            self.sort_objs[sort_name] = sort

    def trace_liveness(self, name: str, fn: Callable[..., Any]) -> ir.Liveness:
        what = f"liveness property `{name}`"
        nparams = len(inspect.signature(fn).parameters)
        if nparams not in (1, 2):
            raise SpecError(f"{what} must take (self), or (self, post) for steps", fn_loc(fn))
        args: list[Any] = [self._proxy(False), self._proxy(True)][:nparams]
        ctx = context.TraceContext(what, None, self.sort_kinds, self.int_bounds)
        with context.tracing(ctx):
            result = call_traced(fn, args, what)
        if not isinstance(result, Temporal):
            raise SpecError(
                f"{what} must return a temporal formula (always, eventually, leads_to, or "
                f"forall(...) of one), but it returned {shown(result)}",
                fn_loc(fn),
            )
        doc = inspect.getdoc(fn) or ""
        return ir.Liveness(name, result.kind, result.p, result.q, result.vars, doc, fn_loc(fn))

    def trace_property(self, name: str, fn: Callable[..., Any], kind: str) -> ir.Property:
        pkind = {
            "invariant": ir.PropertyKind.INVARIANT,
            "action_property": ir.PropertyKind.ACTION_PROPERTY,
            "constraint": ir.PropertyKind.CONSTRAINT,
            "conjunct": ir.PropertyKind.CONJUNCT,
            "axiom": ir.PropertyKind.AXIOM,
        }[kind]
        what = f"{kind.replace('_', ' ')} `{name}`"
        sig = inspect.signature(fn)
        nparams = len(sig.parameters)
        expected = 2 if pkind is ir.PropertyKind.ACTION_PROPERTY else 1
        if nparams != expected:
            shape = "(self, post)" if expected == 2 else "(self)"
            raise SpecError(f"{what} must take {shape}", fn_loc(fn))
        args: list[Any] = [self._proxy(False)]
        if expected == 2:
            args.append(self._proxy(True))
        ctx = context.TraceContext(what, None, self.sort_kinds, self.int_bounds)
        with context.tracing(ctx):
            result = call_traced(fn, args, what)
            if isinstance(result, SetValue):  # a set, not a statement about it
                as_formula(result, f"{what}'s value", fn_loc(fn))
            if not isinstance(result, SymFormula | bool):
                hint = ": write it as a @liveness property" if isinstance(result, Temporal) else ""
                raise SpecError(
                    f"{what} must return a formula, but it returned {shown(result)}{hint}",
                    fn_loc(fn),
                )
            formula = as_formula(result, what, fn_loc(fn))
        if pkind is ir.PropertyKind.AXIOM:
            mutable = sorted(
                n for n in _symbols(formula) if not getattr(self.state.get(n), "rigid", False)
            )
            if mutable:
                raise SpecError(
                    f"{what} mentions {', '.join(f'`{n}`' for n in mutable)}, which can change: "
                    "an axiom speaks of rigid symbols only (declare them with rigid=True)",
                    fn_loc(fn),
                )
        return ir.Property(name, pkind, formula, inspect.getdoc(fn) or "", fn_loc(fn))

    # -- whole spec --------------------------------------------------------------------------

    def run(self) -> ir.SpecIR:
        sorts = self.sorts()
        symbols = self.symbols()
        check_no_dropped_formulas(
            {n: v for n, v in self.members.items() if inspect.isfunction(inspect.unwrap(v))},
            frozenset(self.state),
        )
        inits: list[ir.Action] = []
        actions: list[ir.Action] = []
        props: list[ir.Property] = []
        liveness: list[ir.Liveness] = []
        for name, value in self.members.items():
            kind = getattr(value, MARK, None)
            if kind is None:
                continue
            if kind == "init":
                inits.append(self.trace_action(name, value, "init"))
            elif kind == "action":
                actions.append(self.trace_action(name, value, "action"))
            elif kind == "liveness":
                liveness.append(self.trace_liveness(name, value))
            else:
                prop = self.trace_property(name, value, kind)
                defined = checked_property(prop, self.int_bounds)
                if defined is not None:  # it can fail to evaluate: that is checked first
                    props.append(defined)
                props.append(prop)
        spec_loc = Loc(
            self.spec_file, inspect.getsourcelines(self.cls)[1] if self._has_source() else 0
        )
        if not actions:
            raise SpecError(f"spec {self.cls.__name__} declares no @action", spec_loc)
        for live in liveness:
            check_liveness(live, {a.name: a.params for a in actions})
            defined = checked_liveness(live, self.int_bounds)
            if defined is not None:  # its formulas can fail to evaluate: checked in every state
                props.append(defined)
        if any(p.vtype.sort == ir.BOOLEAN for a in (*inits, *actions) for p in a.params):
            sorts = (*sorts, _boolean_sort(self.sort_objs, spec_loc))  # maybe() was used
        self._check_initialised(symbols, inits)
        params = tuple(ir.ParamDecl(p.name, p.default, p.doc) for p in self.params)
        return ir.SpecIR(
            name=self.cls.__name__,
            file=self.spec_file,
            doc=_spec_doc(self.cls),
            params=params,
            sorts=sorts,
            symbols=symbols,
            inits=tuple(inits),
            actions=tuple(actions),
            properties=tuple(props),
            liveness=tuple(liveness),
            fairness=self._fairness(spec_loc, actions),
        )

    def _fairness(self, spec_loc: Loc, actions: list[ir.Action]) -> tuple[ir.Fairness, ...]:
        declared = self.members.get("fairness")
        if declared is None:
            return ()
        out = fairness_decls(declared, self.signatures, spec_loc)
        types = {a.name: {v.name: v.type for v in a.params} for a in actions}
        for f in out:  # one condition per value of `per`: the same sorts in every action
            for p in f.per:
                kinds = {str(types[a][p]) for a in f.actions}
                if len(kinds) > 1:
                    raise SpecError(
                        f"fairness of {', '.join(f.actions)} per {p!r}: the parameter has "
                        f"different sorts ({', '.join(sorted(kinds))})",
                        f.loc,
                    )
        return out

    def _has_source(self) -> bool:
        try:
            inspect.getsourcelines(self.cls)
        except (OSError, TypeError):
            return False
        return True

    def _check_initialised(
        self, symbols: tuple[ir.SymbolDecl, ...], inits: list[ir.Action]
    ) -> None:
        """Every function needs an initial value: `init=` or a full assignment in each @init."""
        for sym in symbols:
            if sym.kind is not ir.SymbolKind.FUNCTION or sym.init is not None or sym.arbitrary:
                continue
            decl = self.owner[sym.name]
            assert isinstance(decl, Function | Individual)
            for act in inits:
                if not any(_assigns_fully(s, sym) for s in act.body):
                    raise SpecError(
                        f"`{sym.name}` has no initial value: give it `init=...` or assign all of it "
                        f"in @init `{act.name}`",
                        decl.loc,
                    )
            if not inits:
                raise SpecError(
                    f"`{sym.name}` has no initial value: give it `init=...` or assign it in an @init method",
                    decl.loc,
                )


def _boolean_sort(declared: dict[str, SortBase], loc: Loc) -> ir.SortDecl:
    if ir.BOOLEAN in declared:
        raise SpecError(
            f"the spec declares a sort `{ir.BOOLEAN}` and uses maybe(), whose choices are of the "
            f"built-in sort `{ir.BOOLEAN}`: rename the sort",
            declared[ir.BOOLEAN].loc,
        )
    return ir.SortDecl(
        ir.BOOLEAN, ir.SortKind.PLAIN, ir.const_size(2), labels=("FALSE", "TRUE"), loc=loc
    )


def _symbols(e: ir.Expr) -> set[str]:
    return {n.symbol for n in ir.walk(e) if isinstance(n, ir.Atom | ir.App)}


def _assigns_fully(stmt: ir.Stmt, sym: ir.SymbolDecl) -> bool:
    if isinstance(stmt, ir.UpdateFn) and stmt.symbol == sym.name:
        return True
    return isinstance(stmt, ir.SetFn) and stmt.symbol == sym.name and not sym.args


def trace_spec(cls: type[Spec]) -> ir.SpecIR:
    """Trace a spec class into its IR (a SpecError on any misuse of the language)."""
    if not (isinstance(cls, type) and issubclass(cls, Spec)):
        raise SpecError(f"{cls!r} is not a Spec subclass")
    return Tracer(cls).run()


def _spec_doc(cls: type) -> str:
    """A spec's description: its class's docstring, or the spec it extends (a mutant's
    parent), or its module's; never the docstring of the `Spec` base class itself."""
    from checker.lang.spec import Spec

    for klass in cls.__mro__:
        if klass is Spec or klass is object:
            break
        if klass.__dict__.get("__doc__"):
            return inspect.cleandoc(klass.__dict__["__doc__"])
    module = sys.modules.get(cls.__module__)
    return inspect.cleandoc(module.__doc__) if module is not None and module.__doc__ else ""
