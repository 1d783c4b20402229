"""The layers of `checker`, read from its source: which module imports which.

The import graph is built statically: every `checker/**/*.py` is parsed with `ast`, and each
`import a.b` and `from X import Y` (relative ones resolved against the importing module) is an
edge to a module of `checker` — to `X.Y` when that is a module, else to `X`. An import inside a
function counts (it runs, later); an import under `if TYPE_CHECKING:` does not: it never runs,
so it cannot take part in a cycle at run time (annotations are strings, `from __future__ import
annotations`). Importing a submodule also runs its packages' `__init__`; that is not an edge
here. Dynamic imports (`importlib.import_module`) are not seen.

The rules (ARCHITECTURE.md, "Imports flow one way"):

- the imports made when modules are loaded form no cycle at all;
- all run-time imports, lazy ones too, form no cycle but through the `ALLOWED` edges below;
- nothing under `checker.explicit` imports the renderers (`checker.traces`), the command line
  or the pytest plugin — not even for annotations;
- the engines meet in `checker.explicit.contract`, which imports neither of them, and the vector
  engine does not import the reference engine's module (`search`), for types neither.
"""

from __future__ import annotations

import ast
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path

from tests.conftest import ROOT

PACKAGE = ROOT / "checker"

# Lazy imports that close a cycle, each with why it is there. A new cycle fails the test unless
# it goes through one of these; an entry that no longer matches an import fails it too.
ALLOWED: dict[tuple[str, str], str] = {
    # The spec language is mutually recursive: sorts make terms and sets (`ballot.bottom`,
    # `nodes.member(n, q)`, `quorum.forall(q, ...)`), and terms and sets are typed by sorts.
    # `sorts` is the bottom of the language, so its methods import the rest when called.
    ("checker.lang.sorts", "checker.lang.terms"): "a sort's methods return terms",
    ("checker.lang.sorts", "checker.lang.sets"): "a quorum sort's methods build sets",
    # `ite` on set values is a set (`sets.set_ite`), and `sets` binds its lambdas with
    # `logic.bind_vars`.
    ("checker.lang.logic", "checker.lang.sets"): "ite(...) of two sets is a set",
}


@dataclass(frozen=True)
class Import:
    source: str  # the importing module
    target: str  # a module of checker
    line: int
    lazy: bool  # inside a function: run when that runs, not when the module is loaded
    type_checking: bool  # under `if TYPE_CHECKING:`: never run


def module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _modules() -> dict[str, Path]:
    return {module_name(p): p for p in sorted(PACKAGE.rglob("*.py"))}


MODULES = _modules()


def _is_type_checking(test: ast.expr) -> bool:
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


def imports_of(name: str, path: Path, modules: Iterable[str] = MODULES) -> list[Import]:
    """Every import of a module of `modules` that `name` (the module at `path`) makes."""
    known = set(modules)
    package = name.split(".") if path.name == "__init__.py" else name.split(".")[:-1]
    found: list[Import] = []

    def target(module: str) -> str | None:
        # `import a.b.c` runs a, a.b and a.b.c; the module named is the one that matters
        return module if module in known else None

    def walk(nodes: Iterable[ast.AST], lazy: bool, type_checking: bool) -> None:
        for node in nodes:
            if isinstance(node, ast.Import):
                for alias in node.names:
                    if (t := target(alias.name)) is not None:
                        found.append(Import(name, t, node.lineno, lazy, type_checking))
            elif isinstance(node, ast.ImportFrom):
                if node.level:
                    base = package[: len(package) - (node.level - 1)]
                    module = ".".join([*base, *([node.module] if node.module else [])])
                else:
                    module = node.module or ""
                for alias in node.names:
                    sub = f"{module}.{alias.name}"
                    t = sub if sub in known else target(module)
                    if t is not None:
                        found.append(Import(name, t, node.lineno, lazy, type_checking))
            elif isinstance(node, ast.If) and _is_type_checking(node.test):
                walk(node.body, lazy, True)
                walk(node.orelse, lazy, type_checking)
            elif isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.Lambda):
                walk(ast.iter_child_nodes(node), True, type_checking)
            else:
                walk(ast.iter_child_nodes(node), lazy, type_checking)

    walk(ast.parse(path.read_text(), str(path)).body, False, False)
    return found


ALL_IMPORTS = [i for name, path in MODULES.items() for i in imports_of(name, path)]


def graph(imports: Iterable[Import]) -> dict[str, set[str]]:
    out: dict[str, set[str]] = {name: set() for name in MODULES}
    for i in imports:
        if i.target != i.source:
            out.setdefault(i.source, set()).add(i.target)
    return out


