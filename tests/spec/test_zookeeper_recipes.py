"""kazoo's leader election (spec/zookeeper_election.py) and queue (spec/zookeeper_queue.py)
recipes on the coordination tree: their counts in both explicit engines, their properties, the
mutant of each caught with the steps that break it, and their liveness, which fails without
the fairness it rests on.

The counts have no other tool's to match (the specs are ours): the reference engine, the
oracle, must find the same states, depth and transitions as the vector engine.
"""

from __future__ import annotations

import pytest

from checker import WF, Individual, action, exists, invariant, ite, maximum, require
from checker.check import check
from checker.explicit import Options
from checker.lang import SymFormula, SymTerm
from spec.zookeeper_election import ZooKeeperElection
from spec.zookeeper_queue import ZooKeeperQueue

# --- leader election (spec/zookeeper_election.py) ------------------------------------------

ELECTION = "spec/zookeeper_election.py"


@pytest.mark.parametrize("engine", ["vector", "reference"])
def test_the_fenced_election_takes_no_stale_command_and_always_elects(engine: str) -> None:
    report = check(ELECTION, {}, Options(engine=engine))
    result = report.result
    assert result.violation is None and result.complete and report.ok
    assert (result.distinct_states, result.depth) == (ZooKeeperElection.expected_states[""], 17)
    assert result.transitions == 32_748
    assert result.liveness == [f"a_candidate_sees_a_leader[c{i}]" for i in (1, 2, 3)]


def test_an_expired_leader_without_epochs_commands_after_its_successor() -> None:
    """The known hazard: c1 leads, pauses, its session expires, c2 is elected and commands,
    c1 resumes and (not knowing) commands: the resource takes the older leader's command."""
    report = check("spec/mutants/zookeeper_election_without_epochs.py", {}, Options())
    v = report.result.violation
    assert v is not None and v.name == "no_stale_leader_command_is_accepted"
    assert len(v.trace) == 10  # 9 steps
    text = report.trace_text()
    steps = ["expire(c=c1)", "elected(c=c2)", "command(c=c2)", "resume(c=c1)", "command(c=c1)"]
    assert [text.index(s) for s in steps] == sorted(text.index(s) for s in steps)


def test_two_clients_may_both_believe_they_lead() -> None:
    """`at_most_one_leader` is about the tree: a paused leader whose session expired still
    believes it leads once its successor does."""

    class OneBeliever(ZooKeeperElection):
        @invariant
        def at_most_one_believer(self) -> SymFormula:
            return ~exists(
                self.client, self.client, lambda a, b: self.leads(a) & self.leads(b) & (a != b)
            )

    report = check(OneBeliever, {}, Options(invariants=["at_most_one_believer"], liveness=[]))
    v = report.result.violation
    assert v is not None and v.name == "at_most_one_believer" and len(v.trace) == 7
    text = report.trace_text()
    assert text.index("expire(c=c1)") < text.index("elected(c=c2)")


def test_epochs_do_not_stop_a_deposed_leader_before_its_successor_commands() -> None:
    """What fencing cannot do: the resource takes a command from a leader whose child is gone
    while another leads, as long as the successor has not commanded yet (its epoch is still
    the newest the resource knows)."""

    class Watched(ZooKeeperElection):
        # the epoch of a command taken from a leader whose child was gone while another led
        stale = Individual(ZooKeeperElection.seq, init=0)

        @action
        def command(self, c: ZooKeeperElection.client) -> None:
            require(self.runs(c) & self.leads(c) & self.fenced(c))
            gone = (self.child(c) == 0) & exists(self.client, lambda d: self.live_leader(d))
            self.stale = maximum(self.stale, ite(gone, self.mine(c), 0))
            self.newest = maximum(self.newest, self.mine(c))
            self.last = self.mine(c)

        @invariant
        def no_deposed_command_is_taken(self) -> SymFormula:
            return self.stale == 0

    options = Options(invariants=["no_deposed_command_is_taken"], liveness=[])
    report = check(Watched, {}, options)
    v = report.result.violation
    assert v is not None and v.name == "no_deposed_command_is_taken" and len(v.trace) == 9
    text = report.trace_text()
    assert text.index("elected(c=c2)") < text.index("command(c=c1)")
    assert "command(c=c2)" not in text


