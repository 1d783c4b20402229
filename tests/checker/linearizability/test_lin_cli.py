"""`paxoscope linearizable` as a user runs it: the verdict line, the timeline of a history that is
not linearizable, exit codes (0 linearizable, 1 not, 2 unknown or bad input), --html, --json.

(Named test_lin_cli.py, not test_cli.py: tests/ has no __init__.py files, so a second
test_cli.py would clash with tests/checker/cli/test_cli.py when pytest collects both.)"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import run_cli


def record(
    client: str, call: float, ret: float | None, op: dict[str, Any], result: dict[str, Any] | None
) -> dict[str, Any]:
    return {"client": client, "call": call, "return": ret, "op": op, "result": result}


def ndjson(path: Path, records: list[dict[str, Any]]) -> str:
    path.write_text("".join(json.dumps(r) + "\n" for r in records))
    return str(path)


def put(client: str, value: int, call: float, ret: float) -> dict[str, Any]:
    return record(client, call, ret, {"f": "put", "key": "x", "value": value}, {})


def get(client: str, value: int | None, call: float, ret: float, key: str = "x") -> dict[str, Any]:
    return record(client, call, ret, {"f": "get", "key": key}, {"value": value})


ZNODE_OK = [
    record("c1", 0, 10, {"f": "create", "path": "/a", "data": "v0"}, {"path": "/a"}),
    record("c2", 5, 12, {"f": "getData", "path": "/a"}, {"data": "v0", "version": 0}),
    record(
        "c1", 11, 20, {"f": "setData", "path": "/a", "data": "v1", "version": 0}, {"version": 1}
    ),
    record("c3", 1, 3, {"f": "exists", "path": "/b"}, {"exists": False}),
    record("c3", 4, None, {"f": "create", "path": "/b"}, None),  # never returned
]

# c3 reads nil after c2 read 1 and c1's put of 1 returned: a stale read.
STALE_READ = [put("c1", 1, 0, 10), get("c2", 1, 2, 5), get("c3", None, 6, 8)]


def stale_read(tmp_path: Path) -> str:
    return ndjson(tmp_path / "stale.ndjson", STALE_READ)


def test_a_linearizable_history_exits_0(tmp_path: Path) -> None:
    history = tmp_path / "ok.json"  # a JSON array, one operation per line
    history.write_text("[\n" + ",\n".join(json.dumps(r) for r in ZNODE_OK) + "\n]\n")
    result = run_cli("linearizable", str(history), "--model", "znode")
    assert result.returncode == 0, result.stderr
    first, *rest = result.stdout.splitlines()
    assert first.startswith(f"LINEARIZABLE: {history} (znode): 5 operations, 2 partitions, ")
    assert first.endswith(" s") and rest == []
    assert result.stderr == ""


def test_a_history_that_is_not_linearizable_exits_1_with_the_timeline(tmp_path: Path) -> None:
    history = stale_read(tmp_path)
    result = run_cli("linearizable", history, "--model", "kv")
    assert result.returncode == 1, result.stderr
    out = result.stdout
    assert out.startswith(f"NOT LINEARIZABLE: {history} (kv): 3 operations, 1 partition, ")
    assert "linearizability (kv)" not in out  # render_text's summary is not repeated
    assert 'key "x" (3 operations) is not linearizable.' in out
    assert '!#3 c3: get("x") -> nil  the model answers 1' in out
    assert "timeline of the window 0..10" in out
    assert "[!!!!#3!!!!!]" in out  # the bar of the operation that could not be placed
    assert "COULD NOT BE PLACED" in out


def test_a_timeout_is_unknown_and_exits_2_never_0(tmp_path: Path) -> None:
    # sixteen concurrent writes, then a read of a value nobody wrote: every order of every subset
    hard = [put(f"c{k}", k, 0, 100) for k in range(16)]
    hard += [get("r", -1, 101, 102), get("r", None, 0, 1, key="y")]
    result = run_cli(
        "linearizable", ndjson(tmp_path / "hard.ndjson", hard), "--model", "kv", "--timeout", "0.2"
    )
    assert result.returncode == 2, result.stdout + result.stderr
    assert result.stdout.startswith("UNKNOWN: ")
    assert "timed out after 0.2 s" in result.stdout and "not a proof" in result.stdout
    assert 'key "x": 17 operations, at best' in result.stdout
    # a linearizable history whose timeout expires at once is unknown too, not linearizable
    ok = ndjson(tmp_path / "ok.ndjson", ZNODE_OK)
    tiny = run_cli("linearizable", ok, "--model", "znode", "--timeout", "1e-9")
    assert tiny.returncode == 2
    assert "UNKNOWN" in tiny.stdout and "timed out" in tiny.stdout


@pytest.mark.parametrize(
    ("content", "model", "expected"),
    [
        (
            json.dumps(put("c1", 1, 0, 1)) + '\n{"client": "c2", "call": 2 "return": 3}\n',
            "kv",
            "{path}:2: not valid JSON",
        ),
        (
            json.dumps(put("c1", 1, 0, 1)) + "\n\n" + json.dumps(put("c2", 2, 5, 3)) + "\n",
            "kv",
            "{path}:3: `return` (3) is before `call` (5)",
        ),
        (
            json.dumps(record("c1", 0, 1, {"f": "mkdir", "path": "/a"}, {})) + "\n",
            "znode",
            "{path}:1: the znode model has no operation",
        ),
        (json.dumps(put("c1", 1, 0, 1)) + "\n", "etcd", "there is no linearizability model `etcd`"),
    ],
    ids=["bad-json", "return-before-call", "unknown-operation", "unknown-model"],
)
def test_bad_input_exits_2_naming_file_and_line(
    tmp_path: Path, content: str, model: str, expected: str
) -> None:
    history = tmp_path / "history.ndjson"
    history.write_text(content)
    result = run_cli("linearizable", str(history), "--model", model)
    assert result.returncode == 2
    assert result.stderr.startswith("error: ")
    assert expected.format(path=history) in result.stderr.replace("\n", " ")
    assert "Traceback" not in result.stderr and result.stdout == ""


def test_an_unreadable_history_exits_2(tmp_path: Path) -> None:
    result = run_cli("linearizable", str(tmp_path / "missing.ndjson"), "--model", "kv")
    assert result.returncode == 2
    assert f"cannot read the history {tmp_path / 'missing.ndjson'}" in result.stderr
    assert "Traceback" not in result.stderr


def test_html_writes_the_report_with_an_svg_timeline(tmp_path: Path) -> None:
    report = tmp_path / "report.html"
    result = run_cli("linearizable", stale_read(tmp_path), "--model", "kv", "--html", str(report))
    assert result.returncode == 1
    assert f"report written to {report}" in result.stdout
    page = report.read_text()
    assert page.startswith("<!DOCTYPE html>") and "<svg" in page
    assert "stale.ndjson: paxoscope linearizable" in page


def test_json_prints_one_object_on_stdout(tmp_path: Path) -> None:
    history = stale_read(tmp_path)
    result = run_cli("linearizable", history, "--model", "kv", "--json", "-")
    assert result.returncode == 1
    doc = json.loads(result.stdout)  # stdout holds only the JSON; the report goes to stderr
    assert "NOT LINEARIZABLE" in result.stderr
    assert doc["verdict"] == "illegal" and doc["result"] == "violation"
    assert (doc["history"], doc["model"], doc["operations"]) == (history, "kv", 3)
    assert [(p["name"], p["verdict"], p["operations"]) for p in doc["partitions"]] == [
        ('key "x"', "illegal", 3)
    ]
    assert isinstance(doc["seconds"], float)
    blocked = doc["explanation"]["blocked"]
    assert (blocked["number"], blocked["source"]) == (3, f"{history}:3")

    ok = run_cli(
        "linearizable", ndjson(tmp_path / "ok.ndjson", ZNODE_OK), "--model", "znode", "--json", "-"
    )
    assert ok.returncode == 0
    doc = json.loads(ok.stdout)
    assert doc["verdict"] == "ok" and "explanation" not in doc
    assert sorted(p["name"] for p in doc["partitions"]) == ["subtree /a", "subtree /b"]
    assert all(p["verdict"] == "ok" for p in doc["partitions"])

    bad = run_cli("linearizable", str(tmp_path / "missing.ndjson"), "--model", "kv", "--json", "-")
    assert bad.returncode == 2
    assert json.loads(bad.stdout)["result"] == "error"
