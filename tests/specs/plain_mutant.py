"""A mutant written as mutants are: a subclass of another spec, its actions annotated with the
parent's sorts by their plain names (`a: acceptor`, not `Paxos.acceptor`). Without
`from __future__ import annotations` Python evaluates those annotations as the class body runs,
where only the parent's names can resolve them (a bare NameError, before issue 16)."""

from checker import action, require
from spec.paxos import Paxos


class PaxosPromiseIgnored(Paxos):
    """An acceptor votes without checking its promise (Phase2b without `b >= max_bal`)."""

    @action
    def phase2b(self, a: acceptor, b: ballot, v: value) -> None:  # noqa: F821 - Paxos's sorts
        require(self.msg_2a(b, v))
        self.max_bal[a] = b
        self.max_vbal[a] = b
        self.max_val[a] = v
        self.msg_2b.insert(a, b, v)
