"""Known-buggy variants of the bundled specs. Each must be caught with a counterexample.

Each module subclasses a correct spec and overrides the one piece that is wrong; its docstring
explains the bug and why it breaks agreement.
"""
