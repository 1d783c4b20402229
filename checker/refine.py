"""`refine`: check that one spec implements another under a refinement mapping — the library
entry point behind `paxoscope refine`.

On a finite instance the explicit engine checks every reachable step of the implementation
(`checker.explicit.refinement`); with a proof of the implementation's inductive invariant, z3
also proves the mapping for all sizes (`checker.symbolic.refinement`).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from checker import ir
from checker.errors import ExitCode
from checker.explicit.refinement import RefinementResult, check_refinement
from checker.instance import instantiate
from checker.lang.mapping import MappingIR, trace_mapping
from checker.lang.spec import Spec
from checker.lang.trace import trace_spec
from checker.loader import load_function, load_spec
from checker.symbolic.prove import ProofReport, rebase
from checker.traces.itf import state_to_itf, trace_to_itf


@dataclass
class RefineReport:
    impl: ir.SpecIR
    abstract: ir.SpecIR
    mapping: MappingIR
    explicit: RefinementResult
    proof: ProofReport | None = None

    @property
    def exit_code(self) -> ExitCode:
        if self.explicit.failure is not None:
            return ExitCode.VIOLATED
        if self.proof is not None:
            return self.proof.exit_code
        return ExitCode.OK

    def itf(self) -> dict[str, Any] | None:
        f = self.explicit.failure
        if f is None:
            return None
        meta = {"violation": "refinement", "abstract": self.abstract.name}
        return trace_to_itf(self.explicit.impl, self.explicit.impl_layout, f.trace, meta)

    def to_json(self) -> dict[str, Any]:
        r = self.explicit
        holds = self.exit_code == ExitCode.OK
        result = "ok" if holds else "violation" if r.failure else "unknown"
        out: dict[str, Any] = {
            "impl": self.impl.name,
            "abstract": self.abstract.name,
            "mapping": self.mapping.name,
            "params": dict(r.impl.params),
            "abstract_params": dict(r.abstract.params),
            "result": result,
            "states": r.states,
            "transitions": r.transitions,
            "stutters": r.stutters,
            "matched": [
                {"impl": i, "abstract": a, "steps": n} for (i, a), n in sorted(r.matched.items())
            ],
            "seconds": round(r.seconds, 4),
        }
        if r.failure is not None:
            al = r.abstract_layout
            out["failure"] = {
                "kind": r.failure.kind,
                "trace": self.itf(),
                "abstract_before": None
                if r.failure.abstract_before is None
                else state_to_itf(r.abstract, al, r.failure.abstract_before),
                "abstract_after": state_to_itf(r.abstract, al, r.failure.abstract_after),
            }
        if self.proof is not None:
            out["proof"] = self.proof.to_json()
        return out


def refine(
    impl: type[Spec] | str,
    abstract: type[Spec] | str,
    mapping: str,
    params: Mapping[str, int] | None = None,
    proof: type[Spec] | str | None = None,
    timeout: float = 60.0,
) -> RefineReport:
    impl_cls = load_spec(impl) if isinstance(impl, str) else impl
    abstract_ir = trace_spec(load_spec(abstract) if isinstance(abstract, str) else abstract)
    fn = load_function(mapping)
    impl_ir = trace_spec(impl_cls)
    mapping_ir = trace_mapping(impl_cls, abstract_ir, fn)
    inst = instantiate(impl_ir, params or {})
    report = RefineReport(
        impl_ir, abstract_ir, mapping_ir, check_refinement(inst, abstract_ir, mapping_ir)
    )
    if proof is not None:
        from checker.symbolic.refinement import RefinementProver

        proof_cls = load_spec(proof) if isinstance(proof, str) else proof
        if impl_cls not in proof_cls.__mro__:
            proof_cls = rebase(proof_cls, impl_cls)
        proof_mapping = trace_mapping(proof_cls, abstract_ir, fn)
        report.proof = RefinementProver(proof_cls, abstract_ir, proof_mapping, timeout).run()
    return report
