"""The conformance driver for spec/paxos.py (Lamport's Paxos) and the single-decree cores of
impl/paxos/single.py.

Mapping: acceptor "aN" is acceptor core N; spec ballot b is run by its own proposer core, node
100 + b, in round 1, so the impl ballot is (1, 100 + b) — ordered as the spec's ballots are;
value "vN" is the bytes b"vN". The network is the set of every message ever sent (the spec's
msgs). Durability is part of the check: after every step each acceptor is restarted from what
it persisted, and the abstraction reads the restarted cores.
"""

from __future__ import annotations

import itertools
from collections.abc import Mapping
from typing import Any

from checker.conformance import Driver, NotEnabled
from impl.paxos.faults import Fault
from impl.paxos.single import (
    Acceptor,
    AcceptorState,
    Nack,
    Prepare,
    Promise,
    Propose,
    Proposer,
    Step,
    Vote,
)
from impl.paxos.types import NO_BALLOT, Ballot


class PaxosDriver(Driver):
    """Options: faults=NAME[,NAME...] switches on known bugs of the cores (impl/paxos/faults.py)."""

    faults: frozenset[Fault] = frozenset()

    def __init__(self, params: Mapping[str, int], options: Mapping[str, str] | None = None) -> None:
        super().__init__(params, options)
        named = self.options.get("faults", "")
        self.faults = self.faults | {Fault(f) for f in named.split(",") if f}
        self.ids = list(range(1, params["acceptors"] + 1))
        self.values = [f"v{i}" for i in range(1, params["values"] + 1)]
        self.disk: dict[int, AcceptorState] = {}
        self.acceptors = {n: Acceptor(n, None, self.faults) for n in self.ids}
        self.proposers: dict[int, Proposer] = {}
        self.spec_ballot: dict[Ballot, int] = {NO_BALLOT: -1}
        self.sent: set[Prepare | Promise | Propose | Vote] = set()

    # --- one method per spec action -------------------------------------------------------

    def phase1a(self, b: int) -> None:
        if b in self.proposers:
            return  # the 1a of b again: a duplicate message, no new state
        proposer = Proposer(100 + b, self.ids, faults=self.faults)
        step = proposer.prepare(1)
        self.proposers[b] = proposer
        self.spec_ballot[step.send[0].ballot] = b  # type: ignore[union-attr]
        self._sent(step)

    def phase1b(self, a: str, b: int) -> None:
        prepare = self._ballot_message(Prepare, b)
        node = int(a[1:])
        self._deliver(node, self.acceptors[node].on_prepare(prepare))

    def phase2a(self, b: int, v: str) -> None:
        proposer = self.proposers.get(b)
        if proposer is None or proposer.ballot is None:
            raise NotEnabled(f"no proposer started ballot {b}")
        if proposer.proposal is not None:
            raise NotEnabled(f"the proposer of ballot {b} already proposed")
        quorum, forced = self._quorum_showing_safe(proposer.ballot, v)
        # The client asks for v unless the quorum's votes force v; then it asks for another
        # value, so a proposer that ignores the reported votes shows itself.
        wish = v if not forced else next(w for w in self.values if w != v)
        proposed = proposer.propose(wish.encode())
        for promise in quorum:
            proposed += proposer.on_promise(promise)
        self.sent.update(proposed)

    def phase2b(self, a: str, b: int, v: str) -> None:
        propose = next(
            (m for m in self._messages(Propose, b) if m.value == v.encode()),
            None,
        )
        if propose is None:
            raise NotEnabled(f"no 2a message ({b}, {v}) was sent")
        node = int(a[1:])
        self._deliver(node, self.acceptors[node].on_propose(propose))

    # --- the abstraction function ---------------------------------------------------------

    def abstract(self) -> dict[str, Any]:
        state = {n: acceptor.state for n, acceptor in self.acceptors.items()}
        label = self._label
        return {
            "max_bal": {f"a{n}": self._ballot(s.max_bal) for n, s in state.items()},
            "max_vbal": {f"a{n}": self._ballot(s.max_vbal) for n, s in state.items()},
            "max_val": {f"a{n}": label(s.max_val) for n, s in state.items()},
            "msg_1a": {self._ballot(m.ballot) for m in self.sent if isinstance(m, Prepare)},
            "msg_1b": {
                (f"a{m.acceptor}", self._ballot(m.ballot), self._ballot(m.vbal), label(m.vval))
                for m in self.sent
                if isinstance(m, Promise)
            },
            "msg_2a": {
                (self._ballot(m.ballot), label(m.value))
                for m in self.sent
                if isinstance(m, Propose)
            },
            "msg_2b": {
                (f"a{m.acceptor}", self._ballot(m.ballot), label(m.value))
                for m in self.sent
                if isinstance(m, Vote)
            },
        }

    # --- helpers ----------------------------------------------------------------------------

    def _ballot(self, ballot: Ballot) -> int:
        return self.spec_ballot.get(ballot, -2)  # -2: a ballot the spec never started

    @staticmethod
    def _label(value: bytes | None) -> str:
        return "None" if value is None else value.decode()

    def _messages(self, kind: type[Any], b: int) -> list[Any]:
        return sorted(
            (m for m in self.sent if isinstance(m, kind) and self._ballot(m.ballot) == b),
            key=repr,
        )

    def _ballot_message(self, kind: type[Any], b: int) -> Any:
        found = self._messages(kind, b)
        if not found:
            raise NotEnabled(f"no {kind.__name__} of ballot {b} was sent")
        return found[0]

    def _deliver(self, node: int, step: Step) -> None:
        refused = [m for m in step.send if isinstance(m, Nack)]
        if refused:
            raise NotEnabled(
                f"acceptor a{node} refused ballot {self._ballot(refused[0].ballot)}: it promised "
                f"{self._ballot(refused[0].promised)}"
            )
        if step.persist is not None:
            assert isinstance(step.persist, AcceptorState)
            self.disk[node] = step.persist
        self._sent(step)
        # A crash and restart after every step: only what was persisted survives.
        self.acceptors[node] = Acceptor(node, self.disk.get(node), self.faults)

    def _sent(self, step: Step) -> None:
        self.sent.update(m for m in step.send if not isinstance(m, Nack))

    def _quorum_showing_safe(self, ballot: Ballot, v: str) -> tuple[list[Promise], bool]:
        """A majority of the 1b messages for `ballot` in which v is safe (the spec's
        ShowsSafe), and whether their votes force v."""
        promises = {
            m.acceptor: m for m in self.sent if isinstance(m, Promise) and m.ballot == ballot
        }
        size = len(self.ids) // 2 + 1
        for members in itertools.combinations(sorted(promises), size):
            quorum = [promises[a] for a in members]
            votes = [(p.vbal, p.vval) for p in quorum if p.vval is not None]
            if not votes:
                return quorum, False
            if max(votes)[1] == v.encode():
                return quorum, True
        raise NotEnabled(
            f"no majority of 1b messages for ballot {self._ballot(ballot)} shows {v} safe"
        )
