"""docs/tutorial.md cannot rot: this test follows it top to bottom as a reader would.

The page's conventions, which the test reads:

- A ```python block whose first line is `# file: NAME` is a file the reader saves: it is
  written, whole and verbatim (that line included), as NAME in a temporary directory. A block
  whose first line is `# append to: NAME` is added at the end of that file, after a blank line.
  Other python blocks are shown only. Blocks are handled in the page's order, interleaved with
  the commands, so a file may change between two commands.
- A ```console block holds commands, each on a line starting with `$ `, each followed by its
  output. Every command runs in the temporary directory, in order: a leading `paxoscope` runs
  `sys.executable -m checker.cli` and a leading `pytest` `sys.executable -m pytest` (loading
  the `paxoscope` fixture with `-p checker.pytest_plugin` when no installed entry point
  registers it), with the checkout first on PYTHONPATH, so the code under test is this
  checkout's. Any other command is refused: the page shows only those two.
- The page is followed twice: against the checkout, as above, and against paxoscope built into
  a wheel and installed from it (`tests/installed.py`), from an empty directory: `paxoscope` is
  the wheel's console script and `pytest` loads the wheel's plugin, under `python -S -P` with
  the install first on the path, so neither the checkout nor an editable install of it answers.
- The exit code of a block's commands is the last "exits N" in the prose between the previous
  block and this one (every console block must have one).
- The output shown is compared with the real output (stdout and stderr, in the order written),
  line by line after `normalize`: a line `...` stands for any run of lines, possibly none.

`normalize` makes machine-dependent figures equal on both sides: timings (`0.04 s`, pytest's
`1.62s`), rates (`7,211 states/s`), the number of worker processes (`, 2 workers`: one per
core), colour escapes and runs of spaces (alignment). Progress lines, which `check` writes to
stderr only in runs longer than three seconds, are dropped from the real output.
"""

from __future__ import annotations

import difflib
import importlib.metadata
import os
import re
import shlex
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from tests.conftest import ROOT
from tests.installed import (
    Installed,
    install_wheel,  # noqa: F401  (the `installed` fixture)
)

TUTORIAL = ROOT / "docs" / "tutorial.md"
BLOCK = re.compile(r"^```(\w*)\n(.*?)^```[ \t]*$", re.M | re.S)
FILE_MARK = re.compile(r"#\s*file:\s*(\S+)\s*$")
APPEND_MARK = re.compile(r"#\s*append to:\s*(\S+)\s*$")
EXITS = re.compile(r"\bexits (\d+)\b")
ANY_LINES = "..."

ANSI = re.compile(r"\x1b\[[0-9;]*[A-Za-z]")
RATE = re.compile(r"[\d,]+(?:\.\d+)? states/s\b")
SECONDS = re.compile(r"\b\d+(?:\.\d+)? ?s\b")
WORKERS = re.compile(r", \d+ workers\b")
SPACES = re.compile(r"[ \t]+")
PROGRESS = re.compile(r"^\s*\d+ s\s+[\d,]+ distinct states\s+queue\b")


def normalize(line: str) -> str:
    """A line with its machine-dependent figures replaced by placeholders."""
    line = ANSI.sub("", line)
    line = RATE.sub("<n> states/s", line)
    line = SECONDS.sub("<t> s", line)
    line = WORKERS.sub("", line)
    return SPACES.sub(" ", line).strip()


def matches(expected: list[str], actual: list[str]) -> bool:
    """Whether the actual lines are the expected ones, where an expected `...` line stands for
    any run of actual lines (possibly empty). Both are compared as `normalize` leaves them."""
    exp = [line if line.strip() == ANY_LINES else normalize(line) for line in expected]
    act = [normalize(line) for line in actual]
    # ok[i][j]: exp[i:] matches act[j:]
    ok = [[False] * (len(act) + 1) for _ in range(len(exp) + 1)]
    ok[len(exp)][len(act)] = True
    for i in range(len(exp) - 1, -1, -1):
        for j in range(len(act), -1, -1):
            if exp[i] == ANY_LINES:
                ok[i][j] = ok[i + 1][j] or (j < len(act) and ok[i][j + 1])
            else:
                ok[i][j] = j < len(act) and exp[i] == act[j] and ok[i + 1][j + 1]
    return ok[0][0]


