"""The zoo.cfg-style server configuration: parsing, myid, error messages."""

from __future__ import annotations

from pathlib import Path

import pytest

from impl.net.config import (
    DEFAULT_MAX_FRAME_BYTES,
    FOUR_LETTER_WORDS,
    ConfigError,
    PeerAddress,
    ServerConfig,
    load_config,
    parse_server_list,
)

REALISTIC = """\
# The number of milliseconds of each tick
tickTime=2000
# The number of ticks that the initial synchronization phase can take
initLimit=10
syncLimit=5
dataDir=data
dataLogDir=/var/log/paxoscope
clientPort=2181
maxClientCnxns=100
autopurge.snapRetainCount=3

  server.1 = zoo1:2888:3888
server.2=zoo2:2888:3888;2181
server.3=zoo3:2888:3888:observer;10.0.0.3:2181
"""


def make(tmp_path: Path, text: str, myid: str | None = "1", name: str = "zoo.cfg") -> Path:
    """Write `text` as tmp_path/name and, unless myid is None, tmp_path/data/myid."""
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    if myid is not None:
        (tmp_path / "data").mkdir(exist_ok=True)
        (tmp_path / "data" / "myid").write_text(myid, encoding="utf-8")
    return path


# --- good configs ----------------------------------------------------------------------------


def test_realistic_three_server_config(tmp_path: Path) -> None:
    cfg = load_config(make(tmp_path, REALISTIC, myid="2\n"))
    assert cfg.path == tmp_path / "zoo.cfg"
    assert cfg.data_dir == tmp_path / "data"
    assert cfg.data_log_dir == Path("/var/log/paxoscope")
    assert (cfg.tick_time, cfg.init_limit, cfg.sync_limit) == (2000, 10, 5)
    assert cfg.max_client_cnxns == 100
    assert cfg.my_id == 2
    assert cfg.servers == {
        1: PeerAddress(1, "zoo1", 2888, 3888, "zoo1", None, "participant"),
        2: PeerAddress(2, "zoo2", 2888, 3888, "127.0.0.1", 2181, "participant"),
        3: PeerAddress(3, "zoo3", 2888, 3888, "10.0.0.3", 2181, "observer"),
    }
    assert cfg.me == cfg.servers[2]
    assert list(cfg.peers) == [1, 3]
    # This server binds its ;clientPort (which agrees with clientPort) on the default loopback
    # address; server 1's line has no ;clientPort, so this file does not say where it serves.
    assert (cfg.client_port_address, cfg.client_port) == ("127.0.0.1", 2181)
    assert [cfg.client_port_of(i) for i in (1, 2, 3)] == [None, 2181, 2181]
    with pytest.raises(KeyError):
        cfg.client_port_of(4)
    assert cfg.extra == {"autopurge.snapRetainCount": "3"}
    assert len(cfg.warnings) == 1
    assert f"{tmp_path / 'zoo.cfg'}:10: autopurge.snapRetainCount" in cfg.warnings[0]


def test_old_style_server_lines_take_client_port_from_clientPort(tmp_path: Path) -> None:
    text = REALISTIC.replace("clientPort=2181", "clientPort=2181\nclientPortAddress=0.0.0.0")
    cfg = load_config(make(tmp_path, text, myid="1"))
    assert cfg.me == PeerAddress(1, "zoo1", 2888, 3888, "0.0.0.0", 2181, "participant")
    assert (cfg.client_port_address, cfg.client_port) == ("0.0.0.0", 2181)


def test_defaults(tmp_path: Path) -> None:
    cfg = load_config(make(tmp_path, "dataDir=data\nserver.1=localhost:2888;2181\n"))
    assert cfg.data_log_dir is None
    assert (cfg.tick_time, cfg.init_limit, cfg.sync_limit, cfg.max_client_cnxns) == (
        2000,
        None,
        None,
        60,
    )
    assert cfg.fsync is True
    assert cfg.lease_reads is True
    assert (cfg.tick_ms, cfg.election_ticks, cfg.heartbeat_ticks) == (10, 30, 5)
    assert cfg.snapshot_every == 10_000
    assert cfg.max_frame_bytes == DEFAULT_MAX_FRAME_BYTES == 64 * 1024 * 1024
    assert cfg.extra == {} and cfg.warnings == ()
    assert cfg.me == PeerAddress(1, "localhost", 2888, None, "127.0.0.1", 2181, "participant")
    assert cfg.peers == {}


