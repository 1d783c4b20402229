"""The unbounded translator's abstractions: "nothing lies between p and s" as a relation of
adjacent elements with a universal axiom, its converse assumed by counterexample searches
(ground over their bounded universes) and checked in every model before it is reported, so
that a proof needs no existential over the order and a reported counterexample is genuine."""

from __future__ import annotations

from pathlib import Path

import z3

from checker.loader import load_spec
from checker.symbolic.prove import Prover, prove

JUMPS = "tests/specs/jumps.py"


def test_nothing_between_is_a_relation_of_adjacent_elements() -> None:
    prover = Prover(load_spec(f"{JUMPS}:JumpProof"), 30, minimise_cti=False)
    assert any("nothing lies between adjacent `slot`" in a.name for a in prover.axioms)
    (converse,) = prover.tr.converse()
    assert "adjacent!slot" in str(converse) and "Exists" in str(converse)


def test_a_claim_that_needs_the_converse_is_proved_not_refuted() -> None:
    """Without `exact`, z3 has a model in which slots 0 and 1 are not adjacent, so a jump from
    0 to 1 is allowed and marks slot 1: a counterexample that no order of slots has. The
    prover must not report it; with the converse assumed, the claim holds."""
    report = prove(f"{JUMPS}:JumpProof", timeout=30)
    assert report.result == "proved", [(o.title, o.verdict.value) for o in report.obligations]
    assert report.cti is None


def test_a_false_claim_gets_a_genuine_counterexample(tmp_path: Path) -> None:
    """The third slot can be jumped to from the first: a counterexample, with the jump."""
    proof = tmp_path / "third.py"
    proof.write_text(
        "from checker import conjunct\n"
        "from tests.specs.jumps import Jump\n\n\n"
        "class ThirdProof(Jump):\n"
        "    @conjunct\n"
        "    def third_unmarked(self):\n"
        "        return ~self.done(self.slot[2])\n"
    )
    report = prove(f"{proof}:ThirdProof", timeout=30)
    assert report.result == "failed"
    assert report.cti is not None and report.cti.action == "jump"
    assert "p=0" in report.cti.text() and "s=2" in report.cti.text()


def test_sizes_are_counted_in_a_finite_universe() -> None:
    """`half(q, c)` (q has more than half of c's members) and `card(q)` have no definition in
    proofs; in a finite universe `exact` counts members, so a counterexample's majorities are
    true ones."""
    prover = Prover(load_spec("proofs/multipaxos_reconfig.py"), 30, minimise_cti=False)
    tr = prover.tr
    a1, a2, a3 = (z3.Const(f"t!{i}", tr.z3sorts["acceptor"]) for i in range(3))
    two, three, one = (z3.Const(f"t!{name}", tr.z3sorts["quorum"]) for name in "tho")
    member = tr.member_rel["quorum"]
    facts = [z3.Distinct(a1, a2, a3)]
    for q, members in ((two, {a1, a2}), (three, {a1, a2, a3}), (one, {a1})):
        facts += [member(a, q) == (a in members) for a in (a1, a2, a3)]
    exact = tr.exact({"acceptor": [a1, a2, a3], "quorum": [two, three, one]})

    def implied(claim: z3.BoolRef) -> bool:
        solver = z3.Solver()
        solver.add(*facts, *exact, z3.Not(claim))
        return solver.check() == z3.unsat

    half, card = tr.half_rel["quorum"], tr.card_fn["quorum"]
    assert implied(half(two, three)) and implied(z3.Not(half(one, three)))
    assert implied(half(one, one)) and implied(card(three) == 3)
    solver = z3.Solver()
    solver.add(*facts, *exact)
    assert solver.check() == z3.sat
