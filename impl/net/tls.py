"""TLS settings and contexts: ZooKeeper 3.8's zoo.cfg keys, with PEM files (its
`ssl.keyStore.type=PEM`), made into `ssl.SSLContext`s when the config is loaded::

    secureClientPort=2281                     # TLS for clients (clientPort may be left out)
    ssl.keyStore.location=/etc/zk/server.pem  # certificate chain and private key, one file
    ssl.keyStore.password=...                 # only for an encrypted key
    ssl.trustStore.location=/etc/zk/ca.pem    # the CAs whose client certificates are accepted
    ssl.clientAuth=need                       # need (default), want, or none
    sslQuorum=true                            # TLS between servers, certificates both ways
    ssl.quorum.keyStore.location=/etc/zk/quorum.pem
    ssl.quorum.trustStore.location=/etc/zk/ca.pem

Relative paths are relative to the config file's directory, as dataDir is. Every context takes
TLS 1.2 or later. A server checks its clients' certificates against the trust store (with
`need`, a client without one is refused in the handshake) but not their host names, as
ZooKeeper 3.9 by default (`ssl.clientHostnameVerification=false`): `ssl.hostnameVerification`
is accepted, being ZooKeeper's, and changes nothing.
Between servers, `ssl.quorum.hostnameVerification` (default true, as ZooKeeper) checks the
certificate of a server connected to against the host of its `server.N` line, and that of a
server connecting, once it has named itself, against the host of its own line.
"""

from __future__ import annotations

import ipaddress
import ssl
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

__all__ = [
    "CLIENT_AUTH",
    "KEYS",
    "QUIET_KEYS",
    "TlsError",
    "TlsSettings",
    "certificate_names",
    "check_setting",
    "settings_from",
]

CLIENT_AUTH = ("need", "want", "none")
_CLIENT_KEYS = (
    "ssl.keyStore.location",
    "ssl.keyStore.password",
    "ssl.keyStore.type",
    "ssl.trustStore.location",
    "ssl.trustStore.type",
    "ssl.clientAuth",
    "ssl.hostnameVerification",
)
_QUORUM_KEYS = (
    "sslQuorum",
    "ssl.quorum.keyStore.location",
    "ssl.quorum.keyStore.password",
    "ssl.quorum.keyStore.type",
    "ssl.quorum.trustStore.location",
    "ssl.quorum.trustStore.type",
    "ssl.quorum.hostnameVerification",
)
KEYS = (*_CLIENT_KEYS, *_QUORUM_KEYS)
# Found in real ZooKeeper configs and kept in `extra` without a warning: which Java class
# serves connections (ZooKeeper needs Netty's for TLS), a client-side switch, and passwords of
# PEM trust stores, which have none.
QUIET_KEYS = (
    "serverCnxnFactory",
    "client.secure",
    "ssl.trustStore.password",
    "ssl.quorum.trustStore.password",
)
_BOOLEANS = ("sslQuorum", "ssl.hostnameVerification", "ssl.quorum.hostnameVerification")
_KEY_STORE = "a PEM file holding the certificate chain and its private key"
_TRUST_STORE = "a PEM file of the CA certificates to trust"


class TlsError(Exception):
    """A TLS setting that cannot be used; the message names file and line (the config module
    raises it as a ConfigError)."""


@dataclass(frozen=True)
class TlsSettings:
    """What the TLS keys of one zoo.cfg say, with the contexts made from them: the client
    port's (None without secureClientPort), and the two sides of server-to-server connections
    (None without sslQuorum=true)."""

    client_auth: str = "need"
    hostname_verification: bool = True  # ssl.hostnameVerification: not used by a server
    quorum: bool = False
    quorum_hostname_verification: bool = True
    key_store: Path | None = None
    trust_store: Path | None = None
    quorum_key_store: Path | None = None
    quorum_trust_store: Path | None = None
    client_port: ssl.SSLContext | None = field(default=None, compare=False, repr=False)
    quorum_server: ssl.SSLContext | None = field(default=None, compare=False, repr=False)
    quorum_client: ssl.SSLContext | None = field(default=None, compare=False, repr=False)


