"""paxoscope installed from its wheel (`pip install .`, not editable) works from an empty
directory: `list` names the bundled specs and proofs as modules, and `check`, `prove` find them
by module and by the README's paths (issue 22, "Install").

The wheel is built offline from a copy of the sources (building in place would leave `build/`
and `*.egg-info` in the checkout) and installed into a folder of its own. Its commands run with
that folder first on the import path, the running environment's site-packages after it for the
dependencies, and `python -S -P`: no `.pth` file runs (an editable install of the checkout is
one, and would answer for a module the wheel lacks) and neither the working directory nor the
checkout is on the path, so paxoscope's code comes from the wheel alone.
"""

from __future__ import annotations

import importlib.util
import os
import shutil
import site
import subprocess
import sys
import sysconfig
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.conftest import ROOT

# One build at a time on this machine (scripts/test.sh runs --dist loadgroup): the tests share it.
pytestmark = pytest.mark.xdist_group("install")

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
    site: Path
    sources: list[str]  # the .py files of the packages, relative to the source folder
    env: dict[str, str]
    cwd: Path  # empty

    def python(self, *args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-S", "-P", *args],
            cwd=self.cwd,
            env=self.env,
            capture_output=True,
            text=True,
            timeout=300,
        )

    def paxoscope(self, *args: str) -> subprocess.CompletedProcess[str]:
        return self.python("-c", CONSOLE_SCRIPT, *args)


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


@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Installed]:
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


def test_the_wheel_holds_every_package_module_and_marker(installed: Installed) -> None:
    names = set(zipfile.ZipFile(installed.wheel).namelist())
    missing = [p for p in installed.sources if p not in names]
    assert not missing, f"modules left out of the wheel: {missing}"
    for data in ("checker/py.typed", "impl/py.typed", "checker/schemas/check-result.schema.json"):
        assert data in names
    entry_points = next(n for n in names if n.endswith(".dist-info/entry_points.txt"))
    scripts = zipfile.ZipFile(installed.wheel).read(entry_points).decode()
    assert "paxoscope = checker.cli:run" in scripts


def test_the_code_comes_from_the_installed_wheel(installed: Installed) -> None:
    result = installed.python(
        "-c",
        "import checker, impl, proofs.voting, spec.paxos, spec.tlaplus\n"
        "for m in (checker, impl, proofs.voting, spec.paxos, spec.tlaplus): print(m.__file__)",
    )
    assert result.returncode == 0, result.stderr
    files = result.stdout.split()
    assert len(files) == 5
    for file in files:
        assert Path(file).is_relative_to(installed.site), files
    assert list(installed.cwd.iterdir()) == []


def test_list_names_bundled_specs_and_proofs_as_modules(installed: Installed) -> None:
    result = installed.paxoscope("list")
    assert result.returncode == 0, result.stderr
    names = {line.split()[0] for line in result.stdout.splitlines() if line[:1].isalpha()}
    assert {"spec.paxos", "spec.mutants.paxos_forgetful_1b", "spec.tlaplus.ewd840"} <= names
    assert {"proofs.voting", "proofs.mypyvy.ring"} <= names
    assert not [n for n in names if "/" in n or n.endswith(".py")]


@pytest.mark.parametrize("ref", ["spec.paxos", "spec/paxos.py"])
def test_check_a_bundled_spec_by_module_or_readme_path(installed: Installed, ref: str) -> None:
    result = installed.paxoscope("check", ref, "-p", "max_ballot=1", "--no-progress")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "3,921 distinct states" in result.stdout


@pytest.mark.parametrize("ref", ["proofs.voting", "proofs/voting.py"])
def test_prove_a_bundled_proof(installed: Installed, ref: str) -> None:
    result = installed.paxoscope("prove", ref)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "PROVED" in result.stdout


def test_a_name_that_is_nothing_is_a_one_paragraph_error(installed: Installed) -> None:
    for ref, message in [
        ("spec/nope.py", "spec file `spec/nope.py` does not exist, nor is it a bundled spec"),
        ("spec.nope", "no spec file or module `spec.nope`"),
    ]:
        result = installed.paxoscope("check", ref)
        assert result.returncode == 2
        assert message in result.stderr
        assert "Traceback" not in result.stderr
