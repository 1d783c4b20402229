"""What a person reads: the text report (the longest linearizable prefix, the operation that
could not be placed and why, a timeline of the window) and the self-contained HTML page."""

from __future__ import annotations

import math
import re
from typing import Any

from checker.linearizability import (
    UNKNOWN,
    CheckResult,
    Operation,
    check_history,
    render_html,
    render_text,
)


def put(c: str, v: int, call: float, ret: float = math.inf) -> Operation:
    out: Any = UNKNOWN if ret == math.inf else {}
    return Operation(c, {"f": "put", "key": "x", "value": v}, out, call, ret)


def get(c: str, v: int | None, call: float, ret: float) -> Operation:
    return Operation(c, {"f": "get", "key": "x"}, {"value": v}, call, ret)


def stale_read() -> CheckResult:
    return check_history(
        [put("c1", 1, 0, 10), get("c2", 1, 2, 5), get("c3", None, 6, 8), put("c4", 3, 1)], "kv"
    )


EXPECTED = """\
linearizability (kv): NOT LINEARIZABLE
4 operations, 1 partition (1 illegal), N model steps, 0.00 s

key "x" (4 operations) is not linearizable.
The longest linearizable prefix found places 2 of 4 operations:
     1. #1 c1: put("x", 1)    => {"x": 1}
     2. #2 c2: get("x") -> 1  => {"x": 1}
Next, #3 (c3: get("x") -> nil, 6..8) had to take effect before it returned, but no operation
called by then fits after the prefix:
  #4 c4: put("x", 3) -> ?  fits (it never returned), but nothing that must follow does
 !#3 c3: get("x") -> nil   the model answers 1
Every other order the search tried got stuck no later: no order of the 4 operations that
respects real time is accepted by the model.

timeline of the window 0..10 (= placed, ! could not be placed,
- not placed, . later, > never returned, < called before the window):
      0                               5                             10
c1    [==============================#1==============================]
c4          [---------------------------#4--------------------------->
c2                 [========#2========]
c3                                          [!!!!#3!!!!!]

  #1 c1: put("x", 1)       0..10                     placed
  #2 c2: get("x") -> 1     2..5                      placed
  #3 c3: get("x") -> nil   6..8                      COULD NOT BE PLACED
  #4 c4: put("x", 3) -> ?  called 1, never returned  not placed
"""


def test_the_text_report_of_a_stale_read() -> None:
    text = render_text(stale_read())
    text = re.sub(r"\d+ model steps, \d+\.\d\d s\n", "N model steps, 0.00 s\n", text, count=1)
    assert text == EXPECTED


def test_the_explanation_names_the_offending_operation() -> None:
    result = stale_read()
    exp = result.explanation
    assert exp is not None
    assert exp.blocked.client == "c3" and exp.number(exp.blocked) == 3
    assert [exp.number(op) for op in exp.prefix] == [1, 2]
    assert exp.states == ('{"x": 1}', '{"x": 1}')
    assert [(exp.number(a.op), a.fits, a.expected) for a in exp.attempts] == [
        (4, True, "ok"),
        (3, False, "1"),
    ]


def test_nothing_can_come_first() -> None:
    result = check_history([get("c1", 5, 0, 1)], "kv")
    text = render_text(result)
    assert "No operation can even come first (initial state {})." in text
    assert "the model answers nil" in text


def test_ok_and_unknown_summaries() -> None:
    ok = check_history([put("c1", 1, 0, 1), get("c2", 1, 2, 3)], "kv")
    assert render_text(ok).startswith(
        "linearizable" if False else "linearizability (kv): linearizable"
    )
    assert "2 operations, 1 partition (1 ok)" in render_text(ok)


def test_a_long_prefix_is_cut_and_a_client_with_overlapping_operations_gets_two_rows() -> None:
    ops = [put("c1", k, 2 * k, 2 * k + 1) for k in range(1, 12)]
    ops.append(put("c2", 99, 5))  # never returns: c2's next operation overlaps it
    ops.append(get("c2", 99, 30, 31))
    ops.append(get("c2", 11, 32, 33))
    result = check_history(ops, "kv")
    text = render_text(result)
    assert "its last 8:" in text and "... " in text
    assert '!#14 c2: get("x") -> 11  the model answers 99' in text
    lines = text.splitlines()
    c2 = next(k for k, line in enumerate(lines) if line.startswith("c2 "))
    assert "#12" in lines[c2] and lines[c2].endswith(">")  # never returned
    assert lines[c2 + 1].startswith("      ") and "[#13=]" in lines[c2 + 1]  # c2's second row


def test_the_html_page_is_self_contained() -> None:
    page = render_html(stale_read(), title="stale <read>")
    assert page.startswith("<!DOCTYPE html>")
    assert "<title>stale &lt;read&gt;</title>" in page
    assert "<svg" in page and "</svg>" in page
    assert "<script" not in page
    # no resource is fetched: the only URL is the SVG namespace
    assert re.findall(r"https?://[^\"']+", page) == ["http://www.w3.org/2000/svg"]
    # one bar per operation in the window, each with a tooltip
    assert page.count("<title>#") == 4
    assert "get(&quot;x&quot;) -&gt; nil" in page
    assert "position 1 in the prefix; state after: {&quot;x&quot;: 1}" in page
    ok_page = render_html(check_history([put("c1", 1, 0, 1)], "kv"))
    assert "<svg" not in ok_page and "linearizable" in ok_page
