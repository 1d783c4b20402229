"""ITF traces: written by `check --trace-out`, read back, and rendered as text."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from checker import invariant
from checker.check import check
from checker.errors import UsageError
from checker.explicit import Options
from checker.explicit.contract import TraceStep
from checker.traces.itf import ITF_DESCRIPTION, lasso_from_itf, trace_from_itf
from checker.traces.text import render_trace, step_title
from tests.conftest import GOLDEN, run_cli

MUTANT = "spec/mutants/paxos_two_proposals_per_ballot.py"


def test_itf_round_trip() -> None:
    report = check(MUTANT, {}, Options(invariants=["agreement"]))
    doc = report.itf()
    assert doc is not None
    assert doc["#meta"]["format"] == "ITF" and doc["#meta"]["format-description"] == ITF_DESCRIPTION
    assert doc["#meta"]["property"] == "agreement"
    assert doc["vars"] == ["max_bal", "max_vbal", "max_val", "msg_1a", "msg_1b", "msg_2a", "msg_2b"]
    first = doc["states"][0]
    assert first["#meta"]["action"] == "init"
    assert first["max_bal"] == {"#map": [["a1", -1], ["a2", -1], ["a3", -1]]}
    assert first["msg_1a"] == {"#set": []}
    second = doc["states"][1]
    assert second["#meta"] == {"index": 1, "action": "phase1a", "params": {"b": 0}}
    assert second["msg_1a"] == {"#set": [0]}
    steps = trace_from_itf(report.engine.inst, report.engine.layout, json.loads(json.dumps(doc)))
    assert [(s.action, s.params, s.state) for s in steps] == [
        (s.action, s.params, s.state) for s in report.result.violation.trace
    ]


def test_trace_text_matches_golden(update_goldens: bool) -> None:
    report = check(MUTANT, {}, Options(invariants=["agreement"]))
    text = (
        "\n".join(
            line.text
            for line in render_trace(
                report.engine.inst, report.engine.layout, report.result.violation.trace
            )
        )
        + "\n"
    )
    golden = GOLDEN / "paxos_two_proposals_per_ballot.trace.txt"
    if update_goldens:
        golden.write_text(text)
    assert text == golden.read_text()


def test_trace_out_and_trace_command(tmp_path: Path) -> None:
    out = tmp_path / "cex.itf.json"
    result = run_cli(
        "check", MUTANT, "--invariant", "agreement", "--trace-out", str(out), "--no-progress"
    )
    assert result.returncode == 1
    doc = json.loads(out.read_text())
    assert doc["states"][-1]["#meta"]["action"] == "phase2b"
    shown = run_cli("trace", MUTANT, str(out))
    assert shown.returncode == 0, shown.stderr
    assert shown.stdout == (GOLDEN / "paxos_two_proposals_per_ballot.trace.txt").read_text()


def test_round_trip_of_a_trace_that_starts_in_an_init_method() -> None:
    report = check(str(GOLDEN.parent / "specs" / "clocks.py"))
    v = report.result.violation
    assert v is not None and v.trace[0].action == "start"  # the @init that made the state
    doc = json.loads(json.dumps(report.itf()))
    steps = trace_from_itf(report.engine.inst, report.engine.layout, doc)
    assert [(s.action, s.params, s.state) for s in steps] == [
        (s.action, s.params, s.state) for s in v.trace
    ]


# -- sequences ---------------------------------------------------------------------------------

FIFO = str(GOLDEN.parent / "specs" / "fifo.py")


def test_a_sequence_is_one_itf_variable_holding_lists() -> None:
    report = check(FIFO + ":Overfull")
    doc = json.loads(json.dumps(report.itf()))
    assert doc["vars"] == ["net", "log", "sent"]
    last = doc["states"][-1]
    assert not any(k.endswith(("_len", "_at")) for k in last)
    assert last["net"]["#map"][1] == [{"#tup": ["n1", "n2"]}, ["v1", "v1"]]
    assert last["log"] == {"#map": [["n1", []], ["n2", []]]}
    steps = trace_from_itf(report.engine.inst, report.engine.layout, doc)
    v = report.result.violation
    assert v is not None
    assert [(s.action, s.params, s.state) for s in steps] == [
        (s.action, s.params, s.state) for s in v.trace
    ]


def test_every_state_of_a_fifo_round_trips_through_itf() -> None:
    from checker.explicit.graph import explore_graph
    from checker.traces.itf import state_from_itf, state_to_itf

    report = check(FIFO + ":Fifo", {"cap": 1, "values": 2})
    engine = report.engine
    graph = explore_graph(engine, limit=100_000)
    assert graph.complete and len(graph.states) == report.result.distinct_states > 50
    lengths: set[int] = set()
    for s in graph.states:
        obj = json.loads(json.dumps(state_to_itf(engine.inst, engine.layout, s)))
        assert set(obj) == {"net", "log", "sent"}
        lengths.update(len(items) for _, items in obj["log"]["#map"])
        assert state_from_itf(engine.inst, engine.layout, obj) == s
    assert lengths == {0, 1, 2}


def test_a_sequence_without_arguments_is_a_plain_list_and_empty_slots_reset() -> None:
    from checker import IntSort, Sequence, Spec, action, require
    from checker.traces.itf import state_from_itf, state_to_itf

    class Log(Spec):
        entry = IntSort(0, 2)
        log = Sequence(entry, capacity=3)

        @action
        def add(self, x: entry) -> None:
            require(self.log().len() < 3)
            self.log().append(x)

        @action
        def drop(self) -> None:
            require(~self.log().is_empty())
            self.log().pop()

    report = check(Log)
    assert report.ok
    inst, layout = report.engine.inst, report.engine.layout
    structured = list(layout.unpack(report.engine.inits[0][2]))
    k_len = [lay.decl.name for lay in layout.symbols].index("log_len")
    k_at = [lay.decl.name for lay in layout.symbols].index("log_at")
    len_sort = layout.symbols[k_len].decl.result.sort  # type: ignore[union-attr]
    structured[k_len] = (inst.code_of_label(len_sort, 1),)
    slots = layout.symbols[k_at]
    canonical = (slots.result_lo + 2, slots.result_lo, slots.result_lo)  # <<2>>
    structured[k_at] = canonical
    state = layout.pack(tuple(structured))
    assert state_to_itf(inst, layout, state) == {"log": [2]}
    # Garbage past the length is not part of the sequence: read back, the slot is empty again.
    structured[k_at] = (slots.result_lo + 2, slots.result_lo + 1, slots.result_lo + 2)
    messy = layout.pack(tuple(structured))
    assert state_to_itf(inst, layout, messy) == {"log": [2]}
    assert state_from_itf(inst, layout, {"log": [2]}) == state
    assert state_from_itf(inst, layout, {"log": []}) == report.engine.inits[0][2]


def test_an_itf_sequence_past_its_capacity_is_a_usage_error() -> None:
    import pytest

    from checker.errors import UsageError
    from checker.traces.itf import state_from_itf, state_to_itf

    report = check(FIFO + ":Fifo")
    inst, layout = report.engine.inst, report.engine.layout
    obj = state_to_itf(inst, layout, report.engine.inits[0][2])
    obj["log"]["#map"][0][1] = ["v1", "v2", "v1"]
    with pytest.raises(UsageError, match="past its capacity 2"):
        state_from_itf(inst, layout, obj)
    obj["log"]["#map"][0][1] = ["v9"]
    with pytest.raises(UsageError, match="`v9` is not an element"):
        state_from_itf(inst, layout, obj)
    del obj["log"]
    with pytest.raises(UsageError, match="no variable `log`"):
        state_from_itf(inst, layout, obj)


def test_check_json_shows_the_sequences_of_the_trace() -> None:
    result = run_cli("check", "tests/specs/fifo.py:Overfull", "--json", "-", "--workers", "1")
    assert result.returncode == 1, result.stderr
    trace = json.loads(result.stdout)["trace"]
    assert trace["vars"] == ["net", "log", "sent"]
    nets = [
        next(items for key, items in st["net"]["#map"] if key == {"#tup": ["n1", "n2"]})
        for st in trace["states"]
    ]
    assert nets == [[], ["v1"], ["v1", "v1"]]
    assert "net_len" not in result.stdout and "net_at" not in result.stdout


def test_sets_as_values_are_itf_sets_and_round_trip() -> None:
    """An element of a `Subsets` (or quorum) sort is the `#set` of its members."""
    from checker.explicit.graph import explore_graph
    from checker.traces.itf import state_from_itf, state_to_itf

    report = check("tests/specs/subsets.py:Readers", {"nodes": 3})
    engine = report.engine
    graph = explore_graph(engine, limit=10_000)
    seen: set[tuple[str, ...]] = set()
    for s in graph.states:
        obj = json.loads(json.dumps(state_to_itf(engine.inst, engine.layout, s)))
        assert set(obj["readers"]) == {"#set"}
        seen.add(tuple(obj["readers"]["#set"]))
        assert state_from_itf(engine.inst, engine.layout, obj) == s
    assert ("n1", "n2", "n3") in seen and () in seen and len(seen) == 8


# -- records -----------------------------------------------------------------------------------

RECORDS = str(GOLDEN.parent / "specs" / "records.py")
MSG_1A = {"type": "1a", "bal": 0, "val": "None"}


def test_records_are_itf_records_and_a_record_parameter_is_one_parameter() -> None:
    """`msgs = Relation(Msg)` is a `#set` of records, `last = Function(node, Msg)` one variable
    mapping nodes to records, `newest = Individual(Msg)` a record, and `retract(m: Msg)` has
    one parameter `m` holding a record, not `m_type`, `m_bal`, `m_val`."""
    report = check(RECORDS + ":Forgetful")
    v = report.result.violation
    assert v is not None and v.name == "every_1b_has_its_1a"
    doc = json.loads(json.dumps(report.itf()))
    assert doc["vars"] == ["msgs", "joined", "last", "newest"]
    states = doc["states"]
    assert [set(st) - {"#meta"} for st in states] == [set(doc["vars"])] * len(states)
    first = states[0]
    assert first["msgs"] == {"#set": []}
    assert first["last"] == {"#map": [["n1", MSG_1A], ["n2", MSG_1A]]}
    assert first["newest"] == MSG_1A
    assert [st["#meta"] for st in states[1:]] == [
        {"index": 1, "action": "start", "params": {"b": 0}},
        {"index": 2, "action": "join", "params": {"n": "n1", "m": MSG_1A}},
        {"index": 3, "action": "retract", "params": {"m": MSG_1A}},
    ]
    assert states[2]["msgs"] == {"#set": [MSG_1A, {"type": "1b", "bal": 0, "val": "v1"}]}
    assert states[3]["msgs"] == {"#set": [{"type": "1b", "bal": 0, "val": "v1"}]}
    steps = trace_from_itf(report.engine.inst, report.engine.layout, doc)
    assert [(s.action, s.params, s.state) for s in steps] == [
        (s.action, s.params, s.state) for s in v.trace
    ]


def test_every_state_with_records_round_trips_through_itf() -> None:
    from checker.explicit.graph import explore_graph
    from checker.traces.itf import state_from_itf, state_to_itf

    report = check(RECORDS + ":Records", {"ballots": 3})
    engine = report.engine
    graph = explore_graph(engine, limit=100_000)
    assert graph.complete and len(graph.states) == report.result.distinct_states > 100
    newest: set[tuple[str, int, str]] = set()
    for s in graph.states:
        obj = json.loads(json.dumps(state_to_itf(engine.inst, engine.layout, s)))
        assert set(obj) == {"msgs", "joined", "last", "newest"}
        newest.add((obj["newest"]["type"], obj["newest"]["bal"], obj["newest"]["val"]))
        assert state_from_itf(engine.inst, engine.layout, obj) == s
    assert ("1a", 2, "None") in newest


def test_records_beside_other_columns_as_arguments_and_as_values() -> None:
    """A record column beside others is a `#tup` holding the record; a function of records is
    a `#map` from records (to records, when its values are records too)."""
    from checker import Function, Param, Record, Relation, Sort, Spec, action, require
    from checker.explicit.graph import explore_graph
    from checker.traces.itf import itf_vars, state_from_itf, state_to_itf

    class Mail(Spec):
        nodes = Param(2)
        node = Sort(nodes, labels="n")
        kind = Sort(2, labels=("ping", "pong"))
        Msg = Record(kind=kind, to=node)
        inbox = Relation(node, Msg)
        answer = Function(Msg, Msg, init={"kind": kind["ping"], "to": node[0]})

        @action
        def send(self, n: node, m: Msg) -> None:
            require(~self.inbox(n, m))
            self.inbox.insert(n, m)

        @action
        def reply(self, n: node, m: Msg) -> None:
            require(self.inbox(n, m))
            self.answer[m] = m.replace(kind=self.kind["pong"], to=n)

    report = check(Mail)
    engine = report.engine
    assert itf_vars(engine.inst.spec) == ["inbox", "answer"]
    graph = explore_graph(engine, limit=100_000)
    seen_inbox, seen_answer = False, False
    for s in graph.states:
        obj = json.loads(json.dumps(state_to_itf(engine.inst, engine.layout, s)))
        seen_inbox |= {"#tup": ["n2", {"kind": "pong", "to": "n1"}]} in obj["inbox"]["#set"]
        seen_answer |= [{"kind": "ping", "to": "n2"}, {"kind": "pong", "to": "n1"}] in obj[
            "answer"
        ]["#map"]
        assert state_from_itf(engine.inst, engine.layout, obj) == s
    assert seen_inbox and seen_answer


def test_a_bag_of_records_maps_records_to_their_counts() -> None:
    from checker.traces.itf import state_from_itf, state_to_itf

    report = check("tests/specs/bags.py:Careless")
    engine = report.engine
    obj = state_to_itf(engine.inst, engine.layout, engine.inits[0][2])
    assert obj["net"]["#map"][0] == [{"kind": "ping", "to": "n1"}, 0]
    assert state_from_itf(engine.inst, engine.layout, obj) == engine.inits[0][2]


def test_an_itf_record_with_wrong_fields_is_a_usage_error() -> None:
    import pytest

    from checker.errors import UsageError
    from checker.traces.itf import state_from_itf

    report = check(RECORDS + ":Forgetful")
    doc = json.loads(json.dumps(report.itf()))
    inst, layout = report.engine.inst, report.engine.layout
    state = doc["states"][2]
    state["msgs"]["#set"][0] = {"type": "1a", "bal": 0}
    with pytest.raises(UsageError, match="an ITF record with the fields type, bal, val"):
        state_from_itf(inst, layout, state)
    state["msgs"]["#set"][0] = ["1a", 0, "None"]
    with pytest.raises(UsageError, match="an ITF record"):
        state_from_itf(inst, layout, state)
    state = doc["states"][0]
    state["last"]["#map"][0][1] = {**MSG_1A, "src": "n1"}
    with pytest.raises(UsageError, match="an ITF record with the fields type, bal, val"):
        state_from_itf(inst, layout, state)
    flat = json.loads(json.dumps(report.itf()))
    flat["states"][3]["#meta"]["params"] = {"m_type": "1a", "m_bal": 0, "m_val": "None"}
    with pytest.raises(UsageError, match="gives no parameter `m` of action `retract`"):
        trace_from_itf(inst, layout, flat)


def test_records_in_the_trace_out_file_and_the_trace_and_show_commands(tmp_path: Path) -> None:
    out = tmp_path / "cex.itf.json"
    spec = RECORDS + ":Forgetful"
    result = run_cli("check", spec, "--trace-out", str(out), "--no-progress")
    assert result.returncode == 1, result.stderr
    doc = json.loads(out.read_text())
    assert doc["states"][-1]["#meta"]["params"] == {"m": MSG_1A}
    assert "last_type" not in out.read_text() and "m_type" not in out.read_text()
    shown = run_cli("trace", spec, str(out))
    assert shown.returncode == 0, shown.stderr
    report = check(spec)
    v = report.result.violation
    assert v is not None
    expected = render_trace(report.engine.inst, report.engine.layout, v.trace)
    assert shown.stdout == "\n".join(line.text for line in expected) + "\n"
    assert "retract(m_type=1a, m_bal=0, m_val=None)" in shown.stdout  # text shows the fields
    page = tmp_path / "cex.html"
    explored = run_cli("show", str(out), "-o", str(page))
    assert explored.returncode == 0, explored.stderr
    assert "retract" in page.read_text()


def test_check_json_shows_the_records_of_the_trace() -> None:
    from tests.checker.cli.test_cli import validate

    result = run_cli("check", RECORDS + ":Forgetful", "--json", "-", "--workers", "1")
    assert result.returncode == 1, result.stderr
    validate(json.loads(result.stdout))
    trace = json.loads(result.stdout)["trace"]
    assert trace["vars"] == ["msgs", "joined", "last", "newest"]
    assert trace["states"][2]["#meta"]["params"] == {"n": "n1", "m": MSG_1A}
    assert trace["states"][-1]["newest"] == MSG_1A


def test_a_choice_never_takes_the_name_of_a_record_parameter() -> None:
    """`m` is how ITF shows the record parameter `m` (its fields are `m_type`, ...): a choice
    assigned to `m` gets another name."""
    from checker import Param, Record, Relation, Sort, Spec, action, pick
    from checker.lang.trace import trace_spec

    class Shadow(Spec):
        nodes = Param(2)
        node = Sort(nodes, labels="n")
        Msg = Record(src=node, dst=node)
        sent = Relation(Msg)
        seen = Relation(node)

        @action
        def send(self, m: Msg) -> None:
            self.sent.insert(m)
            m = pick(self.node)  # shadows the parameter, on purpose
            self.seen.insert(m)

    send = trace_spec(Shadow).actions[0]
    assert [p.name for p in send.params] == ["m_src", "m_dst", "m_2"]
    assert [(rc.name, rc.start, rc.fields) for rc in send.record_params] == [
        ("m", 0, ("src", "dst"))
    ]


# -- liveness lassos ---------------------------------------------------------------------------

MUTEX = str(GOLDEN.parent / "specs" / "live_mutex.py")
LASSOS = {
    "WeakMutex": "then leave(p=p2) goes back to state 2: this cycle repeats for ever",
    "Mutex": "then state 2 repeats for ever (stuttering: the spec declares no fairness, so any "
    "state may)",
}


def _step(s: TraceStep | None) -> object:
    return None if s is None else (s.action, s.params, s.state)


@pytest.mark.parametrize("name", list(LASSOS))
def test_a_lasso_round_trips_with_its_loop_and_closing_step(name: str) -> None:
    """A cycle closed by an action (WeakMutex) and a last state that stutters (Mutex) read
    back as they were found: the same steps, the same loop, the same closing step."""
    report = check(f"{MUTEX}:{name}")
    v = report.result.violation
    assert v is not None and v.kind == "liveness" and v.loop is not None
    assert (v.closing is None) == (name == "Mutex")
    doc = json.loads(json.dumps(report.itf()))
    inst, layout = report.engine.inst, report.engine.layout
    steps = trace_from_itf(inst, layout, doc)
    assert [_step(s) for s in steps] == [_step(s) for s in v.trace]
    loop, closing = lasso_from_itf(inst, doc, steps)
    assert (loop, _step(closing)) == (v.loop, _step(v.closing))
    del doc["loop"]  # `#meta.loop` says it too
    assert lasso_from_itf(inst, doc, steps)[0] == v.loop


def test_a_trace_without_a_loop_has_none() -> None:
    report = check(MUTANT, {}, Options(invariants=["agreement"]))
    doc = json.loads(json.dumps(report.itf()))
    steps = trace_from_itf(report.engine.inst, report.engine.layout, doc)
    assert lasso_from_itf(report.engine.inst, doc, steps) == (None, None)


@pytest.mark.parametrize("name", list(LASSOS))
def test_trace_and_show_of_a_saved_lasso_say_what_check_says(name: str, tmp_path: Path) -> None:
    """`paxoscope trace` prints the lasso as `check` printed it, its last line how it goes on
    for ever; `paxoscope show` draws the cycle as `check --html` does (the same data)."""
    out, checked, shown = tmp_path / "l.itf.json", tmp_path / "check.html", tmp_path / "show.html"
    spec = f"{MUTEX}:{name}"
    result = run_cli(
        "check", spec, "--trace-out", str(out), "--html", str(checked), "--no-progress"
    )
    assert result.returncode == 1, result.stderr
    traced = run_cli("trace", spec, str(out))
    assert traced.returncode == 0, traced.stderr
    lines = result.stdout.splitlines()
    start = lines.index("State 1: initial state")
    assert traced.stdout.splitlines() == lines[start : lines.index(LASSOS[name]) + 1]
    assert traced.stdout.splitlines()[-1] == LASSOS[name]
    result = run_cli("show", str(out), "-o", str(shown))
    assert result.returncode == 0, result.stderr

    def page(path: Path) -> tuple[object, str, str]:
        text = path.read_text()
        data = re.search(r'<script type="application/json" id="data">(.*?)</script>', text)
        steps = re.search(r'<ol id="steps" start="1">(.*?)</ol>', text)
        summary = re.search(r'<div id="summary">(.*?)</div>', text)
        assert data and steps and summary
        return json.loads(data.group(1)), steps.group(1), summary.group(1)

    (data, steps, summary), (want, want_steps, _) = page(shown), page(checked)
    assert data["loop"] == 1 and data == want and steps == want_steps and "↺" in steps
    assert summary.endswith(
        "then stuttering for ever" if name == "Mutex" else "then a cycle of 3 step(s)"
    )


BAD_LASSOS = [  # changes to WeakMutex's lasso (loop 1 of 4 states, closing `leave(p=p2)`)
    ({"loop": 4, "#meta.loop": 4}, "the trace's loop is 4, which is not the index of one of its 4"),
    ({"loop": -1, "#meta.loop": None}, "the trace's loop is -1"),
    ({"loop": "1", "#meta.loop": None}, "the trace's loop is '1'"),
    ({"loop": 2}, "the trace's `loop` (2) and its `#meta.loop` (1) disagree"),
    ({"#meta.closing": "fly(p=p2)"}, "'fly(p=p2)', which is not an action of WeakMutex"),
    ({"#meta.closing": "leave(p=p2"}, "'leave(p=p2', which is not an action of WeakMutex"),
    ({"#meta.closing": ["leave", "p2"]}, "is ['leave', 'p2'], which is not an action"),
    ({"#meta.closing": "leave(q=p2)"}, "does not give the parameters of `leave` as leave(p=...)"),
    ({"#meta.closing": "leave(p=p9)"}, "gives `p` the value `p9`, which is not an element of"),
    ({"#meta.closing": None}, "does not name the step that does (#meta.closing)"),
    ({"loop": None, "#meta.loop": None}, "names a closing step ('leave(p=p2)' in #meta.closing)"),
]


@pytest.mark.parametrize(("changes", "message"), BAD_LASSOS)
def test_a_malformed_loop_or_closing_step_is_a_usage_error(
    changes: dict[str, object], message: str
) -> None:
    report = check(f"{MUTEX}:WeakMutex")
    doc = json.loads(json.dumps(report.itf()))
    for path, value in changes.items():  # "loop", "#meta.loop": None deletes it
        where, key = (doc["#meta"], path[6:]) if path.startswith("#meta.") else (doc, path)
        if value is None:
            del where[key]
        else:
            where[key] = value
    steps = trace_from_itf(report.engine.inst, report.engine.layout, doc)
    with pytest.raises(UsageError) as caught:
        lasso_from_itf(report.engine.inst, doc, steps)
    assert message in str(caught.value)


def test_trace_and_show_of_a_bad_loop_exit_2(tmp_path: Path) -> None:
    out = tmp_path / "l.itf.json"
    result = run_cli("check", f"{MUTEX}:WeakMutex", "--trace-out", str(out), "--no-progress")
    assert result.returncode == 1, result.stderr
    doc = json.loads(out.read_text())
    doc["loop"] = doc["#meta"]["loop"] = 7
    out.write_text(json.dumps(doc))
    for args in (["trace", f"{MUTEX}:WeakMutex", str(out)], ["show", str(out), "-o", "x.html"]):
        result = run_cli(*args, cwd=tmp_path)
        assert result.returncode == 2, (result.stdout, result.stderr)
        assert "the trace's loop is 7" in result.stderr and "Traceback" not in result.stderr
    doc["loop"] = doc["#meta"]["loop"] = 1
    doc["#meta"]["closing"] = "leave(p=nobody)"
    out.write_text(json.dumps(doc))
    result = run_cli("trace", f"{MUTEX}:WeakMutex", str(out))
    assert result.returncode == 2 and "gives `p` the value `nobody`" in result.stderr


def test_closing_steps_with_sequence_and_record_parameters_read_back() -> None:
    """A closing step is read back from its title, sequence parameters (`s=<<v1, v1>>`, of
    records `b=<<[type |-> ack, bal |-> 0], ...>>`) and shorter ones (empty slots) too."""
    from tests.specs.seq_params import SeqParams

    class Short(SeqParams):
        @invariant
        def never_one(self):
            return self.q().len() != 1

    seqs = str(GOLDEN.parent / "specs" / "seq_params.py")
    for report in (check(f"{seqs}:AckedTwice"), check(f"{seqs}:NotSquare"), check(Short)):
        v = report.result.violation
        assert v is not None
        inst = report.engine.inst
        for k, step in enumerate(v.trace[1:], start=1):
            doc = json.loads(json.dumps(report.itf()))
            doc["loop"] = doc["#meta"]["loop"] = k
            doc["#meta"]["closing"] = step_title(inst, step)
            _, closing = lasso_from_itf(inst, doc, v.trace)
            assert _step(closing) == _step(step), step_title(inst, step)
