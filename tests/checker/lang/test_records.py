"""Records (`Record(field=sort, ...)`): a protocol written with records explores exactly the
states of the same protocol written with the fields as columns (tests/specs/records.py), in
both explicit engines and bmc; a record parameter shows in traces field by field; a record
assignment writes each field before any field whose old value it reads; misuse is an error."""

from __future__ import annotations

import pytest

from checker import Individual, OrderedSort, Record, Sort, Spec, action, invariant, ir
from checker.check import check
from checker.errors import SpecError
from checker.explicit import Options
from checker.lang.trace import trace_spec
from checker.loader import load_spec
from checker.symbolic.bmc import bmc
from tests.conftest import ROOT, run_cli

RECORDS = str(ROOT / "tests/specs/records.py")


@pytest.mark.parametrize("params", [{}, {"ballots": 3}, {"nodes": 3, "ballots": 3}])
@pytest.mark.parametrize("engine", ["vector", "reference"])
def test_records_explore_what_their_fields_do(engine: str, params: dict[str, int]) -> None:
    with_records = check(RECORDS + ":Records", params, Options(engine=engine)).result
    flat = check(RECORDS + ":Flat", params, Options(engine=engine)).result
    assert with_records.violation is None and flat.violation is None
    assert (with_records.distinct_states, with_records.depth, with_records.transitions) == (
        flat.distinct_states,
        flat.depth,
        flat.transitions,
    )
    assert with_records.distinct_states > 20


def test_bmc_reads_records() -> None:
    assert bmc(RECORDS + ":Records", {}, k=5).result == "ok"


def test_a_record_parameter_is_one_parameter_per_field() -> None:
    spec = trace_spec(load_spec(RECORDS + ":Records"))
    join = next(a for a in spec.actions if a.name == "join")
    assert [p.name for p in join.params] == ["n", "m_type", "m_bal", "m_val"]
    assert [s.name for s in spec.symbols][:4] == ["msgs", "joined", "last_type", "last_bal"]


def test_fields_are_written_before_the_fields_whose_old_values_they_read() -> None:
    """`newest = ite(m.bal > newest.bal, m, newest)`: every field reads `newest_bal`, which is
    therefore written last (written first, the others would compare with the new ballot)."""
    spec = trace_spec(load_spec(RECORDS + ":Records"))
    join = next(a for a in spec.actions if a.name == "join")
    written = [s.symbol for s in join.body if isinstance(s, ir.SetFn) and "newest" in s.symbol]
    assert written[-1] == "newest_bal" and set(written) == {
        "newest_type",
        "newest_bal",
        "newest_val",
    }


def test_a_record_valued_update_is_ordered_too() -> None:
    """`last.update(lambda n: ite(last(n).type == 1a, last(n).replace(type=1b), last(n)))`:
    every field reads `last_type`, which is updated last."""
    spec = trace_spec(load_spec(RECORDS + ":Records"))
    promote = next(a for a in spec.actions if a.name == "promote")
    updated = [s.symbol for s in promote.body if isinstance(s, ir.UpdateFn)]
    assert updated[-1] == "last_type" and len(updated) == 3


def test_fields_that_read_each_other_in_a_cycle_are_an_error() -> None:
    class Swap(Spec):
        num = OrderedSort(2)
        Pair = Record(a=num, b=num)
        p = Individual(Pair, init={"a": num[0], "b": num[1]})

        @action
        def swap(self) -> None:
            self.p = self.Pair(a=self.p.b, b=self.p.a)

        @invariant
        def fine(self):
            return self.p.a != self.p.b

    with pytest.raises(SpecError, match="read each other's old values in a cycle"):
        trace_spec(Swap)


def test_misuse_is_an_error_naming_the_line() -> None:
    class Wrong(Spec):
        node = Sort(2)
        Msg = Record(src=node, dst=node)
        sent = Individual(Msg, init={"src": node[0], "dst": node[1]})

        @action
        def send(self) -> None:
            self.sent = self.sent.replace(source=self.node[0])

    with pytest.raises(SpecError, match="record `Msg` has no field `source`") as caught:
        trace_spec(Wrong)
    assert "test_records.py" in str(caught.value)

    class Partial(Wrong):
        @action
        def send(self) -> None:
            self.sent = self.Msg(src=self.node[0])

    with pytest.raises(SpecError, match=r"takes the fields src, dst; missing dst"):
        trace_spec(Partial)


def test_a_trace_shows_record_parameters_by_field(tmp_path: object) -> None:
    result = run_cli("check", "tests/specs/records.py:Records", "--no-progress", "--max-depth", "2")
    assert result.returncode == 0, result.stderr
    spec = (
        "from checker import invariant\n"
        "from tests.specs.records import Records\n\n"
        "class Never(Records):\n"
        "    @invariant\n"
        "    def nobody_joins(self):\n"
        "        return self.joined(self.node[0]) == self.ballot.bottom\n"
    )
    from pathlib import Path

    path = Path(str(tmp_path)) / "never.py"
    path.write_text(spec)
    failing = run_cli("check", str(path), "--no-progress")
    assert failing.returncode == 1, failing.stderr
    assert "join(n=n1, m_type=1a, m_bal=0, m_val=None)" in failing.stdout
    assert "+ msgs(1a, 0, None)" in failing.stdout
