"""Quorum leases (Moraru, Andersen, Kaminsky, "Paxos Quorum Leases", SoCC 2014), adapted to
Multi-Paxos slots: a replica answers reads from its own applied state, with no leader round
trip, while it holds leases from a majority of every configuration that may govern a slot soon
(`ReplicaOptions.lease_reads`; `spec/quorum_leases.py` is the protocol).

Every voter grants leases to every voter (itself included, implicitly). A **holder** asks the
others every heartbeat period (`LeaseRequest`, stamped with its lease clock); a **grantor**
answers (`LeaseGrant`, with the highest slot it has voted in) and, from then on, for the lease
duration D on its own clock, names the holder in every `Accepted` it sends. The leader decides a
slot only once a majority voted for it *and* every holder named by one of those voters voted for
it too, or acknowledged receiving it (a follower the leader asks only for a receipt, such as the
one that forwarded the write: `Accept.vote`; a receipt is no vote, and counts towards no
majority). So a write cannot be decided, let alone acknowledged, behind the back of a replica whose
lease a member of the deciding majority granted; a holder that stops answering delays writes
until the grants to it run out (at most about D).

A holder counts a grant from the moment it *asked*, and for D_h = floor(D (1 - ρ) / (1 + ρ)) - 1
ms of its own clock, ρ the bound on a clock's rate error (`lease_drift`): however the two clocks
drift within ρ, and with whole milliseconds, the holder's lease lapses before the grant does.
A holder reads locally only if, besides (1) a majority of grantors in every configuration,
(2) it has applied every slot its grantors had voted in when they granted (`need`: such a slot
may have been decided with their vote before the grant, without waiting for this holder), and
(3) it has voted in, or received, no slot beyond what it has applied (a write it voted for or
received may be decided, and acknowledged, before it learns so; without this rule two holders
could read new, then old).

A receipt, unlike a vote, is not durable: a replica that restarts has forgotten what it received.
So grants go to an *incarnation* (each run of a replica draws its own: `LeaseRequest.incarnation`),
voters name their holders with it, and a receipt stands for a named holder only if it came from
that incarnation (a vote, durable, from any). Otherwise a receipt sent just before a restart
could let a write be decided past the new run's lease, and the new run read without it.

Leases are measured on a *lease clock* (milliseconds, monotonic), not in ticks: a server drops
the ticks its loop was too busy to run, so a stalled (or SIGSTOPped) replica would count no time
at all. The tables are volatile: a replica that (re)starts does not know whom it granted leases
before, so for D ms of its clock after it starts it reports every voter as a holder (the
*quarantine*).
"""

from __future__ import annotations

import math
from collections.abc import Collection, Mapping

from impl.paxos.membership import is_majority

Holder = tuple[int, int]  # whom a grant went to: (replica, the incarnation that asked)
_FOREVER = 2**63  # a lease clock reading later than any


def holder_duration(duration_ms: int, drift: float) -> int:
    """How long a holder counts a grant of `duration_ms` (on the grantor's clock): shorter by
    what clocks whose rates err by up to `drift` may disagree over that span, and by one ms for
    reading whole milliseconds."""
    return math.floor(duration_ms * (1 - drift) / (1 + drift)) - 1


