"""Histories: what concurrent clients asked, what they were told, and when.

An `Operation` is one client's request: its input, its output, the time it was called and the
time it returned. An operation whose output is unknown (`UNKNOWN`: the client crashed, timed out
or gave up) may or may not have taken effect, at any time after its call — even after the client
gave up — so the checker treats it as never returning; `ret` is then only the time the client
stopped waiting (infinity if it never did), kept for the report.

On disk a history is NDJSON, one operation per line, or a JSON array of the same objects:

    {"client": "c1", "call": 10, "return": 14, "op": {"f": "put", "key": "x", "value": 1},
     "result": {}}
    {"client": "c2", "call": 12, "return": null, "op": {"f": "get", "key": "x"}}

`client` is a string or an integer; `call` and `return` are numbers (any unit, ints or floats);
`op` is the input and `result` the output, both JSON objects whose fields the model defines.
`"return": null` means the operation never returned (its `result` must be null or absent);
`"result": null` with a return time means the client got no answer by then. Definite failures
(the service said the operation did nothing) do not belong in a history: leave them out.
"""

from __future__ import annotations

import json
import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from enum import Enum
from pathlib import Path
from typing import Any, Final, Literal

from checker.errors import PaxoscopeError

Time = int | float
Client = str | int


class Unknown(Enum):
    """The output of an operation whose client never learned it."""

    UNKNOWN = "unknown"

    def __repr__(self) -> str:
        return "UNKNOWN"


UNKNOWN: Final = Unknown.UNKNOWN
MaybeUnknown = Literal[Unknown.UNKNOWN]


class HistoryError(PaxoscopeError):
    """A history that cannot be checked: unreadable, malformed, or not what the model expects.
    The message names the file and line (or the operation's position) and says what to fix."""


@dataclass(frozen=True, eq=False)
class Operation:
    """One call by one client. `output` is `UNKNOWN` when the client never learned it; `ret` is
    infinity when the client never stopped waiting. `source` says where the operation was read
    (`file:line`), for messages."""

    client: Client
    input: Any
    output: Any
    call: Time
    ret: Time = math.inf
    source: str | None = field(default=None, compare=False)

    @property
    def pending(self) -> bool:
        """Did the client never learn the output? Then the operation may take effect at any
        time after its call, or never."""
        return self.output is UNKNOWN

    def where(self, position: int) -> str:
        """Where to point a user at: the file and line, or the operation's position."""
        return self.source if self.source is not None else f"operation {position + 1}"


def validate(history: Sequence[Operation]) -> None:
    """Reject times that make no sense: a call that is not a finite number, a return before
    the call, a known output with no return."""
    for position, op in enumerate(history):
        where = op.where(position)
        if not _is_number(op.call) or not math.isfinite(op.call):
            raise HistoryError(f"{where}: the call time must be a finite number, not {op.call!r}.")
        if not _is_number(op.ret) or math.isnan(op.ret):
            raise HistoryError(f"{where}: the return time must be a number, not {op.ret!r}.")
        if op.ret < op.call:
            raise HistoryError(
                f"{where}: the operation returns at {op.ret}, before its call at {op.call}; "
                "an operation cannot return before it is called (are the two times swapped, "
                "or taken from different clocks?)."
            )
        if op.ret == math.inf and not op.pending:
            raise HistoryError(
                f"{where}: the operation has an output but never returns; give its return time, "
                "or make its output unknown if the client never learned it."
            )


def _is_number(value: object) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


_FIELDS = ("client", "call", "return", "op", "result")