@dataclass
class Command:
    line: str  # as the page shows it, without `$ `
    expected: list[str]  # the output shown under it
    exit_code: int


@dataclass
class Step:
    """One block of the page: a file to write (or append to), or a console block's commands."""

    file: str | None = None
    text: str = ""
    append: bool = False
    commands: list[Command] = field(default_factory=list)


def parse(markdown: str) -> list[Step]:
    steps: list[Step] = []
    prose_start = 0
    for block in BLOCK.finditer(markdown):
        lang, body = block.group(1), block.group(2)
        prose = markdown[prose_start : block.start()]
        prose_start = block.end()
        if lang == "python":
            first = body.splitlines()[0] if body else ""
            if mark := FILE_MARK.fullmatch(first.strip()):
                steps.append(Step(file=mark.group(1), text=body))
            elif mark := APPEND_MARK.fullmatch(first.strip()):
                steps.append(Step(file=mark.group(1), text=body, append=True))
            continue
        if lang != "console":
            continue
        codes = EXITS.findall(prose)
        assert codes, f"no 'exits N' in the prose before the console block:\n{body}"
        step = Step()
        for line in body.splitlines():
            if line.startswith("$ "):
                step.commands.append(Command(line[2:].strip(), [], int(codes[-1])))
            else:
                assert step.commands, f"a console block starts with output, not `$ `:\n{body}"
                step.commands[-1].expected.append(line)
        steps.append(step)
    return steps


def pytest_plugin_installed() -> bool:
    return any(
        ep.value == "checker.pytest_plugin"
        for ep in importlib.metadata.entry_points(group="pytest11")
    )


def argv_for(command: str, installed: Installed | None = None) -> list[str]:
    """The command as the test runs it: this interpreter, this checkout's paxoscope; or, given
    the install, its console script and its pytest plugin."""
    words = shlex.split(command)
    if words[0] not in ("paxoscope", "pytest"):
        raise AssertionError(f"the tutorial runs only paxoscope and pytest, not `{command}`")
    if installed is not None:
        return installed.argv(words[0], *words[1:])
    if words[0] == "paxoscope":
        return [sys.executable, "-m", "checker.cli", *words[1:]]
    plugin = [] if pytest_plugin_installed() else ["-p", "checker.pytest_plugin"]
    return [sys.executable, "-m", "pytest", *plugin, *words[1:]]


def environment(installed: Installed | None = None) -> dict[str, str]:
    """The test's environment without what would change the output: the outer pytest's and
    xdist's variables, forced colours; unbuffered, so stdout and stderr keep their order. The
    checkout first on PYTHONPATH, or, given the install, its environment (the install's folder
    and the dependencies' site-packages only)."""
    base = os.environ if installed is None else installed.env
    env = {
        k: v
        for k, v in base.items()
        if not k.startswith("PYTEST_") and k not in ("FORCE_COLOR", "PY_COLORS", "CLICOLOR_FORCE")
    }
    if installed is None:
        path = [str(ROOT), *([env["PYTHONPATH"]] if env.get("PYTHONPATH") else [])]
        env["PYTHONPATH"] = os.pathsep.join(path)
    env.update(PYTHONUNBUFFERED="1", NO_COLOR="1", COLUMNS="80")
    return env