class ElectionUnfair(ZooKeeperElection):
    """No fairness for `elected`: the lowest candidate may never take office."""

    fairness = (WF("notice", per="c"), WF("expire", per="c"))


class ElectionWeak(ZooKeeperElection):
    """`elected` only weakly fair: a candidate that keeps pausing is never elected."""

    fairness = (WF("elected", per="c"), *ZooKeeperElection.fairness[1:])


class QueueIdle(ZooKeeperQueue):
    """No fairness at all: the consumer may never take an item."""

    fairness = ()


def test_without_fairness_for_elected_the_election_may_stall() -> None:
    """The liveness property is not vacuous: with no fairness for `elected`, the client whose
    child is the lowest may never look (a lasso of stuttering)."""
    v = check(ElectionUnfair).result.violation
    assert v is not None and v.kind == "liveness"
    assert v.name.startswith("a_candidate_sees_a_leader")


def test_weak_fairness_lets_a_client_that_keeps_pausing_never_be_elected() -> None:
    """Why `elected` is strongly fair: under weak fairness, the lowest candidate pauses and
    resumes for ever, `elected` is never enabled for good, and nobody leads."""
    strong = ZooKeeperElection.fairness[0]
    assert strong.strong and strong.actions == ("elected",)
    v = check(ElectionWeak).result.violation
    assert v is not None and v.kind == "liveness" and v.name == "a_candidate_sees_a_leader[c1]"
    assert v.closing is not None and v.closing.action == "resume"


# --- the queue (spec/zookeeper_queue.py) ---------------------------------------------------

QUEUE = "spec/zookeeper_queue.py"


@pytest.mark.parametrize("engine", ["vector", "reference"])
def test_the_queue_hands_out_each_item_once_in_order(engine: str) -> None:
    report = check(QUEUE, {}, Options(engine=engine))
    result = report.result
    assert result.violation is None and result.complete and report.ok
    assert report.never_fired == []
    assert (result.distinct_states, result.depth) == (ZooKeeperQueue.expected_states[""], 18)
    assert result.transitions == 48_504
    assert result.liveness == [f"every_item_is_consumed[{i}]" for i in (1, 2, 3, 4)]


def test_a_consumer_that_ignores_its_delete_returns_an_item_twice() -> None:
    """Both consumers list the one child and read it; c1's delete succeeds, c2's fails, and
    c2 returns the item all the same."""
    report = check("spec/mutants/zookeeper_queue_get_without_delete.py", {}, Options())
    v = report.result.violation
    assert v is not None and v.name == "no_item_consumed_twice" and len(v.trace) == 8
    text = report.trace_text()
    assert text.index("read(c=c2, i=1)") < text.index("delete(c=c1, i=1)")
    assert text.index("delete(c=c1, i=1)") < text.index("delete(c=c2, i=1)")


def test_the_order_is_not_vacuous() -> None:
    """A consumer that takes any child on its list, not the first, consumes out of order."""

    class AnyChild(ZooKeeperQueue):
        def first(self, c: SymTerm, i: SymTerm) -> SymFormula:
            return self.listed(c, i)

    report = check(AnyChild, {}, Options(liveness=[]))
    v = report.result.violation
    assert v is not None and v.name == "items_are_consumed_in_order" and len(v.trace) == 6


def test_a_lost_reply_to_a_successful_delete_loses_the_item() -> None:
    """The docstring's warning: the delete succeeds, its reply is lost with the connection,
    kazoo's retry reads the child again, gets NONODE and moves on to the next."""

    class LostReply(ZooKeeperQueue):
        @action
        def reply_lost(self, c: ZooKeeperQueue.consumer, i: ZooKeeperQueue.item) -> None:
            require((self.reading(c) == i) & self.queued(i))
            self.queued.remove(i)
            self.reading[c] = 0  # i stays first on c's list: the retry reads it again

    report = check(LostReply, {}, Options(liveness=[]))
    v = report.result.violation
    assert v is not None and v.name == "no_item_is_lost" and len(v.trace) == 5
    assert "reply_lost(c=c1, i=1)" in report.trace_text()


def test_without_fairness_an_item_may_stay_for_ever() -> None:
    v = check(QueueIdle).result.violation
    assert v is not None and v.kind == "liveness" and v.name == "every_item_is_consumed[1]"
