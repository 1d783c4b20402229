"""What a replica keeps on disk, folded from its records: the one reading of a log that the
simulator and the real storage share."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from impl.paxos.types import (
    NO_BALLOT,
    Ballot,
    Batch,
    Chosen,
    Promised,
    Record,
    Recovering,
    Snapshot,
    Vote,
    Voted,
)


@dataclass
class DurableState:
    promised: Ballot = NO_BALLOT
    votes: dict[int, Vote] = field(default_factory=dict)
    chosen: dict[int, Batch] = field(default_factory=dict)
    recovering: bool = False
    snapshot: Snapshot | None = None

    @classmethod
    def load(
        cls, snapshot: Snapshot | None, records: Iterable[Record], *, damaged: bool = False
    ) -> DurableState:
        """Replay `records` after `snapshot`. Records of slots the snapshot covers are stale
        (written before the log was compacted) and ignored. `damaged` says part of the log was
        lost: the replica then starts in recovery (and the caller persists that)."""
        state = cls(snapshot=snapshot)
        floor = snapshot.slot if snapshot else 0
        for record in records:
            match record:
                case Promised(ballot):
                    state.promised = max(state.promised, ballot)
                case Voted(vote) if vote.slot > floor:
                    state.votes[vote.slot] = vote
                    state.promised = max(state.promised, vote.ballot)
                case Chosen(entry) if entry.slot > floor:
                    state.chosen[entry.slot] = entry.value
                case Recovering(active):
                    state.recovering = active
        state.recovering = state.recovering or damaged
        return state
