"""Checkpoints of a breadth-first search, so that a long run killed (even with kill -9) resumes
where it was and ends with the same counts and the same counterexample.

A checkpoint directory holds three files:

- `states.bin`: every stored state, fixed-width little-endian, in the order found;
- `parents.bin`: the index of each state's parent (int64, -1 for an initial state);
- `meta.json`: what run this is (`identity`), how many states the two files hold (`stored`),
  and the search's position and counters at the level boundary it was taken.

Checkpoints are taken at level boundaries only: every state of the levels explored so far and
of the next level is stored, so the search resumes by expanding that next level. The two data
files only grow (each checkpoint appends the new states and fsyncs them), and `meta.json` is
replaced atomically after that, so a crash at any moment leaves the last complete checkpoint:
bytes appended after it are cut off on resume.
"""

from __future__ import annotations

import hashlib
import json
import os
from array import array
from collections.abc import Callable
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from checker.errors import UsageError

FORMAT = 1

# records(first): the bytes of the states from index `first` on, and of their parents' indices.
Records = Callable[[int], tuple[bytes, bytes]]


@dataclass
class Position:
    """Where a breadth-first search stands at a level boundary, and its counters."""

    cursor: int  # the first state of the level to expand next
    depth: int  # the depth of the states before `cursor`'s level (that level is depth + 1)
    transitions: int
    max_seen_depth: int
    coverage: list[tuple[int, int]]  # per action: (fired, distinct)
    complete: bool = True  # False once a depth bound left a state unexpanded


def identity(spec_name: str, source: str, settings: dict[str, Any]) -> dict[str, Any]:
    """What must match for a checkpoint to be resumed: the spec, the compiled instance (its
    source fixes the parameters and the layout) and the search settings."""
    return {
        "format": FORMAT,
        "spec": spec_name,
        "compiled": hashlib.sha256(source.encode()).hexdigest(),
        **settings,
    }


class Checkpointer:
    def __init__(self, directory: Path, ident: dict[str, Any], state_bits: int) -> None:
        self.directory = Path(directory)
        self.identity = ident
        self.width = max(1, (state_bits + 7) // 8)
        self.stored = 0  # states (and parents) the data files hold up to the last checkpoint

    @property
    def meta_path(self) -> Path:
        return self.directory / "meta.json"

    def start(self) -> None:
        """A fresh run: an empty directory, or one we may overwrite (a checkpoint of a run
        this one replaces)."""
        self.directory.mkdir(parents=True, exist_ok=True)
        for name in ("states.bin", "parents.bin", "meta.json"):
            (self.directory / name).unlink(missing_ok=True)
        self.stored = 0

    def save(self, total: int, records: Records, position: Position) -> None:
        """Append the states found since the last checkpoint (`records(stored)` gives their
        bytes and their parents' bytes; `total` states in all), make them durable, then record
        the position."""
        data, parent_bytes = records(self.stored)
        self._append("states.bin", data, self.stored * self.width)
        self._append("parents.bin", parent_bytes, self.stored * 8)
        meta = {
            "identity": self.identity,
            "stored": total,
            "position": asdict(position),
        }
        tmp = self.meta_path.with_suffix(".tmp")
        with tmp.open("w") as f:
            json.dump(meta, f)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, self.meta_path)
        _fsync_directory(self.directory)
        self.stored = total

    def int_records(self, states: list[int], parents: array[int]) -> Records:
        """`records` for states kept as packed integers (the reference engine)."""

        def records(start: int) -> tuple[bytes, bytes]:
            data = b"".join(s.to_bytes(self.width, "little") for s in states[start:])
            return data, parents[start:].tobytes()

        return records

    def _append(self, name: str, data: bytes, at: int) -> None:
        with (self.directory / name).open("ab") as f:
            f.truncate(at)  # cut what an interrupted checkpoint left after the last one
            f.write(data)
            f.flush()
            os.fsync(f.fileno())

    def load(self) -> tuple[list[int], array[int], Position]:
        """The states, parents and position of the last checkpoint. Raises UsageError (one
        paragraph: what is wrong and what to do) when there is none or it is another run's."""
        raw, parent_bytes, stored, position = self.load_raw()
        w = self.width
        states = [int.from_bytes(raw[i * w : (i + 1) * w], "little") for i in range(stored)]
        parents: array[int] = array("q")
        parents.frombytes(parent_bytes)
        return states, parents, position

    def load_raw(self) -> tuple[bytes, bytes, int, Position]:
        """The last checkpoint as stored: `width` bytes per state (little-endian), 8 per parent,
        the number of states, and the position."""
        where = self.meta_path
        try:
            meta = json.loads(where.read_text())
        except FileNotFoundError:
            raise UsageError(
                f"{self.directory}: no checkpoint to resume (no meta.json); start the run with "
                f"--checkpoint {self.directory} first"
            ) from None
        except (OSError, ValueError) as error:
            raise UsageError(f"{where}: not a readable checkpoint ({error})") from None
        if meta.get("identity") != self.identity:
            differs = sorted(
                key
                for key in set(self.identity) | set(meta.get("identity", {}))
                if self.identity.get(key) != meta.get("identity", {}).get(key)
            )
            raise UsageError(
                f"{self.directory}: the checkpoint is of another run (it differs in "
                f"{', '.join(differs)}); resume it with the spec, parameters and options it was "
                "started with, or start afresh with --checkpoint"
            )
        stored = int(meta["stored"])
        raw = (self.directory / "states.bin").read_bytes()
        parent_bytes = (self.directory / "parents.bin").read_bytes()
        if len(raw) < stored * self.width or len(parent_bytes) < stored * 8:
            raise UsageError(
                f"{self.directory}: states.bin or parents.bin is shorter than meta.json says "
                f"({stored} states); the checkpoint is damaged, start afresh with --checkpoint"
            )
        self.stored = stored
        p = meta["position"]
        position = Position(
            p["cursor"],
            p["depth"],
            p["transitions"],
            p["max_seen_depth"],
            [(fired, distinct) for fired, distinct in p["coverage"]],
            p["complete"],
        )
        return raw[: stored * self.width], parent_bytes[: stored * 8], stored, position


def _fsync_directory(directory: Path) -> None:
    fd = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