def test_paxoscope_settings(tmp_path: Path) -> None:
    text = """dataDir=data
clientPort=2181
server.1=127.0.0.1:2888
paxoscope.fsync=False
paxoscope.tickMs=20
paxoscope.electionTicks=50
paxoscope.heartbeatTicks=10
paxoscope.snapshotEvery=500
paxoscope.maxFrameBytes=1048576
jute.maxbuffer=65536
paxoscope.leaseReads=FALSE
"""
    cfg = load_config(make(tmp_path, text))
    assert cfg.fsync is False
    assert cfg.lease_reads is False
    assert (cfg.tick_ms, cfg.election_ticks, cfg.heartbeat_ticks) == (20, 50, 10)
    assert (cfg.snapshot_every, cfg.max_frame_bytes, cfg.jute_max_buffer) == (500, 1048576, 65536)
    assert cfg.extra == {}
    # Turning fsync off is allowed, and loudly so.
    assert len(cfg.warnings) == 1 and ":4: paxoscope.fsync=false" in cfg.warnings[0]


def test_standalone_is_a_cluster_of_one(tmp_path: Path) -> None:
    cfg = load_config(make(tmp_path, "dataDir=data\nclientPort=2181\n", myid=None))
    assert cfg.my_id == 1
    assert cfg.servers == {
        1: PeerAddress(1, "127.0.0.1", 0, None, "127.0.0.1", 2181, "participant")
    }
    assert cfg.peers == {}
    assert cfg.client_port_of(1) == cfg.client_port == 2181


def test_standalone_accepts_myid_1_and_client_address(tmp_path: Path) -> None:
    text = "dataDir=data\nclientPort=2181\nclientPortAddress=[::1]\n"
    cfg = load_config(make(tmp_path, text, myid="1"))
    assert (cfg.my_id, cfg.client_port_address) == (1, "::1")


def test_relative_data_dirs_are_relative_to_the_config_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    conf = tmp_path / "conf"
    (conf / "state").mkdir(parents=True)
    (conf / "state" / "myid").write_text("3")
    (conf / "zoo.cfg").write_text(
        "dataDir=state\ndataLogDir=../logs\nserver.3=127.0.0.1:2888;2183\n"
    )
    monkeypatch.chdir(tmp_path)  # a relative config path, too, resolves against the file
    cfg = load_config(Path("conf/zoo.cfg"))
    assert cfg.data_dir == conf / "state"
    assert cfg.data_log_dir == conf / "../logs"
    assert cfg.data_dir.is_absolute() and cfg.my_id == 3
    monkeypatch.chdir("/")
    assert (cfg.data_dir / "myid").read_text() == "3"


def test_absolute_data_dir(tmp_path: Path) -> None:
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    (elsewhere / "myid").write_text(" 1 \n")
    cfg = load_config(make(tmp_path, f"dataDir={elsewhere}\nserver.1=h:1;2\n", myid=None))
    assert cfg.data_dir == elsewhere and cfg.my_id == 1


def test_whitespace_comments_crlf_and_bom(tmp_path: Path) -> None:
    text = "\ufeff# comment\r\n\r\n   dataDir =  data  \r\n\t# indented comment\r\n"
    text += "server.1 =  127.0.0.1:2888:3888:participant ; 2181 \r\n"
    cfg = load_config(make(tmp_path, text))
    assert cfg.me == PeerAddress(1, "127.0.0.1", 2888, 3888, "127.0.0.1", 2181, "participant")


# The same kind of cluster in the other forms java.util.Properties (so ZooKeeper) reads.
PROPERTIES_SYNTAX = """\
! a three-server cluster, in the other forms of java.util.Properties
tickTime 2000
initLimit:10
   syncLimit   =   5
dataDir\tdata
   ! an indented comment, which a backslash does not continue \\
maxClientCnxns 7
server.1 127.0.0.1:2888:3888;\\
         2181
server.2 : 127.0.0.1:2889\\
:3889
server.3=127.0.0.1:2890:3890:observer;\\u0031\\u0032\\u0037.0.0.1:2183
paxoscope.fsync false
autopurge.purgeInterval   1
my\\:odd\\ key = a\\tvalue\\\\
"""


