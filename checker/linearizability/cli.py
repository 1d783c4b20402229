"""What `paxoscope linearizable` reports: the verdict line, the details under it, the exit
code, the JSON object and the HTML page. The command itself is in `checker/cli/conformance.py`.

Exit codes, as for the other commands: 0 linearizable, 1 not linearizable, 2 unknown (the
timeout expired first: this is not a success) or an error in the input.
"""

from __future__ import annotations

import math
import os
from typing import Any

from checker.errors import ExitCode, UsageError
from checker.linearizability.render import render_html, render_text, summary
from checker.linearizability.result import CheckResult, Verdict

EXIT_CODES: dict[Verdict, ExitCode] = {
    "ok": ExitCode.OK,
    "illegal": ExitCode.VIOLATED,
    "unknown": ExitCode.UNKNOWN,
}
# The `result` every paxoscope JSON object has (the `verdict` is the checker's own word).
_RESULTS: dict[Verdict, str] = {"ok": "ok", "illegal": "violation", "unknown": "unknown"}


def exit_code(result: CheckResult) -> ExitCode:
    return EXIT_CODES[result.verdict]


def _figures(result: CheckResult) -> str:
    parts = result.partitions
    counts = {v: sum(1 for p in parts if p.verdict == v) for v in ("ok", "illegal", "unknown")}
    split = ", ".join(f"{n} {v}" for v, n in counts.items() if n)
    noun = "partition" if len(parts) == 1 else "partitions"
    mixed = len(parts) > 1 and result.verdict != "ok"
    shown = f"{len(parts)} {noun}" + (f" ({split})" if mixed else "")
    return f"{result.operations} operations, {shown}, {result.seconds:.2f} s"


def verdict(result: CheckResult, source: str) -> tuple[str, str]:
    """The one-line verdict as (the word, the rest of the line)."""
    where = f"{source} ({result.model})"
    if result.verdict == "ok":
        return "LINEARIZABLE", f"{where}: {_figures(result)}"
    if result.verdict == "illegal":
        return "NOT LINEARIZABLE", f"{where}: {_figures(result)}"
    limit = "" if result.timeout is None else f" after {result.timeout:g} s"
    return (
        "UNKNOWN",
        f"{where}: timed out{limit}: {_figures(result)}; this is not a proof of "
        "linearizability (give a longer --timeout)",
    )


def details(result: CheckResult) -> str:
    """What follows the verdict line: for a history that is not linearizable the explanation
    and timeline of `render_text` (the smallest window that is not), for an unknown one the
    partitions left undecided; nothing for a linearizable one."""
    if result.verdict == "ok":
        return ""
    text, head = render_text(result), summary(result)
    # render_text opens with the summary the verdict line already gives
    return text[len(head) :].lstrip("\n") if text.startswith(head) else text


def to_json(result: CheckResult, source: str) -> dict[str, Any]:
    """One JSON object for CI: the verdict, the figures and each partition's verdict."""
    out: dict[str, Any] = {
        "history": source,
        "model": result.model,
        "result": _RESULTS[result.verdict],
        "verdict": result.verdict,
        "operations": result.operations,
        "partitions": [
            {
                "name": p.name,
                "verdict": p.verdict,
                "operations": len(p.operations),
                "dropped": p.dropped,
                "steps": p.steps,
                "seconds": round(p.seconds, 4),
                "started": p.started,
            }
            for p in result.partitions
        ],
        "seconds": round(result.seconds, 4),
        "timeout": None if result.timeout in (None, math.inf) else result.timeout,
    }
    exp = result.explanation
    if exp is not None:
        b = exp.blocked
        out["explanation"] = {
            "partition": exp.partition,
            "blocked": {
                "number": exp.number(b),
                "source": b.source,
                "client": b.client,
                "operation": exp.describe(b),
            },
            "prefix": [exp.number(op) for op in exp.prefix],
            "window": [exp.number(op) for op in exp.window],
        }
    return out


def write_html(result: CheckResult, source: str, target: str) -> None:
    """The self-contained HTML report; `UsageError` if it cannot be written."""
    page = render_html(result, f"{os.path.basename(source)}: paxoscope linearizable")
    try:
        with open(target, "w", encoding="utf-8") as f:
            f.write(page)
    except OSError as error:
        raise UsageError(f"cannot write the HTML report {target}: {error.strerror}") from None
