"""TLS as ZooKeeper configures it (secureClientPort, ssl.*, sslQuorum), with PEM files made
here by a throwaway CA: config errors, and one 3-server TLS-only cluster with TLS between its
servers, used by kazoo and by clients and peers that must be refused."""

from __future__ import annotations

import ipaddress
import socket
import ssl
import struct
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from kazoo.client import KazooClient
from kazoo.handlers.threading import KazooTimeoutError

from impl.net.cluster import LocalCluster
from impl.net.config import ConfigError, load_config
from impl.net.tls import certificate_names
from tests.pki import LOOPBACK, Authority, key_pem

ROOT = Path(__file__).resolve().parents[3]

@dataclass
class Pki:
    """Files under `directory`: the CA (ca.pem), a server's key store (server.pem: chain and
    key, for the client port and between servers), a client's certificate and key, and a
    second CA nobody trusts (rogue-ca.pem) with a client certificate of its own."""

    directory: Path

    def __getattr__(self, name: str) -> Path:
        path = self.directory / (name.replace("_", "-") + ".pem")
        if not path.is_file():
            raise AttributeError(f"the test PKI has no {path.name}")
        return path


@pytest.fixture(scope="module")
def pki(tmp_path_factory: pytest.TempPathFactory) -> Pki:
    directory = tmp_path_factory.mktemp("pki")
    ca, rogue = Authority.make("paxoscope test CA"), Authority.make("rogue CA")
    server, server_key = ca.issue("server", LOOPBACK)
    client, client_key = ca.issue("client", [])
    rogue_client, rogue_client_key = rogue.issue("rogue client", [])
    elsewhere, elsewhere_key = ca.issue(
        "elsewhere", [x509.IPAddress(ipaddress.ip_address("10.9.9.9"))]
    )
    key = serialization.load_pem_private_key(server_key, None)
    assert isinstance(key, ec.EllipticCurvePrivateKey)
    files = {
        "ca": ca.pem,
        "rogue-ca": rogue.pem,
        "server": server + server_key,
        "server-encrypted": server + key_pem(key, b"s3cret"),
        "server-cert-only": server,
        "client": client,
        "client-key": client_key,
        "rogue-client": rogue_client,
        "rogue-client-key": rogue_client_key,
        "elsewhere": elsewhere + elsewhere_key,
        "not-pem": b"this is not PEM\n",
    }
    for name, data in files.items():
        (directory / f"{name}.pem").write_bytes(data)
    return Pki(directory)


def client_context(pki: Pki) -> ssl.SSLContext:
    """What a trusted client uses: the CA, and a certificate from it."""
    context = ssl.create_default_context(cafile=pki.ca)
    context.load_cert_chain(pki.client, pki.client_key)
    return context


def tls_settings(pki: Pki) -> dict[str, str]:
    return {
        "tickTime": "200",
        "paxoscope.fsync": "false",
        "nio.sessionlessCnxnTimeout": "1500",  # how long a TLS handshake may take
        "serverCnxnFactory": "org.apache.zookeeper.server.NettyServerCnxnFactory",
        "ssl.keyStore.location": str(pki.server),
        "ssl.keyStore.type": "PEM",
        "ssl.trustStore.location": str(pki.ca),
        "ssl.trustStore.type": "PEM",
        "ssl.clientAuth": "need",
        "sslQuorum": "true",
        "ssl.quorum.keyStore.location": str(pki.server),
        "ssl.quorum.trustStore.location": str(pki.ca),
    }


# --- a TLS-only cluster with TLS between its servers ---------------------------------------


@pytest.fixture(scope="module")
def cluster(pki: Pki, tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalCluster]:
    directory = tmp_path_factory.mktemp("tls-cluster")
    with LocalCluster(directory, 3, settings=tls_settings(pki), tls=client_context(pki)) as running:
        running.start()
        running.wait_for_leader(timeout=30)
        yield running


