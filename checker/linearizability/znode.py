"""ZooKeeper's data tree, as far as a client's history can check it.

Inputs (`version` -1 or absent: any version; `data` is a string or null, default ""):

    {"f": "create", "path": P, "data": D, "sequential": bool, "ephemeral": bool}
    {"f": "delete", "path": P, "version": N}
    {"f": "setData", "path": P, "data": D, "version": N}
    {"f": "getData", "path": P}
    {"f": "exists", "path": P}
    {"f": "getChildren", "path": P}

Results: `{"err": CODE}` for a failure (a number or a name: NONODE -101, NODEEXISTS -110,
BADVERSION -103, NOTEMPTY -111, NOCHILDRENFOREPHEMERALS -108), otherwise an object with what the
client saw, every field optional (a field left out is not checked):

    create       {"path": the created path}
    delete       {}
    setData      {STAT}
    getData      {"data": D, STAT}
    exists       {"exists": bool, STAT}     (STAT only when it exists)
    getChildren  {"children": [names], STAT} (compared as sets)

where STAT is any of `"version"` (data version), `"cversion"` (child version) and
`"numChildren"`. Connection loss, timeouts and session expiry are not results: the outcome is
unknown, so record `"result": null`.

The model follows ZooKeeper's PrepRequestProcessor: a create fails with NONODE when the parent
is missing, NOCHILDRENFOREPHEMERALS under an ephemeral parent, then NODEEXISTS; a sequential
create appends the parent's cversion as ten digits (cversion counts the parent's child creates
and deletes); delete checks NONODE, then BADVERSION, then NOTEMPTY; setData bumps the version.
Ephemeral nodes are kept as ordinary nodes that cannot have children: a session's expiry is not
an operation of the history, so histories whose sessions expire are out of scope. `initial`
paths exist before the history (with empty data).

Partitioning. By path is unsound: `create /a/b` observes whether `/a` exists, `delete /a`
whether it has children (NOTEMPTY), `getChildren /a` every child, and a sequential create its
parent's cversion, which sibling creates and deletes change. By top-level subtree is sound when
no operation observes the root: every node an operation on `/t/...` reads (the node, its
parent, its children) lies in `/t`'s subtree, except that creating or deleting `/t` itself
writes the root's children and cversion — which only operations on `/` read. So the tree is a
product of independent subtrees and `partition` checks each on its own; if any operation
targets `/` or creates a sequential node directly under it, the history is checked whole.
"""

from __future__ import annotations

from collections.abc import Hashable, Mapping, Sequence
from typing import Any, NamedTuple

from checker.linearizability.history import MaybeUnknown, Operation
from checker.linearizability.model import DeterministicModel, FrozenMap, show

OK = 0
NONODE = -101
BADVERSION = -103
NOCHILDRENFOREPHEMERALS = -108
NODEEXISTS = -110
NOTEMPTY = -111

ERROR_NAMES = {
    NONODE: "NONODE",
    BADVERSION: "BADVERSION",
    NOCHILDRENFOREPHEMERALS: "NOCHILDRENFOREPHEMERALS",
    NODEEXISTS: "NODEEXISTS",
    NOTEMPTY: "NOTEMPTY",
}
_ERROR_CODES = {name: code for code, name in ERROR_NAMES.items()}
_UNKNOWN_OUTCOMES = {
    -4: "CONNECTIONLOSS",
    -7: "OPERATIONTIMEOUT",
    -112: "SESSIONEXPIRED",
    -118: "SESSIONMOVED",
}

_STAT = ("version", "cversion", "numChildren")
_INPUT_FIELDS: dict[str, tuple[str, ...]] = {
    "create": ("path", "data", "sequential", "ephemeral"),
    "delete": ("path", "version"),
    "setData": ("path", "data", "version"),
    "getData": ("path",),
    "exists": ("path",),
    "getChildren": ("path",),
}
_RESULT_FIELDS: dict[str, tuple[str, ...]] = {
    "create": ("path",),
    "delete": (),
    "setData": _STAT,
    "getData": ("data", *_STAT),
    "exists": ("exists", *_STAT),
    "getChildren": ("children", *_STAT),
}
_READS = frozenset({"getData", "exists", "getChildren"})


