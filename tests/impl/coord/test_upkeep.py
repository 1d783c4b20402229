"""The servers' upkeep of the tree (`impl/coord/upkeep.py`): a follower reports the sessions it
heard from to its leader; the leader proposes closing the sessions silent for longer than their
timeout, and deleting empty containers, within the sweep's budget."""

from __future__ import annotations

from pathlib import Path

import msgspec

from impl.coord.messages import (
    CloseSession,
    Create,
    CreateSession,
    Delete,
    DeleteContainer,
    Txn,
    txn_decoder,
)
from impl.coord.records import OPEN_ACL_UNSAFE, CreateMode
from impl.coord.tree import DataTree
from impl.coord.upkeep import REPORT_EVERY_S, Upkeep
from impl.net.config import load_config
from impl.net.local_configs import write_cluster_configs
from impl.paxos.types import Command


def _upkeep(tmp_path: Path, tree: DataTree) -> tuple[Upkeep, list[Command]]:
    [path] = write_cluster_configs(tmp_path, 1)
    proposed: list[Command] = []
    return Upkeep(load_config(path), tree, proposed.append), proposed


def _ops(proposed: list[Command]) -> list[object]:
    return [txn_decoder.decode(command.op).op for command in proposed]


def test_a_follower_reports_the_sessions_it_heard_from_to_its_leader(tmp_path: Path) -> None:
    upkeep, proposed = _upkeep(tmp_path, DataTree())
    reports: list[tuple[int, bytes]] = []
    upkeep.heard(7)
    upkeep.heard(3)
    upkeep.tick(10.0, leading=False, leader=2, report=lambda node, b: reports.append((node, b)))
    upkeep.heard(5)
    upkeep.tick(10.0 + REPORT_EVERY_S / 2, False, 2, lambda node, b: reports.append((node, b)))
    assert reports == [(2, msgspec.msgpack.encode([3, 7]))]  # one report per period
    upkeep.tick(10.0 + REPORT_EVERY_S, False, 2, lambda node, b: reports.append((node, b)))
    assert reports[1:] == [(2, msgspec.msgpack.encode([5]))]
    assert proposed == []  # a follower proposes nothing


def test_the_leader_sweeps_an_empty_container_and_closes_a_silent_session(
    tmp_path: Path,
) -> None:
    tree = DataTree()
    for zxid, session in ((1, 7), (2, 8)):
        assert tree.execute(zxid, Txn(CreateSession(4_000), session=session, time=1)).err == 0
    container = Create("/c", b"", OPEN_ACL_UNSAFE, CreateMode.CONTAINER)
    assert tree.execute(3, Txn(container, session=7, time=1)).err == 0
    assert tree.execute(4, Txn(Create("/c/x", b"", OPEN_ACL_UNSAFE), session=7)).err == 0
    assert tree.execute(5, Txn(Delete("/c/x"), session=7)).err == 0  # /c: empty, once used
    upkeep, proposed = _upkeep(tmp_path, tree)

    def never(node: int, payload: bytes) -> None:
        raise AssertionError("the leader reports to no one")

    upkeep.tick(100.0, leading=True, leader=1, report=never)  # every session's clock starts
    assert _ops(proposed) == [DeleteContainer("/c")]
    upkeep.reported(msgspec.msgpack.encode([8]), 103.0)  # a follower heard from session 8
    upkeep.tick(105.0, leading=True, leader=1, report=never)
    assert _ops(proposed[1:]) == [CloseSession()]  # 7, silent for 5 s of its 4
    assert txn_decoder.decode(proposed[1].op).session == 7
    upkeep.tick(105.0 + REPORT_EVERY_S, leading=True, leader=1, report=never)
    assert len(proposed) == 2  # not again at once (only if it is still live much later)