def kazoo(cluster: LocalCluster, pki: Pki, *nodes: int, **options: object) -> KazooClient:
    addresses = [cluster.node(n).client_address for n in nodes or (1, 2, 3)]
    hosts = ",".join(f"{h}:{p}" for h, p in addresses)
    tls: dict[str, object] = {
        "use_ssl": True,
        "ca": str(pki.ca),
        "certfile": str(pki.client),
        "keyfile": str(pki.client_key),
        "verify_certs": True,
    }
    return KazooClient(hosts=hosts, timeout=4, **{**tls, **options})


cluster_test = pytest.mark.xdist_group("tls-cluster")  # one cluster, on one xdist worker


@cluster_test
def test_kazoo_over_tls_and_replication_between_tls_servers(
    cluster: LocalCluster, pki: Pki
) -> None:
    writer, reader = kazoo(cluster, pki, 1), kazoo(cluster, pki, 3)
    writer.start(timeout=10)
    reader.start(timeout=10)
    try:
        writer.create("/tls/hello", b"over TLS", makepath=True)
        reader.sync("/tls/hello")
        assert reader.get("/tls/hello")[0] == b"over TLS"
        reader.set("/tls/hello", b"back")
        writer.sync("/tls/hello")
        assert writer.get("/tls/hello")[0] == b"back"
        assert writer.get_children("/tls") == ["hello"]
    finally:
        for client in (writer, reader):
            client.stop()
            client.close()
    for node in cluster.nodes:
        host, port = _peer_port(cluster, node.id)
        assert f"peers on {host}:{port} (TLS)" in node.log_path.read_text()


def refused(client: KazooClient) -> bool:
    """Does `client` fail to get a session within a short timeout?"""
    try:
        client.start(timeout=2)
    except (KazooTimeoutError, ssl.SSLError, OSError):
        return True
    finally:
        client.stop()
        client.close()
    return False


@cluster_test
def test_clients_that_do_not_trust_the_ca_or_have_no_certificate_are_refused(
    cluster: LocalCluster, pki: Pki
) -> None:
    assert refused(kazoo(cluster, pki, 1, ca=str(pki.rogue_ca)))
    assert refused(kazoo(cluster, pki, 1, certfile=None, keyfile=None))
    assert refused(
        kazoo(cluster, pki, 1, certfile=str(pki.rogue_client), keyfile=str(pki.rogue_client_key))
    )
    assert not refused(kazoo(cluster, pki, 1))


def _read_all(sock: socket.socket) -> bytes:
    chunks = []
    try:
        while chunk := sock.recv(65536):
            chunks.append(chunk)
    except ConnectionResetError:
        pass
    return b"".join(chunks)


def tls_word(cluster: LocalCluster, pki: Pki, node: int, word: bytes) -> bytes:
    address = cluster.node(node).client_address
    with (
        socket.create_connection(address, timeout=5) as plain,
        client_context(pki).wrap_socket(plain, server_hostname=address[0]) as sock,
    ):
        sock.sendall(word)
        return _read_all(sock)


# A ZooKeeper ConnectRequest (protocol 0, zxid 0, 4000 ms, no session, empty password), framed.
CONNECT_REQUEST = struct.pack(">iqiqi16s?", 0, 0, 4000, 0, 16, bytes(16), False)
PLAINTEXT_CONNECT = struct.pack(">i", len(CONNECT_REQUEST)) + CONNECT_REQUEST


@cluster_test
def test_plaintext_and_stalled_connections_to_the_secure_port_are_not_served(
    cluster: LocalCluster, pki: Pki
) -> None:
    address = cluster.node(2).client_address
    for hello in (PLAINTEXT_CONNECT, b"srvr"):
        with socket.create_connection(address, timeout=5) as sock:
            sock.sendall(hello)
            reply = _read_all(sock)
        # closed, at most after a TLS alert record (content type 21): no ZooKeeper answer
        assert reply == b"" or reply[0] == 21, reply
    # A connection that never starts its handshake is closed after nio.sessionlessCnxnTimeout
    # (1.5 s here), not kept.
    started = time.monotonic()
    with socket.create_connection(address, timeout=10) as sock:
        assert _read_all(sock) == b""
    assert time.monotonic() - started < 6
    # ... and the server goes on serving, four-letter words included.
    assert tls_word(cluster, pki, 2, b"ruok") == b"imok"
    assert b"Mode: " in tls_word(cluster, pki, 2, b"srvr")
    log = cluster.node(2).log_path.read_text()
    assert "TLS handshake failed" in log


