"""kazoo's leader election without epochs on the leader's commands: a leader whose session
expired while it was paused wakes up still believing it leads, and its command lands after its
successor's.

The election is right as far as ZooKeeper can see: once the paused leader's session expires its
ephemeral child is gone, the next candidate's child is the lowest and it rightly leads. But the
old leader does not know yet; when it resumes, before it notices the expiry, it goes on leading
and commands the resource, which takes the command because it cannot tell a deposed leader from
the current one. An election alone cannot prevent this: the resource must check the leader's
epoch (its child's sequence number) and refuse one older than the newest it has seen, as
`spec/zookeeper_election.py` does. `no_stale_leader_command_is_accepted` is violated.
"""

from __future__ import annotations

from checker.lang import SymFormula, SymTerm
from spec.zookeeper_election import ZooKeeperElection

BREAKS = "no_stale_leader_command_is_accepted"  # the property the bug breaks (test_mutants.py)


class ElectionWithoutEpochs(ZooKeeperElection):
    """The resource takes any command from a client that believes it leads."""

    expected_states = {}

    def fenced(self, c: SymTerm) -> SymFormula:
        return self.mine(c) == self.mine(c)
