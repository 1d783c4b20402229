"""paxoscope installed from its wheel (`pip install .`, not editable) works from an empty
directory: `list` names the bundled specs and proofs as modules, and `check`, `prove` find them
by module and by the README's paths (issue 22, "Install").

The README's quick commands run there too: a check with `--dump-graph`, a mutant's
counterexample saved as ITF and shown again (`trace`, `show`), the HTML explorer, `diff`,
`prove` (holding, and a CTI against a mutant), and `bmc`.

`tests/installed.py` builds the wheel and installs it (the `installed` fixture): offline, into a
folder of its own, run with `python -S -P` so that paxoscope's code comes from the wheel alone.
"""

from __future__ import annotations

import json
import subprocess
import zipfile
from pathlib import Path

import pytest

from tests.installed import (
    Installed,
    install_wheel,  # noqa: F401  (the `installed` fixture)
)

# One build at a time on this machine (scripts/test.sh runs --dist loadgroup): the tests share
# it with tests/docs/test_tutorial.py's run against the install.
pytestmark = pytest.mark.xdist_group("install")


def test_the_wheel_holds_every_package_module_and_marker(installed: Installed) -> None:
    names = set(zipfile.ZipFile(installed.wheel).namelist())
    missing = [p for p in installed.sources if p not in names]
    assert not missing, f"modules left out of the wheel: {missing}"
    for data in ("checker/py.typed", "impl/py.typed", "checker/schemas/check-result.schema.json"):
        assert data in names
    entry_points = next(n for n in names if n.endswith(".dist-info/entry_points.txt"))
    scripts = zipfile.ZipFile(installed.wheel).read(entry_points).decode()
    assert "paxoscope = checker.cli:run" in scripts
    assert "[pytest11]\npaxoscope = checker.pytest_plugin" in scripts


def test_pytest_finds_the_plugin_through_the_wheels_entry_point(installed: Installed) -> None:
    """`pip install` registers the plugin (README, "In CI"): pytest run against the install
    loads it from the wheel's dist-info, not from an editable install's (the tutorial's pytest
    step, run with no `-p`, needs its `paxoscope` fixture)."""
    result = installed.python(
        "-c",
        "from importlib.metadata import entry_points\n"
        "for ep in entry_points(group='pytest11', name='paxoscope'):\n"
        "    print(ep.value, ep.dist._path)",
    )
    assert result.returncode == 0, result.stderr
    ((value, dist_info),) = [line.split() for line in result.stdout.splitlines()]
    assert value == "checker.pytest_plugin"
    assert Path(dist_info).parent == installed.site, dist_info


def test_the_code_comes_from_the_installed_wheel(installed: Installed) -> None:
    result = installed.python(
        "-c",
        "import checker, impl, proofs.voting, spec.paxos, spec.tlaplus\n"
        "for m in (checker, impl, proofs.voting, spec.paxos, spec.tlaplus): print(m.__file__)",
    )
    assert result.returncode == 0, result.stderr
    files = result.stdout.split()
    assert len(files) == 5
    for file in files:
        assert Path(file).is_relative_to(installed.site), files
    assert list(installed.cwd.iterdir()) == []


def test_list_names_bundled_specs_and_proofs_as_modules(installed: Installed) -> None:
    result = installed.paxoscope("list")
    assert result.returncode == 0, result.stderr
    names = {line.split()[0] for line in result.stdout.splitlines() if line[:1].isalpha()}
    assert {"spec.paxos", "spec.mutants.paxos_forgetful_1b", "spec.tlaplus.ewd840"} <= names
    assert {"proofs.voting", "proofs.mypyvy.ring"} <= names
    assert not [n for n in names if "/" in n or n.endswith(".py")]


@pytest.mark.parametrize("ref", ["spec.paxos", "spec/paxos.py"])
def test_check_a_bundled_spec_by_module_or_readme_path(installed: Installed, ref: str) -> None:
    result = installed.paxoscope("check", ref, "-p", "max_ballot=1", "--no-progress")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "3,921 distinct states" in result.stdout


@pytest.mark.parametrize("ref", ["proofs.voting", "proofs/voting.py"])
def test_prove_a_bundled_proof(installed: Installed, ref: str) -> None:
    result = installed.paxoscope("prove", ref)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "PROVED" in result.stdout