def _peer_port(cluster: LocalCluster, node: int) -> tuple[str, int]:
    me = load_config(cluster.node(node).config_path).me
    return me.host, me.peer_port


def _hello(node: int) -> bytes:
    from impl.net.framing import frame
    from impl.net.server import _Hello
    from impl.paxos.types import peer_encoder

    return frame(peer_encoder.encode(_Hello(node)))


@cluster_test
def test_plaintext_and_impostor_peers_do_not_disturb_the_tls_cluster(
    cluster: LocalCluster, pki: Pki
) -> None:
    host, port = _peer_port(cluster, 1)
    for junk in (_hello(2), b"\x00\x00\x00\x08junk and more junk", b"\x16\x03\x01\x00\x05hello"):
        with socket.create_connection((host, port), timeout=5) as sock:
            sock.sendall(junk)
            reply = _read_all(sock)
        assert reply == b"" or reply[0] == 21, reply
    # A certificate from the cluster's CA, but not for the host of the server it claims to be:
    # the handshake succeeds (the chain is good) and the connection is closed at its hello.
    impostor = ssl.create_default_context(cafile=pki.ca)
    impostor.load_cert_chain(pki.elsewhere)
    with (
        socket.create_connection((host, port), timeout=5) as plain,
        impostor.wrap_socket(plain, server_hostname=host) as sock,
    ):
        sock.sendall(_hello(2))
        assert _read_all(sock) == b""
    writer, reader = kazoo(cluster, pki, 1), kazoo(cluster, pki, 2)
    writer.start(timeout=10)
    reader.start(timeout=10)
    try:
        writer.create("/tls/after-junk", b"still replicating", makepath=True)
        reader.sync("/tls/after-junk")
        assert reader.get("/tls/after-junk")[0] == b"still replicating"
    finally:
        for client in (writer, reader):
            client.stop()
            client.close()
    log = cluster.node(1).log_path.read_text()
    assert f"to {host}:{port}: TLS handshake failed" in log
    assert "its certificate is not for n2's host" in log


# --- configuration ---------------------------------------------------------------------------


def write_config(directory: Path, text: str) -> Path:
    path = directory / "zoo.cfg"
    path.write_text(text, encoding="utf-8")
    return path


def test_a_tls_only_standalone_server(tmp_path: Path, pki: Pki) -> None:
    path = write_config(
        tmp_path,
        "dataDir=data\n"
        "secureClientPort=2281\n"
        f"ssl.keyStore.location={pki.server}\n"
        "ssl.keyStore.type=pem\n"
        f"ssl.trustStore.location={pki.ca}\n"
        "serverCnxnFactory=org.apache.zookeeper.server.NettyServerCnxnFactory\n",
    )
    config = load_config(path)
    assert (config.client_port, config.secure_client_port) == (None, 2281)
    assert config.secure_client_port_address == "127.0.0.1"
    assert config.tls is not None and config.tls.client_port is not None
    assert config.tls.client_port.verify_mode == ssl.CERT_REQUIRED  # clientAuth=need, the default
    assert config.tls.client_port.minimum_version >= ssl.TLSVersion.TLSv1_2
    assert (config.tls.quorum, config.tls.quorum_server, config.tls.quorum_client) == (
        False,
        None,
        None,
    )
    assert config.warnings == ()  # serverCnxnFactory is taken without a word
    assert config.extra == {
        "serverCnxnFactory": "org.apache.zookeeper.server.NettyServerCnxnFactory"
    }


