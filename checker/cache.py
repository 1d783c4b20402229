"""A cache of what start-up computes from a spec: its traced IR and its compiled vector code.

Entries live in `$PAXOSCOPE_CACHE_DIR`, else `$XDG_CACHE_HOME/paxoscope`, else
`~/.cache/paxoscope`; `PAXOSCOPE_NO_CACHE=1` turns the cache off. Every key hashes all that
the entry was made from, so a change to any input is a miss, never stale code:

- paxoscope's own source (every `.py` file of the `checker` package), the Python version and
  numpy's version;
- for a traced IR (a spec named by reference, whose class is defined at the top level of its
  module): the class's name and the source of every file it was made from (the modules of the
  class and of its bases, and, transitively, the user modules those import or reach through
  their globals: helpers a spec imports, and the packages around them);
- for compiled code: the pickled instance itself (the IR and the parameters), the limits and
  the properties compiled.

An entry is a pickle written to a temporary file in the cache directory and renamed into place,
so concurrent runs see a whole entry or none; an entry that cannot be read or written is simply
recomputed. Beyond MAX_ENTRIES, the least recently used entries are removed.
"""

from __future__ import annotations

import ast
import contextlib
import functools
import hashlib
import importlib.util
import os
import pickle
import sys
import tempfile
import types
from pathlib import Path
from typing import Any

_CHECKER = Path(__file__).resolve().parent
MAX_ENTRIES = 512  # the least recently used beyond these are removed


def cache_dir() -> Path | None:
    """The cache directory, or None when the cache is off (`PAXOSCOPE_NO_CACHE=1`)."""
    if os.environ.get("PAXOSCOPE_NO_CACHE", "") not in ("", "0"):
        return None
    explicit = os.environ.get("PAXOSCOPE_CACHE_DIR")
    if explicit:
        return Path(explicit)
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base) / "paxoscope"


@functools.cache
def code_version() -> str:
    """A hash of paxoscope's source, the Python version and numpy's version."""
    import numpy

    h = hashlib.sha256(f"{sys.version}\0{numpy.__version__}\0".encode())
    for path in sorted(_CHECKER.rglob("*.py")):
        h.update(str(path.relative_to(_CHECKER)).encode() + b"\0")
        h.update(path.read_bytes())
    return h.hexdigest()


def key(*parts: bytes | str) -> str:
    """The hash of paxoscope's version and the given parts."""
    h = hashlib.sha256(code_version().encode())
    for part in parts:
        data = part.encode() if isinstance(part, str) else part
        h.update(len(data).to_bytes(8, "little"))
        h.update(data)
    return h.hexdigest()


def _library_roots() -> tuple[str, ...]:
    """Python's own directories: the standard library and the installed packages."""
    roots = {sys.prefix, sys.base_prefix, sys.exec_prefix, sys.base_exec_prefix}
    return tuple(sorted(os.path.realpath(r) + os.sep for r in roots))


def _user_file(module: types.ModuleType | None, libraries: tuple[str, ...]) -> str | None:
    """The source file of a module that is neither paxoscope nor a library: spec code."""
    name = getattr(module, "__file__", None)
    if not isinstance(name, str) or not name.endswith(".py"):
        return None
    path = os.path.realpath(name)
    if path.startswith(libraries) or path.startswith(str(_CHECKER) + os.sep):
        return None
    return path


def _imported(module: types.ModuleType, source: bytes) -> list[types.ModuleType | None]:
    """The modules `module` names in its import statements (and, for `from m import x`, the
    submodule m.x when there is one), and its parent packages."""
    names = _import_names(module.__name__, module.__package__ or "", source)
    return [sys.modules.get(name) for name in names]