@pytest.mark.parametrize("terminator", ["\n", "\r\n", "\r"], ids=["LF", "CRLF", "CR"])
def test_java_properties_syntax(tmp_path: Path, terminator: str) -> None:
    cfg = load_config(make(tmp_path, PROPERTIES_SYNTAX.replace("\n", terminator)))
    assert (cfg.tick_time, cfg.init_limit, cfg.sync_limit) == (2000, 10, 5)
    assert cfg.data_dir == tmp_path / "data"
    assert cfg.max_client_cnxns == 7  # not swallowed by the comment before it
    assert cfg.servers == {
        1: PeerAddress(1, "127.0.0.1", 2888, 3888, "127.0.0.1", 2181, "participant"),
        2: PeerAddress(2, "127.0.0.1", 2889, 3889, "127.0.0.1", None, "participant"),
        3: PeerAddress(3, "127.0.0.1", 2890, 3890, "127.0.0.1", 2183, "observer"),
    }
    assert cfg.my_id == 1 and cfg.client_port == 2181
    assert cfg.fsync is False
    assert cfg.extra == {"autopurge.purgeInterval": "1", "my:odd key": "a\tvalue\\"}
    # Each message names the line its setting begins on.
    path = tmp_path / "zoo.cfg"
    assert [warning.split(" ")[0] for warning in cfg.warnings] == [
        f"{path}:13:",
        f"{path}:14:",
        f"{path}:15:",
    ]
    assert "my:odd key is not used by paxoscope" in cfg.warnings[2]


def test_values_are_trimmed_as_zookeeper_does(tmp_path: Path) -> None:
    # Properties.load keeps a value's trailing white space, escaped leading white space too;
    # ZooKeeper trims every key and value (String.trim), and so do we.
    text = "dataDir = data \t \nclientPort:\\ 2181\\t\n\\ paxoscope.fsync\\ =true\n"
    cfg = load_config(make(tmp_path, text, myid=None))
    assert (cfg.data_dir, cfg.client_port, cfg.fsync) == (tmp_path / "data", 2181, True)


def test_ipv6_addresses(tmp_path: Path) -> None:
    text = "dataDir=data\nserver.1=[::1]:2888:3888;[::1]:2181\nserver.2=[fe80::2]:2888\n"
    cfg = load_config(make(tmp_path, text))
    assert cfg.me == PeerAddress(1, "::1", 2888, 3888, "::1", 2181, "participant")
    assert cfg.servers[2] == PeerAddress(2, "fe80::2", 2888, None, "fe80::2", None, "participant")


def test_observer_without_election_port(tmp_path: Path) -> None:
    text = "dataDir=data\nserver.1=a:1;9\nserver.2=b:2:observer\n"
    assert load_config(make(tmp_path, text)).servers[2].role == "observer"


def test_server_config_is_frozen(tmp_path: Path) -> None:
    cfg = load_config(make(tmp_path, "dataDir=data\nclientPort=2181\n", myid=None))
    assert isinstance(cfg, ServerConfig)
    with pytest.raises(AttributeError):
        cfg.my_id = 2  # type: ignore[misc]


# --- errors ----------------------------------------------------------------------------------

THREE = "dataDir=data\nserver.1=127.0.0.1:2888;2181\nserver.2=127.0.0.1:2889;2182\n"