def find_cycle(edges: Mapping[str, Iterable[str]]) -> list[str] | None:
    """A cycle of the graph as its modules, the first repeated at the end; None if acyclic."""
    done: set[str] = set()
    for root in sorted(edges):
        if root in done:
            continue
        path: list[str] = []
        on_path: set[str] = set()
        stack = [(root, iter(sorted(edges.get(root, ()))))]
        path.append(root)
        on_path.add(root)
        while stack:
            node, successors = stack[-1]
            nxt = next(successors, None)
            if nxt is None:
                stack.pop()
                path.pop()
                on_path.discard(node)
                done.add(node)
            elif nxt in on_path:
                return [*path[path.index(nxt) :], nxt]
            elif nxt not in done:
                stack.append((nxt, iter(sorted(edges.get(nxt, ())))))
                path.append(nxt)
                on_path.add(nxt)
    return None


def _where(imports: Iterable[Import]) -> list[str]:
    return [f"{i.source} imports {i.target} (line {i.line})" for i in imports]


def test_the_import_graph_is_read_from_the_source() -> None:
    edges = {(i.source, i.target, i.lazy, i.type_checking) for i in ALL_IMPORTS}
    assert ("checker.explicit.search", "checker.explicit.contract", False, False) in edges
    # the reference engine hands breadth-first searches to the vector engine when it runs
    assert ("checker.explicit.search", "checker.explicit.vector.bfs", True, False) in edges
    # only for annotations: not a run-time edge
    assert ("checker.explicit.vector.livegraph", "checker.explicit.vector.bfs", False, True) in (
        edges
    )
    assert find_cycle({"a": ["b"], "b": ["c"], "c": ["a"], "d": ["a"]}) == ["a", "b", "c", "a"]
    assert find_cycle({"a": ["b"], "b": [], "c": ["a", "b"]}) is None


def test_modules_import_no_cycle_when_they_are_loaded() -> None:
    loaded = [i for i in ALL_IMPORTS if not i.lazy and not i.type_checking]
    assert find_cycle(graph(loaded)) is None


def test_run_time_imports_form_no_cycle_but_the_allowed_ones() -> None:
    run_time = [i for i in ALL_IMPORTS if not i.type_checking]
    present = {(i.source, i.target) for i in run_time}
    stale = sorted(edge for edge in ALLOWED if edge not in present)
    assert stale == [], f"allowed edges that no longer exist (drop them from ALLOWED): {stale}"
    loaded_allowed = [i for i in run_time if (i.source, i.target) in ALLOWED and not i.lazy]
    assert loaded_allowed == [], "an allowed edge must stay a lazy import"
    cycle = find_cycle(graph(i for i in run_time if (i.source, i.target) not in ALLOWED))
    assert cycle is None, f"import cycle: {' -> '.join(cycle)}"


def test_the_explicit_layer_imports_no_renderer_command_line_or_plugin() -> None:
    forbidden = ("checker.traces", "checker.cli", "checker.pytest_plugin")
    bad = [
        i
        for i in ALL_IMPORTS
        if (i.source == "checker.explicit" or i.source.startswith("checker.explicit."))
        and any(i.target == f or i.target.startswith(f + ".") for f in forbidden)
    ]
    assert _where(bad) == []


def test_the_engines_meet_in_the_contract() -> None:
    contract = [i for i in ALL_IMPORTS if i.source == "checker.explicit.contract"]
    assert contract, "checker/explicit/contract.py is missing"
    engines = ("checker.explicit.search", "checker.explicit.vector")
    bad = [
        i for i in contract if any(i.target == e or i.target.startswith(e + ".") for e in engines)
    ]
    assert _where(bad) == []
    vector_on_search = [
        i
        for i in ALL_IMPORTS
        if i.source.startswith("checker.explicit.vector") and i.target == "checker.explicit.search"
    ]
    assert _where(vector_on_search) == []


def test_nothing_beneath_the_command_line_imports_it() -> None:
    """`checker.cli` is the top: the facade, the outcomes, the renderers and the engines never
    import it, not even for annotations (its `ExitCode` lives in `checker.errors`)."""
    bad = [
        i
        for i in ALL_IMPORTS
        if not (i.source == "checker.cli" or i.source.startswith("checker.cli."))
        and (i.target == "checker.cli" or i.target.startswith("checker.cli."))
    ]
    assert _where(bad) == []
    assert any(i.source.startswith("checker.cli.") for i in ALL_IMPORTS), "checker/cli/ is gone"