def operation_from_json(record: object, where: str) -> Operation:
    """One history record (a parsed JSON object) as an `Operation`; `where` names it in errors."""
    if not isinstance(record, dict):
        raise HistoryError(
            f"{where}: expected an operation object like "
            '{"client": "c1", "call": 0, "return": 5, "op": {...}, "result": {...}}, '
            f"but found {_json_kind(record)}."
        )
    unknown = sorted(set(record) - set(_FIELDS))
    if unknown:
        raise HistoryError(
            f"{where}: unknown field(s) {', '.join(repr(k) for k in unknown)}; an operation has "
            f"exactly {', '.join(repr(k) for k in _FIELDS)} (`result` may be left out when the "
            "operation never returned)."
        )
    missing = [k for k in ("client", "call", "return", "op") if k not in record]
    if missing:
        raise HistoryError(
            f"{where}: missing field(s) {', '.join(repr(k) for k in missing)}; give `return` as "
            "null if the operation never returned."
        )
    client = record["client"]
    if not isinstance(client, str | int) or isinstance(client, bool):
        raise HistoryError(
            f"{where}: `client` must be a string or an integer, not {_json_kind(client)}."
        )
    call = record["call"]
    if not _is_number(call) or not math.isfinite(call):
        raise HistoryError(f"{where}: `call` must be a number, not {_json_kind(call)}.")
    ret = record["return"]
    if ret is not None and (not _is_number(ret) or not math.isfinite(ret)):
        raise HistoryError(f"{where}: `return` must be a number or null, not {_json_kind(ret)}.")
    op = record["op"]
    if not isinstance(op, dict):
        raise HistoryError(
            f"{where}: `op` must be an object (the operation's input), not {_json_kind(op)}."
        )
    if ret is None:
        if record.get("result") is not None:
            raise HistoryError(
                f"{where}: the operation has a `result` but its `return` is null; an operation "
                "that never returned has no result (give its return time, or drop the result)."
            )
        output: Any = UNKNOWN
        ret = math.inf
    else:
        if "result" not in record:
            raise HistoryError(
                f"{where}: the operation returned at {ret} but has no `result`; give the result, "
                'or "result": null if the client never learned it.'
            )
        result = record["result"]
        if result is not None and not isinstance(result, dict):
            raise HistoryError(
                f"{where}: `result` must be an object or null, not {_json_kind(result)}."
            )
        output = UNKNOWN if result is None else result
        if ret < call:
            raise HistoryError(
                f"{where}: `return` ({ret}) is before `call` ({call}); an operation cannot "
                "return before it is called (are the two swapped?)."
            )
    return Operation(client=client, input=op, output=output, call=call, ret=ret, source=where)


def parse_history(text: str, source: str = "<history>") -> list[Operation]:
    """Operations from NDJSON (one object per line; blank lines are skipped) or from a JSON
    array of objects. Errors name `source` and the line."""
    stripped = text.lstrip()
    if stripped.startswith("["):
        return _parse_array(text, source)
    ops = []
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        where = f"{source}:{number}"
        try:
            record = json.loads(line)
        except json.JSONDecodeError as error:
            raise HistoryError(
                f"{where}: not valid JSON ({error.msg} at column {error.colno}); a history has "
                "one operation object per line, or is one JSON array of them."
            ) from None
        ops.append(operation_from_json(record, where))
    return ops


def _parse_array(text: str, source: str) -> list[Operation]:
    decoder = json.JSONDecoder()
    index = text.index("[") + 1
    ops: list[Operation] = []

    def line_of(i: int) -> int:
        return text.count("\n", 0, i) + 1

    def skip(i: int) -> int:
        while i < len(text) and text[i] in " \t\r\n":
            i += 1
        return i

    index = skip(index)
    if index < len(text) and text[index] == "]":
        index += 1
    else:
        while True:
            where = f"{source}:{line_of(index)}"
            try:
                record, index = decoder.raw_decode(text, index)
            except json.JSONDecodeError as error:
                raise HistoryError(
                    f"{source}:{error.lineno}: not valid JSON ({error.msg} at column "
                    f"{error.colno})."
                ) from None
            ops.append(operation_from_json(record, where))
            index = skip(index)
            if index < len(text) and text[index] == ",":
                index = skip(index + 1)
                continue
            if index < len(text) and text[index] == "]":
                index += 1
                break
            raise HistoryError(
                f"{source}:{line_of(index)}: expected `,` or `]` after an operation in the "
                "history's JSON array."
            )
    if text[index:].strip():
        raise HistoryError(f"{source}:{line_of(index)}: unexpected text after the JSON array.")
    return ops


def read_history(path: str | Path) -> list[Operation]:
    """Operations of a history file (NDJSON or a JSON array); errors name the file and line."""
    try:
        text = Path(path).read_text(encoding="utf-8")
    except OSError as error:
        raise HistoryError(f"cannot read the history {path}: {error.strerror}.") from None
    except UnicodeDecodeError:
        raise HistoryError(f"cannot read the history {path}: it is not UTF-8 text.") from None
    return parse_history(text, str(path))


def operation_to_json(op: Operation) -> dict[str, Any]:
    """The record `parse_history` reads back as `op` (for histories made in code)."""
    record: dict[str, Any] = {
        "client": op.client,
        "call": op.call,
        "return": None if op.ret == math.inf else op.ret,
        "op": op.input,
    }
    if op.ret != math.inf:
        record["result"] = None if op.pending else op.output
    return record


def write_history(history: Sequence[Operation]) -> str:
    """A history as NDJSON text."""
    return "".join(json.dumps(operation_to_json(op)) + "\n" for op in history)


def _json_kind(value: object) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return f"the boolean {json.dumps(value)}"
    if isinstance(value, int | float):
        return f"the number {value}"
    if isinstance(value, str):
        return f"the string {json.dumps(value)}"
    if isinstance(value, list):
        return "an array"
    if isinstance(value, dict):
        return "an object"
    return type(value).__name__