# (config text, myid, line of the error or None for file-level / "myid" for the myid file,
#  fragments the message must contain)
ERRORS = {
    "missing dataDir": ("clientPort=2181\nserver.1=h:1;2\n", "1", None, ["dataDir is not set"]),
    "empty dataDir": ("dataDir=\n", "1", 1, ["dataDir is empty"]),
    "empty key": ("dataDir=data\n=5\n", "1", 2, ["'=5' is not a setting", "key=value"]),
    "empty key before a colon": (
        "dataDir=data\n  : 5\n",
        "1",
        2,
        ["': 5' is not a setting, its key is empty", "key:value or key value"],
    ),
    "key of escaped white space": ("dataDir=data\n\\ \\t=5\n", "1", 2, ["its key is empty"]),
    "control character in a key": (
        "dataDir=data\nclient\\nPort=1\n",
        "1",
        2,
        ["its key 'client\\nPort' has a control character"],
    ),
    "key alone": ("dataDir=data\nclientPort\n", None, 2, ["clientPort is ''"]),
    "malformed unicode escape": (
        "dataDir=data\nclientPort=\\u21x1\n",
        "1",
        2,
        ["'clientPort=\\\\u21x1' has \\u followed by '21x1'", "four hex digits"],
    ),
    "malformed escape on a continuation line": (
        "dataDir=data\n\nclientPort=21\\\n   \\u81\n",
        "1",
        3,
        ["\\u followed by '81'"],
    ),
    "bad value on a continuation line": (
        "dataDir=data\n\nserver.1=h:1;\\\n    2;3\n",
        "1",
        3,
        ["more than one ';' in 'h:1;2;3'"],
    ),
    "lines ended by CR": (
        "dataDir=data\rclientPort=x\r",
        None,
        2,
        ["clientPort is 'x'"],
    ),
    "non-integer clientPort": (
        "dataDir=data\n\nclientPort=abc\n",
        "1",
        3,
        ["clientPort is 'abc'", "a port number 1-65535"],
    ),
    "clientPort with inline comment": (
        "dataDir=data\nclientPort=2181 # client\n",
        "1",
        2,
        ["clientPort is '2181 # client'"],
    ),
    "clientPort zero": ("dataDir=data\nclientPort=0\n", None, 2, ["clientPort is '0'"]),
    "clientPort too big": ("dataDir=data\nclientPort=65536\n", None, 2, ["'65536'"]),
    "non-integer tickTime": ("tickTime=2s\ndataDir=data\n", "1", 1, ["tickTime is '2s'"]),
    "negative initLimit": ("dataDir=data\ninitLimit=-1\n", "1", 2, ["initLimit is '-1'"]),
    "non-integer syncLimit": ("dataDir=data\nsyncLimit=5.0\n", "1", 2, ["syncLimit is '5.0'"]),
    "non-integer maxClientCnxns": (
        "dataDir=data\nmaxClientCnxns=many\n",
        "1",
        2,
        ["maxClientCnxns is 'many'"],
    ),
    "duplicate key": (
        "dataDir=data\nclientPort=2181\ntickTime=1\nclientPort=2182\n",
        None,
        4,
        ["clientPort is set again (first on line 2)"],
    ),
    "duplicate key in other syntaxes": (
        "dataDir data\nclientPort 2181\n! comment\nclientPort: 2182\n",
        None,
        4,
        ["clientPort is set again (first on line 2)"],
    ),
    "duplicate key written with an escape": (
        "dataDir=data\nclientPort=2181\n\\u0063lientPort=2182\n",
        None,
        3,
        ["clientPort is set again (first on line 2)"],
    ),
    "duplicate server line": (
        THREE + "server.1=127.0.0.1:2890;2183\n",
        "1",
        4,
        ["server.1 is set again (first on line 2)"],
    ),
    "duplicate server id": (
        THREE + "server.01=127.0.0.1:2890;2183\n",
        "1",
        4,
        ["repeats server id 1", "line 2"],
    ),
    "server port not numeric": (
        "dataDir=data\nclientPort=2181\nserver.1=h1:2888\n\n\n\nserver.2=h2:abc\n",
        "1",
        7,
        ["server.2 has port 'abc'", "server.N=host:peerPort[:electionPort]", "numeric ports"],
    ),
    "election port not numeric": (
        "dataDir=data\nserver.1=h:2888:x3888;2181\n",
        "1",
        2,
        ["server.1 has port 'x3888'"],
    ),
    "client port not numeric": (
        "dataDir=data\nserver.1=h:2888;h:abc\n",
        "1",
        2,
        ["server.1 has port 'abc'"],
    ),
    "peer port out of range": (
        THREE + "server.3=h:70000\n",
        "1",
        4,
        ["server.3 has port '70000', out of range"],
    ),
    "peer port zero": ("dataDir=data\nserver.1=h:0;1\n", "1", 2, ["port '0', out of range"]),
    "client port out of range": (
        "dataDir=data\nserver.1=h:1;65536\n",
        "1",
        2,
        ["port '65536', out of range"],
    ),
    "no peer port": ("dataDir=data\nserver.1=h;2181\n", "1", 2, ["server.1 has no peer port"]),
    "no host": ("dataDir=data\nserver.1=:2888;2181\n", "1", 2, ["an empty host"]),
    "bad role": ("dataDir=data\nserver.1=h:1:2:leader;3\n", "1", 2, ["role 'leader'"]),
    "too many fields": (
        "dataDir=data\nserver.1=h:1:2:observer:9;3\n",
        "1",
        2,
        ["too many ':' fields"],
    ),
    "two semicolons": ("dataDir=data\nserver.1=h:1;2;3\n", "1", 2, ["more than one ';'"]),
    "empty client part": ("dataDir=data\nserver.1=h:1;\n", "1", 2, ["nothing after ';'"]),
    "unclosed bracket": ("dataDir=data\nserver.1=[::1:1;2\n", "1", 2, ["unclosed '['"]),
    "multiple addresses": (
        "dataDir=data\nserver.1=a:1:2|b:3:4;5\n",
        "1",
        2,
        ["several addresses with '|'"],
    ),
    "server id not a number": ("dataDir=data\nserver.x=h:1;2\n", "1", 2, ["server.x has id 'x'"]),
    "server id zero": ("dataDir=data\nserver.0=h:1;2\n", "1", 2, ["server.0 has id '0'"]),
    "server id too big": (
        "dataDir=data\nserver.256=h:1;2\n",
        "1",
        2,
        ["server.256 has id '256'", "from 1 to 255"],
    ),
    "bad clientPortAddress": (
        "dataDir=data\nclientPort=1\nclientPortAddress=\n",
        None,
        3,
        ["clientPortAddress has an empty host"],
    ),
    "fsync not a boolean": (
        "dataDir=data\nclientPort=1\npaxoscope.fsync=yes\n",
        None,
        3,
        ["paxoscope.fsync is 'yes'", "true or false"],
    ),
    "leaseReads not a boolean": (
        "dataDir=data\nclientPort=1\npaxoscope.leaseReads=on\n",
        None,
        3,
        ["paxoscope.leaseReads is 'on'", "expected true", "or false"],
    ),
    "tickMs zero": (
        "dataDir=data\nclientPort=1\npaxoscope.tickMs=0\n",
        None,
        3,
        ["paxoscope.tickMs is '0'"],
    ),
    "misspelt paxoscope key": (
        "dataDir=data\nclientPort=1\npaxoscope.electionTick=40\n",
        None,
        3,
        ["paxoscope.electionTick is not a paxoscope setting", "did you mean paxoscope.election"],
    ),
    "heartbeat not below election timeout": (
        "dataDir=data\nclientPort=1\npaxoscope.heartbeatTicks=30\n",
        None,
        3,
        ["heartbeatTicks < electionTicks"],
    ),
    "election timeout not above heartbeat": (
        "dataDir=data\nclientPort=1\npaxoscope.electionTicks=5\n",
        None,
        3,
        ["paxoscope.electionTicks is 5"],
    ),
    "hierarchical quorums": ("dataDir=data\ngroup.1=1:2:3\n", "1", 2, ["hierarchical quorums"]),
    "weights": ("dataDir=data\nweight.1=1\n", "1", 2, ["hierarchical quorums"]),
    "dynamic config file": (
        "dataDir=data\ndynamicConfigFile=zoo.cfg.dynamic\n",
        "1",
        2,
        ["dynamicConfigFile is not supported"],
    ),
    "missing myid": (THREE, None, "myid", ["missing", "one of 1, 2"]),
    "malformed myid": (THREE, "one\n", "myid", ["holds 'one'", "one of 1, 2"]),
    "empty myid": (THREE, "", "myid", ["holds ''"]),
    "two ids in myid": (THREE, "1 2", "myid", ["holds '1 2'"]),
    "myid zero": (THREE, "0", "myid", ["holds '0'"]),
    "myid not among servers": (THREE, "3", "myid", ["holds id 3", "(1, 2)"]),
    "standalone myid not 1": (
        "dataDir=data\nclientPort=2181\n",
        "2",
        "myid",
        ["holds id 2", "cluster of one"],
    ),
    "standalone without clientPort": ("dataDir=data\n", None, None, ["no client port"]),
    "no client port for me": (
        "dataDir=data\nserver.1=h:1:2\nserver.2=h:3:4;5\n",
        "1",
        2,
        ["server.1 is this server", "no client port", "clientPort=N or server.1=...;clientPort"],
    ),
    "client port disagrees with clientPort": (
        "dataDir=data\nclientPort=2181\nserver.1=h:1;2182\n",
        "1",
        3,
        ["client port 2182", "clientPort on line 2 is 2181"],
    ),
    "client address disagrees with clientPortAddress": (
        "dataDir=data\nclientPortAddress=0.0.0.0\nserver.1=h:1;10.0.0.1:2\n",
        "1",
        3,
        ["client address '10.0.0.1'", "clientPortAddress on line 2"],
    ),
    "port used twice": (
        "dataDir=data\nserver.1=127.0.0.1:2888;2181\nserver.2=127.0.0.1:2888;2182\n",
        "1",
        3,
        ["server.2's peer port 127.0.0.1:2888 is already server.1's peer port (line 2)"],
    ),
    "client port is a peer port": (
        "dataDir=data\nserver.1=127.0.0.1:2888;2181\nserver.2=127.0.0.1:2181;2182\n",
        "1",
        3,
        ["server.2's peer port 127.0.0.1:2181 is already server.1's client port"],
    ),
    "election port is the peer port": (
        "dataDir=data\nserver.1=h:2888:2888;2181\n",
        "1",
        2,
        ["election port h:2888"],
    ),
    "only observers": (
        "dataDir=data\nserver.1=h:1:observer;2\nserver.2=h:3:observer;4\n",
        "1",
        2,
        ["every server is an observer"],
    ),
}


