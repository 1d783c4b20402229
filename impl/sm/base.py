"""The interface between the replicated log and what it replicates."""

from __future__ import annotations

from typing import Protocol


class StateMachine(Protocol):
    """Deterministic: the same commands in the same order give the same results and state on
    every replica. `index` numbers applied commands from 1, the same on every replica (a
    ZooKeeper-style service uses it as the zxid)."""

    def apply(self, index: int, command: bytes) -> bytes: ...

    def query(self, query: bytes) -> bytes:
        """A read-only query against the current state."""
        ...

    def snapshot(self) -> bytes: ...

    def restore(self, data: bytes) -> None: ...

    def digest(self) -> str:
        """A short fingerprint of the state, to compare replicas."""
        ...
