"""Finding the spec class a user names: `path/to/spec.py[:Class]` or `dotted.module[:Class]`.

The bundled specs and proofs are the packages `spec` and `proofs`, found by import, so that they
are addressed alike from a checkout and from an installed paxoscope: `spec.paxos`, or the
README's `spec/paxos.py`, which names that module when no such file lies below the working
directory."""

from __future__ import annotations

import importlib
import importlib.machinery
import importlib.util
import os
import pkgutil
import sys
import traceback
from collections.abc import Callable
from types import ModuleType
from typing import Any

from checker.errors import Loc, SpecError, UsageError
from checker.lang.spec import Spec


def _module_name_for(path: str) -> str | None:
    """The dotted name under which `path` is importable from sys.path, if it is."""
    path = os.path.abspath(path)
    for entry in sys.path:
        root = os.path.abspath(entry or os.getcwd())
        if not path.startswith(root + os.sep):
            continue
        parts = os.path.relpath(path, root)[: -len(".py")].split(os.sep)
        package_dir = root
        ok = True
        for part in parts[:-1]:
            package_dir = os.path.join(package_dir, part)
            if not os.path.exists(os.path.join(package_dir, "__init__.py")):
                ok = False
                break
        if ok and all(p.isidentifier() for p in parts):
            return ".".join(parts)
    return _installed_module_name(path)


def _installed_module_name(path: str) -> str | None:
    """The dotted name of `path` in an installed package (an editable install of paxoscope puts
    `spec` and `proofs` on the import path without their parent folder), so that a spec loaded
    by path is the same class as the one other modules import."""
    parts = [os.path.splitext(os.path.basename(path))[0]]
    folder = os.path.dirname(path)
    while os.path.exists(os.path.join(folder, "__init__.py")):
        parts.insert(0, os.path.basename(folder))
        folder = os.path.dirname(folder)
    if len(parts) < 2 or not all(p.isidentifier() for p in parts):
        return None
    dotted = ".".join(parts)
    found = _find_spec(dotted)
    if found is None or found.origin is None:
        return None
    return dotted if os.path.samefile(found.origin, path) else None


def _find_spec(dotted: str) -> importlib.machinery.ModuleSpec | None:
    """Where the module `dotted` would be imported from, without importing it; None if it
    would not be (a missing parent package included)."""
    try:
        return importlib.util.find_spec(dotted)
    except (ImportError, ValueError):
        return None


def _import_error(exc: BaseException, what: str) -> SpecError:
    if isinstance(exc, SyntaxError) and exc.filename:
        return SpecError(
            f"{what}: syntax error: {exc.msg}", Loc(os.path.abspath(exc.filename), exc.lineno or 0)
        )
    loc = None
    for frame, lineno in traceback.walk_tb(exc.__traceback__):
        filename = frame.f_code.co_filename
        if not filename.startswith("<frozen"):
            loc = Loc(os.path.abspath(filename), lineno)
    return SpecError(f"{what} failed: {type(exc).__name__}: {exc}", loc)


BUNDLED_PACKAGES = ("spec", "proofs")


def _bundled_parts(path: str) -> list[str]:
    """The components of a relative path that starts in a bundled package (`spec/...`)."""
    parts = [p for p in path.replace(os.sep, "/").split("/") if p not in ("", ".")]
    if os.path.isabs(path) or not parts or parts[0] not in BUNDLED_PACKAGES:
        return []
    return parts


def bundled_module_for(path: str) -> str | None:
    """The bundled module a relative path such as `spec/paxos.py` or `proofs/mypyvy/ring.py`
    names (`spec.paxos`), if it is importable: how the README's paths work outside a checkout."""
    parts = _bundled_parts(path)
    if len(parts) < 2 or not parts[-1].endswith(".py"):
        return None
    parts[-1] = parts[-1][: -len(".py")]
    if not all(p.isidentifier() for p in parts):
        return None
    dotted = ".".join(parts)
    return dotted if _find_spec(dotted) is not None else None


