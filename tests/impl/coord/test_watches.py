"""ZooKeeper's one-shot watches (`impl/coord/watches.py`): which triggers fire which watches.

As ZooKeeper's WatchManager has it: NODE_CREATED and NODE_DATA_CHANGED fire the data (and exist)
watches on their path, NODE_CHILDREN_CHANGED the child watches, NODE_DELETED both, with one
event per watcher even when it watches the path both ways; a fired watch is gone; events come
in trigger order; `forget` drops a closed connection's watches and `count` counts what is set.
The last tests feed the triggers of real `DataTree` writes through a manager, and a hypothesis
test compares the manager with a plain model of those rules.
"""

from __future__ import annotations

from collections import Counter

from hypothesis import given, settings
from hypothesis import strategies as st

from impl.coord.messages import (
    CloseSession,
    Create,
    CreateSession,
    Delete,
    Multi,
    Op,
    Outcome,
    SetData,
    Txn,
)
from impl.coord.records import OPEN_ACL_UNSAFE, EventType, Trigger
from impl.coord.tree import DataTree
from impl.coord.watches import ANY, Kind, WatchManager

CREATED, DELETED = EventType.NODE_CREATED, EventType.NODE_DELETED
DATA_CHANGED, CHILDREN_CHANGED = EventType.NODE_DATA_CHANGED, EventType.NODE_CHILDREN_CHANGED


def fired(events: list[tuple[str, Trigger]]) -> Counter[tuple[str, str, EventType]]:
    """The events as a multiset of (watcher, path, type): the order among the watchers of one
    trigger is not part of the contract."""
    return Counter((watcher, t.path, t.type) for watcher, t in events)


# --- which trigger fires which watch ---------------------------------------------------------


def test_data_watch_fires_on_created_data_changed_and_deleted() -> None:
    for kind in (CREATED, DATA_CHANGED, DELETED):
        m: WatchManager[str] = WatchManager()
        m.watch_data("/a", "w")
        assert m.fire([Trigger("/a", kind)]) == [("w", Trigger("/a", kind))]
        assert m.count() == 0


def test_data_watch_ignores_children_changed() -> None:
    m: WatchManager[str] = WatchManager()
    m.watch_data("/a", "w")
    assert m.fire([Trigger("/a", CHILDREN_CHANGED)]) == []
    assert m.count() == 1
    assert m.fire([Trigger("/a", DATA_CHANGED)]) == [("w", Trigger("/a", DATA_CHANGED))]


def test_child_watch_fires_on_children_changed_and_deleted() -> None:
    for kind in (CHILDREN_CHANGED, DELETED):
        m: WatchManager[str] = WatchManager()
        m.watch_children("/a", "w")
        assert m.fire([Trigger("/a", kind)]) == [("w", Trigger("/a", kind))]
        assert m.count() == 0


def test_child_watch_ignores_created_and_data_changed() -> None:
    m: WatchManager[str] = WatchManager()
    m.watch_children("/a", "w")
    assert m.fire([Trigger("/a", CREATED), Trigger("/a", DATA_CHANGED)]) == []
    assert m.count() == 1


def test_watches_are_per_path() -> None:
    m: WatchManager[str] = WatchManager()
    m.watch_data("/a", "w")
    m.watch_children("/a", "w")
    triggers = [Trigger(p, k) for p in ("/", "/a/b", "/ab", "/A") for k in EventType]
    assert m.fire(triggers) == []
    assert m.count() == 2


def test_every_watcher_of_the_path_is_told() -> None:
    m: WatchManager[str] = WatchManager()
    for w in ("x", "y", "z"):
        m.watch_data("/a", w)
    events = m.fire([Trigger("/a", DATA_CHANGED)])
    assert fired(events) == Counter({(w, "/a", DATA_CHANGED): 1 for w in "xyz"})


# --- one-shot --------------------------------------------------------------------------------


def test_a_watch_fires_once() -> None:
    m: WatchManager[str] = WatchManager()
    m.watch_data("/a", "w")
    m.watch_children("/b", "w")
    assert len(m.fire([Trigger("/a", DATA_CHANGED), Trigger("/b", CHILDREN_CHANGED)])) == 2
    assert m.fire([Trigger("/a", DATA_CHANGED), Trigger("/b", CHILDREN_CHANGED)]) == []
    assert m.count() == 0