class Znode(NamedTuple):
    data: Hashable
    version: int
    cversion: int
    children: frozenset[str]
    ephemeral: bool


class ZInput(NamedTuple):
    f: str
    path: str
    data: Hashable
    version: int  # -1: any
    sequential: bool
    ephemeral: bool


class ZOutput(NamedTuple):
    """What an operation returned; None: not returned (by the model) or not recorded."""

    err: int
    path: str | None = None
    data: Hashable = None
    version: int | None = None
    cversion: int | None = None
    num_children: int | None = None
    exists: bool | None = None
    children: tuple[str, ...] | None = None


ZState = FrozenMap[str, Znode]

_ROOT = Znode(data="", version=0, cversion=0, children=frozenset(), ephemeral=False)


def parent_of(path: str) -> str:
    head = path.rsplit("/", 1)[0]
    return head or "/"


def _name(path: str) -> str:
    return path.rsplit("/", 1)[1]


def _top(path: str) -> str:
    return "/" + path.split("/", 2)[1]


class ZnodeModel(DeterministicModel[ZState, ZInput, ZOutput]):
    """The ZooKeeper data tree (see the module docstring)."""

    name = "znode"

    def __init__(self, initial: Sequence[str] = ()) -> None:
        state: ZState = FrozenMap({"/": _ROOT})
        for path in sorted(initial, key=lambda p: p.count("/")):
            problem = _bad_path(path)
            if problem is not None or path == "/":
                raise ValueError(f"initial znode {path!r}: {problem or 'the root always exists'}")
            parent = state.get(parent_of(path))
            if parent is None:
                raise ValueError(f"initial znode {path!r}: its parent is not an initial znode")
            state = state.set(
                parent_of(path), parent._replace(children=parent.children | {_name(path)})
            ).set(path, Znode("", 0, 0, frozenset(), False))
        self._init = state

    def init(self) -> ZState:
        return self._init

    def apply(self, state: ZState, input: ZInput) -> tuple[ZOutput, ZState]:
        f, path = input.f, input.path
        if f == "create":
            parent_path = parent_of(path)
            parent = state.get(parent_path)
            if parent is None:
                return ZOutput(NONODE), state
            if parent.ephemeral:
                return ZOutput(NOCHILDRENFOREPHEMERALS), state
            if input.sequential:
                path = f"{path}{parent.cversion:010d}"
            if path in state:
                return ZOutput(NODEEXISTS), state
            node = Znode(input.data, 0, 0, frozenset(), input.ephemeral)
            parent = parent._replace(
                cversion=parent.cversion + 1, children=parent.children | {_name(path)}
            )
            return ZOutput(OK, path=path), state.set(parent_path, parent).set(path, node)
        node = state.get(path)
        if f == "exists":
            if node is None:
                return ZOutput(OK, exists=False), state
            return _stat(node, exists=True), state
        if node is None:
            return ZOutput(NONODE), state
        if f == "getData":
            return _stat(node, data=node.data), state
        if f == "getChildren":
            return _stat(node, children=tuple(sorted(node.children))), state
        if input.version != -1 and input.version != node.version:
            return ZOutput(BADVERSION), state
        if f == "setData":
            node = node._replace(data=input.data, version=node.version + 1)
            return _stat(node), state.set(path, node)
        # delete
        if node.children:
            return ZOutput(NOTEMPTY), state
        parent_path = parent_of(path)
        parent = state[parent_path]
        parent = parent._replace(
            cversion=parent.cversion + 1, children=parent.children - {_name(path)}
        )
        return ZOutput(OK), state.remove(path).set(parent_path, parent)

    def matches(self, expected: ZOutput, observed: ZOutput) -> bool:
        return all(o is None or o == e for e, o in zip(expected, observed, strict=True))

    def prepare(self, op: Operation) -> tuple[ZInput, ZOutput | MaybeUnknown]:
        inp = op.input
        if not isinstance(inp, Mapping):
            raise ValueError("a znode operation is an object with `f` and `path`")
        f = inp.get("f")
        if f not in _INPUT_FIELDS:
            raise ValueError(
                f"the znode model has no operation {show(f)}; `f` is one of "
                + ", ".join(repr(k) for k in _INPUT_FIELDS)
            )
        allowed = _INPUT_FIELDS[f]
        extra = sorted(set(inp) - {"f", *allowed})
        if extra:
            raise ValueError(
                f"znode `{f}` takes {', '.join(f'`{k}`' for k in allowed)}; "
                f"unexpected {', '.join(f'`{k}`' for k in extra)}"
            )
        path = inp.get("path")
        if not isinstance(path, str):
            raise ValueError(f"znode `{f}` needs a `path` string")
        sequential = _flag(inp, "sequential")
        ephemeral = _flag(inp, "ephemeral")
        problem = _bad_path(path[:-1] if sequential and path.endswith("/") else path)
        if problem is not None:
            raise ValueError(f"znode path {show(path)}: {problem}")
        if path == "/" and f in ("create", "delete"):
            raise ValueError(f"znode `{f}` of the root is not modeled (the root always exists)")
        data = inp.get("data", "")
        if data is not None and not isinstance(data, str):
            raise ValueError(f"znode data is a string or null, not {show(data)}")
        version = inp.get("version", -1)
        if not isinstance(version, int) or isinstance(version, bool) or version < -1:
            raise ValueError(f"a znode version is an integer >= -1 (-1: any), not {show(version)}")
        prepared = ZInput(f, path, _data(data), version, sequential, ephemeral)
        if op.pending:
            return prepared, op.output
        return prepared, self._output(f, op.output)

    def _output(self, f: str, result: Any) -> ZOutput:
        if not isinstance(result, Mapping):
            raise ValueError("a znode result is an object")
        if "err" in result:
            code = _error_code(result["err"])
            if len(result) > 1:
                raise ValueError(f"a failed znode `{f}` has only `err` in its result")
            return ZOutput(code)
        allowed = _RESULT_FIELDS[f]
        extra = sorted(set(result) - set(allowed))
        if extra:
            raise ValueError(
                f"the result of znode `{f}` has "
                + (", ".join(f"`{k}`" for k in allowed) if allowed else "no fields")
                + f" (or `err`); unexpected {', '.join(f'`{k}`' for k in extra)}"
            )
        for k in _STAT:
            v = result.get(k)
            if v is not None and (not isinstance(v, int) or isinstance(v, bool)):
                raise ValueError(f"`{k}` in a znode result is an integer, not {show(v)}")
        exists = result.get("exists")
        if f == "exists":
            if not isinstance(exists, bool):
                raise ValueError('the result of znode `exists` needs `"exists": true or false`')
            if not exists and any(k in result for k in _STAT):
                raise ValueError("a znode that does not exist has no stat")
        created = result.get("path")
        if created is not None and not isinstance(created, str):
            raise ValueError("`path` in a znode result is a string")
        children = result.get("children")
        if children is not None and (
            not isinstance(children, list) or not all(isinstance(c, str) for c in children)
        ):
            raise ValueError("`children` in a znode result is a list of names")
        data = result.get("data")
        if data is not None and not isinstance(data, str):
            raise ValueError(f"znode data is a string or null, not {show(data)}")
        return ZOutput(
            OK,
            path=created,
            data=_data(data) if "data" in result else None,
            version=result.get("version"),
            cversion=result.get("cversion"),
            num_children=result.get("numChildren"),
            exists=exists,
            children=tuple(sorted(children)) if children is not None else None,
        )

    def partition(self, history: Sequence[Operation]) -> dict[str, list[Operation]]:
        if not history:
            return {}
        parts: dict[str, list[Operation]] = {}
        for op in history:
            path = op.input["path"]
            if path == "/" or (op.input.get("sequential") and parent_of(path) == "/"):
                return {"whole tree": list(history)}
            parts.setdefault(f"subtree {_top(path)}", []).append(op)
        return parts

    def read_only(self, input: ZInput) -> bool:
        return input.f in _READS

    def describe_output(self, output: ZOutput) -> str:
        return _describe_output(output)

    def describe_operation(self, op: Operation) -> str:
        inp = op.input
        f = inp["f"]
        args = [inp["path"]]
        if f in ("create", "setData"):
            args.append(show(inp.get("data", "")))
        if inp.get("sequential"):
            args.append("seq")
        if inp.get("ephemeral"):
            args.append("eph")
        if f in ("delete", "setData") and inp.get("version", -1) != -1:
            args.append(f"v={inp['version']}")
        call = f"{f}({', '.join(args)})"
        if op.pending:
            return f"{call} -> ?"
        return f"{call} -> {_describe_output(self._output(f, op.output))}"

    def describe_state(self, state: ZState) -> str:
        nodes = []
        for path in sorted(state):
            node = state[path]
            if path == "/" and node.version == 0:
                continue
            text = f"{path}={_show_data(node.data)} v{node.version}"
            if node.ephemeral:
                text += " eph"
            if node.cversion:
                text += f" c{node.cversion}"
            nodes.append(text)
        return "{" + ", ".join(nodes) + "}"