@pytest.mark.parametrize(
    ("text", "myid", "line", "fragments"), list(ERRORS.values()), ids=list(ERRORS)
)
def test_errors_name_file_line_and_expectation(
    tmp_path: Path, text: str, myid: str | None, line: int | str | None, fragments: list[str]
) -> None:
    path = make(tmp_path, text, myid=myid)
    with pytest.raises(ConfigError) as caught:
        load_config(path)
    message = caught.value.message
    assert str(caught.value) == message
    assert "\n" not in message, "one paragraph"
    if line == "myid":
        assert message.startswith(f"{tmp_path / 'data' / 'myid'}: ")
    elif line is None:
        assert message.startswith(f"{path}: ")
    else:
        assert message.startswith(f"{path}:{line}: ")
    assert "expected" in message
    for fragment in fragments:
        assert fragment in message


def test_missing_config_file(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match=r"zoo\.cfg: no such file; expected") as caught:
        load_config(tmp_path / "zoo.cfg")
    assert caught.value.message.startswith(str(tmp_path / "zoo.cfg"))


def test_unreadable_config_file(tmp_path: Path) -> None:
    (tmp_path / "zoo.cfg").write_bytes(b"dataDir=\xff\n")
    with pytest.raises(ConfigError, match="cannot be read"):
        load_config(tmp_path / "zoo.cfg")
    with pytest.raises(ConfigError, match="cannot be read"):
        load_config(tmp_path)  # a directory