def test_a_name_that_is_nothing_is_a_one_paragraph_error(installed: Installed) -> None:
    for ref, message in [
        ("spec/nope.py", "spec file `spec/nope.py` does not exist, nor is it a bundled spec"),
        ("spec.nope", "no spec file or module `spec.nope`"),
    ]:
        result = installed.paxoscope("check", ref)
        assert result.returncode == 2
        assert message in result.stderr
        assert "Traceback" not in result.stderr


# The README's quick commands ("Checking a spec", "Seeing counterexamples", "Proving a spec for
# all sizes"), each from an empty directory of its own, where the files they write land.


def _ran(result: subprocess.CompletedProcess[str], code: int, line: str) -> None:
    assert result.returncode == code, (
        f"exited {result.returncode}, not {code}:\n{result.stdout}{result.stderr}"
    )
    assert line in result.stdout, result.stdout + result.stderr
    assert "Traceback" not in result.stderr, result.stderr


def test_readme_check_with_a_state_graph(installed: Installed, tmp_path: Path) -> None:
    args = ["spec/paxos.py", "-p", "max_ballot=1", "--dump-graph", "states.json"]
    result = installed.run("paxoscope", "check", *args, "--no-progress", cwd=tmp_path)
    _ran(result, 0, "OK: every property holds in every reachable state.")
    assert "3,921 distinct states" in result.stdout
    assert json.loads((tmp_path / "states.json").read_text())


def test_readme_counterexample_saved_and_shown_again(installed: Installed, tmp_path: Path) -> None:
    mutant = "spec/mutants/paxos_forgetful_1b.py"
    args = [mutant, "--invariant", "agreement", "--trace-out", "cex.itf.json", "--no-progress"]
    result = installed.run("paxoscope", "check", *args, cwd=tmp_path)
    _ran(result, 1, "VIOLATION: invariant agreement is violated after 12 step(s):")
    assert "states" in json.loads((tmp_path / "cex.itf.json").read_text())
    result = installed.run("paxoscope", "trace", mutant, "cex.itf.json", cwd=tmp_path)
    _ran(result, 0, "State 1: initial state")


def test_readme_explorer_and_message_sequence_chart(installed: Installed, tmp_path: Path) -> None:
    mutant = "spec/mutants/paxos_ignore_highest_vote.py"
    args = [mutant, "--html", "report.html", "--trace-out", "t.itf.json", "--no-progress"]
    result = installed.run("paxoscope", "check", *args, cwd=tmp_path)
    _ran(result, 1, "VIOLATION: invariant inv_messages is violated after 9 step(s):")
    assert (tmp_path / "report.html").read_text().startswith("<!DOCTYPE html>")
    args = ["t.itf.json", "-o", "t.html", "--msc", "msc.svg"]
    result = installed.run("paxoscope", "show", *args, cwd=tmp_path)
    _ran(result, 0, "explorer written to t.html")
    assert (tmp_path / "t.html").read_text().startswith("<!DOCTYPE html>")
    assert "<svg" in (tmp_path / "msc.svg").read_text()


def test_readme_diff_of_a_spec_and_its_mutant(installed: Installed, tmp_path: Path) -> None:
    args = ["spec/paxos.py", "spec/mutants/paxos_accept_below_promise.py", "-p", "max_ballot=1"]
    result = installed.run("paxoscope", "diff", *args, cwd=tmp_path)
    _ran(result, 1, "new: violates inv_messages after 7 step(s)")


def test_readme_prove_paxos_and_a_cti_of_a_mutant(installed: Installed, tmp_path: Path) -> None:
    result = installed.run("paxoscope", "prove", "proofs/paxos.py", cwd=tmp_path)
    _ran(result, 0, "PROVED: all 42 obligations hold")
    args = ["proofs/voting.py", "--spec", "spec/mutants/voting_vote_in_left_round.py"]
    result = installed.run("paxoscope", "prove", *args, "--html", "cti.html", cwd=tmp_path)
    _ran(result, 1, "NOT PROVED: 1 of 32 obligations fail")
    assert (tmp_path / "cti.html").read_text().startswith("<!DOCTYPE html>")


def test_readme_bmc_finds_the_minority_quorum_bug(installed: Installed, tmp_path: Path) -> None:
    args = ["spec/mutants/paxos_minority_quorums.py", "-k", "8"]
    result = installed.run("paxoscope", "bmc", *args, cwd=tmp_path)
    _ran(result, 1, "VIOLATION: invariant agreement is violated after 8 step(s)")
