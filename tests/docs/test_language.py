"""docs/language.md is executable: its Python blocks run in order as one module (the asserts in
them are the counts the page states), and every public name of the language is documented
there and has a docstring."""

from __future__ import annotations

import importlib.util
import inspect
import re
import sys
from pathlib import Path

import checker
from tests.conftest import ROOT

DOC = ROOT / "docs" / "language.md"


def python_blocks(text: str) -> list[str]:
    return re.findall(r"^```python\n(.*?)^```", text, flags=re.S | re.M)


def test_the_examples_run(tmp_path: Path) -> None:
    blocks = python_blocks(DOC.read_text())
    assert len(blocks) >= 7
    module = tmp_path / "language_examples.py"
    module.write_text("\n\n".join(blocks))  # a real file: the tracer reads methods' source
    spec = importlib.util.spec_from_file_location("language_examples", module)
    assert spec is not None and spec.loader is not None
    loaded = importlib.util.module_from_spec(spec)
    sys.modules["language_examples"] = loaded
    try:
        spec.loader.exec_module(loaded)  # every assert in the page runs here
    finally:
        del sys.modules["language_examples"]


def test_every_public_name_is_documented() -> None:
    text = DOC.read_text()
    for name in checker.__all__:
        if name == "trace_spec":
            continue  # the tracer, not the language
        assert f"{name}" in text, f"docs/language.md does not mention `{name}`"
        assert inspect.getdoc(getattr(checker, name)), f"`checker.{name}` has no docstring"
