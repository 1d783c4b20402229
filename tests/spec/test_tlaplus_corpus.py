"""The TLA+ corpus (spec/tlaplus/): every port reports TLC's distinct states and depth for the
model's constants, in the default engine; the smaller ones also in the reference engine, and one
through the command line's JSON report exactly as a user would run it."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from checker.check import check
from checker.explicit import Options
from checker.loader import load_spec
from tests.conftest import ROOT

PORTS = sorted(p for p in (ROOT / "spec" / "tlaplus").glob("*.py") if p.name != "__init__.py")
REFERENCE_LIMIT = 20_000  # the reference engine re-checks models up to this many states
# A model whose .cfg has a SYMMETRY is checked under symmetry against TLC's (the manifest's)
# count; its unreduced count (TLC without the SYMMETRY line) is checked here too up to this
# size, and beyond it by benchmarks/corpus.py, to keep the suite's time.
UNREDUCED_LIMIT = 1_000_000


def tlc_counts(path: str) -> tuple[int, int | None]:
    cls = load_spec(path)
    expected = getattr(cls, "expected_states", {})
    assert "" in expected, f"{path}: expected_states must give TLC's count for the defaults"
    return expected[""], getattr(cls, "expected_depth", None)


@pytest.mark.parametrize("path", PORTS, ids=lambda p: p.stem)
def test_the_port_matches_tlc(path: object) -> None:
    states, depth = tlc_counts(str(path))
    if (
        getattr(load_spec(str(path)), "expected_symmetric_states", None)
        and states > UNREDUCED_LIMIT
    ):
        pytest.skip(f"{states:,} states unreduced: benchmarks/corpus.py checks them")
    engines = ["vector"] + (["reference"] if states <= REFERENCE_LIMIT else [])
    for engine in engines:
        report = check(str(path), {}, Options(engine=engine))
        assert report.ok, (engine, report.result.violation, report.drift())
        assert report.result.complete
        assert report.result.distinct_states == states, engine
        if depth is not None:
            assert report.result.depth == depth, engine


SYMMETRIC = [p for p in PORTS if getattr(load_spec(str(p)), "expected_symmetric_states", None)]


@pytest.mark.parametrize("path", SYMMETRIC, ids=lambda p: p.stem)
def test_the_port_matches_tlc_under_symmetry(path: object) -> None:
    """A model whose .cfg declares a SYMMETRY: TLC's (the manifest's) count is of symmetry
    classes; the port gives it as `expected_symmetric_states` and is checked with `--symmetry`
    (TLC's symmetry reduction is a full canonicalisation, as ours, so the counts agree)."""
    cls = load_spec(str(path))
    expected = cls.expected_symmetric_states
    report = check(str(path), {}, Options(symmetry=True))
    assert report.ok, report.result.violation
    assert report.result.complete
    assert report.result.distinct_states == expected[""]
    depth = getattr(cls, "expected_depth", None)
    if depth is not None:
        assert report.result.depth == depth


def test_the_command_line_reports_tlc_counts() -> None:
    path = ROOT / "spec" / "tlaplus" / "chang_roberts.py"
    states, depth = tlc_counts(str(path))
    out = subprocess.run(
        [sys.executable, "-m", "checker.cli", "check", str(path), "--json", "-"],
        capture_output=True,
        text=True,
        timeout=300,
        cwd=ROOT,
        check=False,
    )
    assert out.returncode == 0, out.stderr
    report = json.loads(out.stdout)
    assert report["distinct_states"] == states
    assert report["depth"] == depth
