"""The interpretations of a spec's rigid symbols that satisfy its axioms, listed by z3.

The explicit engines start from every interpretation of the rigid symbols (a ring's `btw`, a
total order `le`) that satisfies the `@axiom`s. Enumerating every value of the symbols and
keeping those that satisfy the axioms is hopeless beyond a few tuples (`btw` over 3 nodes has
2^27 values, of which 2 are cyclic orders), so z3 lists the models of the axioms over the ground
instance instead, one blocking clause per model found.
"""

from __future__ import annotations

import z3

from checker import ir
from checker.errors import SpecError
from checker.explicit.layout import Value
from checker.instance import Instance
from checker.symbolic.ground import GroundTranslator


def rigid_interpretations(inst: Instance, limit: int) -> list[dict[str, Value]]:
    """Every interpretation of the rigid symbols that satisfies the axioms, in a fixed order
    (sorted by value), as {symbol: value}: a relation's value is its set of code tuples, a
    function's the tuple of its results in argument order. A SpecError when there are more
    than `limit`, or when z3 cannot decide."""
    spec = inst.spec
    rigid = [d for d in spec.symbols if d.rigid]
    axioms = spec.properties_of(ir.PropertyKind.AXIOM)
    translator = GroundTranslator(inst)
    state = translator.state("rigid")
    solver = z3.Solver()
    solver.add(*translator.ranges(state))
    for axiom in axioms:
        solver.add(translator.formula(axiom.formula, {}, state.view))
    variables = [v for d in rigid for v in state.variables[d.name].values()]
    found: list[dict[str, Value]] = []
    while (result := solver.check()) == z3.sat:
        model = solver.model()
        found.append({d.name: _value(model, d, state.variables[d.name]) for d in rigid})
        if len(found) > limit:
            raise SpecError(
                f"the rigid symbols {', '.join(f'`{d.name}`' for d in rigid)} have more than "
                f"{limit:,} interpretations that satisfy the axioms (with {dict(inst.params)}), "
                "more than the explicit engines enumerate: use fewer elements, or constrain them "
                "with more axioms",
                rigid[0].loc,
            )
        if not variables:
            break
        solver.add(z3.Or([v != model.eval(v, model_completion=True) for v in variables]))
    if result == z3.unknown:
        raise SpecError(
            f"z3 could not list the interpretations of the rigid symbols ({solver.reason_unknown()})",
            rigid[0].loc if rigid else spec.properties_of(ir.PropertyKind.AXIOM)[0].loc,
        )
    return sorted(found, key=lambda values: [_key(values[d.name]) for d in rigid])


def _value(
    model: z3.ModelRef, decl: ir.SymbolDecl, table: dict[tuple[int, ...], z3.ExprRef]
) -> Value:
    if decl.kind is ir.SymbolKind.RELATION:
        return frozenset(
            codes
            for codes, var in table.items()
            if z3.is_true(model.eval(var, model_completion=True))
        )
    return tuple(model.eval(var, model_completion=True).as_long() for var in table.values())


def _key(value: Value) -> tuple[tuple[int, ...], ...] | tuple[int, ...]:
    if isinstance(value, frozenset):
        return tuple(sorted(value))
    return value
