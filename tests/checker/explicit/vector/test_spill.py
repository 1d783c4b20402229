"""--max-memory's disk-backed search (`spill`): the visited set as sorted runs on disk, each
level's candidates spilled to bucket files and settled bucket by bucket. Its results must be
those of the search in memory (itself checked against the reference engine elsewhere), however
many buckets and runs, with worker processes, with colliding fingerprints in exact mode, and
across a resume."""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from checker.check import check
from checker.explicit import Options, checkpoint
from checker.explicit.vector import expand, spill
from checker.explicit.vector.spill import DiskVisited, bucket_bits
from checker.explicit.vector.table import fingerprint
from tests.checker.explicit.vector.test_vector_runs import Crash, summary

CASES = [
    ("spec/paxos.py", {"max_ballot": 1}, {}),
    ("spec/paxos.py", {"max_ballot": 1}, {"exact": False}),
    ("spec/paxos.py", {"max_ballot": 1}, {"symmetry": True}),
    ("spec/mutants/paxos_ignore_highest_vote.py", {"max_ballot": 1}, {}),
    ("tests/specs/stuck.py", {}, {"deadlock": True}),
    ("spec/lamport_mutex.py", {"n": 2, "max_nat": 3}, {}),  # constraints
    ("tests/specs/lockserver.py", {}, {}),  # action properties
    ("spec/tlaplus/alternating_bit.py", {}, {"liveness": ()}),  # --max-memory: safety only
]


@pytest.fixture
def small_pieces(monkeypatch: pytest.MonkeyPatch) -> None:
    """Pieces of a few KiB: levels of a few hundred states take many buckets (up to the
    most), and the runs merge in many slices."""
    monkeypatch.setattr(spill, "MIN_PIECE", 4 << 10)
    monkeypatch.setattr(spill, "DEFAULT_BUDGET", 64 << 10)


@cache
def in_memory(
    spec: str, params: tuple[tuple[str, int], ...], options: tuple[tuple[str, bool], ...]
) -> tuple[Any, ...]:
    """The summary of a run in memory, one process (arguments as items, for the cache)."""
    given: dict[str, Any] = dict(options)
    return summary(check(spec, dict(params), Options(workers=1, **given)).result)


@pytest.mark.parametrize("workers", [1, 2])
@pytest.mark.parametrize(("spec", "params", "options"), CASES, ids=[
    "paxos", "paxos-fingerprints", "paxos-symmetry", "mutant-invariant", "deadlock",
    "constraints", "action-properties", "alternating-bit",
])  # fmt: skip
def test_on_disk_the_results_are_those_of_the_search_in_memory(
    tmp_path: Path,
    small_pieces: None,
    spec: str,
    params: dict[str, int],
    options: dict[str, Any],
    workers: int,
) -> None:
    """Identical counts, depth, transitions, coverage and counterexample."""
    expected = in_memory(spec, tuple(sorted(params.items())), tuple(sorted(options.items())))
    bounded = Options(max_memory=1 << 20, spill_dir=tmp_path, workers=workers, **options)
    assert summary(check(spec, params, bounded).result) == expected
    assert list(tmp_path.iterdir()) == []  # the run's files are gone


def weak_fingerprint(cols: Any) -> Any:
    """The real fingerprint's top eight bits (which choose buckets, and, copied to bit 31,
    partitions): dozens of states share each value."""
    h = fingerprint(cols) & np.uint64(0xFF00_0000_0000_0000)
    return h | ((h >> np.uint64(56)) & np.uint64(1)) << np.uint64(31) | np.uint64(1)


