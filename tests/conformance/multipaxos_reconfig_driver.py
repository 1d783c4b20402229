"""The conformance driver for spec/multipaxos_reconfig.py and impl/'s replica with α = 1.

As `MultiPaxosDriver` (same mapping of acceptors, ballots, slots and values), except that every
value is a membership change, as every command of the spec installs a configuration: "v2"
installs {a1} alone and every other value all the acceptors (the spec's `commands` axiom), so
the replica (config_delay = 1) takes slot s + 1's configuration from the command decided in
slot s. Quorums are majorities of the slot's configuration: the driver makes a leader with one
that shows the value safe, and a leader must decide a slot with a majority of its
configuration's votes, not before.
"""

from __future__ import annotations

import itertools
from collections.abc import Mapping
from typing import Any

from checker.conformance import NotEnabled, UnexpectedOutput
from impl.paxos.faults import Fault
from impl.paxos.membership import ConfigChange, Member
from impl.paxos.replica import Replica, ReplicaOptions
from impl.paxos.types import Command
from impl.sm import kv
from impl.sm.kv import KeyValueStore

try:
    from tests.conformance.multipaxos_driver import MultiPaxosDriver
except ModuleNotFoundError:  # loaded as a file by `paxoscope conform`: its folder is importable
    from multipaxos_driver import MultiPaxosDriver  # type: ignore[no-redef]


class MultiPaxosReconfigDriver(MultiPaxosDriver):
    def __init__(self, params: Mapping[str, int], options: Mapping[str, str] | None = None) -> None:
        super().__init__(params, options)
        faults = frozenset(Fault(f) for f in self.options.get("faults", "").split(",") if f)
        replica_options = ReplicaOptions(
            snapshot_every=0, max_batch=1, config_delay=1, faults=faults
        )
        self.replicas = {
            i: Replica(i, self.ids, KeyValueStore(), None, replica_options, seed=i)
            for i in self.ids
        }
        self.values = [f"v{k}" for k in range(1, params["values"] + 1)]

    # --- the spec's configurations ---------------------------------------------------------

    def _installs(self, v: str) -> tuple[int, ...]:
        """The configuration command v installs (the spec's `commands` axiom)."""
        return (1,) if v == "v2" else tuple(self.ids)

    def _config_of(self, s: int) -> tuple[int, ...] | None:
        """Slot s's configuration: everyone for the first, else what the command committed
        in slot s - 1 installs (None: nothing committed there yet)."""
        if s == 0:
            return tuple(self.ids)
        committed = {
            value for r in self.replicas.values() for slot, value in r.chosen.items() if slot == s
        }
        if not committed:
            return None
        return self._installs(self._label(next(iter(committed))))

    @staticmethod
    def _command(v: str, s: int) -> Command:
        members = tuple(Member(i) for i in ((1,) if v == "v2" else (1, 2, 3)))
        op = kv.encode("put", "k", v.encode())
        return Command(int(v[1:]), s + 1, 0, op, ConfigChange(-1, members))

    # --- what differs from Multi-Paxos -----------------------------------------------------

    def _safe_quorum(self, b: int, s: int, v: str) -> tuple[int, ...] | None:
        """A majority of slot s's configuration that promised b and whose reported votes in
        slot s allow v."""
        config = self._config_of(s)
        if config is None:
            return None
        promised = sorted(a for (a, ballot) in self.reports if ballot == b and a in config)
        for quorum in itertools.combinations(promised, len(config) // 2 + 1):
            votes = [self.reports[(a, b)][s] for a in quorum if s in self.reports[(a, b)]]
            if not votes or max(votes)[1] == v:
                return quorum
        return None

    def commit(self, s: int, b: int, v: str) -> None:  # type: ignore[override]
        """The leader gets the votes of slot s's configuration one at a time (those who voted
        v in b), and must decide with a majority of them, not before."""
        replica = self._vote_counter(b, s)
        if replica is None:
            return  # decided already: committing again changes nothing
        config = self._config_of(s)
        if config is None:
            raise NotEnabled(f"slot {s}'s configuration is not known yet")
        majority = len(config) // 2 + 1
        voters = sorted(
            a for (a, ballot, slot, value) in self.accepted if (ballot, slot, value) == (b, s, v)
        )
        for count, member in enumerate((m for m in voters if m in config), start=1):
            self._deliver_vote(member, b, s)
            if s + 1 in replica.chosen:
                if count < majority:
                    raise UnexpectedOutput(
                        f"the leader of ballot {b} decided slot {s} after {count} vote(s) of "
                        f"its configuration {config}; a majority is {majority}"
                    )
                return
        raise NotEnabled(f"the leader of ballot {b} did not decide slot {s}")

    def abstract(self) -> dict[str, Any]:
        state = super().abstract()
        subset = "{" + ",".join(f"a{i}" for i in self.ids) + "}"
        state["installs"] = {v: "{a1}" if v == "v2" else subset for v in self.values}
        state["config"] = {
            (s, "{" + ",".join(f"a{i}" for i in config) + "}")
            for s in range(self.params["slots"])
            if (config := self._config_of(s)) is not None
        }
        return state