def test_a_watch_fires_once_within_one_batch() -> None:
    m: WatchManager[str] = WatchManager()
    m.watch_data("/a", "w")
    events = m.fire([Trigger("/a", DATA_CHANGED), Trigger("/a", DATA_CHANGED)])
    assert events == [("w", Trigger("/a", DATA_CHANGED))]


def test_setting_a_watch_twice_is_one_watch() -> None:
    m: WatchManager[str] = WatchManager()
    assert m.watch_data("/a", "w")
    assert not m.watch_data("/a", "w")  # it had it (the event log logs only the first)
    assert m.count() == 1
    assert m.watchers("/a", Kind.DATA) == {"w"} and m.watchers("/a", Kind.CHILDREN) == set()
    assert m.paths_of("w") == {Kind.DATA: {"/a"}} and m.paths_of("v") == {}
    assert m.fire([Trigger("/a", DATA_CHANGED)]) == [("w", Trigger("/a", DATA_CHANGED))]


def test_a_watch_set_again_after_firing_fires_again() -> None:
    m: WatchManager[str] = WatchManager()
    m.watch_data("/a", "w")
    m.fire([Trigger("/a", DATA_CHANGED)])
    m.watch_data("/a", "w")
    assert m.fire([Trigger("/a", DELETED)]) == [("w", Trigger("/a", DELETED))]


def test_a_data_event_leaves_the_child_watch() -> None:
    m: WatchManager[str] = WatchManager()
    m.watch_data("/a", "w")
    m.watch_children("/a", "w")
    assert m.fire([Trigger("/a", DATA_CHANGED)]) == [("w", Trigger("/a", DATA_CHANGED))]
    assert m.count() == 1
    assert m.fire([Trigger("/a", CHILDREN_CHANGED)]) == [("w", Trigger("/a", CHILDREN_CHANGED))]
    assert m.count() == 0


# --- a deleted node watched both ways --------------------------------------------------------


def test_one_deletion_event_per_watcher_watching_both_ways() -> None:
    m: WatchManager[str] = WatchManager()
    m.watch_data("/a", "both")
    m.watch_children("/a", "both")
    m.watch_data("/a", "data")
    m.watch_children("/a", "child")
    events = m.fire([Trigger("/a", DELETED)])
    assert fired(events) == Counter(
        {("both", "/a", DELETED): 1, ("data", "/a", DELETED): 1, ("child", "/a", DELETED): 1}
    )
    assert m.count() == 0


# --- forget and count ------------------------------------------------------------------------


# --- persistent and persistent-recursive watches (addWatch) --------------------------------


def test_a_persistent_watch_sees_every_event_on_its_path_and_stays() -> None:
    m: WatchManager[str] = WatchManager()
    m.add("/a", "w", Kind.PERSISTENT)
    triggers = [Trigger("/a", t) for t in (CREATED, CHILDREN_CHANGED, DATA_CHANGED, DELETED)]
    assert m.fire(triggers) == [("w", t) for t in triggers]
    assert m.fire([Trigger("/a/b", CREATED), Trigger("/", CHILDREN_CHANGED)]) == []
    assert m.count() == 1


def test_a_recursive_watch_sees_all_but_child_events_below_it() -> None:
    m: WatchManager[str] = WatchManager()
    m.add("/a", "w", Kind.PERSISTENT_RECURSIVE)
    below = [Trigger("/a", CREATED), Trigger("/a/b", CREATED), Trigger("/a/b/c", DATA_CHANGED)]
    assert m.fire([*below, Trigger("/a", CHILDREN_CHANGED), Trigger("/ab", CREATED)]) == [
        ("w", t) for t in below
    ]
    root: WatchManager[str] = WatchManager()
    root.add("/", "r", Kind.PERSISTENT_RECURSIVE)
    assert root.fire([Trigger("/x/y", DELETED)]) == [("r", Trigger("/x/y", DELETED))]


def test_one_event_per_watcher_however_many_of_its_watches_match() -> None:
    m: WatchManager[str] = WatchManager()
    m.watch_data("/a/b", "w")
    m.watch_children("/a/b", "w")
    m.add("/a/b", "w", Kind.PERSISTENT)
    m.add("/a", "w", Kind.PERSISTENT_RECURSIVE)
    m.add("/", "w", Kind.PERSISTENT_RECURSIVE)
    assert m.fire([Trigger("/a/b", DELETED)]) == [("w", Trigger("/a/b", DELETED))]
    assert m.count() == 3  # the one-shot watches fired; the persistent ones stay


