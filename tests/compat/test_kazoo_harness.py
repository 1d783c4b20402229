"""The harness that runs kazoo's suite (kazoo_harness.py) stops the clients a test left running."""

from __future__ import annotations

import pytest

from tests.conftest import ROOT

pytest_plugins = ["pytester"]

# Two tests in a module that loads the harness: the first leaves a client running (connecting,
# for ever, to a port nothing listens on: its thread draws from the global `random` for each
# attempt's jitter); the second sees whether its connection thread is still there.
LEAKY = """
import threading, time
from kazoo.client import KazooClient

pytest_plugins = ["kazoo_harness"]

def test_leaves_a_client_running():
    KazooClient(hosts="127.0.0.1:9", connection_retry={"max_tries": -1}).start_async()
    time.sleep(0.2)
    assert any(t.name.endswith("(zk_loop)") for t in threading.enumerate())

def test_no_client_is_left_running():
    time.sleep(0.2)
    assert not [t.name for t in threading.enumerate() if t.name.endswith("(zk_loop)")]
"""


def test_a_client_a_test_leaves_running_is_stopped_after_it(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(test_leaky=LEAKY)
    result = pytester.runpytest_subprocess(
        "-p",
        "no:cacheprovider",
        "-q",
        "-n",
        "0",
        "--rootdir",
        str(pytester.path),
        f"--override-ini=pythonpath={ROOT / 'tests' / 'compat'}",
    )
    result.assert_outcomes(passed=2)
