"""kazoo's own client tests that check the server's request limit, run unchanged against a
3-node cluster (paxoscope by default; PAXOSCOPE_KAZOO_TARGET=apache for Apache ZooKeeper).

`test_create_large_value` creates a 512 KiB node and expects a 2 MiB create to end the
connection (ConnectionLoss): a request over jute.maxbuffer (ZooKeeper's default 0xfffff bytes)
is a "Len error" that closes it. paxoscope's limit used to be its peer frame limit, 64 MiB,
so the 2 MiB node was created (issue 16).

    pytest tests/compat/test_kazoo_client.py
"""

from __future__ import annotations

import pytest
from kazoo.testing import KazooTestCase
from kazoo.tests import test_client

pytest_plugins = ["kazoo_harness"]

pytestmark = pytest.mark.filterwarnings("ignore:No chroot path exists:UserWarning")


class KazooRequestLimitTests(KazooTestCase):
    test_create_large_value = test_client.TestClient.test_create_large_value