def test_both_client_ports_quorum_tls_and_relative_paths(tmp_path: Path, pki: Pki) -> None:
    for name in ("server-encrypted", "ca"):
        (tmp_path / f"{name}.pem").write_bytes((pki.directory / f"{name}.pem").read_bytes())
    (tmp_path / "data").mkdir()
    (tmp_path / "data" / "myid").write_text("2\n")
    path = write_config(
        tmp_path,
        "dataDir=data\n"
        "clientPort=2181\n"
        "secureClientPort=2281\n"
        "secureClientPortAddress=0.0.0.0\n"
        "ssl.keyStore.location=server-encrypted.pem\n"
        "ssl.keyStore.password=s3cret\n"
        "ssl.clientAuth=none\n"
        "sslQuorum=true\n"
        "ssl.quorum.keyStore.location=server-encrypted.pem\n"
        "ssl.quorum.keyStore.password=s3cret\n"
        "ssl.quorum.trustStore.location=ca.pem\n"
        "ssl.quorum.hostnameVerification=false\n"
        "server.1=127.0.0.1:2888\n"
        "server.2=127.0.0.2:2888\n",
    )
    config = load_config(path)
    assert (config.client_port, config.secure_client_port) == (2181, 2281)
    assert config.secure_client_port_address == "0.0.0.0"
    tls = config.tls
    assert tls is not None and tls.client_port is not None
    assert tls.client_port.verify_mode == ssl.CERT_NONE
    assert (tls.key_store, tls.trust_store) == (tmp_path / "server-encrypted.pem", None)
    assert tls.quorum_server is not None and tls.quorum_client is not None
    assert tls.quorum_server.verify_mode == tls.quorum_client.verify_mode == ssl.CERT_REQUIRED
    assert tls.quorum_client.check_hostname is False


def test_tls_keys_without_a_secure_port_or_sslquorum_are_reported_unused(
    tmp_path: Path, pki: Pki
) -> None:
    path = write_config(
        tmp_path, f"dataDir=data\nclientPort=2181\nssl.keyStore.location={pki.server}\n"
    )
    config = load_config(path)
    assert config.tls is None
    assert [w for w in config.warnings if "not used" in w] == [
        f"{path}:3: ssl.keyStore.location is set, but there is no secureClientPort and no "
        "sslQuorum=true; the TLS settings are not used"
    ]


STORE = "ssl.keyStore.location={server}\nssl.trustStore.location={ca}\n"
BAD_CONFIGS = {
    "secure port without key store": (
        "secureClientPort=2281\n",
        2,
        ["secureClientPort is set, but ssl.keyStore.location is not"],
    ),
    "missing key store": (
        "secureClientPort=2281\nssl.keyStore.location={missing}\n",
        3,
        ["ssl.keyStore.location names", "cannot be read (No such file or directory)"],
    ),
    "missing trust store": (
        "secureClientPort=2281\nssl.keyStore.location={server}\nssl.trustStore.location={missing}\n",
        4,
        ["ssl.trustStore.location names", "cannot be read"],
    ),
    "no trust store for clientAuth=need": (
        "secureClientPort=2281\nssl.keyStore.location={server}\n",
        2,
        ["ssl.clientAuth is need (the default), but ssl.trustStore.location is not set"],
    ),
    "JKS": (
        "secureClientPort=2281\nssl.keyStore.type=JKS\n",
        3,
        ["ssl.keyStore.type is 'JKS'", "expected PEM"],
    ),
    "PKCS12 trust store": (
        "ssl.quorum.trustStore.type=PKCS12\n",
        2,
        ["ssl.quorum.trustStore.type is 'PKCS12'", "expected PEM"],
    ),
    "not PEM": (
        "secureClientPort=2281\nssl.keyStore.location={not_pem}\n",
        3,
        ["holds no PEM certificate"],
    ),
    "no key": (
        "secureClientPort=2281\nssl.keyStore.location={server_cert_only}\n",
        3,
        ["holds no PEM private key"],
    ),
    "trust store not PEM": (
        "secureClientPort=2281\nssl.keyStore.location={server}\nssl.trustStore.location={not_pem}\n",
        4,
        ["ssl.trustStore.location names", "holds no PEM certificate"],
    ),
    "encrypted key, no password": (
        "secureClientPort=2281\nssl.keyStore.location={server_encrypted}\n",
        3,
        ["encrypted private key", "ssl.keyStore.password is not set"],
    ),
    "wrong password": (
        "secureClientPort=2281\nssl.keyStore.location={server_encrypted}\n"
        "ssl.keyStore.password=wrong\n",
        3,
        ["ssl.keyStore.password (line 4) does not decrypt"],
    ),
    "clientAuth": ("ssl.clientAuth=sometimes\n", 2, ["expected need, want or none"]),
    "sslQuorum": ("sslQuorum=yes\n", 2, ["sslQuorum is 'yes'; expected true or false"]),
    "sslQuorum without key store": (
        "sslQuorum=true\n",
        2,
        ["sslQuorum is true, but ssl.quorum.keyStore.location is not set"],
    ),
    "sslQuorum without trust store": (
        "sslQuorum=true\nssl.quorum.keyStore.location={server}\n",
        2,
        ["sslQuorum is true, but ssl.quorum.trustStore.location is not set"],
    ),
    "secure port out of range": ("secureClientPort=70000\n", 2, ["a port number 1-65535"]),
    "secure port is the client port": (
        "secureClientPort=2181\n" + STORE + "clientPort=2181\n",
        2,
        ["secureClientPort is clientPort's port 127.0.0.1:2181"],
    ),
}


