"""The vectorised breadth-first engine: a whole frontier at a time, states as rows of 64-bit
words, successor generation and property checks as numpy operations over all rows at once.

`compiler` turns the IR of one instance into numpy code (`vexpr` is what formulas become,
`runtime` the helpers that code calls).
"""
