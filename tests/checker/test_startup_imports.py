"""What start-up imports: `paxoscope check` loads neither z3, scipy, graphviz, hypothesis nor
the implementation, and with a warm cache neither compiler; the pytest plugin loads none of the
engines until its fixture is used."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from tests.conftest import ROOT

RUN_CHECK = """
import json, sys
from checker.cli import main
try:
    main(["check", "spec/paxos.py", "-p", "max_ballot=1"], standalone_mode=False)
finally:
    print(json.dumps(sorted(sys.modules)), file=sys.stderr)
"""

NEVER = (
    "z3",
    "scipy",
    "graphviz",
    "hypothesis",
    "impl",
    "checker.symbolic",
    "checker.traces.html",
    "checker.traces.itf",
    "checker.traces.dot",
    "checker.explicit.liveness",
)
COMPILERS = (
    "checker.explicit.codegen",
    "checker.explicit.codegen_exprs",
    "checker.explicit.codegen_values",
    "checker.explicit.vector.compiler",
    "checker.explicit.vector.compiler_exprs",
)


def _modules(code: str, cache: Path | None) -> set[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("PAXOSCOPE_")}
    env["PYTHONPATH"] = str(ROOT)
    if cache is None:
        env["PAXOSCOPE_NO_CACHE"] = "1"
    else:
        env["PAXOSCOPE_CACHE_DIR"] = str(cache)
    out = subprocess.run(
        [sys.executable, "-c", code],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=True,
    )
    return set(json.loads(out.stderr.strip().splitlines()[-1]))


def _loaded(modules: set[str], names: tuple[str, ...]) -> list[str]:
    return sorted(m for m in modules if any(m == n or m.startswith(n + ".") for n in names))


def test_check_imports_only_what_it_needs(tmp_path: Path) -> None:
    cold = _modules(RUN_CHECK, tmp_path)
    assert _loaded(cold, NEVER) == []
    assert _loaded(cold, COMPILERS) == [
        "checker.explicit.vector.compiler",
        "checker.explicit.vector.compiler_exprs",
    ]
    warm = _modules(RUN_CHECK, tmp_path)
    assert _loaded(warm, NEVER + COMPILERS) == []
    assert "numpy" in warm and "checker.explicit.vector.bfs" in warm  # it did run the engine


def test_the_pytest_plugin_imports_no_engine() -> None:
    code = (
        "import json, sys; import checker.pytest_plugin; "
        "print(json.dumps(sorted(sys.modules)), file=sys.stderr)"
    )
    modules = _modules(code, None)
    assert "checker.pytest_plugin" in modules
    assert _loaded(modules, ("numpy", "z3", "checker.lang", "checker.ir", "checker.check")) == []
