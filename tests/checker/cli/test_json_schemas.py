"""`--json -` on every command that reports a result: for each, an input that holds and one that
fails (and an error), run through the command line; stdout holds one JSON object (the human
report goes to stderr) that its schema, `checker/schemas/<command>-result.schema.json`,
accepts, and the exit code is the `ExitCode` of the outcome."""

from __future__ import annotations

import json
from importlib import resources
from pathlib import Path
from typing import Any

import jsonschema
import pytest
from click.testing import CliRunner

from checker.cli import main
from checker.errors import ExitCode
from tests.checker.inputs import event_log, history
from tests.conftest import ROOT

MAPPING = "proofs/paxos_refines_voting.py:paxos_to_voting"
INVARIANT = "proofs/paxos_refines_voting.py:PaxosRefinementInvariant"
DRIVER = "tests/conformance/paxos_driver.py:PaxosDriver"
LOG_MAPPING = "tests/conformance/multipaxos_log.py:MultiPaxosLog"
REFINE_ABSTRACT = ("spec/lamport_voting.py", "--mapping", MAPPING, "-p", "max_ballot=1")
CONFORM = ("spec/paxos.py", "--driver", DRIVER, "-p", "max_ballot=1", "--paths", "random",
           "--walks", "30")  # fmt: skip
COMMANDS = ("check", "prove", "bmc", "refine", "diff", "conform", "validate", "linearizable")


def schema(command: str) -> dict[str, Any]:
    text = resources.files("checker").joinpath(f"schemas/{command}-result.schema.json")
    return json.loads(text.read_text())  # type: ignore[no-any-return]