class LeaseTable:
    """One replica's leases, as grantor (`grant`, `holders`) and as holder (`take`,
    `grantors`, `need`). Times are readings of its lease clock."""

    def __init__(
        self, duration_ms: int, drift: float, started_at: int, *, no_margin: bool = False
    ) -> None:
        """`started_at`: the clock when this replica (re)started; `no_margin`: count grants
        for the whole `duration_ms` (`Fault.LEASE_NO_DRIFT_MARGIN`)."""
        if not 0 <= drift < 1:
            raise ValueError(f"a clock's rate error is below 1: {drift}")
        self.duration = duration_ms
        self.holder_duration = duration_ms if no_margin else holder_duration(duration_ms, drift)
        if self.holder_duration < 1:
            raise ValueError(f"a lease of {duration_ms} ms is too short for a drift of {drift}")
        self.started_at = started_at
        self._quarantine_until = started_at + duration_ms
        # holder -> (when my grant to it ends, the incarnation that asked last)
        self._granted: dict[int, tuple[int, int]] = {}
        self._held: dict[int, int] = {}  # grantor -> when I stop counting its grant
        self.changes = 0  # counts the changes to `_held` (what `quorum_until` reads)
        self.need = 0  # every slot up to here must be applied before I read

    # --- grantor --------------------------------------------------------------------------

    def grant(self, holder: int, now: int, incarnation: int = 0) -> None:
        """Grant `holder`'s `incarnation` a lease from `now` (an earlier run of it, which
        asked before, is gone: the grant is its successor's)."""
        self._granted[holder] = (max(self.granted_until(holder), now + self.duration), incarnation)

    def granted_until(self, holder: int) -> int:
        """When my grant to `holder` ends (0: I never granted it one, or it was dropped)."""
        return self._granted.get(holder, (0, 0))[0]

    def holders(self, now: int) -> frozenset[Holder] | None:
        """To whom my grants are active now; None: to anyone, as far as I know (I restarted
        less than a lease ago and may have granted leases before)."""
        if now < self._quarantine_until:
            return None
        expired = [h for h, (until, _) in self._granted.items() if until <= now]
        for holder in expired:
            del self._granted[holder]
        return frozenset(
            (holder, incarnation) for holder, (_, incarnation) in self._granted.items()
        )

    # --- holder ---------------------------------------------------------------------------

    def take(self, grantor: int, stamp: int, voted: int, now: int) -> None:
        """`grantor` granted the lease I asked for at `stamp`, having voted in no slot beyond
        `voted`. A stamp from before I started, or ahead of my clock, is ignored (a request of
        an earlier run, or of another clock)."""
        if not self.started_at <= stamp <= now:
            return
        self._held[grantor] = max(self._held.get(grantor, 0), stamp + self.holder_duration)
        self.changes += 1
        self.need = max(self.need, voted)

    def held_until(self, grantor: int) -> int:
        """When I stop counting `grantor`'s lease (0: I hold none of its, or it was dropped)."""
        return self._held.get(grantor, 0)

    def grantors(self, now: int) -> set[int]:
        """Whose grants I hold now."""
        expired = [g for g, until in self._held.items() if until <= now]
        for grantor in expired:
            del self._held[grantor]
        return set(self._held)

    def quorum_until(self, me: int, voter_sets: Collection[frozenset[int]]) -> int:
        """Until when (exclusive) the grants I hold, with me, are a majority of each of
        `voter_sets`: at any `now` before it, and at none after, `grantors(now) | {me}` is a
        majority of each (0: never, or I am not a voter of each). Grants only run out as time
        passes, so this stands until `take` adds one (`changes`)."""
        until = _FOREVER
        for voters in voter_sets:
            if me not in voters:
                return 0
            needed = len(voters) // 2  # grantors besides me
            if not needed:
                continue
            ends = sorted((self._held.get(g, 0) for g in voters if g != me), reverse=True)
            until = min(until, ends[needed - 1])
        return until


Reports = Mapping[int, frozenset[Holder] | None]  # each voter's holders as it voted


def cleared(
    acks: Collection[int],
    reports: Reports,
    voters: frozenset[int],
    receipts: Collection[Holder] = (),
) -> set[int]:
    """The voters among `acks` all of whose reported holders (None: every voter, of any
    incarnation) voted for the slot too or acknowledged its receipt from the incarnation
    named (`receipts`): a slot is decided once these form a majority. Holders that are not
    voters of the slot are not waited for (they may not even be asked to vote)."""
    votes = set(acks)
    clear: set[int] = set()
    for acker in votes & voters:
        named = reports.get(acker, frozenset())
        if named is None:
            heard = voters <= votes
        else:
            heard = all(h in votes or (h, i) in receipts for h, i in named if h in voters)
        if heard:
            clear.add(acker)
    return clear


def short_receipts(
    reports: Reports, voters: frozenset[int], receipts: Collection[Holder]
) -> set[int]:
    """The replicas whose receipt does not stand for them: a report names them with another
    incarnation, or a quarantined voter reported (its holders' incarnations are unknown). Only
    their vote can clear the voters that named them."""
    received = {replica for replica, _ in receipts}
    short: set[int] = set()
    for named in reports.values():
        if named is None:
            return received & voters
        short |= {h for h, i in named if h in received and (h, i) not in receipts}
    return short & voters


def decided(
    acks: Collection[int],
    reports: Reports,
    voters: frozenset[int],
    receipts: Collection[Holder] = (),
) -> bool:
    """Has a majority of `voters` voted, each of whose reported holders voted too or
    acknowledged receipt?"""
    return is_majority(cleared(acks, reports, voters, receipts), voters)
