"""The compiled-expression algebra: folding and mask merging keep the meaning of AND, OR, NOT.

Random mask tests, constants and opaque code on two state variables are combined; the source of
the result is evaluated on random states and compared with Python's own all/any/not.
"""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from checker.explicit.codegen import Bits, Code, Const, G, conjoin, disjoin, negate, src

MODES = ["any", "all", "none", "notall"]


def truth(g: G, env: dict[str, int]) -> bool:
    return bool(eval(src(g), {}, dict(env)))  # the generated source is the thing under test


leaf = st.one_of(
    st.builds(Bits, st.sampled_from(["s", "t"]), st.integers(1, 255), st.sampled_from(MODES)),
    st.builds(Const, st.integers(0, 1)),
    st.builds(lambda k: Code(f"((s >> {k}) & 1)"), st.integers(0, 7)),
)
trees = st.recursive(
    leaf,
    lambda children: st.one_of(
        st.builds(lambda xs: ("and", xs), st.lists(children, max_size=5)),
        st.builds(lambda xs: ("or", xs), st.lists(children, max_size=5)),
        st.builds(lambda x: ("not", x), children),
    ),
    max_leaves=12,
)


def build(tree: object) -> G:
    if isinstance(tree, G):
        return tree
    op, arg = tree  # type: ignore[misc]
    if op == "not":
        return negate(build(arg))
    parts = [build(x) for x in arg]
    return conjoin(parts) if op == "and" else disjoin(parts)


def meaning(tree: object, env: dict[str, int]) -> bool:
    if isinstance(tree, G):
        return truth(tree, env)
    op, arg = tree  # type: ignore[misc]
    if op == "not":
        return not meaning(arg, env)
    values = [meaning(x, env) for x in arg]
    return all(values) if op == "and" else any(values)


@given(tree=trees, s=st.integers(0, 255), t=st.integers(0, 255))
def test_folding_and_merging_preserve_meaning(tree: object, s: int, t: int) -> None:
    env = {"s": s, "t": t}
    assert truth(build(tree), env) == meaning(tree, env)


def test_merging_makes_one_mask_test() -> None:
    bits = [Bits("s", 1 << k, "any") for k in (3, 5, 9)]
    assert disjoin(bits) == Bits("s", (1 << 3) | (1 << 5) | (1 << 9), "any")
    assert conjoin(bits) == Bits("s", (1 << 3) | (1 << 5) | (1 << 9), "all")
    assert conjoin([negate(b) for b in bits]) == Bits("s", (1 << 3) | (1 << 5) | (1 << 9), "none")
    # A bit that must be both set and clear makes the conjunction false at compile time.
    assert conjoin([Bits("s", 8, "any"), Bits("s", 8, "none")]) == Const(0)
    assert disjoin([Bits("s", 8, "any"), Bits("s", 8, "none")]) == Const(1)


def test_constant_updates_fold_into_one_operation() -> None:
    """Phase2b sets three acceptor fields and adds a message, all at constant positions: the
    successor is one `(s & keep) | put`, not a chain of four big-int updates."""
    from checker.explicit.codegen import compile_instance
    from checker.explicit.layout import Layout
    from checker.instance import instantiate
    from checker.lang.trace import trace_spec
    from checker.loader import load_spec

    inst = instantiate(trace_spec(load_spec("spec/paxos.py")), {"max_ballot": 1})
    source = compile_instance(inst, Layout(inst)).source
    phase2b = source[source.index("def act_3(") :].split("\ndef ", 1)[0]
    assignments = [line.strip() for line in phase2b.splitlines() if " = (s & " in line]
    assert assignments and all(line.startswith("s1 = (s & -") for line in assignments)
    assert "s2 =" not in phase2b
