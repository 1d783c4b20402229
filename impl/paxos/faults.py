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
