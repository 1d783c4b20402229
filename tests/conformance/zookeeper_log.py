"""The log mapping for spec/zookeeper.py and the event log of impl/coord's service (the events
are listed in `impl.coord.service`; `paxoscope.eventLog=true`).

One node's log at a time: every replica applies every write, so one node's log holds the whole
sequence of transitions, and the watches it shows are the ones set on that server (a watch
lives on the server its client is connected to). The logs of several nodes, merged by time,
would interleave one server's watches with another's applies, so they are refused.

The spec's directory is the parent of the log's sequential children (a subclass may name it:
`directory = "/lock"`); it must be new when the log starts (its child version 0). Its children
are the spec's names, each child given the lowest name free when it is created (a name is
free again once its child is deleted: the spec's names are places, a new child is a new
sequential number), so `names` is the most children that exist at once; sessions are `s1`,
`s2`, ... in the order they first touch the directory (a child, an ephemeral, a watch), and
the spec's sessions are all of those (every spec session is alive from the start: opening
one is no step). Each write of the directory is one spec step, its session and name given:

- `create` is `create` (persistent) or `create_ephemeral`, `set` is `set_data`, `delete` is
  `delete` (a server's own deletion, of a container, is by any session), `close` (a client's
  close or the leader's expiry) is `expire`;
- `watch` (a data watch on an existing child) is `watch`, unless it sets again, on a new
  connection, a watch the spec still has (the old connection's, dropped with it: `unwatch`);
  a watch on a missing node, a child watch, or one of a closed session is no step;
- writes outside the directory, `session`, and the replica's own events are no step; a write
  logged again (its zxid is not past the last one: the process restarted and replayed its
  log) is skipped.

After each of them the mapping observes the directory as the log shows it: which names exist,
their owners, data versions and sequence numbers (from the paths), the directory's stored
child version, and, for every watch set on this server, how many events it fired since it was
set — so a write the spec forbids, a lost or extra deletion, a wrong version or number, and a
watch that fires twice or not at all are caught at the event that shows it.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from checker.conformance.validate import Observation, SpecStep
from impl.coord.watching import EVENTS

APPLIED = frozenset({"session", "close", "create", "set", "delete"})


def _parent(path: str) -> str:
    return path[: path.rfind("/")] or "/"


@dataclass
class _Child:
    path: str
    owner: int  # session id; 0: persistent
    version: int
    seq: int | None  # None: not a sequential child


class _Reading:
    """The log read so far: the directory as its events show it, and the spec steps they
    stand for. `names`: the instance's (None while sizing it: then nothing is observed)."""

    def __init__(self, directory: str, names: int | None = None) -> None:
        self.directory = directory
        self.names = names
        self.labels: dict[int, str] = {}  # session id -> s1, s2, ...
        self.closed: set[int] = set()
        self.children: dict[str, _Child] = {}  # name -> the child that has it
        self.paths: dict[str, str] = {}  # path -> name
        self.cversion = 0
        self.fired: dict[tuple[str, str], int] = {}  # watches set on this server: events
        self.orphaned: set[tuple[str, str]] = set()  # dropped with their connection
        self.spec_watching: set[tuple[str, str]] = set()  # the spec's, by the steps given
        self.zxid = 0
        self.in_write = False  # the last event was a write's, of zxid `self.zxid`
        # the instance's size
        self.most_names = self.creates = self.max_version = self.max_counter = 0

    def label(self, session: int) -> str:
        if session not in self.labels:
            self.labels[session] = f"s{len(self.labels) + 1}"
        return self.labels[session]

    def read(self, event: Mapping[str, Any]) -> tuple[list[SpecStep], Observation]:
        kind = event["event"]
        if kind not in EVENTS:
            return [], {}  # the replica's
        if kind in APPLIED:
            zxid = event["zxid"]
            if zxid < self.zxid or (zxid == self.zxid and not self.in_write):
                self.in_write = False
                return [], {}  # replayed after a restart: logged already
            self.zxid, self.in_write = zxid, True
        else:
            self.in_write = False
        steps = getattr(self, "_" + kind)(event)
        if steps is None:
            return [], {}
        return steps, self.observation()

    # --- the events --------------------------------------------------------------------------

    def _start(self, event: Mapping[str, Any]) -> None:
        """A new process: its watches are gone (clients set them again on reconnect)."""
        self.orphaned |= set(self.fired)
        self.fired.clear()

    def _restored(self, event: Mapping[str, Any]) -> None:
        raise ValueError(
            f"a snapshot from the leader replaced this server's tree (after zxid {self.zxid}): "
            "the writes it brought are not in this log, which is a behaviour only up to here; "
            "validate another node's log"
        )

    def _session(self, event: Mapping[str, Any]) -> None:
        return None  # every spec session is alive from the start

    def _create(self, event: Mapping[str, Any]) -> list[SpecStep] | None:
        path = event["path"]
        if _parent(path) != self.directory:
            return None
        free = (f"n{i}" for i in range(1, len(self.children) + 2))
        name = next(n for n in free if n not in self.children)
        seq = int(path[-10:]) if event.get("sequential") else None
        self.children[name] = _Child(path, event["owner"], event["version"], seq)
        self.paths[path] = name
        self.cversion = event["cversion"]
        self.most_names = max(self.most_names, int(name[1:]))
        self.creates += 1
        self.max_counter = max(self.max_counter, self.cversion, (seq or 0) + 1)
        self.max_version = max(self.max_version, event["version"])
        s = self.label(event["session"])
        if event["owner"]:
            self.label(event["owner"])
        action = "create_ephemeral" if event["owner"] else "create"
        return [(action, {"s": s, "n": name})]

    def _set(self, event: Mapping[str, Any]) -> list[SpecStep] | None:
        name = self.paths.get(event["path"])
        if name is None:
            return None
        self.children[name].version = event["version"]
        self.max_version = max(self.max_version, event["version"])
        self._fire(name, event["fired"])
        return [("set_data", {"s": self.label(event["session"]), "n": name})]

    def _delete(self, event: Mapping[str, Any]) -> list[SpecStep] | None:
        path = event["path"]
        if path == self.directory:
            raise ValueError(f"the directory {path} is deleted (zxid {event['zxid']})")
        name = self.paths.get(path)
        if name is None:
            return None
        self._fire(name, event["fired"])
        del self.children[name], self.paths[path]
        self.cversion = event["cversion"]
        self.max_counter = max(self.max_counter, self.cversion)
        s = self.label(event["session"]) if event["session"] else None  # a container's
        return [("delete", {"s": s, "n": name})]

    def _close(self, event: Mapping[str, Any]) -> list[SpecStep] | None:
        session = event["session"]
        self.closed.add(session)
        if session not in self.labels:
            return None  # it never touched the directory
        s = self.labels[session]
        owned = {n for n, child in self.children.items() if child.owner == session}
        self.spec_watching = {(t, n) for t, n in self.spec_watching if t != s and n not in owned}
        self.orphaned = {(t, n) for t, n in self.orphaned if t != s}
        for watcher, path in event["fired"]:
            if path in self.paths:
                self._fire(self.paths[path], [watcher])
        for path in event["deleted"]:
            name = self.paths.pop(path, None)
            if name is not None:
                del self.children[name]
        return [("expire", {"s": s})]

    def _watch(self, event: Mapping[str, Any]) -> list[SpecStep] | None:
        name = self.paths.get(event["path"])
        session = event["session"]
        if event["kind"] != "data" or name is None or session in self.closed:
            return None
        key = (self.label(session), name)
        self.fired[key] = 0
        if key in self.orphaned and key in self.spec_watching:
            self.orphaned.discard(key)
            return []  # the spec's watch, never fired, set again on this server
        self.orphaned.discard(key)
        self.spec_watching.add(key)
        return [("watch", {"s": key[0], "n": name})]

    def _unwatch(self, event: Mapping[str, Any]) -> list[SpecStep] | None:
        session = event["session"]
        if event["kind"] != "data" or session in self.closed or session not in self.labels:
            return None
        for path in event["paths"]:
            key = (self.labels[session], self.paths.get(path, ""))
            if key in self.fired:
                del self.fired[key]
                self.orphaned.add(key)
        return []

    def _fire(self, name: str, sessions: Sequence[int]) -> None:
        """The data watches a write of `name` fired (the spec's, if it fires any, are all)."""
        self.spec_watching = {(t, n) for t, n in self.spec_watching if n != name}
        for session in sessions:
            key = (self.label(session), name)
            if key not in self.orphaned:
                self.fired[key] = self.fired.get(key, 0) + 1

    # --- what is observed --------------------------------------------------------------------

    def observation(self) -> Observation:
        if self.names is None:
            return {}
        exists: dict[Any, Any] = {}
        owner: dict[Any, Any] = {}
        version: dict[Any, Any] = {}
        seq: dict[Any, Any] = {}
        for name in (f"n{i}" for i in range(1, self.names + 1)):
            child = self.children.get(name)
            exists[name] = child is not None
            owner[name] = self.labels[child.owner] if child and child.owner else "none"
            version[name] = child.version if child else 0
            if child is None or child.seq is not None:
                seq[name] = child.seq if child else 0
        return {
            "exists_": exists,
            "owner": owner,
            "data_version": version,
            "seq": seq,
            "cversion": {(): self.cversion},
            "fired": {key: min(count, 2) for key, count in self.fired.items()},
        }


