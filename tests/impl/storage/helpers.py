"""Records to store and ways to damage the files they are stored in."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from hypothesis import strategies as st

from impl.paxos.types import (
    Ballot,
    Chosen,
    Command,
    Entry,
    Promised,
    Record,
    Recovering,
    Vote,
    Voted,
)

ballots: st.SearchStrategy[Ballot] = st.tuples(st.integers(1, 9), st.integers(1, 3))
slots = st.integers(1, 20)
batches = st.lists(
    st.builds(
        Command,
        client_id=st.integers(1, 3),
        seq=st.integers(1, 50),
        acked=st.integers(0, 5),
        op=st.binary(max_size=6),
    ),
    max_size=3,
).map(tuple)
records: st.SearchStrategy[Record] = st.one_of(
    st.builds(Promised, ballots),
    st.builds(Voted, st.builds(Vote, slots, ballots, batches)),
    st.builds(Chosen, st.builds(Entry, slots, batches)),
    st.builds(Recovering, st.booleans()),
)


def sample_records(n: int) -> list[Record]:
    """A fixed, varied run of records for tests that need no search."""
    out: list[Record] = []
    for i in range(1, n + 1):
        batch = (Command(client_id=1, seq=i, acked=i - 1, op=b"op%d" % i),)
        out.append(Promised((i, 1)))
        out.append(Voted(Vote(i, (i, 1), batch)))
        out.append(Chosen(Entry(i, batch)))
    return out


def segments(log_dir: Path) -> list[Path]:
    return sorted(p for p in log_dir.iterdir() if not p.name.endswith(".tmp"))


def cut(path: Path, size: int) -> None:
    with path.open("r+b") as file:
        file.truncate(size)


def flip(path: Path, offset: int, mask: int = 0xFF) -> None:
    data = bytearray(path.read_bytes())
    data[offset] ^= mask
    path.write_bytes(bytes(data))


def counting(real: Callable[[int], None], calls: list[int]) -> Callable[[int], None]:
    """`real` (an fsync), noting each call's file descriptor in `calls`."""

    def count(fd: int) -> None:
        calls.append(fd)
        real(fd)

    return count