def test_myid_that_is_a_directory(tmp_path: Path) -> None:
    (tmp_path / "data" / "myid").mkdir(parents=True)
    with pytest.raises(ConfigError, match=r"myid: cannot be read"):
        load_config(make(tmp_path, THREE, myid=None))


def test_unknown_keys_are_kept_with_a_warning(tmp_path: Path) -> None:
    text = "dataDir=data\nclientPort=1\ndatalogdir=/x\nautopurge.purgeInterval=1\n"
    cfg = load_config(make(tmp_path, text, myid=None))
    assert cfg.extra == {"datalogdir": "/x", "autopurge.purgeInterval": "1"}
    assert len(cfg.warnings) == 2
    assert cfg.warnings[0].startswith(f"{tmp_path / 'zoo.cfg'}:3: datalogdir is not used")
    assert "did you mean dataLogDir?" in cfg.warnings[0]
    assert cfg.warnings[1].startswith(f"{tmp_path / 'zoo.cfg'}:4: autopurge.purgeInterval")


def test_service_session_timeouts_and_four_letter_words(tmp_path: Path) -> None:
    cfg = load_config(make(tmp_path, "dataDir=data\nclientPort=1\ntickTime=100\n", myid=None))
    assert (cfg.service, cfg.min_session_timeout, cfg.max_session_timeout) == (
        "zookeeper",
        200,
        2000,
    )
    assert cfg.four_letter_words == {"srvr"}  # ZooKeeper's default: srvr alone
    text = (
        "dataDir=data\nclientPort=1\npaxoscope.service=kv\nminSessionTimeout=500\n"
        "4lw.commands.whitelist=ruok, , dump\n"
    )
    cfg = load_config(make(tmp_path, text, myid=None))
    assert (cfg.service, cfg.min_session_timeout) == ("kv", 500)
    assert cfg.four_letter_words == {"ruok", "srvr"}  # srvr is always on
    assert "names dump, which paxoscope does not answer" in cfg.warnings[0]
    text = "dataDir=data\nclientPort=1\n4lw.commands.whitelist=ruok,*\n"
    cfg = load_config(make(tmp_path, text, myid=None))
    assert cfg.four_letter_words == set(FOUR_LETTER_WORDS)


