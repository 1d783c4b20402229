"""Proofs about the specs in `spec/`, checked by `paxoscope prove` (and refinement mappings,
checked by `paxoscope refine`).

A proof is a subclass of the spec it is about that adds `@conjunct` methods: the named conjuncts
of an inductive invariant. `safety` names the spec invariants the proof establishes.
"""