def test_remove_and_contains_by_watcher_type() -> None:
    m: WatchManager[str] = WatchManager()
    m.watch_data("/a", "w")
    m.watch_children("/a", "w")
    m.add("/a", "w", Kind.PERSISTENT)
    assert m.contains("/a", "w", Kind.DATA) and not m.contains("/a", "v", Kind.DATA)
    assert not m.contains("/a", "w", Kind.PERSISTENT_RECURSIVE)
    assert not m.contains("/a/b", "w", ANY)
    assert m.remove("/a", "w", Kind.DATA) and not m.remove("/a", "w", Kind.DATA)
    assert m.count() == 2
    assert m.remove("/a", "w", ANY)  # the child watch and the persistent one
    assert m.count() == 0 and not m.contains("/a", "w", ANY)
    assert m.fire([Trigger("/a", DELETED)]) == []
    m.add("/a", "w", Kind.PERSISTENT_RECURSIVE)
    m.forget("w")
    assert m.count() == 0 and m.fire([Trigger("/a/b", CREATED)]) == []


def test_forget_drops_every_watch_of_the_watcher_only() -> None:
    m: WatchManager[str] = WatchManager()
    for path in ("/a", "/b"):
        m.watch_data(path, "gone")
        m.watch_children(path, "gone")
    m.watch_data("/a", "stays")
    m.watch_children("/b", "stays")
    assert m.count() == 6
    m.forget("gone")
    assert m.count() == 2
    events = m.fire([Trigger("/a", DELETED), Trigger("/b", DELETED)])
    assert events == [("stays", Trigger("/a", DELETED)), ("stays", Trigger("/b", DELETED))]


def test_forget_of_an_unknown_watcher_changes_nothing() -> None:
    m: WatchManager[str] = WatchManager()
    m.watch_data("/a", "w")
    m.forget("nobody")
    assert m.count() == 1
    m.forget("w")
    m.forget("w")
    assert m.count() == 0
    assert m.fire([Trigger("/a", DELETED)]) == []


def test_count_counts_watcher_path_kind() -> None:
    m: WatchManager[str] = WatchManager()
    assert m.count() == 0
    m.watch_data("/a", "x")
    m.watch_data("/a", "y")
    m.watch_children("/a", "x")
    m.watch_data("/b", "x")
    assert m.count() == 4


# --- order -----------------------------------------------------------------------------------


def test_events_follow_the_trigger_order() -> None:
    m: WatchManager[str] = WatchManager()
    m.watch_data("/z", "w1")
    m.watch_children("/", "w2")
    m.watch_data("/a", "w3")
    m.watch_children("/a", "w1")
    triggers = [
        Trigger("/a", DATA_CHANGED),
        Trigger("/z", CREATED),
        Trigger("/", CHILDREN_CHANGED),
        Trigger("/a", CHILDREN_CHANGED),
    ]
    assert m.fire(triggers) == [
        ("w3", triggers[0]),
        ("w1", triggers[1]),
        ("w2", triggers[2]),
        ("w1", triggers[3]),
    ]


def test_watchers_can_be_any_hashable() -> None:
    class Conn:
        pass

    a, b = Conn(), Conn()
    m: WatchManager[Conn] = WatchManager()
    m.watch_data("/a", a)
    m.watch_children("/a", b)
    events = m.fire([Trigger("/a", DELETED)])
    assert {w for w, _ in events} == {a, b} and len(events) == 2


# --- against a model -------------------------------------------------------------------------

watchers = st.sampled_from(["u", "v", "w"])
wpaths = st.sampled_from(["/", "/a", "/b"])
actions = st.one_of(
    st.tuples(st.just("data"), wpaths, watchers),
    st.tuples(st.just("child"), wpaths, watchers),
    st.tuples(st.just("forget"), st.just(""), watchers),
    st.tuples(
        st.just("fire"),
        st.lists(st.builds(Trigger, wpaths, st.sampled_from(list(EventType))), max_size=4),
        st.just(""),
    ),
)