@pytest.mark.parametrize(
    ("line", "message"),
    [
        ("paxoscope.service=redis", "paxoscope.service is 'redis'; expected one of zookeeper, kv"),
        ("minSessionTimeout=50000", "minSessionTimeout is 50000 ms and maxSessionTimeout 40000"),
    ],
)
def test_bad_service_settings(tmp_path: Path, line: str, message: str) -> None:
    with pytest.raises(ConfigError) as error:
        load_config(make(tmp_path, f"dataDir=data\nclientPort=1\n{line}\n", myid=None))
    assert message in error.value.message and ":3:" in error.value.message


def test_zookeeper_properties_in_either_spelling(tmp_path: Path) -> None:
    cfg = load_config(make(tmp_path, "dataDir=data\nclientPort=1\n", myid=None))
    assert (cfg.extended_types, cfg.super_digest, cfg.container_check_ms) == (False, None, 60_000)
    text = (
        "dataDir=data\nclientPort=1\nzookeeper.extendedTypesEnabled=true\n"
        "DigestAuthenticationProvider.superDigest=super:D/InIHSb7yEEbrWz8b9l71RjZJU=\n"
        "znode.container.checkIntervalMs=100\nznode.container.maxPerMinute=60\n"
        "znode.container.maxNeverUsedIntervalMs=5000\n"
    )
    cfg = load_config(make(tmp_path, text, myid=None))
    assert cfg.extended_types and cfg.super_digest == "super:D/InIHSb7yEEbrWz8b9l71RjZJU="
    assert (cfg.container_check_ms, cfg.container_max_per_minute) == (100, 60)
    assert cfg.container_max_never_used_ms == 5000 and not cfg.warnings


def test_pre_alloc_size_sets_how_far_ahead_the_log_is_allocated(tmp_path: Path) -> None:
    cfg = load_config(make(tmp_path, "dataDir=data\nclientPort=1\n", myid=None))
    assert cfg.preallocate_kb == 1024
    for line in ("preAllocSize=65536", "zookeeper.preAllocSize=65536"):
        cfg = load_config(make(tmp_path, f"dataDir=data\nclientPort=1\n{line}\n", myid=None))
        assert cfg.preallocate_kb == 65536 and not cfg.warnings
    with pytest.raises(ConfigError, match="preAllocSize"):
        load_config(make(tmp_path, "dataDir=data\nclientPort=1\npreAllocSize=-1\n", myid=None))


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("extendedTypesEnabled=yes\n", ":3: extendedTypesEnabled is 'yes'; expected true or false"),
        (
            "zookeeper.DigestAuthenticationProvider.superDigest=nocolon\n",
            ":3: DigestAuthenticationProvider.superDigest is 'nocolon'; expected user:digest",
        ),
        ("znode.container.checkIntervalMs=0\n", ":3: znode.container.checkIntervalMs is '0'"),
        (
            "extendedTypesEnabled=true\nextendedTypesEnabled=true\n",
            ":4: extendedTypesEnabled is set again (first on line 3)",
        ),
    ],
)
def test_bad_zookeeper_properties(tmp_path: Path, text: str, message: str) -> None:
    with pytest.raises(ConfigError) as error:
        load_config(make(tmp_path, f"dataDir=data\nclientPort=1\n{text}", myid=None))
    assert message in error.value.message


