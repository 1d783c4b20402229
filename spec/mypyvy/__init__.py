"""Protocols ported from mypyvy's examples (wilcoxjay/mypyvy, `examples/`), each written as
its `.pyv` file is, with rigid symbols, axioms and initial states given by formulas."""
