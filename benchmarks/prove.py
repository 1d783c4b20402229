"""Prove times of the bundled proofs: one JSON line.

The baseline is mypyvy on the same model (examples/fol/paxos_epr.pyv, about 1.1 s on this kind of
machine, see ../shared/reference/paxos-state-counts.md); it is not installed here, so the figure
is reported next to ours, not re-measured. Medians of N runs in one process.
"""

from __future__ import annotations

import argparse
import json
import statistics
import time

from checker.symbolic.prove import prove

MYPYVY_PAXOS_EPR_SECONDS = 1.1


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    figures: dict[str, object] = {"repeat": args.repeat}
    for name, ref in [("voting", "proofs/voting.py"), ("paxos", "proofs/paxos.py")]:
        times, solver = [], []
        for _ in range(args.repeat):
            start = time.perf_counter()
            report = prove(ref)
            times.append(time.perf_counter() - start)
            solver.append(sum(o.answer.seconds for o in report.obligations))
            if report.result != "proved":
                raise SystemExit(f"{ref}: {report.result}")
        figures[f"{name}_seconds_median"] = round(statistics.median(times), 3)
        figures[f"{name}_z3_seconds_median"] = round(statistics.median(solver), 3)
        figures[f"{name}_obligations"] = len(report.obligations)
    figures["mypyvy_paxos_epr_seconds_reference"] = MYPYVY_PAXOS_EPR_SECONDS
    figures["voting_vs_mypyvy_ratio"] = round(
        float(figures["voting_seconds_median"]) / MYPYVY_PAXOS_EPR_SECONDS,
        2,  # type: ignore[arg-type]
    )
    print(json.dumps(figures))


if __name__ == "__main__":
    main()