def test_reconfig_is_off_unless_enabled(tmp_path: Path) -> None:
    base = "dataDir=data\nclientPort=1\n"
    assert not load_config(make(tmp_path, base, myid=None)).reconfig_enabled
    assert load_config(make(tmp_path, base + "reconfigEnabled=true\n", myid=None)).reconfig_enabled
    with pytest.raises(ConfigError) as error:
        load_config(make(tmp_path, base + "reconfigEnabled=yes\n", myid=None))
    assert ":3: reconfigEnabled is 'yes'; expected true or false" in error.value.message


def test_extended_types_need_server_ids_below_255(tmp_path: Path) -> None:
    text = (
        "dataDir=data\nextendedTypesEnabled=true\n"
        "server.1=127.0.0.1:2888;2181\nserver.255=127.0.0.1:2889;2182\n"
    )
    with pytest.raises(ConfigError) as error:
        load_config(make(tmp_path, text))
    assert (
        ":2: extendedTypesEnabled=true, but server 255 has an id above 254" in error.value.message
    )


# --- parse_server_list -----------------------------------------------------------------------


def test_parse_server_list() -> None:
    assert parse_server_list("zoo1:2181,zoo2:2182, 127.0.0.1:2183 ") == [
        ("zoo1", 2181),
        ("zoo2", 2182),
        ("127.0.0.1", 2183),
    ]
    assert parse_server_list("[::1]:2181") == [("::1", 2181)]


@pytest.mark.parametrize(
    ("text", "fragment"),
    [
        ("zoo1:2181,zoo2:2181/app", "chroot suffix '/app'"),
        ("", "is empty"),
        ("zoo1", "entry 1 'zoo1' has no port"),
        ("zoo1:2181,zoo2:x", "entry 2 'zoo2:x' has port 'x'"),
        ("zoo1:2181,", "entry 2 '' has an empty host"),
        ("zoo1:99999", "out of range"),
        ("::1:2181", "entry 1 '::1:2181' has an empty host"),
    ],
)
def test_parse_server_list_errors(text: str, fragment: str) -> None:
    with pytest.raises(ConfigError) as caught:
        parse_server_list(text)
    message = caught.value.message
    assert message.startswith(f"server list {text!r}: ")
    assert fragment in message and "expected host:port" in message and "\n" not in message


def test_connection_limits(tmp_path: Path) -> None:
    cfg = load_config(make(tmp_path, "dataDir=data\nclientPort=1\n", myid=None))
    assert (cfg.max_client_cnxns, cfg.max_cnxns, cfg.sessionless_cnxn_timeout) == (60, 0, 10_000)
    text = "dataDir=data\nclientPort=1\nmaxCnxns=500\nnio.sessionlessCnxnTimeout=2500\n"
    cfg = load_config(make(tmp_path, text, myid=None))
    assert (cfg.max_cnxns, cfg.sessionless_cnxn_timeout) == (500, 2500)
    assert cfg.warnings == ()
    with pytest.raises(ConfigError, match=r"nio\.sessionlessCnxnTimeout is '0'; expected a pos"):
        load_config(make(tmp_path, "dataDir=data\nclientPort=1\nnio.sessionlessCnxnTimeout=0\n"))


def test_the_client_request_limit_is_jute_maxbuffer_and_fits_in_a_peer_frame(
    tmp_path: Path,
) -> None:
    cfg = load_config(make(tmp_path, "dataDir=data\nclientPort=1\n", myid=None))
    assert cfg.jute_max_buffer == 0xFFFFF  # ZooKeeper's default, one byte short of 1 MiB
    text = "dataDir=data\nclientPort=1\njute.maxbuffer=4194304\n"
    assert load_config(make(tmp_path, text, myid=None)).jute_max_buffer == 4194304
    text = "dataDir=data\nclientPort=1\npaxoscope.maxFrameBytes=1048576\n"
    with pytest.raises(ConfigError, match=r"zoo\.cfg:3: jute\.maxbuffer is 1048575 bytes and"):
        load_config(make(tmp_path, text, myid=None))
    # The kv service has no jute requests: its clients' frames are limited by maxFrameBytes.
    text += "paxoscope.service=kv\n"
    assert load_config(make(tmp_path, text, myid=None)).max_frame_bytes == 1048576