@functools.lru_cache(maxsize=1024)
def _import_names(name: str, package: str, source: bytes) -> tuple[str, ...]:
    """`_imported`'s module names, parsed once per source (a process checks many specs)."""
    names: list[str] = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            names += [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                try:
                    base = importlib.util.resolve_name("." * node.level + base, package)
                except ImportError:
                    continue
            names.append(base)
            names += [f"{base}.{alias.name}" for alias in node.names]
    parts = name.split(".")
    names += [".".join(parts[:k]) for k in range(1, len(parts))]
    return tuple(names)


def spec_sources(cls: type) -> dict[str, bytes]:
    """The files a spec class is made from, with their contents: its modules and its bases',
    and the user modules those import or reach through their globals, transitively."""
    libraries = _library_roots()
    pending = [sys.modules.get(c.__module__) for c in cls.__mro__]
    seen: dict[str, bytes] = {}
    while pending:
        module = pending.pop()
        path = _user_file(module, libraries)
        if path is None or path in seen:
            continue
        assert module is not None
        seen[path] = source = Path(path).read_bytes()
        pending += _imported(module, source)
        for value in list(vars(module).values()):
            if isinstance(value, types.ModuleType):
                pending.append(value)
            elif isinstance(value, type | types.FunctionType):
                pending.append(sys.modules.get(getattr(value, "__module__", "") or ""))
    return dict(sorted(seen.items()))


@functools.cache
def process_started() -> float | None:
    """When this process started (seconds since the epoch, rounded down), where the system
    says (Linux); else None."""
    try:
        with open("/proc/self/stat") as f:
            ticks = int(f.read().rsplit(")", 1)[1].split()[19])
        with open("/proc/stat") as f:
            boot = next(int(line.split()[1]) for line in f if line.startswith("btime "))
        return boot + ticks / os.sysconf("SC_CLK_TCK")
    except (OSError, ValueError, IndexError, StopIteration):
        return None


def spec_key(cls: type) -> str | None:
    """The key of a spec class's traced IR; None when one of its files cannot be read, or
    changed while this process ran (the class in memory may then be an older version than
    the file: its IR must not be filed under the new source), or when that cannot be known."""
    started = process_started()
    if started is None:
        return None
    for c in cls.__mro__:
        module = sys.modules.get(c.__module__)
        if module is not None and module.__name__ in ("builtins", "typing", "abc"):
            continue
        if "<locals>" in c.__qualname__ or getattr(module, c.__qualname__, None) is not c:
            return None  # made at run time: its source does not say what it is
    parts: list[bytes | str] = [f"{cls.__module__}:{cls.__qualname__}"]
    try:
        for path, source in spec_sources(cls).items():
            if os.stat(path).st_mtime >= started:
                return None
            parts += [path, source]
    except (OSError, SyntaxError, ValueError):
        return None
    return key("ir", *parts)


def load(kind: str, entry: str) -> Any | None:
    """The cached value of `kind` under the key `entry`, or None."""
    directory = cache_dir()
    if directory is None:
        return None
    path = directory / f"{kind}-{entry}.pickle"
    try:
        with open(path, "rb") as f:
            value = pickle.load(f)
    except Exception:  # missing, truncated by a full disk, from an incompatible version
        return None
    with contextlib.suppress(OSError):
        os.utime(path)  # recently used: pruned last
    return value


def store(kind: str, entry: str, value: Any) -> bool:
    """Cache `value`: written aside, then renamed into place (atomic). False when it could
    not be written."""
    directory = cache_dir()
    if directory is None:
        return False
    try:
        directory.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=f".{kind}-", dir=directory)
        try:
            with os.fdopen(fd, "wb") as f:
                pickle.dump(value, f, protocol=pickle.HIGHEST_PROTOCOL)
            os.replace(tmp, directory / f"{kind}-{entry}.pickle")
        except BaseException:
            os.unlink(tmp)
            raise
    except (OSError, pickle.PicklingError, RecursionError):
        return False
    _prune(directory)
    return True


def _prune(directory: Path) -> None:
    """Remove the least recently used entries beyond MAX_ENTRIES (each source change of
    paxoscope or a spec makes new ones)."""
    try:
        entries = [(p.stat().st_mtime_ns, p) for p in directory.glob("*.pickle")]
    except OSError:
        return
    entries.sort()
    for _, path in entries[: max(0, len(entries) - MAX_ENTRIES)]:
        with contextlib.suppress(OSError):
            path.unlink()