class ZooKeeperLog:
    directory: str | None = None  # None: the parent of the log's sequential children

    def __init__(self, records: Sequence[Mapping[str, Any]]) -> None:
        ours = [r for r in records if r["event"] in EVENTS]
        nodes = sorted({r.get("node") for r in ours}, key=str)
        if len(nodes) > 1:
            raise ValueError(
                f"these are the logs of nodes {', '.join(map(str, nodes))}: validate one "
                "node's log at a time (each applies every write; watches are per server)"
            )
        directory = self.directory or _directory(ours)
        sizing = _Reading(directory)
        for record in ours:
            sizing.read(record)
        self.sizes = {
            "sessions": max(len(sizing.labels), 1),
            "names": max(sizing.most_names, 1),
            "max_version": max(sizing.max_version, 1),
            "max_cversion": max(sizing.creates, sizing.max_counter, 1),
        }
        self._reading = _Reading(directory, self.sizes["names"])
        self._observed: Observation = {}

    def params(self) -> dict[str, int]:
        return dict(self.sizes)

    def steps(self, event: Mapping[str, Any]) -> Sequence[SpecStep]:
        steps, self._observed = self._reading.read(event)
        return steps

    def observed(self, event: Mapping[str, Any]) -> Observation:
        return self._observed


def _directory(records: Sequence[Mapping[str, Any]]) -> str:
    parents = sorted(
        {_parent(r["path"]) for r in records if r["event"] == "create" and r.get("sequential")}
    )
    if len(parents) != 1:
        found = ", ".join(parents) if parents else "none"
        raise ValueError(
            f"the spec's directory is the parent of the log's sequential children (found: "
            f"{found}); name it in a subclass of ZooKeeperLog (directory = ...)"
        )
    return parents[0]
