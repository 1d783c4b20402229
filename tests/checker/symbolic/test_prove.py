"""`prove`: the bundled proofs hold, every weakened proof and every mutant fails with a CTI,
and nothing that z3 could not settle is ever reported as proved."""

from __future__ import annotations

import glob
import json
from importlib import resources
from pathlib import Path

import jsonschema
import pytest

from checker.explicit.interp import Interpreter
from checker.symbolic.prove import prove
from proofs.paxos import PaxosProof
from proofs.voting import VotingProof
from tests.conftest import ROOT, breaks_liveness, run_cli

SCHEMA = json.loads(
    resources.files("checker").joinpath("schemas/prove-result.schema.json").read_text()
)
VOTING_CONJUNCTS = [
    "one_proposal_per_round",
    "votes_are_proposed",
    "decisions_have_quorums",
    "joining_leaves_lower_rounds",
    "choosable",
]
# Mutants of a spec that has an inductive invariant in proofs/ (not kazoo's recipes,
# spec/zookeeper_lock.py, zookeeper_election.py and zookeeper_queue.py, which `check` covers).
# The reconfiguration mutant has its own test (tests/spec/test_multipaxos_reconfig.py): its
# CTI needs two quorum values with the same members, which the unbounded sets allow, so it is
# not the bug `check` shows.
MUTANTS = sorted(
    Path(p).name
    for p in glob.glob(str(ROOT / "spec" / "mutants" / "[a-z]*.py"))
    if "reconfig" not in Path(p).name
    and not Path(p).name.startswith(("zookeeper_lock", "zookeeper_election", "zookeeper_queue"))
    and not breaks_liveness(Path(p).name)  # no inductive invariant proves liveness
)


def test_voting_proof_holds_and_is_in_epr() -> None:
    result = run_cli("prove", "proofs/voting.py", "--json", "-")
    assert result.returncode == 0, result.stderr
    doc = json.loads(result.stdout)
    jsonschema.validate(doc, SCHEMA)
    assert doc["result"] == "proved" and doc["spec"] == "Voting"
    assert doc["conjuncts"] == VOTING_CONJUNCTS and doc["safety"] == ["agreement"]
    assert doc["epr"]["in_fragment"] and not doc["epr"]["cycle"]
    kinds = [o["kind"] for o in doc["obligations"]]
    # axioms, init x 5 conjuncts, 5 actions x 5 conjuncts, the safety property
    assert kinds.count("init") == 5 and kinds.count("step") == 25 and kinds.count("safety") == 1
    assert all(o["verdict"] == "holds" for o in doc["obligations"])
    assert "PROVED" in result.stderr


def test_paxos_proof_holds_and_names_its_epr_cycle() -> None:
    report = prove("proofs/paxos.py", timeout=60)
    assert report.result == "proved", [(o.title, o.verdict) for o in report.obligations]
    assert report.safety == ["agreement"]
    assert not report.epr.in_fragment
    cycle = report.epr.cycle
    assert cycle is not None
    assert {cycle[0].src, *(e.dst for e in cycle)} >= {"acceptor", "ballot"}
    assert any("the function max_bal" in e.why for e in cycle)


