"""The coordination tree (spec/zookeeper.py): its count in both explicit engines and under
symmetry, its proof, and each of its mutants caught by the invariant it breaks, with the
operations that break it in the trace; and kazoo's lock recipe on it (spec/zookeeper_lock.py),
fenced, with the unfenced hazard found.

The count has no other tool's to match (the spec is ours): the reference engine, the oracle,
must find the same states, depth and transitions as the vector engine.
"""

from __future__ import annotations

import pytest

from checker import WF
from checker.check import check
from checker.explicit import Options
from checker.symbolic.prove import prove
from spec.zookeeper import ZooKeeper
from spec.zookeeper_lock import ZooKeeperLock
from tests.conftest import run_cli

SPEC = "spec/zookeeper.py"


@pytest.mark.parametrize("engine", ["vector", "reference"])
def test_the_tree_keeps_its_invariants(engine: str) -> None:
    result = check(SPEC, {}, Options(engine=engine)).result
    assert result.violation is None and result.complete
    assert (result.distinct_states, result.depth) == (ZooKeeper.expected_states[""], 14)
    assert result.transitions == 394_220


def test_sessions_are_interchangeable() -> None:
    result = check(SPEC, {}, Options(symmetry=True)).result
    assert result.violation is None and result.distinct_states == 24_020


@pytest.mark.parametrize(
    ("mutant", "invariant", "steps", "operation"),
    [
        ("ephemeral_outlives_session", "ephemerals_die_with_their_session", 2, "expire("),
        ("watch_fires_twice", "a_watch_fires_at_most_once", 4, "watch("),
        ("sequence_reused", "sequence_numbers_are_below_the_counter", 1, "create("),
    ],
)
def test_each_mutant_breaks_its_invariant(
    mutant: str, invariant: str, steps: int, operation: str
) -> None:
    report = check(f"spec/mutants/zookeeper_{mutant}.py", {}, Options())
    v = report.result.violation
    assert v is not None and v.name == invariant
    assert len(v.trace) == steps + 1
    assert operation in report.trace_text()


def test_two_sequential_children_share_a_number_without_the_counter() -> None:
    """The reused sequence number itself, once the first symptom is not looked at."""
    report = check(
        "spec/mutants/zookeeper_sequence_reused.py",
        {},
        Options(invariants=["sequence_numbers_are_unique"]),
    )
    v = report.result.violation
    assert v is not None and v.name == "sequence_numbers_are_unique" and len(v.trace) == 3


def test_the_invariants_are_proved_for_all_sizes() -> None:
    report = prove("proofs/zookeeper.py")
    assert report.result == "proved", [(o.title, o.verdict) for o in report.failed]


# --- the lock recipe (spec/zookeeper_lock.py) ----------------------------------------------

LOCK = "spec/zookeeper_lock.py"


@pytest.mark.parametrize("engine", ["vector", "reference"])
def test_the_fenced_lock_loses_no_update_and_serves_every_waiter(engine: str) -> None:
    report = check(LOCK, {}, Options(engine=engine))
    result = report.result
    assert result.violation is None and result.complete
    assert (result.distinct_states, result.depth) == (ZooKeeperLock.expected_states[""], 20)
    assert result.transitions == 44_088
    assert result.liveness == [f"a_waiting_client_gets_the_lock[c{i}]" for i in (1, 2, 3)]


def test_an_expired_holder_without_fencing_overwrites_its_successor() -> None:
    """The known hazard: c1 reads, its session expires, c2 takes the lock and reads, c1 (not
    knowing) writes, c2 writes: two sections done, the value says one."""
    report = check("spec/mutants/zookeeper_lock_without_fencing.py", {}, Options())
    v = report.result.violation
    assert v is not None and v.name == "no_lost_update" and len(v.trace) == 10
    text = report.trace_text()
    assert text.index("expire(c=c1)") < text.index("acquire(c=c2)") < text.index("write(c=c1)")


class LockUnfair(ZooKeeperLock):
    """No fairness for `acquire`: a waiting client may wait for ever."""

    fairness = tuple(WF(n, per="c") for n in ("read", "write", "refused", "notice"))


def test_without_fairness_a_waiter_may_wait_for_ever() -> None:
    """The liveness property is not vacuous: with no fairness for `acquire`, a client whose
    child is the lowest may never take the lock (a lasso of stuttering)."""
    v = check(LockUnfair).result.violation
    assert v is not None and v.kind == "liveness"
    assert v.name.startswith("a_waiting_client_gets_the_lock")


def test_symmetry_is_refused_for_the_per_client_liveness_with_the_reason() -> None:
    """A liveness property per client names each client: the refusal must say that liveness
    and --symmetry do not go together (it used to call the spec asymmetric instead)."""
    result = run_cli("check", LOCK, "--symmetry")
    assert result.returncode == 2
    assert "liveness properties cannot be checked with --symmetry" in result.stderr
    assert "not symmetric" not in result.stderr
    done = run_cli("check", LOCK, "--symmetry", "--no-liveness")
    assert done.returncode == 0 and "2,145 distinct states" in done.stdout


# --- persistent watches and multi (spec/zookeeper_watches.py) -----------------------------


def test_persistent_watches_and_multi_keep_the_invariants() -> None:
    result = check("spec/zookeeper_watches.py", {}, Options()).result
    assert result.violation is None and result.complete
    assert (result.distinct_states, result.depth, result.transitions) == (615_288, 17, 8_864_412)


def test_the_engines_agree_on_persistent_watches() -> None:
    def summary(engine: str) -> tuple[int, int, int]:
        r = check("spec/zookeeper_watches.py", {"sessions": 1}, Options(engine=engine)).result
        return r.distinct_states, r.depth, r.transitions

    assert summary("reference") == summary("vector") == (3_214, 11, 21_564)
