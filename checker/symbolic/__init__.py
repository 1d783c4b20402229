"""The symbolic engine: the same IR, translated to z3.

Offers `prove` (inductive invariants with counterexamples to induction and an EPR report),
`bmc` (bounded model checking on one instance) and the refinement prover. Layers, bottom up:
`logic` (constant-folding formula builders), `translate` (IR to z3 over state views, shared by
both modes), `shapes` (the formulas `unbounded` abstracts, found in the IR), `unbounded`
(uninterpreted sorts with their axioms, for proofs) and `ground` (one finite instance, for
bmc), `solver` (one question to z3, honest about `unknown`), `epr`, `cti` (minimising and
reading models), then `prove`, `bmc` and `refinement`.
"""
