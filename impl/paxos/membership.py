"""Who takes part in which slot: configurations changed through the log itself.

Lamport's α-reconfiguration ("Reconfiguring a State Machine", 2010), as `spec/
multipaxos_reconfig.py` specifies it with α = 1: a command carrying a `ConfigChange`, decided
in slot s, makes its configuration govern every slot from s + α on. So the configuration of
slot s is known to whoever has applied slot s - α, a leader proposes in slot s only then (and
only with promises from a majority of that configuration), and a slot is decided by a
majority of its own configuration's participants. Observers take no part in any majority.

A configuration is versioned by the index of the command that made it (ZooKeeper's config
version is the zxid of the reconfig), 0 for the initial one; a change names the version it
replaces, so that two changes computed from the same configuration cannot both take effect.
`Member.address` is the service's business (a ZooKeeper server line); the core only needs the
ids and who observes.
"""

from __future__ import annotations

import bisect
from collections.abc import Collection, Iterable

import msgspec


class Member(msgspec.Struct, frozen=True, array_like=True):
    id: int
    observer: bool = False
    address: str = ""  # how to reach it, as the service writes it (the core does not read it)


class Config(msgspec.Struct, frozen=True, array_like=True):
    version: int  # the index of the command that made it; 0: the initial configuration
    members: tuple[Member, ...]

    @property
    def ids(self) -> frozenset[int]:
        return frozenset(member.id for member in self.members)

    @property
    def voters(self) -> frozenset[int]:
        return frozenset(member.id for member in self.members if not member.observer)

    def is_quorum(self, nodes: Collection[int]) -> bool:
        """Do `nodes` include a majority of this configuration's participants?"""
        return is_majority(nodes, self.voters)


def is_majority(nodes: Collection[int], voters: frozenset[int]) -> bool:
    """Do `nodes` include a majority of `voters` (each node counted once)?"""
    return 2 * len(voters.intersection(nodes)) > len(voters)


class ConfigChange(msgspec.Struct, frozen=True, array_like=True):
    """Carried by a command: once decided, `members` replaces configuration `expected` (or
    whichever is the latest, if `expected` is -1; if another came first, it has no effect)."""

    expected: int
    members: tuple[Member, ...]


def check_members(members: Iterable[Member]) -> tuple[Member, ...]:
    """Members sorted by id; a ValueError names what is wrong with them."""
    result = tuple(sorted(members, key=lambda member: member.id))
    ids = [member.id for member in result]
    if len(set(ids)) != len(ids):
        raise ValueError(f"a server id appears twice: {ids}")
    if any(node <= 0 for node in ids):
        raise ValueError(f"server ids are positive: {ids}")
    if not any(not member.observer for member in result):
        raise ValueError("every node is an observer: nobody can form a majority")
    return result


class _Schedule(msgspec.Struct, array_like=True):
    starts: list[int]
    configs: list[Config]


class Membership:
    """The configurations still of use, each with the first slot it governs. The replica
    calls `forget_before(s)` as it applies, s its next slot to apply: `current` is then the
    configuration of s, and `ids` (sorted) everyone in it or in a configuration decided after it."""

    def __init__(self, initial: Config, delay: int) -> None:
        if delay < 1:
            raise ValueError(f"a configuration takes effect at least one slot later: {delay}")
        self.delay = delay
        self._starts: list[int] = [1]
        self._configs: list[Config] = [initial]
        # Each configuration's participants, made once: the leader asks for them per vote.
        self.voter_sets: tuple[frozenset[int], ...] = (initial.voters,)
        """The participants of every configuration still of use (`configs`), in its order:
        the same object until they change."""
        self.ids = tuple(sorted(initial.ids))

    @property
    def current(self) -> Config:
        return self._configs[0]

    @property
    def configs(self) -> list[Config]:
        """Every configuration still of use, the current one first."""
        return list(self._configs)

    @property
    def latest(self) -> Config:
        """The last configuration decided (it may not govern any slot yet)."""
        return self._configs[-1]

    def at(self, slot: int) -> Config:
        """The configuration of `slot` (known only once slot - delay is applied)."""
        return self._configs[self._index(slot)]

    def voters_at(self, slot: int) -> frozenset[int]:
        """The participants of `slot`'s configuration."""
        return self.voter_sets[self._index(slot)]

    @property
    def current_voters(self) -> frozenset[int]:
        return self.voter_sets[0]

    def _index(self, slot: int) -> int:
        return max(0, bisect.bisect_right(self._starts, slot) - 1)

    def reach(self, first: int) -> list[Config]:
        """The configurations of the slots first .. first + delay - 1: those known to whoever
        has applied every slot before `first`."""
        return self.between(first, first + self.delay - 1)

    def between(self, first: int, last: int) -> list[Config]:
        """Every configuration governing a slot in first..last."""
        low = self._index(first)
        high = max(low + 1, bisect.bisect_right(self._starts, last))
        return self._configs[low:high]

    def adopt(self, slot: int, change: ConfigChange, version: int) -> Config | None:
        """A change decided in `slot` (the command's index is `version`): the new
        configuration, governing from slot + delay on; None if it replaced nothing (it named
        a configuration that is no longer the latest)."""
        if change.expected not in (-1, self.latest.version):
            return None
        config = Config(version, change.members)
        self._starts.append(slot + self.delay)
        self._configs.append(config)
        self.voter_sets = (*self.voter_sets, config.voters)
        self.ids = tuple(sorted(set(self.ids) | config.ids))
        return config

    def forget_before(self, slot: int) -> None:
        """Drop the configurations that govern no slot from `slot` on."""
        keep = self._index(slot)
        if keep:
            del self._starts[:keep], self._configs[:keep]
            self.voter_sets = self.voter_sets[keep:]
            self.ids = tuple(sorted(frozenset().union(*(c.ids for c in self._configs))))

    def encode(self) -> bytes:
        return msgspec.msgpack.encode(_Schedule(self._starts, self._configs))

    def restore(self, data: bytes) -> None:
        schedule = msgspec.msgpack.decode(data, type=_Schedule)
        self._starts, self._configs = schedule.starts, schedule.configs
        self.voter_sets = tuple(config.voters for config in self._configs)
        self.ids = tuple(sorted(frozenset().union(*(c.ids for c in self._configs))))
