"""Statements whose value a spec drops: the guard that was meant to be a `require`.

Tracing runs a spec's methods once; a formula built by a statement of its own, such as
`self.leader == n` where `require(self.leader == n)` was meant, is a value nobody uses, so
Python drops it and the action silently loses its guard. Tracing cannot see a value that was
never used, so this reads the methods' source instead (as flake8-bugbear's B015 "pointless
comparison" does) and rejects, with its file and line, every statement whose whole content is a
comparison, a `&`/`|`/`^`/`~` of formulas, `not`, a call of `forall`, `exists`, `implies`,
`iff` or `ite`, or of a test of a set, sequence or bag (`member`, `contains`, `is_empty`,
`subset_of`, `equal`), or a reading of the state (`self.voted(a, b)`, a relation's membership
where `require(self.voted(a, b))` was meant).
"""

from __future__ import annotations

import ast
import inspect
import os
import textwrap
from collections.abc import Callable, Iterator
from typing import Any

from checker.errors import Loc, SpecError

_FORMULA_BUILDERS = {"forall", "exists", "implies", "iff", "ite"}
# tests of sets (`nodeset.subset_of(a, b)`), sequences and bags (`q.is_empty()`)
_FORMULA_BUILDERS |= {"member", "contains", "is_empty", "subset_of", "equal"}


def check_no_dropped_formulas(
    methods: dict[str, Callable[..., Any]], state: frozenset[str] = frozenset()
) -> None:
    """Raise a SpecError at the first statement of these methods whose value is dropped;
    `state` names the spec's state symbols, whose reading is a value too."""
    for fn in methods.values():
        found = next(_dropped(fn, state), None)
        if found is not None:
            loc, what = found
            raise SpecError(
                f"{what} is a statement of its own, so its value is dropped and it checks "
                "nothing: a guard is written `require(...)`",
                loc,
            )


def _dropped(fn: Callable[..., Any], state: frozenset[str]) -> Iterator[tuple[Loc, str]]:
    fn = inspect.unwrap(fn)
    try:
        lines, first = inspect.getsourcelines(fn)
        path = os.path.abspath(inspect.getsourcefile(fn) or "")
    except (OSError, TypeError):
        return  # defined where no source is kept (exec, the REPL): nothing to read
    try:
        tree = ast.parse(textwrap.dedent("".join(lines)))
    except SyntaxError:
        return  # a decorated lambda or a fragment: not a method body
    for node in ast.walk(tree):
        if isinstance(node, ast.Expr):
            what = _describe(node.value, state)
            if what is not None:
                yield Loc(path, first + node.lineno - 1), what


def _describe(e: ast.expr, state: frozenset[str]) -> str | None:
    if isinstance(e, ast.Compare):
        return "this comparison"
    if isinstance(e, ast.BinOp) and isinstance(e.op, ast.BitAnd | ast.BitOr | ast.BitXor):
        return "this formula"
    if isinstance(e, ast.UnaryOp) and isinstance(e.op, ast.Invert | ast.Not):
        return "this negation"
    if isinstance(e, ast.Call):
        name = e.func.id if isinstance(e.func, ast.Name) else None
        if isinstance(e.func, ast.Attribute):
            name = e.func.attr
        if name in _FORMULA_BUILDERS:
            return f"this `{name}(...)`"
        reader = e.func.value if isinstance(e.func, ast.Attribute) else None
        if isinstance(reader, ast.Name) and reader.id == "self" and name in state:
            return f"this reading of `{name}`"
    return None
