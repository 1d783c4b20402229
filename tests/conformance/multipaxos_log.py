"""The log mapping for spec/multipaxos.py and the event log of impl/'s Multi-Paxos replica.

Events (impl/paxos/replica.py, `ReplicaOptions.events`): `campaign` (a replica starts ballot
b), `promise`, `propose`, `vote`, `learn` — one spec step each. Ballots (round, node) are
ranked into the spec's 0..max_ballot, slots 1.. become 0.., and each distinct slot value (a
batch of commands, or "noop") becomes a spec value v1, v2, ... in order of appearance. The
ZooKeeper service's own events (see zookeeper_log.py) are no step here.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from checker.conformance.validate import Observation, SpecStep
from impl.coord.watching import EVENTS as COORDINATION_EVENTS


class MultiPaxosLog:
    def __init__(self, records: Sequence[Mapping[str, Any]]) -> None:
        ballots = {tuple(r["ballot"]) for r in records if r.get("ballot") is not None}
        self.rank = {b: i for i, b in enumerate(sorted(ballots))}
        self.values: dict[str, str] = {}
        for r in records:
            if "value" in r and r["value"] not in self.values:
                self.values[r["value"]] = f"v{len(self.values) + 1}"
        self.slots = max((r["slot"] for r in records if "slot" in r), default=1)
        self.acceptors = max(
            (max(r.get("node", 0), r.get("acceptor", 0)) for r in records), default=1
        )

    def params(self) -> dict[str, int]:
        return {
            "acceptors": max(self.acceptors, 3),
            "values": max(len(self.values), 1),
            "max_ballot": max(len(self.rank) - 1, 0),
            "slots": self.slots,
        }

    def _ballot(self, event: Mapping[str, Any]) -> int | None:
        ballot = event.get("ballot")
        return None if ballot is None else self.rank[tuple(ballot)]

    def steps(self, event: Mapping[str, Any]) -> Sequence[SpecStep]:
        b = self._ballot(event)
        kind = event["event"]
        if kind in COORDINATION_EVENTS:  # the ZooKeeper service's (zookeeper_log.py's)
            return []
        if kind == "campaign":
            return [("phase1a", {"b": b})]
        if kind == "promise":
            return [("phase1b", {"a": f"a{event['acceptor']}", "b": b})]
        slot, value = event["slot"] - 1, self.values[event["value"]]
        if kind == "propose":
            return [("phase2a", {"b": b, "s": slot, "v": value})]
        if kind == "vote":
            return [("phase2b", {"a": f"a{event['acceptor']}", "b": b, "s": slot, "v": value})]
        if kind == "learn":  # decided as leader of b, or told (then any ballot and quorum)
            return [("commit", {"s": slot, "b": b, "v": value, "q": None})]
        raise ValueError(f"unknown event {kind!r}")

    def observed(self, event: Mapping[str, Any]) -> Observation:
        b = self._ballot(event)
        kind = event["event"]
        if kind == "promise":
            return {"max_bal": {f"a{event['acceptor']}": b}}
        if kind == "vote":
            a, s, v = f"a{event['acceptor']}", event["slot"] - 1, self.values[event["value"]]
            return {"max_bal": {a: b}, "max_vbal": {(a, s): b}, "max_val": {(a, s): v}}
        if kind == "learn":
            return {"committed": {(event["slot"] - 1, self.values[event["value"]]): True}}
        return {}