def _stat(node: Znode, **fields: Any) -> ZOutput:
    return ZOutput(
        OK,
        version=node.version,
        cversion=node.cversion,
        num_children=len(node.children),
        **fields,
    )


def _describe_output(out: ZOutput) -> str:
    if out.err != OK:
        return ERROR_NAMES.get(out.err, str(out.err))
    parts = []
    if out.path is not None:
        parts.append(out.path)
    if out.exists is not None and not out.exists:
        parts.append("none")
    if out.data is not None:
        parts.append(_show_data(out.data))
    if out.children is not None:
        parts.append("[" + ", ".join(out.children) + "]")
    if out.version is not None:
        parts.append(f"v{out.version}")
    if out.cversion is not None and out.children is not None:
        parts.append(f"c{out.cversion}")
    return " ".join(parts) if parts else "ok"


class _Null:
    """Null data (a ZooKeeper node may hold null rather than empty bytes); None in a `ZOutput`
    means "not recorded"."""

    def __repr__(self) -> str:
        return "null"


NULL_DATA = _Null()


def _data(value: str | None) -> Hashable:
    return NULL_DATA if value is None else value


def _show_data(value: Hashable) -> str:
    return "null" if value is NULL_DATA else show(value)


def _flag(inp: Mapping[str, Any], name: str) -> bool:
    value = inp.get(name, False)
    if not isinstance(value, bool):
        raise ValueError(f"`{name}` is true or false, not {show(value)}")
    return value


def _error_code(value: object) -> int:
    if isinstance(value, str) and value.upper() in _ERROR_CODES:
        return _ERROR_CODES[value.upper()]
    if isinstance(value, int) and not isinstance(value, bool):
        if value in ERROR_NAMES:
            return value
        if value in _UNKNOWN_OUTCOMES:
            raise ValueError(
                f"err {value} ({_UNKNOWN_OUTCOMES[value]}) leaves the outcome unknown: record "
                '"result": null instead'
            )
    known = ", ".join(f"{name} {code}" for code, name in ERROR_NAMES.items())
    raise ValueError(f"unknown ZooKeeper error {show(value)}; the model knows {known}")


def _bad_path(path: str) -> str | None:
    if not path.startswith("/"):
        return "a path starts with /"
    if path == "/":
        return None
    if path.endswith("/"):
        return "a path does not end with /"
    if "\x00" in path:
        return "a path has no NUL character"
    for part in path.split("/")[1:]:
        if part == "":
            return "a path has no empty component (//)"
        if part in (".", ".."):
            return "a path has no . or .. component"
    return None
