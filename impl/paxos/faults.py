"""Switchable faults: known bugs that the verification suite must catch. All are off by default;
a test or `paxoscope server --fault NAME` turns one on. Each names the rule it breaks."""

from __future__ import annotations

from enum import StrEnum


class Fault(StrEnum):
    IGNORE_REPORTED_VOTES = "ignore-reported-votes"
    """A new leader proposes its own value in every open slot, ignoring the votes its quorum
    reported in phase 1b (breaks: propose the value of the highest reported vote)."""

    COMMIT_WITHOUT_MAJORITY = "commit-without-majority"
    """A leader decides a slot on the first Accepted (breaks: a majority must vote)."""

    UNPERSISTED_PROMISE = "unpersisted-promise"
    """An acceptor answers Prepare without writing its promise to disk first (breaks: persist
    before replying)."""

    FORGET_VOTES_ON_RESTART = "forget-votes-on-restart"
    """A restarted acceptor starts with no votes (breaks: votes are durable)."""

    BALLOT_NOT_UNIQUE = "ballot-not-unique"
    """Ballots carry no node id, so two candidates can run the same ballot (breaks: one
    proposal per ballot)."""

    SKIP_RECOVERY = "skip-recovery"
    """A replica that lost its log's tail votes at once (breaks: an amnesiac must learn what it
    may have forgotten first)."""

    STALE_FOLLOWER_READS = "stale-follower-reads"
    """With forwarding, a follower answers a read from its own state at once instead of waiting
    for a read index from the leader (breaks: a read sees every write acknowledged before it)."""

    OBSERVERS_VOTE = "observers-vote"
    """A leader counts observers' acknowledgements toward its majorities (breaks: a majority
    is of the participants; an observer's vote is a copy no later leader asks for)."""

    CONFIG_AT_PROPOSAL = "config-at-proposal"
    """A leader counts a configuration it proposes in for the slots after it at once, not from
    α slots after its decision (breaks: a configuration takes effect once chosen; the spec's
    mutant multipaxos_reconfig_too_early.py)."""

    LEASE_NO_DRIFT_MARGIN = "lease-no-drift-margin"
    """A lease holder counts a grant for the grantor's whole duration instead of the shorter
    one that allows for clocks running at different rates (breaks: the holder stops reading
    before any grantor of its majority stops reporting it; see `leases.py`)."""

    WRITE_IGNORES_LEASES = "write-ignores-leases"
    """A leader decides a slot once a majority voted, without waiting for the lease holders
    its acceptors reported (breaks: a write is decided only once every holder of a lease from
    one of its deciding acceptors has voted for it, so no holder reads without it)."""

    RECEIPT_COUNTS_AS_VOTE = "receipt-counts-as-vote"
    """A leader counts a follower's receipt of a value (`Accept.vote` false) as its vote
    (breaks: only votes, durable, make a majority; the spec's mutant
    quorum_leases_receipt_counts_as_vote.py)."""

    RECEIPT_NOT_PENDING = "receipt-not-pending"
    """A lease holder reads its own state while a slot it only received (asked for a receipt,
    not a vote) is not applied yet (breaks: a received write is pending as a voted one is;
    the spec's mutant quorum_leases_receipt_not_pending.py)."""

    LEASE_READ_WHILE_PENDING = "lease-read-while-pending"
    """A lease holder reads its own state while it has voted in a slot it has not applied yet
    (breaks: a write decided with the holder's vote may be acknowledged before the holder
    learns it is decided)."""
