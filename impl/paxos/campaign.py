"""A candidacy's phase 1: the promises of the acceptors, gathered page by page, and what a
majority of complete promises reports (see `Promise`: a report too large for one message comes
in pages, and the candidate asks for each next one with a Prepare of the same ballot)."""

from __future__ import annotations

from collections.abc import Callable, Set
from dataclasses import dataclass, field

from impl.paxos.types import Ballot, Entry, Promise, Vote


@dataclass
class _Pages:
    """One acceptor's promise as its pages arrive, in order."""

    next_slot: int  # where the page I wait for starts
    votes: list[Vote] = field(default_factory=list)
    chosen: list[Entry] = field(default_factory=list)
    complete: bool = False


@dataclass(frozen=True)
class Report:
    """What a majority promised: the decided values they named, the highest-ballot vote of
    each slot, and the last slot either was reported for (`first_slot - 1` if none)."""

    chosen: list[Entry]
    highest: dict[int, Vote]
    last: int


class Campaign:
    def __init__(self, ballot: Ballot, first_slot: int) -> None:
        self.ballot, self.first_slot = ballot, first_slot
        self._pages: dict[int, _Pages] = {}

    def take(self, sender: int, promise: Promise) -> int:
        """Take a page of `sender`'s promise (of this ballot). Returns the slot from which to
        ask it for the next page, or 0: none to ask for (its promise is complete, or this was
        not the page awaited, such as a duplicate)."""
        pages = self._pages.setdefault(sender, _Pages(self.first_slot))
        if pages.complete or promise.first_slot != pages.next_slot:
            return 0
        pages.votes += promise.votes
        pages.chosen += promise.chosen
        if promise.more_from:
            pages.next_slot = promise.more_from
            return promise.more_from
        pages.complete = True
        return 0

    def awaiting(self, node: int, first_slot: int) -> int:
        """Where the page I wait for from `node` starts; if I have none of its promise yet,
        from `first_slot` on (a leader asks a new participant only about slots to come)."""
        return self._pages.setdefault(node, _Pages(first_slot)).next_slot

    def promisers(self) -> set[int]:
        """Who has promised, every page of it."""
        return {node for node, pages in self._pages.items() if pages.complete}

    def report(self, enough: Callable[[Set[int]], bool]) -> Report | None:
        """The report of the complete promises, once `enough` of them: whatever they report
        that `forget_reports` has not dropped."""
        if not enough(self.promisers()):
            return None
        promises = [pages for pages in self._pages.values() if pages.complete]
        chosen = [entry for pages in promises for entry in pages.chosen]
        highest: dict[int, Vote] = {}
        for vote in (vote for pages in promises for vote in pages.votes):
            if vote.slot not in highest or vote.ballot > highest[vote.slot].ballot:
                highest[vote.slot] = vote
        last = max([self.first_slot - 1, *highest, *(entry.slot for entry in chosen)])
        return Report(chosen, highest, last)

    def forget_reports(self) -> None:
        """Drop what the complete promises reported (taken already), keeping who promised."""
        for pages in self._pages.values():
            if pages.complete:
                pages.votes, pages.chosen = [], []