@pytest.mark.parametrize(("lines", "line", "fragments"), BAD_CONFIGS.values(), ids=BAD_CONFIGS)
def test_bad_tls_settings_name_file_and_line(
    tmp_path: Path, pki: Pki, lines: str, line: int, fragments: list[str]
) -> None:
    files = {
        name.replace("-", "_"): pki.directory / f"{name}.pem"
        for name in ("server", "ca", "not-pem", "server-cert-only", "server-encrypted")
    }
    body = lines.format(missing=tmp_path / "missing.pem", **files)
    if "secureClientPort" not in body:
        body += "clientPort=2181\n"
    path = write_config(tmp_path, "dataDir=data\n" + body)
    with pytest.raises(ConfigError) as caught:
        load_config(path)
    message = caught.value.message
    assert message.startswith(f"{path}:{line}: "), message
    assert "expected" in message and "\n" not in message
    for fragment in fragments:
        assert fragment in message, message


def test_a_bad_tls_config_exits_2_naming_the_line(tmp_path: Path) -> None:
    path = write_config(
        tmp_path, "dataDir=data\nsecureClientPort=2281\nssl.keyStore.location=nowhere.pem\n"
    )
    result = subprocess.run(
        [sys.executable, "-m", "impl", "server", "--config", str(path)],
        capture_output=True,
        text=True,
        timeout=30,
        cwd=ROOT,
    )
    assert result.returncode == 2
    assert f"{path}:3: ssl.keyStore.location names" in result.stderr
    assert "Traceback" not in result.stderr


@pytest.mark.parametrize(
    ("names", "host", "expected"),
    [
        ([("IP Address", "127.0.0.1"), ("DNS", "localhost")], "127.0.0.1", True),
        ([("IP Address", "127.0.0.1")], "127.0.0.2", False),
        ([("IP Address", "0:0:0:0:0:0:0:1\n")], "::1", True),
        ([("DNS", "localhost")], "LocalHost", True),
        ([("DNS", "*.example.com")], "zoo1.example.com", True),
        ([("DNS", "*.example.com")], "a.zoo1.example.com", False),
        ([("DNS", "*.example.com")], "example.com", False),
        ([("DNS", "127.0.0.1")], "127.0.0.1", False),  # an address needs an IP entry
        ([], "localhost", False),
    ],
)
def test_certificate_names(names: list[tuple[str, str]], host: str, expected: bool) -> None:
    assert certificate_names({"subjectAltName": tuple(names)}, host) is expected
