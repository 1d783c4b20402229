"""Linearizability of recorded concurrent client histories (the bar: Porcupine, Knossos).

What the room offers:

- `history`: `Operation` (client, input, output, call and return time; `UNKNOWN` output for a
  client that never learned it), `read_history` / `parse_history` for NDJSON or JSON-array
  files, `HistoryError` (one paragraph naming the file and line).
- `model`: the sequential-model interface `Model` (Porcupine's: `init`, `step`, `partition` for
  P-compositionality, `state_key`, `read_only`, descriptions), `DeterministicModel`, and
  `FrozenMap`, an immutable dict with an incremental hash for states.
- `kv`: `KvModel`, registers by key (put/get/delete/cas), partitioned by key.
- `znode`: `ZnodeModel`, ZooKeeper's data tree (create with sequential/ephemeral flags, delete,
  setData, getData, exists, getChildren, versions and error codes), partitioned by top-level
  subtree when no operation observes the root.
- `search`: Wing & Gong's search with Lowe's cache, as in Porcupine, plus the handling of
  operations that never returned.
- `check`: `check_history(history, model, timeout=None) -> CheckResult`, `model_named`.
- `result`: `CheckResult` (`ok` | `illegal` | `unknown`, per-partition results, explanation),
  `PartitionResult`, `Explanation`, `Attempt`.
- `explain`, `render`: the explanation of an illegal partition — the longest linearizable
  prefix found and the operations that could not be placed after it — as text with a timeline
  (`render_text`) or a self-contained HTML page with an SVG timeline (`render_html`).

This room imports nothing from `impl/`, `spec/` or `proofs/`.
"""

from checker.linearizability.check import MODELS, check_history, model_named
from checker.linearizability.history import (
    UNKNOWN,
    HistoryError,
    Operation,
    parse_history,
    read_history,
    write_history,
)
from checker.linearizability.kv import KvModel
from checker.linearizability.model import DeterministicModel, FrozenMap, Model
from checker.linearizability.render import render_html, render_text
from checker.linearizability.result import (
    Attempt,
    CheckResult,
    Explanation,
    PartitionResult,
    Verdict,
)
from checker.linearizability.znode import ZnodeModel

__all__ = [
    "MODELS",
    "UNKNOWN",
    "Attempt",
    "CheckResult",
    "DeterministicModel",
    "Explanation",
    "FrozenMap",
    "HistoryError",
    "KvModel",
    "Model",
    "Operation",
    "PartitionResult",
    "Verdict",
    "ZnodeModel",
    "check_history",
    "model_named",
    "parse_history",
    "read_history",
    "render_html",
    "render_text",
    "write_history",
]