def test_exact_mode_on_disk_tells_apart_states_whose_fingerprints_collide(
    tmp_path: Path, small_pieces: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    expected = in_memory("spec/paxos.py", (("max_ballot", 1),), ())
    monkeypatch.setattr(expand, "fingerprint", weak_fingerprint)
    monkeypatch.setattr(spill, "fingerprint", weak_fingerprint)
    options = Options(max_memory=1 << 20, spill_dir=tmp_path, workers=2)
    assert summary(check("spec/paxos.py", {"max_ballot": 1}, options).result) == expected
    # ... where equal fingerprints are taken for equal states, most states are lost
    fingerprints = Options(max_memory=1 << 20, spill_dir=tmp_path, workers=2, exact=False)
    lost = check("spec/paxos.py", {"max_ballot": 1}, fingerprints).result
    assert lost.distinct_states < expected[0] // 10


def test_a_run_on_disk_resumes_on_disk_or_in_memory(
    tmp_path: Path, small_pieces: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Stopped after its 5th checkpoint, a run under --max-memory resumes, with or without
    the option, to the end of an uninterrupted run."""
    mutant = "spec/mutants/paxos_ignore_highest_vote.py"
    whole = in_memory(mutant, (("max_ballot", 2),), ())
    real = checkpoint.Checkpointer.save
    resumed: list[dict[str, Any]] = [{"max_memory": 1 << 20}, {}]
    for then in resumed:
        directory = tmp_path / f"cp-{len(then)}"

        def save(self: checkpoint.Checkpointer, *args: Any, saves: list[int] = []) -> None:  # noqa: B006
            if len(saves) == 5:
                raise Crash
            saves.append(1)
            real(self, *args)

        common: dict[str, Any] = {"checkpoint": directory, "checkpoint_every": 0, "workers": 2}
        with monkeypatch.context() as patch:
            patch.setattr(checkpoint.Checkpointer, "save", save)
            with pytest.raises(Crash):
                check(mutant, {"max_ballot": 2}, Options(max_memory=1 << 20, **common))
        resume = Options(resume=True, **common, **then)
        assert summary(check(mutant, {"max_ballot": 2}, resume).result) == whole


def random_states(rng: np.random.Generator, n: int) -> tuple[Any, Any]:
    h = np.unique(rng.integers(1, 2**63, size=n, dtype=np.uint64) * np.uint64(2) + np.uint64(1))
    return h, rng.permutation(h.size).astype(np.int64)


@pytest.mark.parametrize("exact", [False, True])
def test_runs_merge_into_a_few_sorted_runs_that_answer_lookups(
    tmp_path: Path, small_pieces: None, exact: bool
) -> None:
    """Forty levels' runs of growing size: O(log n) runs remain, each sorted, and every
    fingerprint added is found (exact mode: with its state), none other."""
    rng = np.random.default_rng(7)
    states: dict[int, int] = {}  # store index -> its one-word state

    def stored_rows(index: Any) -> Any:
        return np.array([states[int(i)] for i in index], dtype=np.uint64).reshape(-1, 1)

    visited = DiskVisited(tmp_path, "v", exact, stored_rows, budget=1 << 16)
    added = []
    for level in range(40):
        h, _ = random_states(rng, 50 * (level + 1))
        index = np.arange(len(states), len(states) + h.size)
        for i, fp in zip(index.tolist(), h.tolist(), strict=True):
            states[i] = fp ^ 0x5555  # a state's word: anything that differs per state
        writer = visited.writer()
        writer.write(h, index)
        visited.add(writer.close())
        added.append(h)
    every = np.concatenate(added)
    assert visited.count == every.size
    assert len(visited.runs) <= 2 * int(np.log2(every.size))
    for run in visited.runs:
        fps, _ = run.read(0, run.size, exact)
        assert np.all(fps[1:] > fps[:-1])
    absent, _ = random_states(rng, 2000)
    absent = absent[~np.isin(absent, every)]
    probe = np.concatenate([every[::7], absent])
    words = [probe ^ np.uint64(0x5555)]
    found = np.zeros(probe.size, dtype=bool)
    bits = 3
    bucket = (probe >> np.uint64(64 - bits)).astype(np.intp)
    for b in range(1 << bits):
        mine = np.flatnonzero(bucket == b)
        found[mine] = visited.holds(b, bits, probe[mine], [w[mine] for w in words])
    assert found[: every[::7].size].all() and not found[every[::7].size :].any()
    if exact:  # the same fingerprint with another state's words: not held
        other = [every[::7] ^ np.uint64(0x7777)]
        bucket = (every[::7] >> np.uint64(64 - bits)).astype(np.intp)
        for b in range(1 << bits):
            mine = np.flatnonzero(bucket == b)
            assert not visited.holds(b, bits, every[::7][mine], [other[0][mine]]).any()
    visited.close()
    assert list(tmp_path.iterdir()) == []


def test_buckets_are_a_piece_of_the_budget_each() -> None:
    """A level of 100 M candidates of 6 words (5.8 GiB) in a process with 2.7 GiB: pieces of
    86 MiB, so 2^7 buckets; a small level, one bucket; a large visited set counts too; never
    more buckets than a run's index tells apart."""
    assert bucket_bits(100_000_000, 6, 0, False, 2_700 << 20) == 7
    assert bucket_bits(1_000, 6, 0, False, 2_700 << 20) == 0
    assert bucket_bits(1_000, 6, 1_000_000_000, True, 2_700 << 20) == 8
    assert bucket_bits(10**12, 6, 0, False, 1 << 20) == spill.MAX_BUCKET_BITS