@settings(max_examples=100)
@given(st.lists(actions, max_size=30))
def test_the_manager_behaves_like_the_model(steps: list[tuple[str, object, str]]) -> None:
    """Model: a set of (kind, path, watcher) watches; a trigger takes away the watches it
    fires and tells each of their watchers once."""
    m: WatchManager[str] = WatchManager()
    model: set[tuple[str, str, str]] = set()
    for action, arg, watcher in steps:
        if action == "data":
            assert isinstance(arg, str)
            m.watch_data(arg, watcher)
            model.add(("data", arg, watcher))
        elif action == "child":
            assert isinstance(arg, str)
            m.watch_children(arg, watcher)
            model.add(("child", arg, watcher))
        elif action == "forget":
            m.forget(watcher)
            model = {w for w in model if w[2] != watcher}
        else:
            assert isinstance(arg, list)
            expected: list[tuple[str, Trigger]] = []
            for t in arg:
                kinds = {
                    CREATED: {"data"},
                    DATA_CHANGED: {"data"},
                    CHILDREN_CHANGED: {"child"},
                    DELETED: {"data", "child"},
                }[t.type]
                hit = {w for w in model if w[0] in kinds and w[1] == t.path}
                model -= hit
                expected += [(who, t) for who in sorted({w[2] for w in hit})]
            events = m.fire(arg)
            # same events, and the watchers of each trigger together in trigger order
            assert sorted(events, key=lambda e: (arg.index(e[1]), e[0])) == expected
            assert [arg.index(t) for _, t in events] == sorted(arg.index(t) for _, t in events)
        assert m.count() == len(model)


# --- with the tree's triggers ----------------------------------------------------------------

S = 0x100000A1B2C3D4
OPEN = OPEN_ACL_UNSAFE


class Served:
    """A tree and a watch manager, as one server holds them: each write's triggers fire."""

    def __init__(self) -> None:
        self.tree = DataTree()
        self.zxid = 0
        self.watches: WatchManager[str] = WatchManager()
        self.write(CreateSession(10_000))

    def write(self, op: Op) -> Outcome:
        self.zxid += 1
        return self.tree.execute(self.zxid, Txn(op, S, self.zxid))

    def events(self, op: Op) -> list[tuple[str, str, EventType]]:
        return [(w, t.path, t.type) for w, t in self.watches.fire(self.write(op).triggers)]


def test_tree_create_fires_exists_watch_and_parent_child_watch() -> None:
    s = Served()
    s.watches.watch_data("/a", "exists")  # exists on a missing node
    s.watches.watch_children("/", "ls")
    assert s.events(Create("/a", b"", OPEN)) == [
        ("exists", "/a", CREATED),
        ("ls", "/", CHILDREN_CHANGED),
    ]
    assert s.events(SetData("/a", b"x")) == []  # both fired already
    assert s.watches.count() == 0


def test_tree_set_data_and_delete() -> None:
    s = Served()
    s.write(Create("/a", b"", OPEN))
    s.watches.watch_data("/a", "get")
    s.watches.watch_children("/a", "ls")
    assert s.events(SetData("/a", b"x")) == [("get", "/a", DATA_CHANGED)]
    s.watches.watch_data("/a", "get")
    s.watches.watch_children("/", "root")
    assert sorted(s.events(Delete("/a"))) == [
        ("get", "/a", DELETED),
        ("ls", "/a", DELETED),
        ("root", "/", CHILDREN_CHANGED),
    ]


def test_tree_close_session_fires_the_ephemerals_watches() -> None:
    s = Served()
    s.write(Create("/e", b"", OPEN, 1))
    s.watches.watch_data("/e", "a")
    s.watches.watch_children("/e", "a")
    s.watches.watch_children("/", "b")
    assert s.events(CloseSession()) == [("a", "/e", DELETED), ("b", "/", CHILDREN_CHANGED)]


def test_tree_multi_fires_in_operation_order_and_a_failed_one_fires_nothing() -> None:
    s = Served()
    s.write(Create("/a", b"", OPEN))
    s.watches.watch_data("/a", "x")
    s.watches.watch_data("/b", "y")
    s.watches.watch_children("/", "z")
    failed = Multi((Create("/b", b"", OPEN), SetData("/a", b"", 9)))
    assert s.write(failed).err != 0
    assert s.events(failed) == []
    assert s.watches.count() == 3
    ok = Multi((SetData("/a", b"1"), Create("/b", b"", OPEN)))
    assert s.events(ok) == [
        ("x", "/a", DATA_CHANGED),
        ("y", "/b", CREATED),
        ("z", "/", CHILDREN_CHANGED),
    ]
