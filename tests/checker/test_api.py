"""The library facade `checker.api`: for each command, a case that holds and one that fails —
`ok`, `exit_code`, JSON-serialisable `to_json()` with the expected keys, and `text()` equal to
what the command line prints for the same input. Bad input raises UsageError, as the command
line reports it with exit code 2."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import CliRunner

from checker import api
from checker.cli import main
from checker.errors import PaxoscopeError, UsageError
from tests.checker.inputs import event_log, history
from tests.conftest import ROOT

MAPPING = "proofs/paxos_refines_voting.py:paxos_to_voting"
DRIVER = "tests/conformance/paxos_driver.py:PaxosDriver"
CHECK_KEYS = {"spec", "params", "result", "distinct_states", "depth", "coverage", "never_fired"}


@pytest.fixture(autouse=True)
def _at_the_root(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(ROOT)  # the outputs name spec files relative to the working directory


def _timeless(text: str) -> str:
    """Output with its timings blanked: two runs take different times."""
    text = re.sub(r"\d+\.\d+ s\b", "T s", text)
    return re.sub(r"[\d,]+ states/s", "N states/s", text)


def cli(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(main, list(args))
    assert result.exception is None or isinstance(result.exception, SystemExit), result.output
    return result.exit_code, result.stdout


def same_as_cli(outcome: api.Outcome, *args: str) -> dict[str, object]:
    """The outcome says what the command says: exit code, text; and its JSON is JSON."""
    code, out = cli(*args)
    assert code == outcome.exit_code
    assert _timeless(out) == _timeless(outcome.text() + "\n")
    doc = outcome.to_json()
    json.dumps(doc)
    assert doc["result"] in ("ok", "violation", "unknown", "proved", "failed", "same", "different")
    return doc


def test_the_documented_one_liner() -> None:
    code = (
        "from checker import api; r = api.check('spec.paxos', params={'max_ballot': 1}); "
        "print(r.ok, r.distinct_states)"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True
    )
    assert out.stdout == "True 3921\n"


def test_check_holds() -> None:
    r = api.check("spec.paxos", {"max_ballot": 1})
    assert r.ok and r.exit_code == 0 and r.distinct_states == 3921 and r.violated is None
    doc = same_as_cli(r, "check", "spec.paxos", "-p", "max_ballot=1", "--no-progress")
    assert CHECK_KEYS <= set(doc) and doc["result"] == "ok"
    _, out = cli("check", "spec.paxos", "-p", "max_ballot=1", "--json", "-", "--no-progress")
    cli_doc = json.loads(out)
    for volatile in ("seconds", "states_per_second"):
        cli_doc.pop(volatile), doc.pop(volatile)
    assert cli_doc == doc  # the JSON `--json` prints


def test_check_violated() -> None:
    r = api.check("spec/mutants/paxos_minority_quorums.py")
    assert not r.ok and r.exit_code == 1 and r.violated == "agreement"
    doc = same_as_cli(r, "check", "spec/mutants/paxos_minority_quorums.py", "--no-progress")
    assert doc["result"] == "violation" and doc["property"] == "agreement" and "trace" in doc
    assert "VIOLATION: invariant agreement is violated after 8 step(s):" in r.text()


def test_check_options_and_workers() -> None:
    from checker.explicit.contract import default_workers

    r = api.check("spec.paxos", ["max_ballot=1"], workers=1, mode="dfs", invariants=["agreement"])
    assert r.ok and r.report.engine.options.workers == 1
    assert r.report.result.invariants == ["agreement"]
    assert api.resolve_workers("auto", "bfs", "vector", None) == default_workers(
        "bfs", "vector", None
    )
    assert api.resolve_workers("auto", "dfs", "vector", None) == 1
    assert api.resolve_workers("auto", "bfs", "reference", None) == 1


@pytest.mark.parametrize(
    ("call", "args", "message"),
    [
        (lambda: api.check("spec.paxos", invariants=["nope"]), ["--invariant", "nope"], "nope"),
        (
            lambda: api.check("spec.paxos", mode="dfs", workers=2),
            ["--mode", "dfs", "--workers", "2"],
            "--workers 2 works only with the vector engine",
        ),
        (lambda: api.check("spec.paxos", ["max_ballot=x"]), ["-p", "max_ballot=x"], "integer"),
        (
            lambda: api.check("spec.paxos", checkpoint="/tmp/a", resume="/tmp/b"),
            ["--checkpoint", "/tmp/a", "--resume", "/tmp/b"],
            "give one directory",
        ),
    ],
)
def test_check_bad_input_raises_what_the_cli_reports(
    call: Callable[[], object], args: list[str], message: str
) -> None:
    with pytest.raises(UsageError, match=re.escape(message)) as caught:
        call()
    result = CliRunner().invoke(main, ["check", "spec.paxos", *args, "--no-progress"])
    assert result.exit_code == 2
    assert " ".join(f"error: {caught.value}".split()) == " ".join(result.stderr.split())


def test_facade_only_keywords_are_checked() -> None:
    with pytest.raises(UsageError, match="workers"):
        api.check("spec.paxos", workers=0)
    with pytest.raises(UsageError, match="not a size"):
        api.check("spec.paxos", max_memory="lots")
    with pytest.raises(UsageError, match="must be an integer"):
        api.check("spec.paxos", {"max_ballot": "1"})
    with pytest.raises(UsageError, match="k is a number of steps"):
        api.bmc("spec.paxos", k=-1)


def test_prove_holds() -> None:
    r = api.prove("proofs.voting")
    assert r.ok and r.exit_code == 0 and r.result == "proved"
    doc = same_as_cli(r, "prove", "proofs.voting")
    assert {"proof", "spec", "conjuncts", "obligations", "epr"} <= set(doc)


def test_prove_fails_with_a_cti() -> None:
    mutant = "spec/mutants/voting_vote_in_left_round.py"
    r = api.prove("proofs/voting.py", mutant)
    assert not r.ok and r.exit_code == 1 and r.result == "failed"
    doc = same_as_cli(r, "prove", "proofs/voting.py", "--spec", mutant)
    assert doc["result"] == "failed" and doc["cti"]["obligation"]
    assert "counterexample to induction" in r.text()


def test_bmc_holds() -> None:
    r = api.bmc("spec.paxos", {"max_ballot": 1}, k=3)
    assert r.ok and r.exit_code == 0 and r.result == "ok"
    doc = same_as_cli(r, "bmc", "spec.paxos", "-k", "3", "-p", "max_ballot=1")
    assert {"spec", "params", "k", "engine", "invariants"} <= set(doc) and doc["k"] == 3


def test_bmc_finds_a_violation() -> None:
    mutant = "spec/mutants/paxos_promise_not_kept.py"
    r = api.bmc(mutant, k=2)
    assert not r.ok and r.exit_code == 1 and r.result == "violation"
    doc = same_as_cli(r, "bmc", mutant, "-k", "2")
    assert doc["violation"]["property"] == "inv_messages" and "trace" in doc


def test_refine_holds_and_fails() -> None:
    r = api.refine(
        "spec/paxos.py", "spec/lamport_voting.py", mapping=MAPPING, params=["max_ballot=1"]
    )
    assert r.ok and r.exit_code == 0
    doc = same_as_cli(
        r, "refine", "spec/paxos.py", "spec/lamport_voting.py", "--mapping", MAPPING, "-p",
        "max_ballot=1",
    )  # fmt: skip
    assert {"impl", "abstract", "mapping", "states", "matched"} <= set(doc)
    mutant = "spec/mutants/paxos_ignore_highest_vote.py"
    bad = api.refine(mutant, "spec/lamport_voting.py", mapping=MAPPING, params={"max_ballot": 1})
    assert not bad.ok and bad.exit_code == 1
    doc = same_as_cli(
        bad, "refine", mutant, "spec/lamport_voting.py", "--mapping", MAPPING, "-p", "max_ballot=1"
    )
    assert doc["result"] == "violation" and "failure" in doc


def test_diff_same_and_different() -> None:
    r = api.diff("spec/voting.py", "spec/voting.py", {"rounds": 2})
    assert r.ok and r.exit_code == 0
    doc = same_as_cli(r, "diff", "spec/voting.py", "spec/voting.py", "-p", "rounds=2")
    assert doc["command"] == "diff" and doc["ok"] is True and doc["result"] == "same"
    mutant = "spec/mutants/paxos_accept_below_promise.py"
    d = api.diff("spec/paxos.py", mutant, {"max_ballot": 1})
    assert not d.ok and d.exit_code == 1
    doc = same_as_cli(d, "diff", "spec/paxos.py", mutant, "-p", "max_ballot=1")
    assert doc["ok"] is False and doc["result"] == "different"
    assert {"old", "new", "newly_failing", "distinction"} <= set(doc)


def test_conform_holds_and_fails() -> None:
    walks = ["--paths", "random", "--walks", "30"]
    r = api.conform("spec/paxos.py", driver=DRIVER, params={"max_ballot": 1}, paths="random",
                    walks=30)  # fmt: skip
    assert r.ok and r.exit_code == 0
    doc = same_as_cli(
        r, "conform", "spec/paxos.py", "--driver", DRIVER, "-p", "max_ballot=1", *walks
    )
    assert doc["command"] == "conform" and doc["ok"] is True and doc["paths"] == 30
    fault = {"faults": "unpersisted-promise"}
    bad = api.conform("spec/paxos.py", driver=DRIVER, params={"max_ballot": 1}, paths="random",
                      walks=30, options=fault)  # fmt: skip
    assert not bad.ok and bad.exit_code == 1
    doc = same_as_cli(
        bad, "conform", "spec/paxos.py", "--driver", DRIVER, "-p", "max_ballot=1", *walks,
        "--option", "faults=unpersisted-promise",
    )  # fmt: skip
    assert doc["ok"] is False and doc["mismatches"][0]["kind"] == "state mismatch"


def test_linearizable_holds_and_fails(tmp_path: Path) -> None:
    ok = history(tmp_path / "ok.ndjson", stale=False)
    r = api.linearizable(ok, model="kv")
    assert r.ok and r.exit_code == 0
    doc = same_as_cli(r, "linearizable", ok, "--model", "kv")
    assert {"history", "model", "verdict", "operations", "partitions"} <= set(doc)
    stale = history(tmp_path / "stale.ndjson", stale=True)
    bad = api.linearizable(stale, model="kv")
    assert not bad.ok and bad.exit_code == 1
    doc = same_as_cli(bad, "linearizable", stale, "--model", "kv")
    assert doc["result"] == "violation" and "explanation" in doc
    with pytest.raises(PaxoscopeError, match="cannot read the history"):
        api.linearizable(tmp_path / "missing.ndjson", model="kv")


def test_validate_holds_and_fails(tmp_path: Path) -> None:
    mapping = "tests/conformance/multipaxos_log.py:MultiPaxosLog"
    log = event_log(tmp_path / "events.ndjson", broken=False)
    r = api.validate("spec/multipaxos.py", log, mapping=mapping)
    assert r.ok and r.exit_code == 0
    doc = same_as_cli(r, "validate", "spec/multipaxos.py", log, "--mapping", mapping)
    assert doc["command"] == "validate" and doc["ok"] is True and doc["events"] > 10
    bad_log = event_log(tmp_path / "broken.ndjson", broken=True)
    bad = api.validate("spec/multipaxos.py", [bad_log], mapping=mapping)
    assert not bad.ok and bad.exit_code == 1
    doc = same_as_cli(bad, "validate", "spec/multipaxos.py", bad_log, "--mapping", mapping)
    assert doc["ok"] is False and doc["failure"]["source"].startswith(bad_log)