def check_setting(key: str, value: str, where: str) -> str:
    """One TLS key's value, checked on its own (files are read later, by `settings_from`)."""
    if key.endswith(".type"):
        if value.upper() != "PEM":
            raise TlsError(
                f"{where}: {key} is {value!r}; expected PEM (paxoscope reads PEM files only; "
                "a JKS or PKCS12 store can be converted with keytool and openssl)"
            )
        return "PEM"
    if key == "ssl.clientAuth":
        if value.lower() not in CLIENT_AUTH:
            raise TlsError(f"{where}: ssl.clientAuth is {value!r}; expected need, want or none")
        return value.lower()
    if key in _BOOLEANS:
        if value.lower() not in ("true", "false"):
            raise TlsError(f"{where}: {key} is {value!r}; expected true or false")
        return value.lower()
    if key.endswith(".location") and not value:
        raise TlsError(f"{where}: {key} is empty; expected a file path")
    return value


def settings_from(
    values: dict[str, str],
    lines: dict[str, int],
    source: str,
    base: Path,
    secure_port: bool,
    warnings: list[str],
) -> TlsSettings | None:
    """The TLS settings of a config whose TLS keys are `values` (on `lines` of `source`), with
    their contexts loaded; None if it has no secure client port and no sslQuorum (any TLS keys
    are then reported unused in `warnings`). `base`: the directory relative paths start from."""
    quorum = values.get("sslQuorum") == "true"
    if not secure_port and not quorum:
        unused = sorted((lines[key], key) for key in values if key != "sslQuorum")
        if unused:
            warnings.append(
                f"{source}:{unused[0][0]}: {unused[0][1]} is set, but there is no "
                "secureClientPort and no sslQuorum=true; the TLS settings are not used"
            )
        return None
    loader = _Loader(values, lines, source, base)
    settings = TlsSettings(
        client_auth=values.get("ssl.clientAuth", "need"),
        hostname_verification=values.get("ssl.hostnameVerification", "true") == "true",
        quorum=quorum,
        quorum_hostname_verification=(
            values.get("ssl.quorum.hostnameVerification", "true") == "true"
        ),
    )
    if secure_port:
        settings = _client_port(settings, loader)
    if quorum:
        settings = _quorum(settings, loader)
    return settings


def _context(server_side: bool) -> ssl.SSLContext:
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER if server_side else ssl.PROTOCOL_TLS_CLIENT)
    context.minimum_version = ssl.TLSVersion.TLSv1_2
    return context


def _client_port(settings: TlsSettings, loader: _Loader) -> TlsSettings:
    """The secure client port's context: the key store, and the trust store unless
    ssl.clientAuth is none."""
    key_store = loader.path("ssl.keyStore.location", "secureClientPort", "secureClientPort is set")
    context = _context(server_side=True)
    loader.key_store(context, "ssl.keyStore", key_store)
    trust_store = None
    auth = settings.client_auth
    if auth != "none":
        explicit = "ssl.clientAuth" in loader.values
        why = f"ssl.clientAuth is {auth}" + ("" if explicit else " (the default)")
        anchor = "ssl.clientAuth" if explicit else "secureClientPort"
        trust_store = loader.path(
            "ssl.trustStore.location", anchor, why, ", or ssl.clientAuth=none"
        )
        loader.trust_store(context, "ssl.trustStore.location", trust_store)
        context.verify_mode = ssl.CERT_REQUIRED if auth == "need" else ssl.CERT_OPTIONAL
    return replace(settings, key_store=key_store, trust_store=trust_store, client_port=context)


def _quorum(settings: TlsSettings, loader: _Loader) -> TlsSettings:
    """Both sides of server-to-server TLS: each presents the quorum key store and requires a
    certificate from the quorum trust store of the other."""
    why = "sslQuorum is true"
    key_store = loader.path("ssl.quorum.keyStore.location", "sslQuorum", why)
    trust_store = loader.path("ssl.quorum.trustStore.location", "sslQuorum", why)
    server, client = _context(server_side=True), _context(server_side=False)
    for context in (server, client):
        loader.key_store(context, "ssl.quorum.keyStore", key_store)
        loader.trust_store(context, "ssl.quorum.trustStore.location", trust_store)
        context.verify_mode = ssl.CERT_REQUIRED
    client.check_hostname = settings.quorum_hostname_verification
    return replace(
        settings,
        quorum_key_store=key_store,
        quorum_trust_store=trust_store,
        quorum_server=server,
        quorum_client=client,
    )


