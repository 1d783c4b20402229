"""paxoscope built into a wheel and installed from it (`pip install .`, not editable), for the
tests that run the README's and the tutorial's commands against an install, from an empty
working directory (issue 22, "Install"): `tests/test_install.py`, `tests/docs/test_tutorial.py`.

The wheel is built offline from a copy of the sources (building in place would leave `build/`
and `*.egg-info` in the checkout) and installed into a folder of its own. Its commands run with
that folder first on the import path, the running environment's site-packages after it for the
dependencies, and `python -S -P`: no `.pth` file runs (an editable install of the checkout is
one, and would answer for a module the wheel lacks) and neither the working directory nor the
checkout is on the path, so paxoscope's code comes from the wheel alone.

`installed` is a session fixture, built once per process; a test module uses it by importing
it (`from tests.installed import install_wheel  # noqa: F401`, the fixture's name is
`installed`) and groups its tests with `xdist_group("install")`, so that under `--dist
loadgroup` one worker builds the wheel once for all of them.
"""

from __future__ import annotations

import importlib.util
import os
import shutil
import site
import subprocess
import sys
import sysconfig
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.conftest import ROOT

PACKAGES = ("checker", "spec", "proofs", "impl")

# What the `paxoscope` console script does, found through the installed wheel's entry points.
CONSOLE_SCRIPT = (
    "import sys\n"
    "from importlib.metadata import entry_points\n"
    "(script,) = entry_points(group='console_scripts', name='paxoscope')\n"
    "sys.argv[0] = 'paxoscope'\n"
    "sys.exit(script.load()())\n"
)


@dataclass(frozen=True)
class Installed:
    wheel: Path
    site: Path  # the folder the wheel is installed into
    sources: list[str]  # the .py files of the packages, relative to the source folder
    env: dict[str, str]  # PYTHONPATH: the site, then the dependencies' site-packages
    cwd: Path  # empty

    def argv(self, program: str, *args: str) -> list[str]:
        """The command line of `python`, `paxoscope` or `pytest` run against the install."""
        python = [sys.executable, "-S", "-P"]
        if program == "python":
            return [*python, *args]
        if program == "paxoscope":
            return [*python, "-c", CONSOLE_SCRIPT, *args]
        if program == "pytest":
            # No `-p checker.pytest_plugin`: the wheel's `pytest11` entry point loads it, as in a
            # real install (its dist-info is in the install's folder, first on the path;
            # tests/test_install.py checks that it is the one found).
            return [*python, "-m", "pytest", *args]
        raise ValueError(f"no command `{program}` in the install")

    def run(
        self,
        program: str,
        *args: str,
        cwd: Path | None = None,
        env: Mapping[str, str] | None = None,
    ) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            self.argv(program, *args),
            cwd=self.cwd if cwd is None else cwd,
            env=dict(self.env if env is None else env),
            capture_output=True,
            text=True,
            timeout=300,
        )

    def python(self, *args: str) -> subprocess.CompletedProcess[str]:
        return self.run("python", *args)

    def paxoscope(self, *args: str) -> subprocess.CompletedProcess[str]:
        return self.run("paxoscope", *args)


def _can_build_wheels() -> bool:
    """pip, and setuptools with bdist_wheel: its own from 70.1, before that the `wheel` package's."""
    found = importlib.util.find_spec
    return (
        found("pip") is not None
        and found("setuptools") is not None
        and (found("wheel") is not None or found("setuptools.command.bdist_wheel") is not None)
    )


def _dependency_paths() -> list[str]:
    """The running environment's site-packages, for the dependencies (with `-S` their `.pth`
    files, among them an editable install's hook into the checkout, do not run)."""
    paths = [sysconfig.get_paths()["purelib"], sysconfig.get_paths()["platlib"]]
    paths += site.getsitepackages()
    if site.ENABLE_USER_SITE:
        paths.append(site.getusersitepackages())
    return [p for p in dict.fromkeys(paths) if os.path.isdir(p)]


@pytest.fixture(scope="session", name="installed")
def install_wheel(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Installed]:
    if not _can_build_wheels():
        pytest.skip(
            "building a wheel offline needs pip, setuptools and `wheel` in this environment "
            "(pip install wheel; the [dev] extra has it)"
        )
    base = tmp_path_factory.mktemp("install")
    src = base / "src"
    src.mkdir()
    for name in ("pyproject.toml", "README.md"):
        shutil.copy2(ROOT / name, src / name)
    ignore = shutil.ignore_patterns("__pycache__", "*.pyc")
    for package in PACKAGES:
        shutil.copytree(ROOT / package, src / package, ignore=ignore)
    sources = sorted(
        p.relative_to(src).as_posix() for package in PACKAGES for p in (src / package).rglob("*.py")
    )
    offline = {**os.environ, "PIP_NO_INDEX": "1", "PIP_DISABLE_PIP_VERSION_CHECK": "1"}
    wheels = base / "wheels"
    pip_wheel = ["pip", "wheel", ".", "--no-deps", "--no-build-isolation", "-w", str(wheels)]
    build = subprocess.run(
        [sys.executable, "-m", *pip_wheel],
        cwd=src,
        env=offline,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert build.returncode == 0, build.stdout + build.stderr
    (wheel,) = wheels.glob("paxoscope-*.whl")
    target = base / "site"
    install = subprocess.run(
        [sys.executable, "-m", "pip", "install", "--no-deps", "--target", str(target), str(wheel)],
        env=offline,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert install.returncode == 0, install.stdout + install.stderr
    cwd = base / "empty"
    cwd.mkdir()
    env = {k: v for k, v in os.environ.items() if not k.startswith("PYTHON")}
    env["PYTHONPATH"] = os.pathsep.join([str(target), *_dependency_paths()])
    env["PAXOSCOPE_CACHE_DIR"] = str(base / "cache")  # cold: the wheel's code compiles its own
    yield Installed(wheel, target, sources, env, cwd)
