"""Switchable faults of the coordination layer: known bugs that the verification suite must
catch (as `impl.paxos.faults` has for the consensus layer). All are off by default; the tree
and the watch manager take the set to switch on. Each names the rule it breaks, and the spec
mutant that breaks it the same way."""

from __future__ import annotations

from enum import StrEnum


class CoordFault(StrEnum):
    EPHEMERAL_OUTLIVES_SESSION = "ephemeral-outlives-session"
    """A closed or expired session's ephemeral nodes are left in the tree (breaks: an ephemeral
    never outlives its session; spec/mutants/zookeeper_ephemeral_outlives_session.py)."""

    SEQUENCE_REUSED_AFTER_SNAPSHOT = "sequence-reused-after-snapshot"
    """A snapshot keeps each node's children but not its cversion, so a restored parent
    numbers its next sequential child from its current number of children, reusing a number a
    deleted child had (breaks: sequence numbers are unique and increasing per parent;
    spec/mutants/zookeeper_sequence_reused.py)."""

    WATCH_FIRES_TWICE = "watch-fires-twice"
    """A fired one-shot data watch is not removed, so it fires again at the next change
    (breaks: a watch fires at most once per registration;
    spec/mutants/zookeeper_watch_fires_twice.py)."""