@pytest.fixture(autouse=True)
def _at_the_root(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(ROOT)


def run_json(*args: str) -> tuple[int, dict[str, Any], str]:
    """`paxoscope ARGS --json -`: the exit code, the JSON object on stdout, and stderr."""
    result = CliRunner().invoke(main, [*args, "--json", "-"])
    assert result.exception is None or isinstance(result.exception, SystemExit), result.output
    lines = result.stdout.splitlines()
    assert len(lines) == 1, result.stdout  # only the JSON: the report went to stderr
    return result.exit_code, json.loads(lines[0]), result.stderr


# (command, arguments that hold, arguments that fail, the failing `result`)
CASES: list[tuple[str, tuple[str, ...], tuple[str, ...], str]] = [
    (
        "check",
        ("spec.paxos", "-p", "max_ballot=1", "--no-progress"),
        ("spec/mutants/paxos_minority_quorums.py", "--no-progress"),
        "violation",
    ),
    (
        "prove",
        ("proofs.voting",),
        ("proofs/voting.py", "--spec", "spec/mutants/voting_vote_in_left_round.py"),
        "failed",
    ),
    (
        "bmc",
        ("spec.paxos", "-k", "3", "-p", "max_ballot=1"),
        ("spec/mutants/paxos_promise_not_kept.py", "-k", "2"),
        "violation",
    ),
    (
        "refine",
        ("spec/paxos.py", *REFINE_ABSTRACT),
        ("spec/mutants/paxos_ignore_highest_vote.py", *REFINE_ABSTRACT),
        "violation",
    ),
    (
        "diff",
        ("spec/voting.py", "spec/voting.py", "-p", "rounds=2"),
        ("spec/paxos.py", "spec/mutants/paxos_accept_below_promise.py", "-p", "max_ballot=1"),
        "different",
    ),
    (
        "conform",
        CONFORM,
        (*CONFORM, "--option", "faults=unpersisted-promise"),
        "violation",
    ),
]


@pytest.mark.parametrize(("command", "holds", "fails", "failed"), CASES, ids=[c[0] for c in CASES])
def test_json_of_a_holding_and_a_failing_run_matches_its_schema(
    command: str, holds: tuple[str, ...], fails: tuple[str, ...], failed: str
) -> None:
    code, doc, report = run_json(command, *holds)
    assert code == ExitCode.OK, report
    jsonschema.validate(doc, schema(command))
    assert doc["result"] in ("ok", "proved", "same")
    assert report  # the human report, on stderr
    code, doc, report = run_json(command, *fails)
    assert code == ExitCode.VIOLATED, report
    jsonschema.validate(doc, schema(command))
    assert doc["result"] == failed
    with pytest.raises(jsonschema.ValidationError):  # the schema does say something
        jsonschema.validate({**doc, "result": "nonsense"}, schema(command))


def test_validate_json(tmp_path: Path) -> None:
    log = event_log(tmp_path / "events.ndjson", broken=False)
    code, doc, _ = run_json("validate", "spec/multipaxos.py", log, "--mapping", LOG_MAPPING)
    assert code == ExitCode.OK
    jsonschema.validate(doc, schema("validate"))
    assert doc["ok"] is True and doc["failure"] is None
    bad = event_log(tmp_path / "broken.ndjson", broken=True)
    code, doc, _ = run_json("validate", "spec/multipaxos.py", bad, "--mapping", LOG_MAPPING)
    assert code == ExitCode.VIOLATED
    jsonschema.validate(doc, schema("validate"))
    assert doc["result"] == "violation" and doc["failure"]["source"].startswith(bad)


def test_linearizable_json(tmp_path: Path) -> None:
    ok = history(tmp_path / "ok.ndjson", stale=False)
    code, doc, _ = run_json("linearizable", ok, "--model", "kv")
    assert code == ExitCode.OK
    jsonschema.validate(doc, schema("linearizable"))
    stale = history(tmp_path / "stale.ndjson", stale=True)
    code, doc, _ = run_json("linearizable", stale, "--model", "kv")
    assert code == ExitCode.VIOLATED
    jsonschema.validate(doc, schema("linearizable"))
    assert doc["verdict"] == "illegal" and "explanation" in doc
    code, doc, _ = run_json("linearizable", ok, "--model", "kv", "--timeout", "1e-9")
    assert code == ExitCode.UNKNOWN  # unknown is not a success
    jsonschema.validate(doc, schema("linearizable"))
    assert doc["result"] == "unknown"


def test_refine_json_carries_the_proof() -> None:
    code, doc, _ = run_json(
        "refine", "spec/paxos.py", "spec/lamport_voting.py", "--mapping", MAPPING,
        "-p", "max_ballot=1", "--prove", INVARIANT,
    )  # fmt: skip
    assert code == ExitCode.OK
    jsonschema.validate(doc, schema("refine"))
    jsonschema.validate(doc["proof"], schema("prove"))
    assert doc["proof"]["result"] == "proved"


ERRORS: list[tuple[str, ...]] = [
    ("check", "spec/nope.py", "--no-progress"),
    ("prove", "proofs/nope.py"),
    ("bmc", "spec/nope.py", "-k", "1"),
    ("refine", "spec/nope.py", "spec/lamport_voting.py", "--mapping", MAPPING),
    ("diff", "spec/nope.py", "spec/paxos.py"),
    ("conform", "spec/paxos.py", "--driver", DRIVER, "--option", "faults"),
    ("validate", "spec/multipaxos.py", "nope.ndjson", "--mapping", LOG_MAPPING),
    ("linearizable", "nope.ndjson", "--model", "kv"),
]


@pytest.mark.parametrize("args", ERRORS, ids=[e[0] for e in ERRORS])
def test_an_error_is_json_too(args: tuple[str, ...]) -> None:
    code, doc, report = run_json(*args)
    assert code == ExitCode.ERROR
    jsonschema.validate(doc, schema(args[0]))
    assert doc["result"] == "error" and doc["error"] in " ".join(report.split())


def test_every_command_with_a_result_has_json_and_a_schema() -> None:
    with_json = sorted(
        name
        for name, command in main.commands.items()
        if any(p.name == "json_target" for p in command.params)
    )
    assert with_json == sorted(COMMANDS)
    for command in COMMANDS:
        s = schema(command)
        jsonschema.Draft202012Validator.check_schema(s)
        assert s["title"] == f"paxoscope {command} --json"
        error = {"result": "error", "error": "something is wrong"}
        jsonschema.validate(error, s)  # every command reports an error the same way


def test_the_itf_traces_are_described_once() -> None:
    itf = schema("check")["$defs"]["itf"]
    assert schema("bmc")["$defs"]["itf"] == itf
    assert schema("refine")["$defs"]["itf"] == itf
