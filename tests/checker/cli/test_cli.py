"""The command line as a user runs it: exit codes, JSON that matches its schema, output streams."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from importlib import resources
from pathlib import Path

import jsonschema
import pytest

from tests.conftest import ROOT, run_cli

SCHEMA = json.loads(
    resources.files("checker").joinpath("schemas/check-result.schema.json").read_text()
)


def validate(doc: dict) -> None:
    jsonschema.validate(doc, SCHEMA)


def test_ok_run_json_to_stdout_and_report_to_stderr() -> None:
    result = run_cli("check", "spec/paxos.py", "-p", "max_ballot=1", "--json", "-", "--no-progress")
    assert result.returncode == 0, result.stderr
    doc = json.loads(result.stdout)  # stdout holds only the JSON
    validate(doc)
    assert doc["result"] == "ok" and doc["distinct_states"] == 3921 and doc["depth"] == 17
    assert doc["params"] == {"acceptors": 3, "values": 2, "max_ballot": 1}
    assert set(doc["coverage"]) == {"phase1a", "phase1b", "phase2a", "phase2b"}
    assert "OK" in result.stderr and "3,921 distinct states" in result.stderr


def test_violation_json_has_the_trace(tmp_path: Path) -> None:
    target = tmp_path / "result.json"
    result = run_cli(
        "check", "spec/mutants/paxos_minority_quorums.py", "--json", str(target), "--no-progress"
    )
    assert result.returncode == 1
    doc = json.loads(target.read_text())
    validate(doc)
    assert doc["result"] == "violation" and doc["property"] == "agreement"
    assert doc["trace"]["states"][0]["#meta"]["action"] == "init"
    assert len(doc["trace"]["states"]) == doc["violation"]["length"] == doc["depth"]
    assert "VIOLATION" in result.stdout  # the report goes to stdout when JSON goes to a file


def test_error_json_matches_schema() -> None:
    result = run_cli(
        "check", "spec/paxos.py", "--invariant", "nope", "--json", "-", "--no-progress"
    )
    assert result.returncode == 2
    validate(json.loads(result.stdout))


def test_symmetry_and_modes_from_the_command_line() -> None:
    result = run_cli(
        "check", "spec/paxos.py", "-p", "max_ballot=1", "--symmetry", "--json", "-", "--no-progress"
    )
    doc = json.loads(result.stdout)
    validate(doc)
    assert (doc["distinct_states"], doc["depth"], doc["symmetry_group_size"]) == (443, 17, 12)
    sim = run_cli(
        "check",
        "spec/paxos.py",
        "-p",
        "max_ballot=1",
        "--mode",
        "simulate",
        "--walks",
        "20",
        "--json",
        "-",
        "--no-progress",
    )
    doc = json.loads(sim.stdout)
    validate(doc)
    assert doc["mode"] == "simulate" and doc["complete"] is False
    assert "incomplete" in sim.stderr


def test_dotted_module_and_class_reference() -> None:
    result = run_cli(
        "check", "spec.paxos:Paxos", "-p", "max_ballot=0", "--json", "-", "--no-progress"
    )
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["spec"] == "Paxos"


def test_never_fired_actions_are_flagged(tmp_path: Path) -> None:
    spec = tmp_path / "dead_action.py"
    spec.write_text(
        "from checker import Relation, Sort, Spec, action, require\n"
        "class DeadAction(Spec):\n"
        "    node = Sort(2)\n"
        "    r = Relation(node)\n"
        "    @action\n"
        "    def add(self, n: node) -> None:\n"
        "        self.r.insert(n)\n"
        "    @action\n"
        "    def never(self, n: node) -> None:\n"
        "        require(self.r(n) & ~self.r(n))\n"
        "        self.r.remove(n)\n"
    )
    result = run_cli("check", str(spec), "--json", "-", "--no-progress")
    assert result.returncode == 0
    assert json.loads(result.stdout)["never_fired"] == ["never"]
    assert "never fired: never" in result.stderr


@pytest.mark.skipif(
    shutil.which("paxoscope") is None, reason="console script not on PATH (not installed)"
)
def test_console_script() -> None:
    result = subprocess.run(["paxoscope", "--version"], capture_output=True, text=True, cwd=ROOT)
    assert result.returncode == 0 and "paxoscope" in result.stdout


def test_help_lists_commands() -> None:
    result = run_cli("--help")
    assert result.returncode == 0
    for command in ("check", "list", "trace"):
        assert command in result.stdout


def test_a_proof_imports_the_spec_beside_it(tmp_path: Path) -> None:
    """`paxoscope prove some/folder/proof.py` where proof.py says `from lockserver import ...`
    and lockserver.py lies in the same folder, as `python some/folder/proof.py` would allow."""
    (tmp_path / "lockserver.py").write_text((ROOT / "tests/specs/lockserver.py").read_text())
    (tmp_path / "lockserver_proof.py").write_text(
        "from checker import conjunct, forall, implies\n"
        "from lockserver import LockServer\n\n\n"
        "class LockServerProof(LockServer):\n"
        "    safety = ('mutual_exclusion',)\n\n"
        "    @conjunct\n"
        "    def held_by_holder(self):\n"
        "        return forall(self.client, lambda c: implies(self.held(c), self.holder == c))\n\n"
        "    @conjunct\n"
        "    def granted_to_holder(self):\n"
        "        return forall(self.client, lambda c: implies(self.grant(c), self.holder == c))\n\n"
        "    @conjunct\n"
        "    def granted_or_held(self):\n"
        "        return forall(self.client, lambda c: ~(self.grant(c) & self.held(c)))\n"
    )
    result = run_cli("prove", str(tmp_path / "lockserver_proof.py"))
    assert result.returncode == 0, result.stdout + result.stderr
    assert "PROVED" in result.stdout


def test_bundled_paths_and_modules_from_another_directory(tmp_path: Path) -> None:
    """Where no spec/ folder lies below the working directory, the README's paths name the
    bundled modules (as after `pip install .`; tests/test_install.py runs the wheel so)."""
    env = {"PYTHONPATH": str(ROOT)}
    options = ("-p", "max_ballot=0", "--json", "-", "--no-progress")
    for ref in ("spec/paxos.py", "spec.paxos", "./spec/paxos.py:Paxos"):
        result = run_cli("check", ref, *options, cwd=tmp_path, env=env)
        assert result.returncode == 0, result.stderr
        assert json.loads(result.stdout)["spec"] == "Paxos"
    mutant = "spec/mutants/voting_vote_in_left_round.py"
    result = run_cli("prove", "proofs/voting.py", "--spec", mutant, cwd=tmp_path, env=env)
    assert result.returncode == 1, result.stdout + result.stderr
    assert "NOT PROVED" in result.stdout
    for ref, message in [
        ("spec/nope.py", "`spec/nope.py` does not exist, nor is it a bundled spec or proof"),
        ("proofs/mypyvy/nope.py", "`proofs/mypyvy/nope.py` does not exist, nor is it a bundled"),
        ("elsewhere/nope.py", "`elsewhere/nope.py` does not exist\n"),
    ]:
        result = run_cli("check", ref, cwd=tmp_path, env=env)
        assert result.returncode == 2 and message in result.stderr, result.stderr


def test_a_file_that_exists_is_loaded_from_the_file(tmp_path: Path) -> None:
    """A spec/paxos.py of one's own, below the working directory, is the one checked."""
    (tmp_path / "spec").mkdir()
    (tmp_path / "spec" / "paxos.py").write_text((ROOT / "tests/specs/lockserver.py").read_text())
    env = {"PYTHONPATH": str(ROOT)}
    result = run_cli(
        "check", "spec/paxos.py", "--json", "-", "--no-progress", cwd=tmp_path, env=env
    )
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["spec"] == "LockServer"


def test_a_spec_file_imports_the_project_it_is_run_from(tmp_path: Path) -> None:
    """Regression: `paxoscope check tests/spec/test_x.py:Mutant` failed with "No module named
    'tests.checker'" where the file imports its project's modules from the working directory
    (as `python -m` and pytest's `pythonpath = ["."]` allow). Run as the installed console
    script runs (`-P`: the working directory is not put on sys.path by Python itself)."""
    (tmp_path / "shared").mkdir()
    (tmp_path / "shared" / "lockserver.py").write_text(
        (ROOT / "tests/specs/lockserver.py").read_text()
    )
    (tmp_path / "checks").mkdir()
    (tmp_path / "checks" / "variant.py").write_text(
        "from shared.lockserver import LockServer\n\n\nclass Variant(LockServer):\n    pass\n"
    )
    command = ["check", "checks/variant.py:Variant", "--json", "-", "--no-progress"]
    result = subprocess.run(
        [sys.executable, "-P", "-m", "checker.cli", *command],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        timeout=600,
    )
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["spec"] == "Variant"