class _Loader:
    """Reads the PEM files the settings name, with errors that say which line named them."""

    def __init__(self, values: dict[str, str], lines: dict[str, int], source: str, base: Path):
        self.values, self.lines, self.source, self.base = values, lines, source, base

    def at(self, key: str) -> str:
        return f"{self.source}:{self.lines[key]}"

    def path(self, key: str, anchor: str, why: str, alternative: str = "") -> Path:
        if key not in self.values:
            what = _KEY_STORE if "keyStore" in key else _TRUST_STORE
            raise TlsError(
                f"{self.at(anchor)}: {why}, but {key} is not set; expected {key}=FILE, {what}"
                f"{alternative}"
            )
        return self.base / self.values[key]

    def _read(self, key: str, path: Path, what: str) -> str:
        try:
            return path.read_text(encoding="ascii", errors="replace")
        except OSError as error:
            raise TlsError(
                f"{self.at(key)}: {key} names {path}, which cannot be read "
                f"({error.strerror or error}); expected {what}"
            ) from None

    def key_store(self, context: ssl.SSLContext, prefix: str, path: Path) -> None:
        key = f"{prefix}.location"
        where, text = self.at(key), self._read(key, path, _KEY_STORE)
        head = f"{where}: {key} names {path}, which"
        if "-----BEGIN CERTIFICATE-----" not in text:
            raise TlsError(f"{head} holds no PEM certificate; expected {_KEY_STORE}")
        if "PRIVATE KEY-----" not in text:
            raise TlsError(
                f"{head} holds no PEM private key; expected {_KEY_STORE} (ZooKeeper's PEM key "
                "store: the key in the same file as the certificates)"
            )
        password = self.values.get(f"{prefix}.password")
        encrypted = "ENCRYPTED PRIVATE KEY-----" in text or "Proc-Type: 4,ENCRYPTED" in text
        if encrypted and not password:
            raise TlsError(
                f"{head} holds an encrypted private key, and {prefix}.password is not set; "
                "expected the key's password there"
            )
        try:
            # never None: OpenSSL would ask for a password on the terminal
            context.load_cert_chain(path, password=password or "")
        except ssl.SSLError as error:
            if error.reason == "KEY_VALUES_MISMATCH":
                problem = "holds a private key that is not the first certificate's"
            elif encrypted:
                password_line = self.lines[f"{prefix}.password"]
                problem = (
                    f"holds a private key that {prefix}.password (line {password_line}) does "
                    "not decrypt"
                )
            else:
                problem = f"cannot be loaded ({error})"
            raise TlsError(f"{head} {problem}; expected {_KEY_STORE}") from None
        except OSError as error:
            raise TlsError(f"{head} cannot be read ({error}); expected {_KEY_STORE}") from None

    def trust_store(self, context: ssl.SSLContext, key: str, path: Path) -> None:
        text = self._read(key, path, _TRUST_STORE)
        if "-----BEGIN CERTIFICATE-----" not in text:
            raise TlsError(
                f"{self.at(key)}: {key} names {path}, which holds no PEM certificate; "
                f"expected {_TRUST_STORE}"
            )
        try:
            context.load_verify_locations(cafile=path)
        except (ssl.SSLError, OSError) as error:
            raise TlsError(
                f"{self.at(key)}: {key} names {path}, which cannot be loaded ({error}); "
                f"expected {_TRUST_STORE}"
            ) from None


# --- what servers check of each other ---------------------------------------------------------


def certificate_names(certificate: dict[str, Any], host: str) -> bool:
    """Is `certificate` (as `SSLSocket.getpeercert()` gives it) for `host`, a host name or IP
    address? Its subjectAltName entries decide: IP addresses exactly, DNS names without case
    and with a `*` standing for the whole leftmost label (RFC 6125)."""
    names: tuple[tuple[str, str], ...] = certificate.get("subjectAltName", ())
    try:
        address: ipaddress.IPv4Address | ipaddress.IPv6Address | None = ipaddress.ip_address(host)
    except ValueError:
        address = None
    for kind, value in names:
        if address is not None and kind == "IP Address":
            try:
                if ipaddress.ip_address(value.strip()) == address:
                    return True
            except ValueError:
                continue
        elif address is None and kind == "DNS" and _dns_matches(value.lower(), host.lower()):
            return True
    return False


def _dns_matches(pattern: str, host: str) -> bool:
    pattern, host = pattern.rstrip("."), host.rstrip(".")
    if not pattern.startswith("*."):
        return pattern == host
    first, dot, rest = host.partition(".")
    return bool(first and dot) and rest == pattern[2:]
