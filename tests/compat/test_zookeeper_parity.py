"""ZooKeeper 3.6+'s newer client features, driven by Apache's own Java client
(java/ParityZooKeeper.java): persistent and persistent-recursive watches, removeWatches and
checkWatches, multiRead, TTL nodes, getACL's digest masking and the super user.

The program prints one line per observation. Its output against paxoscope must be the output
recorded from Apache ZooKeeper 3.8 (Debian's) in golden/zookeeper_parity.txt, line for line;
`PAXOSCOPE_COMPAT_TARGET=apache` runs it against Apache ZooKeeper instead, to check the golden
file itself (and `PAXOSCOPE_PARITY_RECORD=1` rewrites it from that run).

    pytest tests/compat/test_zookeeper_parity.py
    PAXOSCOPE_COMPAT_TARGET=apache PAXOSCOPE_PARITY_RECORD=1 pytest tests/compat/test_zookeeper_parity.py
"""

from __future__ import annotations

import base64
import hashlib
import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from benchmarks.ensembles import ApacheEnsemble, Ensemble, PaxoscopeEnsemble, log_tails, run_java
from benchmarks.ensembles import apache_missing as _apache_missing

JAVA_SOURCE = Path(__file__).parent / "java" / "ParityZooKeeper.java"
GOLDEN = Path(__file__).parent / "golden" / "zookeeper_parity.txt"
SUPER_PASSWORD = "parity-super-secret"
SWEEP_MS = "100"  # how often the leader sweeps containers and TTL nodes


def super_digest(user: str, password: str) -> str:
    """DigestAuthenticationProvider.generateDigest: user:base64(sha1(user:password))."""
    sha1 = hashlib.sha1(f"{user}:{password}".encode()).digest()
    return f"{user}:{base64.b64encode(sha1).decode()}"


SETTINGS = {
    "extendedTypesEnabled": "true",
    "DigestAuthenticationProvider.superDigest": super_digest("super", SUPER_PASSWORD),
}


@pytest.fixture(scope="module")
def ensemble(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Ensemble]:
    target = os.environ.get("PAXOSCOPE_COMPAT_TARGET", "paxoscope")
    missing = _apache_missing() or (None if shutil.which("javac") else "missing javac")
    if missing is not None:  # scripts/setup.sh installs them: never pass without them
        pytest.fail(f"Apache's ZooKeeper tools are not installed: {missing}")
    directory = tmp_path_factory.mktemp(target)
    running: Ensemble
    if target == "apache":
        properties = {"znode.container.checkIntervalMs": SWEEP_MS}
        running = ApacheEnsemble(directory, 3, settings=SETTINGS, properties=properties)
    elif target == "paxoscope":
        settings = {
            **SETTINGS,
            "znode.container.checkIntervalMs": SWEEP_MS,
            "paxoscope.fsync": "false",
        }
        running = PaxoscopeEnsemble(directory, 3, settings=settings)
    else:
        raise ValueError(f"PAXOSCOPE_COMPAT_TARGET={target!r}: expected apache or paxoscope")
    with running:
        running.start()
        yield running


def test_the_java_client_sees_what_it_sees_on_apache_zookeeper(
    ensemble: Ensemble, tmp_path: Path
) -> None:
    result = run_java(JAVA_SOURCE, [ensemble.connect_string, SUPER_PASSWORD], tmp_path)
    logs = log_tails(ensemble, 30)
    assert result.returncode == 0, f"{result.stdout}\n{result.stderr}\n{logs}"
    if os.environ.get("PAXOSCOPE_PARITY_RECORD") and ensemble.name == "apache":
        GOLDEN.parent.mkdir(exist_ok=True)
        GOLDEN.write_text(result.stdout)
    assert result.stdout.splitlines() == GOLDEN.read_text().splitlines(), logs