def test_normalize_hides_only_machine_dependent_figures() -> None:
    assert normalize("288 distinct states, depth 11, 0.04 s (7,211 states/s)") == (
        "288 distinct states, depth 11, <t> s (<n> states/s)"
    )
    assert normalize("3 passed in 1.62s") == normalize("3 passed in 12.5 s") == "3 passed in <t> s"
    assert normalize("  holds      0.00 s  init") == normalize("  holds     10.25 s  init")
    assert normalize("bfs (vector engine, 2 workers), symmetry off") == normalize(
        "bfs (vector engine), symmetry off"
    )
    assert normalize("violated after 7 step(s):") == "violated after 7 step(s):"
    assert normalize("1,568 distinct states") != normalize("1,569 distinct states")


def test_ellipsis_stands_for_any_run_of_lines() -> None:
    assert matches(["a", "...", "d"], ["a", "b", "c", "d"])
    assert matches(["a", "...", "d"], ["a", "d"])
    assert matches(["...", "c", "...", "e"], ["a", "b", "c", "d", "e"])
    assert not matches(["a", "...", "d"], ["a", "b", "c"])
    assert not matches(["a", "c"], ["a", "b", "c"])
    assert matches(["took 0.1 s"], ["took 3.25 s"])


@pytest.mark.parametrize(
    "against",
    # The install's run shares the wheel with tests/test_install.py: one build per worker group.
    ["checkout", pytest.param("installed", marks=pytest.mark.xdist_group("install"))],
)
def test_the_tutorial_runs_as_written(
    tmp_path: Path, against: str, request: pytest.FixtureRequest
) -> None:
    steps = parse(TUTORIAL.read_text())
    files = [s.file for s in steps if s.file is not None and not s.append]
    assert {"twophase.py", "twophase_timeout.py", "twophase_proof.py"} <= set(files)
    assert sum(len(s.commands) for s in steps) >= 6
    installed: Installed | None = None
    if against == "installed":
        installed = request.getfixturevalue("installed")
    env = environment(installed)
    ran: list[str] = []
    for step in steps:
        if step.file is not None:
            assert "/" not in step.file and "\\" not in step.file, step.file
            target = tmp_path / step.file
            if step.append:
                assert target.exists(), f"`# append to: {step.file}` before it is written"
                target.write_text(target.read_text() + "\n" + step.text)
            else:
                target.write_text(step.text)
            continue
        for cmd in step.commands:
            proc = subprocess.run(
                argv_for(cmd.line, installed),
                cwd=tmp_path,
                env=env,
                stdout=subprocess.PIPE,
                stderr=subprocess.STDOUT,
                text=True,
                timeout=300,
            )
            ran.append(cmd.line)
            actual = [line for line in proc.stdout.splitlines() if not PROGRESS.match(line)]
            assert proc.returncode == cmd.exit_code, (
                f"`{cmd.line}` exited {proc.returncode}, the tutorial says {cmd.exit_code}:\n"
                + proc.stdout
            )
            if not matches(cmd.expected, actual):
                diff = difflib.unified_diff(
                    [normalize(line) for line in cmd.expected],
                    [normalize(line) for line in actual],
                    "docs/tutorial.md",
                    "real output",
                    lineterm="",
                )
                pytest.fail(
                    f"`{cmd.line}` prints something else than the tutorial shows "
                    f"(normalized; `...` lines match any run of lines):\n" + "\n".join(diff),
                    pytrace=False,
                )
            html = re.search(r"--html\s+(\S+)", cmd.line)
            if html:
                page = (tmp_path / html.group(1)).read_text()
                assert page.startswith("<!DOCTYPE html>"), f"{html.group(1)} is not a page"
    assert any(c.startswith("pytest") for c in ran), "the tutorial no longer runs its test"
    if installed is not None:
        # What the commands imported, in their directory and environment: the wheel's code.
        where = subprocess.run(
            installed.argv(
                "python",
                "-c",
                "import checker, checker.cli, checker.pytest_plugin\n"
                "for m in (checker, checker.cli, checker.pytest_plugin): print(m.__file__)",
            ),
            cwd=tmp_path,
            env=env,
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert where.returncode == 0, where.stderr
        modules = where.stdout.split()
        assert len(modules) == 3
        assert all(Path(m).is_relative_to(installed.site) for m in modules), modules