def test_how_an_obligation_is_settled_does_not_depend_on_the_machines_speed(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Regression: the quick attempts were bounded by 2 s of wall time, so on a loaded CI runner
    an attempt that takes 1.4 s on a quiet machine timed out, the prover took slower paths and
    `refine --prove` ended `unknown`. Bounded by z3's resource count, each obligation is settled
    by the same attempt however slow the machine; here a 10x slower one is simulated by cutting
    the quick attempts' time limit tenfold."""
    import checker.symbolic.prove as prove_module

    def settled(report: prove_module.ProofReport) -> dict[str, object]:
        return {o.title: (o.verdict, o.assumed) for o in report.obligations}

    quiet = prove("proofs/paxos.py", timeout=60)
    monkeypatch.setattr(prove_module, "QUICK_TIMEOUT", prove_module.QUICK_TIMEOUT / 10)
    loaded = prove("proofs/paxos.py", timeout=60)
    assert quiet.result == loaded.result == "proved"
    assert settled(loaded) == settled(quiet)


def test_a_proof_does_the_same_work_whatever_ran_before_it_in_the_process() -> None:
    """Regression: z3's search depends on the terms its context has already seen, so a proof
    run in a test worker after other tests took other paths (and once ended `unknown`). Each
    run starts a fresh context: z3's resource count at its end is the same every time."""
    import z3

    def work_done() -> int:
        probe = z3.Solver()
        probe.check()
        stats = probe.statistics()
        return int(stats.get_key_value("rlimit count"))

    prove("proofs/paxos.py", timeout=60)
    first = work_done()
    prove("proofs/voting.py", timeout=60)
    prove("proofs/paxos.py", timeout=60)
    assert work_done() == first


@pytest.mark.parametrize("dropped", VOTING_CONJUNCTS)
def test_dropping_any_voting_conjunct_breaks_the_proof(dropped: str) -> None:
    weakened = type("Weakened", (VotingProof,), {dropped: lambda self: None})
    report = prove(weakened, fail_fast=True)
    assert report.result == "failed"
    assert dropped not in report.conjuncts
    cti = report.cti
    assert cti is not None
    # The CTI is concrete: its claim is false in its last state, in the explicit engine too.
    claim = next(p for p in cti.inst.spec.properties if p.name == cti.claim)
    assert not Interpreter(cti.inst, cti.layout).holds(claim, cti.last)


def test_dropping_a_conjunct_from_the_command_line(tmp_path: Path) -> None:
    proof = tmp_path / "weak_voting.py"
    proof.write_text(
        "from proofs.voting import VotingProof\n\n\n"
        "class WeakVoting(VotingProof):\n"
        "    choosable = None  # drop the conjunct\n"
    )
    dot = tmp_path / "cti.dot"
    result = run_cli("prove", str(proof), "--cti-out", str(dot))
    assert result.returncode == 1, result.stderr
    out = result.stdout
    assert "NOT PROVED" in out and "counterexample to induction" in out
    assert "WeakVoting proves agreement of Voting from 4 conjuncts" in out
    # Without `choosable` the remaining conjuncts do not imply agreement: a safety CTI.
    assert "universe:" in out and "`agreement` is false in this state" in out
    text = dot.read_text()
    assert text.startswith("digraph") and "cluster_node" in text and "decision" in text


@pytest.mark.parametrize("mutant", MUTANTS)
def test_every_mutant_fails_to_prove(mutant: str) -> None:
    # paxos_*, voting_*, multipaxos_*, quorum_leases_*: the longest proof name it starts with
    names = [Path(p).stem for p in glob.glob(str(ROOT / "proofs" / "[a-z]*.py"))]
    proof = f"proofs/{max((n for n in names if mutant.startswith(n + '_')), key=len)}.py"
    report = prove(proof, spec=f"spec/mutants/{mutant}", timeout=20, fail_fast=True)
    assert report.result == "failed", [(o.title, o.verdict) for o in report.obligations]
    failed = report.failed[0]
    cti = report.cti
    assert cti is not None and cti.claim == failed.claim
    if failed.kind == "step":
        assert cti.action == failed.action and cti.post is not None
        after = Interpreter(cti.inst, cti.layout).execute(
            cti.inst.spec.action(cti.action), tuple(c for _, c, _ in cti.params), cti.pre
        )
        assert after == cti.post


def test_a_mutant_from_the_command_line_renders_an_svg(tmp_path: Path) -> None:
    svg = tmp_path / "cti.svg"
    result = run_cli(
        "prove",
        "proofs/voting.py",
        "--spec",
        "spec/mutants/voting_vote_in_left_round.py",
        "--cti-out",
        str(svg),
        "--json",
        str(tmp_path / "out.json"),
    )
    assert result.returncode == 1, result.stderr
    doc = json.loads((tmp_path / "out.json").read_text())
    jsonschema.validate(doc, SCHEMA)
    assert doc["result"] == "failed" and doc["cti"]["action"] == "cast_vote"
    assert "+ vote(" in doc["cti"]["text"]
    body = svg.read_text()
    assert "<svg" in body and "vote" in body
    assert "#1a7f37" in body  # the fact the step added is highlighted


UNSETTLED_PROOF = """
from checker import conjunct
from proofs.paxos import PaxosProof


class WithLamportsInv(PaxosProof):
    # Inductive (PaxosProof is, and Lamport's conjuncts hold given it), but Lamport's SafeAt nests
    # quantifiers so deeply that z3 does not settle "the invariant implies agreement" quickly.
    hints = {}

    @conjunct
    def lamport_messages(self):
        return self.inv_messages()

    @conjunct
    def lamport_voting(self):
        return self.inv_voting()
"""


def test_what_z3_cannot_settle_is_unknown_never_proved(tmp_path: Path) -> None:
    path = tmp_path / "unsettled.py"
    path.write_text(UNSETTLED_PROOF)
    result = run_cli("prove", str(path), "--timeout", "0.1", "--json", "-")
    assert result.returncode == 2, result.stderr
    doc = json.loads(result.stdout)
    jsonschema.validate(doc, SCHEMA)
    assert doc["result"] == "unknown"
    unknown = [o for o in doc["obligations"] if o["verdict"] == "unknown"]
    assert unknown and all(o["reason"] for o in unknown)
    assert not [o for o in doc["obligations"] if o["verdict"] == "fails"]
    assert "UNKNOWN" in result.stderr and "this is not a proof" in result.stderr


def test_minority_quorums_get_no_intersection_axiom() -> None:
    report = prove("proofs/paxos.py", spec="spec/mutants/paxos_minority_quorums.py", fail_fast=True)
    assert any("need not intersect" in n for n in report.notes)
    assert report.result == "failed"


@pytest.mark.parametrize(
    ("source", "message"),
    [
        (
            "from spec.voting import Voting\n\nclass P(Voting):\n    pass\n",
            "declares no @conjunct",
        ),
        (
            "from checker import conjunct\nfrom spec.voting import Voting\n\n"
            "class P(Voting):\n    safety = ('nope',)\n\n"
            "    @conjunct\n    def c(self):\n        return True\n",
            "`safety` names `nope`",
        ),
        (
            "from checker import conjunct\nfrom spec.voting import Voting\n\n"
            "class P(Voting):\n    hints = {'agreement': ('missing',)}\n\n"
            "    @conjunct\n    def c(self):\n        return True\n",
            "names `missing`, which is not a @conjunct",
        ),
        (
            "from checker import conjunct\nfrom spec.voting import Voting\n\n"
            "class P(Voting):\n    @conjunct\n    def c(self):\n"
            "        return self.no_such_relation(1)\n",
            "is not declared in spec P",
        ),
    ],
)
def test_bad_proofs_are_clear_errors(tmp_path: Path, source: str, message: str) -> None:
    path = tmp_path / "bad_proof.py"
    path.write_text(source)
    result = run_cli("prove", str(path))
    assert result.returncode == 2
    assert message in result.stderr and "Traceback" not in result.stderr


def test_proof_against_a_spec_without_its_symbols_is_an_error() -> None:
    result = run_cli("prove", "proofs/voting.py", "--spec", "spec/paxos.py")
    assert result.returncode == 2
    assert "proofs/voting.py:" in result.stderr and "is not declared" in result.stderr
    assert "Traceback" not in result.stderr


def test_proof_conjuncts_hold_on_a_finite_instance() -> None:
    # `check` reads a proof's conjuncts as invariants: a candidate invariant can be tested on a
    # small instance before it is proved.
    result = run_cli("check", "proofs/paxos.py", "-p", "max_ballot=1", "--no-progress")
    assert result.returncode == 0, result.stdout
    assert "choosable" in result.stdout and "3,921 distinct states" in result.stdout


def test_proofs_classes_are_importable() -> None:
    assert PaxosProof.safety == ("agreement",)
