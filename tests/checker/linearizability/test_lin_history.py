"""Reading histories: NDJSON and JSON arrays, operations that never returned, and one-paragraph
errors that name the file and line."""

from __future__ import annotations

import math
from pathlib import Path

import pytest

from checker.errors import PaxoscopeError
from checker.linearizability import (
    UNKNOWN,
    HistoryError,
    Operation,
    check_history,
    parse_history,
    read_history,
    write_history,
)

NDJSON = """\
{"client": "c1", "call": 0, "return": 5, "op": {"f": "put", "key": "x", "value": 1}, "result": {}}

{"client": 2, "call": 1.5, "return": null, "op": {"f": "put", "key": "x", "value": 2}}
{"client": "c3", "call": 6, "return": 9, "op": {"f": "get", "key": "x"}, "result": {"value": 2}}
{"client": "c4", "call": 7, "return": 8, "op": {"f": "get", "key": "x"}, "result": null}
"""


def test_ndjson_is_read_with_sources_and_unknown_outputs(tmp_path: Path) -> None:
    path = tmp_path / "h.ndjson"
    path.write_text(NDJSON)
    ops = read_history(path)
    assert [op.client for op in ops] == ["c1", 2, "c3", "c4"]
    assert [op.source for op in ops] == [f"{path}:1", f"{path}:3", f"{path}:4", f"{path}:5"]
    assert ops[0].output == {} and ops[0].ret == 5 and not ops[0].pending
    # never returned: infinite return, unknown output
    assert ops[1].pending and ops[1].ret == math.inf and ops[1].output is UNKNOWN
    assert ops[1].call == 1.5
    # returned without an answer (a timeout): unknown output, the time it gave up is kept
    assert ops[3].pending and ops[3].ret == 8
    assert check_history(ops, "kv").verdict == "ok"


def test_json_array_lines_are_named_per_element(tmp_path: Path) -> None:
    path = tmp_path / "h.json"
    path.write_text(
        "[\n"
        '  {"client": "a", "call": 0, "return": 1, "op": {"f": "get", "key": "k"},\n'
        '   "result": {"value": null}},\n'
        '  {"client": "b", "call": 2, "return": 3, "op": {"f": "get", "key": "k"},\n'
        '   "result": {"valu": null}}\n'
        "]\n"
    )
    ops = read_history(path)
    assert [op.source for op in ops] == [f"{path}:2", f"{path}:4"]
    with pytest.raises(HistoryError, match=rf"^{path}:4: the result of kv `get` is"):
        check_history(ops, "kv")
    assert parse_history("[]") == []
    assert parse_history("  \n") == []


@pytest.mark.parametrize(
    ("line", "message"),
    [
        ("{not json", r"h:2: not valid JSON .* one operation object per line"),
        ("[1]", r"h:2: expected an operation object"),
        ('{"client": "c", "call": 0, "return": 1, "op": {}, "result": {}, "x": 1}', r"'x'"),
        ('{"client": "c", "call": 0, "op": {}}', r"missing field\(s\) 'return'"),
        ('{"client": true, "call": 0, "return": 1, "op": {}, "result": {}}', r"`client`"),
        ('{"client": "c", "call": "0", "return": 1, "op": {}, "result": {}}', r"`call`"),
        ('{"client": "c", "call": 0, "return": 1, "op": [], "result": {}}', r"`op` must be"),
        ('{"client": "c", "call": 0, "return": 1, "op": {}}', r"has no `result`"),
        ('{"client": "c", "call": 0, "return": null, "op": {}, "result": {}}', r"never returned"),
        ('{"client": "c", "call": 5, "return": 1, "op": {}, "result": {}}', r"before `call`"),
        ('{"client": "c", "call": 0, "return": 1, "op": {}, "result": 3}', r"`result` must"),
    ],
)
def test_malformed_lines_are_named(line: str, message: str) -> None:
    good = '{"client": "c", "call": 0, "return": 1, "op": {"f": "get", "key": 1}, "result": null}'
    with pytest.raises(HistoryError, match=message) as info:
        parse_history(good + "\n" + line + "\n", "h")
    text = str(info.value)
    assert text.startswith("h:2: ") and "\n" not in text
    assert isinstance(info.value, PaxoscopeError)  # the command line turns it into exit code 2


def test_an_unreadable_file_is_a_history_error(tmp_path: Path) -> None:
    with pytest.raises(HistoryError, match="cannot read the history"):
        read_history(tmp_path / "missing.ndjson")
    bad = tmp_path / "bad.json"
    bad.write_text('[{"client": "c", "call": 0, "return": 1, "op": {}, "result": {}} {}]')
    with pytest.raises(HistoryError, match=r"bad.json:1: expected `,` or `\]`"):
        read_history(bad)


def test_model_errors_name_the_operation(tmp_path: Path) -> None:
    path = tmp_path / "h.ndjson"
    path.write_text(
        '{"client": "c", "call": 0, "return": 1, "op": {"f": "get", "key": 1}, '
        '"result": {"value": 1}}\n'
        '{"client": "c", "call": 2, "return": 3, "op": {"f": "incr", "key": 1}, "result": {}}\n'
    )
    with pytest.raises(HistoryError, match=rf"^{path}:2: the kv model has no operation \"incr\""):
        check_history(path, "kv")
    # built in code, an operation is named by its position
    ops = [Operation("c", {"f": "put", "key": "k"}, {}, 0, 1)]
    with pytest.raises(HistoryError, match=r"^operation 1: kv `put` takes `key`, `value`"):
        check_history(ops, "kv")


def test_times_are_validated_for_histories_built_in_code() -> None:
    get = {"f": "get", "key": "k"}
    with pytest.raises(HistoryError, match=r"operation 2: the operation returns at 1, before"):
        check_history(
            [Operation("a", get, {"value": None}, 0, 1), Operation("b", get, {}, 3, 1)], "kv"
        )
    with pytest.raises(HistoryError, match="has an output but never returns"):
        check_history([Operation("a", get, {"value": None}, 0)], "kv")
    with pytest.raises(HistoryError, match="call time must be a finite number"):
        check_history([Operation("a", get, UNKNOWN, math.inf)], "kv")


def test_write_history_round_trips() -> None:
    ops = parse_history(NDJSON)
    again = parse_history(write_history(ops))
    assert [(o.client, o.input, o.output, o.call, o.ret) for o in again] == [
        (o.client, o.input, o.output, o.call, o.ret) for o in ops
    ]
