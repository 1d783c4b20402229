"""Apache's own clients against a running 3-node cluster: ZooKeeper's shell, zkCli.sh, and a Java
program compiled against Debian's ZooKeeper jars (java/HelloZooKeeper.java, the issue's example).

The cluster is paxoscope by default, and only paxoscope runs in CI. The same tests run against a
real Apache ZooKeeper ensemble, to check the tests themselves, with
`PAXOSCOPE_COMPAT_TARGET=apache` (or `=apache,paxoscope` for both). Java, zkCli.sh and the jars
come from Debian's `zookeeper` package, which scripts/setup.sh installs: without them the tests
fail (saying what to install), so that a missing install cannot pass unnoticed. Each JVM costs about a second: five in all (three zkCli, javac, java).
"""

from __future__ import annotations

import os
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from benchmarks.ensembles import (
    ZKCLI,
    ApacheEnsemble,
    Ensemble,
    PaxoscopeEnsemble,
    apache_missing,
    log_tails,
    run_java,
)

TARGET_ENV = "PAXOSCOPE_COMPAT_TARGET"
TARGETS = ("paxoscope", "apache")
JAVA_SOURCE = Path(__file__).parent / "java" / "HelloZooKeeper.java"
NODE = "/compat-zkcli"


def _targets() -> list[str]:
    names = [t.strip() for t in os.environ.get(TARGET_ENV, "paxoscope").split(",") if t.strip()]
    unknown = [t for t in names if t not in TARGETS]
    if unknown or not names:
        raise ValueError(f"{TARGET_ENV}={os.environ[TARGET_ENV]!r}: expected apache, paxoscope")
    return names


def _missing_tools() -> str | None:
    missing = apache_missing()
    if missing is None and shutil.which("javac") is None:
        missing = "missing javac: `apt-get install default-jdk-headless` (scripts/setup.sh does it)"
    return missing


@pytest.fixture(scope="module", params=_targets())
def ensemble(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Ensemble]:
    missing = _missing_tools()
    if missing is not None:  # scripts/setup.sh installs them: never pass without them
        pytest.fail(f"Apache's ZooKeeper tools are not installed: {missing}")
    directory = tmp_path_factory.mktemp(request.param)
    running: Ensemble
    if request.param == "apache":
        running = ApacheEnsemble(directory, 3)
    else:
        # Durability is not what these tests check; forcing votes to disk only slows CI down.
        running = PaxoscopeEnsemble(directory, 3, settings={"paxoscope.fsync": "false"})
    with running:
        running.start()
        yield running


def _zkcli(
    ensemble: Ensemble, index: int, *command: str, script: str | None = None
) -> subprocess.CompletedProcess[str]:
    """`zkCli.sh -server 127.0.0.1:PORT`, given one command (one-shot) or a script on stdin."""
    host, port = ensemble.addresses[index]
    return subprocess.run(
        [str(ZKCLI), "-server", f"{host}:{port}", *command],
        input=script,
        capture_output=True,
        text=True,
        timeout=60,
    )


def _explain(ensemble: Ensemble, result: subprocess.CompletedProcess[str]) -> str:
    return (
        f"{ensemble.name}: `{' '.join(map(str, result.args))}` exited {result.returncode}\n"
        f"stdout:\n{result.stdout}\nstderr:\n{result.stderr}\n{log_tails(ensemble)}"
    )


def _lines(result: subprocess.CompletedProcess[str]) -> list[str]:
    return [line.strip() for line in result.stdout.splitlines()]


def test_zkcli_creates_reads_lists_and_deletes(ensemble: Ensemble) -> None:
    # zkCli prints what it read on stdout and "Created ..." and errors on stderr; its exit code
    # is that of the last command, so every script ends with one that must succeed.
    first, other = 0, 1
    result = _zkcli(
        ensemble,
        first,
        script="\n".join(
            [
                f"create {NODE} hello",
                f"create {NODE}/child data",
                f"get {NODE}",
                f"ls {NODE}",
                f"stat {NODE}",
                f"set {NODE} world",
                f"get {NODE}",
                "quit",
            ]
        ),
    )
    out = _lines(result)
    assert result.returncode == 0, _explain(ensemble, result)
    assert f"Created {NODE}" in result.stderr, _explain(ensemble, result)
    assert f"Created {NODE}/child" in result.stderr, _explain(ensemble, result)
    assert "hello" in out and "[child]" in out, _explain(ensemble, result)
    # Stat as zkCli prints it: the create's version and sizes, before the set.
    for field in ("dataVersion = 0", "dataLength = 5", "numChildren = 1", "cversion = 1"):
        assert field in out, f"{field!r} missing\n{_explain(ensemble, result)}"
    assert out.index("world") > out.index("hello"), _explain(ensemble, result)

    # One-shot form, a new session on the same server.
    result = _zkcli(ensemble, first, "ls", NODE)
    assert result.returncode == 0 and "[child]" in _lines(result), _explain(ensemble, result)

    # On another server: sync first (a follower may not have applied the set yet), then read
    # and delete; the root's listing no longer shows the node, and reading it fails.
    result = _zkcli(
        ensemble,
        other,
        script="\n".join(
            [
                f"sync {NODE}",
                f"get {NODE}",
                f"delete {NODE}/child",
                f"delete {NODE}",
                f"get {NODE}",
                "ls /",
                "quit",
            ]
        ),
    )
    out = _lines(result)
    assert result.returncode == 0, _explain(ensemble, result)
    assert "world" in out, _explain(ensemble, result)
    assert f"Node does not exist: {NODE}" in result.stderr, _explain(ensemble, result)
    listings = [line for line in out if line.startswith("[") and line.endswith("]")]
    assert listings, _explain(ensemble, result)
    root = [name.strip() for name in listings[-1][1:-1].split(",") if name.strip()]
    assert NODE.lstrip("/") not in root, _explain(ensemble, result)


def test_java_client_compiled_against_debian_jars_prints_test(
    ensemble: Ensemble, tmp_path: Path
) -> None:
    result = run_java(JAVA_SOURCE, [ensemble.connect_string], tmp_path, timeout=60)
    assert result.returncode == 0, _explain(ensemble, result)
    assert result.stdout == "test\n", _explain(ensemble, result)