def _import_file(path: str) -> ModuleType:
    if not os.path.isfile(path):
        bundled = bundled_module_for(path)
        if bundled is not None:
            return _import_module(bundled)
        raise UsageError(
            f"spec file `{path}` does not exist"
            + (
                ", nor is it a bundled spec or proof (`paxoscope list` names them, as modules "
                "such as spec.paxos)"
                if _bundled_parts(path)
                else ""
            )
        )
    # As `python path/to/file.py` would, let the file import the modules beside it (a proof
    # its spec, a mutant its parent), and as `python -m` and pytest's `pythonpath = ["."]`
    # would, the modules of the project it is run from (`from tests.helpers import ...`);
    # appended, so that they shadow nothing already importable.
    # The module's own name is found first: with its folder on the path, `proofs/voting.py`
    # would be `voting`, which `spec/voting.py` may already be.
    name = _module_name_for(path)
    for folder in (os.path.dirname(os.path.abspath(path)), os.getcwd()):
        if folder not in sys.path:
            sys.path.append(folder)
    try:
        if name is not None:
            return importlib.import_module(name)
        name = "paxoscope_user_spec_" + os.path.splitext(os.path.basename(path))[0]
        spec = importlib.util.spec_from_file_location(name, path)
        if spec is None or spec.loader is None:
            raise UsageError(f"cannot load `{path}` as a Python module")
        module = importlib.util.module_from_spec(spec)
        sys.modules[name] = module
        spec.loader.exec_module(module)
        return module
    except (SpecError, UsageError):
        raise
    except Exception as exc:
        raise _import_error(exc, f"loading `{path}`") from None


def _import_module(dotted: str) -> ModuleType:
    if os.getcwd() not in sys.path:
        sys.path.insert(0, os.getcwd())
    try:
        return importlib.import_module(dotted)
    except ModuleNotFoundError as exc:
        if exc.name and dotted.startswith(exc.name):
            raise UsageError(
                f"no spec file or module `{dotted}` (give a path such as spec/paxos.py, "
                "or a module such as spec.paxos)"
            ) from None
        raise _import_error(exc, f"importing `{dotted}`") from None
    except SpecError:
        raise
    except Exception as exc:
        raise _import_error(exc, f"importing `{dotted}`") from None


def specs_in(module: ModuleType) -> list[type[Spec]]:
    """Spec classes defined (not merely imported) in a module, in definition order."""
    return [
        v
        for v in vars(module).values()
        if isinstance(v, type)
        and issubclass(v, Spec)
        and v is not Spec
        and v.__module__ == module.__name__
    ]


def load_spec(ref: str) -> type[Spec]:
    """The spec class named by `ref`; a UsageError or SpecError if there is none."""
    target, _, class_name = ref.partition(":")
    is_path = target.endswith(".py") or os.sep in target or os.path.isfile(target)
    module = _import_file(target) if is_path else _import_module(target)
    if class_name:
        cls = getattr(module, class_name, None)
        if not (isinstance(cls, type) and issubclass(cls, Spec)):
            found = ", ".join(c.__name__ for c in specs_in(module)) or "none"
            raise UsageError(
                f"`{target}` has no spec class `{class_name}` (spec classes there: {found})"
            )
        return cls
    found_specs = specs_in(module)
    if not found_specs:
        raise UsageError(f"`{target}` defines no Spec subclass")
    if len(found_specs) > 1:
        names = ", ".join(c.__name__ for c in found_specs)
        raise UsageError(
            f"`{target}` defines several specs ({names}); name one as {target}:{found_specs[0].__name__}"
        )
    return found_specs[0]


def _bundled(package_name: str) -> list[tuple[str, type[Spec]]]:
    """Every spec class in an importable package and its subpackages, with its module name:
    found by import, wherever the package is installed."""
    package = importlib.import_module(package_name)
    out: list[tuple[str, type[Spec]]] = []
    for info in sorted(
        pkgutil.walk_packages(package.__path__, package_name + "."),
        key=lambda m: (m.name.count("."), m.name),
    ):
        if info.ispkg:
            continue
        module = importlib.import_module(info.name)
        out.extend((info.name, cls) for cls in specs_in(module))
    return out


def bundled_specs() -> list[tuple[str, type[Spec]]]:
    """Every spec in the `spec` package (and `spec.mutants`, `spec.tlaplus` ...), with its
    module name."""
    return _bundled("spec")


def bundled_proofs() -> list[tuple[str, type[Spec]]]:
    """Every proof class in the `proofs` package (and `proofs.mypyvy`), with its module name."""
    return _bundled("proofs")


def load_function(ref: str) -> Callable[..., Any]:
    """The function named by `path/to/module.py:name` or `dotted.module:name`."""
    target, sep, name = ref.partition(":")
    if not sep or not name:
        raise UsageError(f"`{ref}`: name a function as MODULE:FUNCTION (for example proofs/x.py:f)")
    is_path = target.endswith(".py") or os.sep in target or os.path.isfile(target)
    module = _import_file(target) if is_path else _import_module(target)
    fn = getattr(module, name, None)
    if not callable(fn):
        raise UsageError(f"`{target}` has no function `{name}`")
    return fn  # type: ignore[no-any-return]
