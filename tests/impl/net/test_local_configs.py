"""The zoo.cfg files of a local cluster (`impl/net/local_configs.py`): written and loaded
back, ports distinct, extra settings, IPv6, a directory reused as it is or refused, bad
arguments refused before anything is written."""

from __future__ import annotations

from pathlib import Path

import pytest

from impl.net.config import ConfigError, PeerAddress, load_config
from impl.net.local_configs import write_cluster_configs


def test_write_then_load_round_trip(tmp_path: Path) -> None:
    paths = write_cluster_configs(tmp_path / "cluster", 3)
    assert paths == [tmp_path / "cluster" / f"node{i}" / "zoo.cfg" for i in (1, 2, 3)]
    configs = [load_config(path) for path in paths]
    for i, cfg in enumerate(configs, start=1):
        assert cfg.my_id == i
        assert cfg.data_dir == tmp_path / "cluster" / f"node{i}" / "data"
        assert (cfg.data_dir / "myid").read_text().strip() == str(i)
        assert cfg.warnings == () and cfg.extra == {}
        assert cfg.client_port_address == "127.0.0.1"
        assert cfg.client_port == cfg.servers[i].client_port
    # Every node sees the same cluster, with every client port known to every node.
    assert configs[0].servers.keys() == {1, 2, 3}
    for cfg in configs[1:]:
        assert {i: (s.host, s.peer_port, s.client_port) for i, s in cfg.servers.items()} == {
            i: (s.host, s.peer_port, s.client_port) for i, s in configs[0].servers.items()
        }
    assert all(configs[0].client_port_of(i) is not None for i in (1, 2, 3))


def test_written_ports_are_distinct(tmp_path: Path) -> None:
    cfg = load_config(write_cluster_configs(tmp_path, 5)[0])
    ports = [p for s in cfg.servers.values() for p in (s.peer_port, s.client_port)]
    assert len(ports) == 10 and len(set(ports)) == 10
    assert all(isinstance(p, int) and 1 <= p <= 65535 for p in ports)


def test_explicit_ports_and_extra(tmp_path: Path) -> None:
    ports = [(12001, 13001), (12002, 13002), (12003, 13003)]
    extra = {"paxoscope.tickMs": "5", "tickTime": "500", "autopurge.purgeInterval": "1"}
    paths = write_cluster_configs(tmp_path, 3, ports=ports, extra=extra)
    cfg = load_config(paths[2])
    assert [(s.peer_port, s.client_port) for s in cfg.servers.values()] == ports
    assert (cfg.me.client_port, cfg.tick_ms, cfg.tick_time) == (13003, 5, 500)
    assert cfg.extra == {"autopurge.purgeInterval": "1"}
    assert "server.3=127.0.0.1:12003;13003" in paths[0].read_text()


def test_extra_is_written_as_properties(tmp_path: Path) -> None:
    extra = {"my key": "C:\\zk\\data", "odd:key": "a=b:c", "tabs": "x\ty\\t", "k": "\\"}
    paths = write_cluster_configs(tmp_path, 1, ports=[(12001, 13001)], extra=extra)
    cfg = load_config(paths[0])
    assert cfg.extra == extra
    assert "my\\ key=C:\\\\zk\\\\data\n" in paths[0].read_text()


def test_ipv6_cluster(tmp_path: Path) -> None:
    ports = [(12001, 13001), (12002, 13002)]
    cfg = load_config(write_cluster_configs(tmp_path, 2, host="::1", ports=ports)[1])
    assert cfg.me == PeerAddress(2, "::1", 12002, None, "::1", 13002, "participant")


def test_existing_directory_is_reused_unchanged(tmp_path: Path) -> None:
    first = write_cluster_configs(tmp_path, 3)
    before = {path: path.read_bytes() for path in tmp_path.rglob("*") if path.is_file()}
    (tmp_path / "node2" / "data" / "log").write_text("replica state")
    again = write_cluster_configs(tmp_path, 3, ports=[(1, 2), (3, 4), (5, 6)], extra={"a": "b"})
    assert again == first
    for path, content in before.items():
        assert path.read_bytes() == content
    assert (tmp_path / "node2" / "data" / "log").read_text() == "replica state"


def test_existing_directory_of_another_size_is_refused(tmp_path: Path) -> None:
    write_cluster_configs(tmp_path, 3)
    with pytest.raises(ConfigError, match=r"node1, node2, node3, not a complete cluster of 5"):
        write_cluster_configs(tmp_path, 5)
    with pytest.raises(ConfigError, match="not a complete cluster of 2"):
        write_cluster_configs(tmp_path, 2)


def test_existing_directory_missing_a_config_is_refused(tmp_path: Path) -> None:
    paths = write_cluster_configs(tmp_path, 3)
    paths[1].unlink()
    with pytest.raises(ConfigError, match=f"^{tmp_path}: holds node directories"):
        write_cluster_configs(tmp_path, 3)


def test_unrelated_files_do_not_count_as_a_cluster(tmp_path: Path) -> None:
    (tmp_path / "notes.txt").write_text("hello")
    (tmp_path / "nodes").mkdir()
    assert len(write_cluster_configs(tmp_path, 1)) == 1


def test_bad_extra_fails_before_writing(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match=r"node1/zoo\.cfg:\d+: paxoscope\.tickMs is 'fast'"):
        write_cluster_configs(tmp_path / "c", 2, extra={"paxoscope.tickMs": "fast"})
    assert not (tmp_path / "c" / "node1").exists()


@pytest.mark.parametrize(
    ("nodes", "kwargs"),
    [
        (0, {}),
        (2, {"ports": [(1, 2)]}),
        (2, {"ports": [(1, 2), (2, 3)]}),
        (1, {"ports": [(0, 2)]}),
        (1, {"ports": [(1, 70000)]}),
        (1, {"host": ""}),
        (1, {"extra": {"dataDir": "x"}}),
        (1, {"extra": {"server.2": "h:1"}}),
        (1, {"extra": {"a": "b\nclientPort=1"}}),
        (1, {"extra": {"a=b": "c"}}),
    ],
)
def test_bad_cluster_arguments(tmp_path: Path, nodes: int, kwargs: dict[str, object]) -> None:
    with pytest.raises(ValueError):
        write_cluster_configs(tmp_path, nodes, **kwargs)  # type: ignore[arg-type]
    assert list(tmp_path.iterdir()) == []
