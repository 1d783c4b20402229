"""The conformance driver for spec/quorum_leases.py and impl/paxos/leases.py.

The implementation is what a replica runs for leases: one `LeaseTable` per replica (grants
given, leases held, `need`) and the leader's decision rule `leases.decided` (a majority of
voters, each of whose reported holders voted too or acknowledged receipt). What the spec
abstracts — the consensus beneath (one proposer, versions for slots), the messages (a grant is
one step) and the clocks — the driver plays: it keeps real time and each replica's clock in
milliseconds, one spec time unit being `UNIT` ms, and hands each table its own replica's clock
reading. The replica glue
(`Replica.may_read_locally`, the vote it reports) is checked by the simulation instead
(tests/impl/sim/test_lease_reads.py).

The spec's drift is an offset bound in units (`drift`), the implementation's a bound on a
clock's rate (ρ): the driver picks the ρ for which the table's holder lease, in whole units, is
the spec's `lease - 4 * drift` (and says so when there is none). The table's own margin of a
millisecond or two for whole-millisecond clocks stays inside a unit.

Options: `no_margin=1` makes the tables count a grant for its whole length
(`Fault.LEASE_NO_DRIFT_MARGIN`): replay must catch it.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

from checker.conformance import Driver, NotEnabled
from checker.errors import UsageError
from impl.paxos.leases import LeaseTable, decided, holder_duration

UNIT = 1_000  # ms per spec time unit
LONG_AGO = -(10**9)  # the tables' start: no quarantine (the spec has none)


def rate_error_for(lease: int, drift: int) -> float:
    """The ρ (in steps of 1/10,000) whose holder lease is `lease - 4 * drift` whole units."""
    want = lease - 4 * drift
    for step in range(1, 10_000):
        rho = step / 10_000
        ms = holder_duration(lease * UNIT, rho)
        if ms > 0 and math.ceil(ms / UNIT) == want:
            return rho
    raise UsageError(
        f"no clock rate error gives a holder lease of {want} unit(s) for a lease of {lease}: "
        "choose lease > 4 * drift"
    )


class QuorumLeasesDriver(Driver):
    def __init__(self, params: Mapping[str, int], options: Mapping[str, str] | None = None) -> None:
        super().__init__(params, options)
        self.names = [f"r{i}" for i in range(1, params["replicas"] + 1)]
        self.ids = {name: i for i, name in enumerate(self.names, start=1)}
        lease, drift = params["lease"], params["drift"]
        self.drift, self.holder_lease = drift, lease - 4 * drift
        rho = rate_error_for(lease, drift)
        no_margin = self.options.get("no_margin", "0") == "1"
        self.tables = {
            name: LeaseTable(lease * UNIT, rho, LONG_AGO, no_margin=no_margin)
            for name in self.names
        }
        self.holder = self.names[0]
        self.real = 0  # ms
        self.clock = dict.fromkeys(self.names, 0)  # ms
        self.stamp = 0  # the holder's clock when it last asked
        self.proposed = self.committed = 0
        self.accepted = dict.fromkeys(self.names, 0)
        self.received = dict.fromkeys(self.names, 0)
        self.applied = dict.fromkeys(self.names, 0)
        self.reports: dict[int, frozenset[int] | None] = {}

    def start(self, state: Mapping[str, Any]) -> None:
        self.holder = str(state["holder"])

    # --- time -------------------------------------------------------------------------------

    def _off(self, r: str) -> int:
        return (self.clock[r] - self.real) // UNIT

    def tick(self) -> None:
        if any(self._off(r) <= -self.drift for r in self.names):
            raise NotEnabled("a clock would fall more than the drift behind real time")
        self.real += UNIT

    def advance(self, r: str) -> None:
        if self._off(r) >= self.drift:
            raise NotEnabled(f"{r}'s clock would run more than the drift ahead of real time")
        self.clock[r] += UNIT

    # --- leases -----------------------------------------------------------------------------

    def request(self) -> None:
        self.stamp = self.clock[self.holder]

    def grant(self, g: str) -> None:
        h = self.holder
        self.tables[g].grant(self.ids[h], self.clock[g])
        self.tables[h].take(self.ids[g], self.stamp, self.accepted[g], self.clock[h])

    # --- writes -----------------------------------------------------------------------------

    def propose(self) -> None:
        self.proposed += 1

    def _report(self, a: str) -> None:
        self.reports[self.ids[a]] = self.tables[a].holders(self.clock[a])

    def accept(self, a: str) -> None:
        self.accepted[a] = self.proposed
        self._report(a)

    def receive(self, r: str) -> None:
        self.received[r] = self.proposed  # a receipt: no report

    def refresh(self, a: str) -> None:
        self._report(a)

    def commit(self, q: str) -> None:
        acks = {self.ids[a] for a in self.names if self.accepted[a] == self.proposed}
        # (One run of each replica: every receipt is from the incarnation its grants went to.)
        receipts = {(self.ids[r], 0) for r in self.names if self.received[r] == self.proposed}
        reports = {a: holders for a, holders in self.reports.items() if a in acks}
        if not decided(acks, reports, frozenset(self.ids.values()), receipts):
            raise NotEnabled(f"the leader's rule does not decide version {self.proposed} yet")
        self.committed = self.proposed

    def apply(self, r: str) -> None:
        self.applied[r] += 1

    # --- the abstraction --------------------------------------------------------------------

    def _left(self, until: int, now: int) -> int:
        """What is left of a lease ending at `until` (ms), in whole units, at `now`."""
        return max(math.ceil((until - now) / UNIT), 0) if until else 0

    def _reported(self, acceptor: int, holder: int) -> bool:
        if acceptor not in self.reports:
            return False
        holders = self.reports[acceptor]
        return holders is None or any(h == holder for h, _ in holders)

    def abstract(self) -> dict[str, Any]:
        h, hid = self.holder, self.ids[self.holder]
        table = self.tables[h]
        table.grantors(self.clock[h])  # drops what has run out, as a read would
        asked = (self.clock[h] - self.stamp) // UNIT
        return {
            "holder": h,
            "off": {r: self._off(r) for r in self.names},
            "asked": min(asked, max(self.holder_lease, 0)),
            "granted": {
                g: 0 if g == h else self._left(self.tables[g].granted_until(hid), self.clock[g])
                for g in self.names
            },
            "held": {
                g: 0 if g == h else self._left(table.held_until(self.ids[g]), self.clock[h])
                for g in self.names
            },
            "need": table.need,
            "proposed": self.proposed,
            "committed": self.committed,
            "accepted": dict(self.accepted),
            "received": dict(self.received),
            "applied": dict(self.applied),
            "reported": {a for a in self.names if self._reported(self.ids[a], hid)},
        }
