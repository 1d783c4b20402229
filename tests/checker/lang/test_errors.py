"""A spec that misuses the language is rejected with its file and line, and exit code 2.

Each file in tests/specs/bad/ makes one mistake on the line marked `# ERROR` (or, for a syntax
error, `# ERROR-1`: Python reports the line above).
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from tests.conftest import TEST_SPECS, run_cli

BAD = sorted((TEST_SPECS / "bad").glob("*.py"))

EXPECTED_MESSAGE = {
    "arity": r"`r` takes 1 argument\(s\) \(node\), but got 2",
    "arith_on_elements": r"`\+` needs integers .* but one operand is a node",
    "axiom_over_state": r"axiom `links_seen` mentions `seen`, which can change",
    "axioms_unsatisfiable": r"no initial state: no interpretation of the rigid symbols satisfies",
    "bad_labels": r"labels=\(1, 2\): give a prefix .* or one name per element",
    "boolean_sort_clash": r"declares a sort `BOOLEAN` and uses maybe\(\)",
    "bare_comparison": r"this comparison is a statement of its own.*written `require\(...\)`",
    "bare_membership": r"this reading of `voted` is a statement of its own.*`require\(...\)`",
    "conjunct_shadows_invariant": r"@conjunct `agreement` of ConjunctShadowsInvariant has the name "
    r"of the @invariant `agreement` of Voting",
    "label_count": r"sort `phase` names 2 element\(s\) \(working, prepared\) but has 3",
    "int_out_of_range": r"9 is not a value of the integer sort `count` \(0..3",
    "lambda_arity": r"binds 1 variable\(s\) but its lambda takes 2",
    "maybe_per_tuple": r"maybe\(\) inside the lambda of `inbox.update\(...\)` would be one "
    r"choice for all its elements",
    "no_init": r"`leader` has no initial value",
    "no_initial_state": r"no initial state: the guards of @init `start` fail for every choice",
    "no_sort": r"parameter `n` of action `act` has no sort",
    "not_a_formula": r"must return a formula, but it returned None$",
    "out_of_range": r"`round\[5\]` does not exist",
    "param_compared": r"`enabled == 1` compares parameters with Python's ==, which is decided "
    r"once",
    "pick_in_invariant": r"pick\(...\) chooses a value inside an action or @init; invariant "
    r"`some_seen` cannot choose",
    "pick_not_a_sort": r"the first argument of pick\(...\) must be a sort",
    "precedence": r"must be a formula.*add the parentheses",
    "python_and": r"Python needs a concrete True/False.*`&`, `\|`",
    "python_if": r"Python needs a concrete True/False",
    "record_field_not_a_sort": r"field `size` of a Record must be a sort \(or `sort.or_bottom`\), "
    r"not 3",
    "record_wrong_field": r"record `Msg` has no field `source`",
    "rigid_written": r"`link` is rigid: it never changes",
    "runtime_error": r"raised IndexError",
    "sequence_of_a_number": r"the element sort of `log` must be a sort \(or `sort.or_bottom`\), not 3",
    "sequence_name_clash": r"`q_len` is declared twice \(a sequence `q` stores itself as `q_len`",
    "symmetric_constant": r"names the element `node\[0\]` of the symmetric sort",
    "syntax": r"syntax error",
    "undeclared": r"`votes` is not declared in spec Undeclared",
    "unordered": r"`<` needs an ordered sort, but `node` is not ordered",
    "update_in_invariant": r"allowed only in actions and @init, not in invariant `sneaky`",
    "wrong_sort": r"argument 1 of `r` must be of sort `node`, but it is a value",
}


def marker_line(path: Path) -> int:
    for number, line in enumerate(path.read_text().splitlines(), start=1):
        match = re.search(r"# ERROR(-\d+)?", line)
        if match:
            return number + int(match.group(1) or 0)
    raise AssertionError(f"{path} has no # ERROR marker")


def test_every_bad_spec_has_an_expectation() -> None:
    assert {p.stem for p in BAD} == set(EXPECTED_MESSAGE)


@pytest.mark.parametrize("path", BAD, ids=[p.stem for p in BAD])
def test_bad_spec_is_rejected_with_file_and_line(path: Path) -> None:
    extra = ["--symmetry"] if path.stem == "symmetric_constant" else []
    result = run_cli(
        "check", str(path.relative_to(TEST_SPECS.parent.parent)), *extra, "--no-progress"
    )
    assert result.returncode == 2, result.stdout + result.stderr
    err = " ".join(result.stderr.split())  # rich may wrap long lines
    where = f"tests/specs/bad/{path.name}:{marker_line(path)}:"
    assert where in err, err
    assert re.search(EXPECTED_MESSAGE[path.stem], err), err
    assert "Traceback" not in result.stderr
    assert result.stdout == ""


def test_symmetric_constant_is_fine_without_symmetry() -> None:
    result = run_cli("check", "tests/specs/bad/symmetric_constant.py", "--no-progress")
    assert result.returncode == 0, result.stderr


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["spec/paxos.py", "-p", "ballots=2"], r"no parameter `ballots`.*max_ballot=2"),
        (["spec/paxos.py", "-p", "max_ballot=two"], r"must be an integer"),
        (["spec/paxos.py", "-p", "max_ballot"], r"-p expects NAME=VALUE"),
        (["spec/paxos.py", "-p", "max_ballot=-1"], r"sort `ballot` of Paxos would have 0 elements"),
        (["spec/paxos.py", "--invariant", "safety"], r"no invariant `safety`.*agreement"),
        (["spec/nope.py"], r"`spec/nope.py` does not exist"),
        (["spec.nope"], r"no spec file or module `spec.nope`"),
        (["spec/paxos.py:Nope"], r"has no spec class `Nope`.*Paxos"),
        (["spec/mutants/__init__.py"], r"defines no Spec subclass"),
        (["spec/paxos.py", "--mode", "sideways"], r"Invalid value for '--mode'"),
    ],
)
def test_bad_command_exits_2_with_a_message(args: list[str], message: str) -> None:
    result = run_cli("check", *args, "--no-progress")
    assert result.returncode == 2, result.stdout + result.stderr
    assert re.search(message, " ".join(result.stderr.split())), result.stderr
    assert "Traceback" not in result.stderr


def test_json_reports_errors_too() -> None:
    import json

    result = run_cli("check", "spec/paxos.py", "-p", "nope=1", "--json", "-", "--no-progress")
    assert result.returncode == 2
    doc = json.loads(result.stdout)
    assert doc["result"] == "error" and "nope" in doc["error"]
