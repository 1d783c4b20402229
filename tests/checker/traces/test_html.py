"""The HTML explorer, opened in a real headless browser (Debian's chromium): it steps through
the trace, highlights what changed, marks the violated invariant false in the last state only,
shows the acceptors as lanes of the message-sequence chart, and is self-contained."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import run_cli

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
MUTANT = "spec/mutants/paxos_ignore_highest_vote.py"


def browser(*args: str) -> str:
    """Run headless chromium on the page; return stdout (the DOM after scripts ran)."""
    assert CHROMIUM, "chromium is not installed: bash scripts/setup.sh installs it"
    result = subprocess.run(
        [CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars", *args],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    return result.stdout


def dom_at(page: Path, step: int) -> str:
    return browser("--dump-dom", f"{page.as_uri()}#step={step}")


@pytest.fixture(scope="module")
def pages(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    d = tmp_path_factory.mktemp("html")
    trace, check_page, show_page = d / "t.itf.json", d / "check.html", d / "t.html"
    result = run_cli(
        "check", MUTANT, "--html", str(check_page), "--trace-out", str(trace), "--no-progress"
    )
    assert result.returncode == 1, result.stderr
    shown = run_cli("show", str(trace), "-o", str(show_page), "--msc", str(d / "msc.svg"))
    assert shown.returncode == 0, shown.stderr
    return {"check": check_page, "show": show_page, "trace": trace, "msc": d / "msc.svg"}


@pytest.mark.parametrize("which", ["check", "show"])
def test_stepping_through_the_trace(pages: dict[str, Path], which: str) -> None:
    page = pages[which]
    steps = len(json.loads(pages["trace"].read_text())["states"])
    assert steps == 10
    for step in (0, 6, steps - 1):
        dom = dom_at(page, step)
        assert f'data-current-step="{step}"' in dom
        current = re.findall(r'<li data-step="(\d+)" class="current">', dom)
        assert current == [str(step)]
        if step == 6:  # State 7: phase2a(b=0, v=v1) adds msg_2a(0, v1), highlighted
            assert "State 7: phase2a(b=0, v=v1)" in dom
            assert '<span class="entry new">(0, v1)</span>' in dom
            assert '<tr data-symbol="msg_2a" class="changed">' in dom
        if step == 0:
            assert "State 1: initial state" in dom and 'class="entry new"' not in dom


def test_violated_invariant_is_false_in_the_last_state_only(pages: dict[str, Path]) -> None:
    html = pages["show"].read_text()
    false_cells = re.findall(r'<td class="f" data-step="(\d+)" data-inv="([a-z_]+)">', html)
    assert false_cells == [("9", "inv_messages")]
    assert len(re.findall(r'<td class="t" data-step="\d+" data-inv="inv_messages">', html)) == 9


def test_message_sequence_chart_has_acceptor_lanes(pages: dict[str, Path]) -> None:
    dom = dom_at(pages["show"], 3)
    for lane in ("acceptor a1", "acceptor a2", "acceptor a3", "ballot 0", "ballot 1"):
        assert f">{lane}</text>" in dom
    assert 'id="msc-step-3"' in dom and "msg_1b(a1, 0, -1, None)" in dom
    # The chart's row for the current step is highlighted, and rows link to steps.
    assert re.search(r'<g id="msc-step-3" class="node current"', dom)
    svg = pages["msc"].read_text()
    assert "<svg" in svg and "acceptor a1" in svg


def test_page_is_self_contained(pages: dict[str, Path]) -> None:
    html = pages["show"].read_text()
    assert not re.search(r'<(script|link|img)[^>]+(src|href)="https?:', html)
    assert "http://" not in html.replace("http://www.w3.org", "")


def test_screenshots(pages: dict[str, Path], tmp_path: Path) -> None:
    for step in (0, 9):
        shot = tmp_path / f"step{step}.png"
        browser(
            "--window-size=1400,1000",
            f"--screenshot={shot}",
            f"{pages['show'].as_uri()}#step={step}",
        )
        data = shot.read_bytes()
        assert data[:8] == b"\x89PNG\r\n\x1a\n" and len(data) > 20_000


def test_cti_page_has_the_graph(tmp_path: Path) -> None:
    page = tmp_path / "cti.html"
    result = run_cli(
        "prove",
        "proofs/voting.py",
        "--spec",
        "spec/mutants/voting_vote_in_left_round.py",
        "--html",
        str(page),
    )
    assert result.returncode == 1
    dom = dom_at(page, 1)
    assert "counterexample to induction" in dom and "Counterexample graph" in dom
    assert "State 1: pre-state (the invariant holds)" in dom
    assert re.search(r'<td class="f( current)?" data-step="1" data-inv="choosable">', dom)
    added = re.search(r"\+ vote\(n\d, \d, (v\d)\)", result.stdout)  # the step's new vote
    assert added is not None, result.stdout
    assert f"vote({added[1]})" in dom  # the edge the step added, in the graph


def _page_data(page: Path) -> dict[str, Any]:
    found = re.search(r'<script type="application/json" id="data">(.*?)</script>', page.read_text())
    assert found is not None
    data: dict[str, Any] = json.loads(found.group(1))
    return data


def test_sequences_are_one_row_of_sequences(tmp_path: Path) -> None:
    """A sequence's row holds `<<...>>` values (not its length and slots), in the page that
    check writes and in the page show writes from the ITF trace."""
    trace, check_page, show_page = tmp_path / "t.itf.json", tmp_path / "c.html", tmp_path / "s.html"
    result = run_cli(
        "check",
        "tests/specs/fifo.py:Overfull",
        "--html",
        str(check_page),
        "--trace-out",
        str(trace),
        "--workers",
        "1",
        "--no-progress",
    )
    assert result.returncode == 1, result.stderr
    shown = run_cli("show", str(trace), "-o", str(show_page))
    assert shown.returncode == 0, shown.stderr
    for page in (check_page, show_page):
        steps = _page_data(page)["steps"]
        rows = {row["name"]: row for row in steps[2]["rows"]}
        assert list(rows) == ["net", "log", "sent"]
        assert {"text": "n1, n2: <<v1, v1>>", "new": True} in rows["net"]["entries"]
        assert rows["net"]["removed"] == ["n1, n2: <<v1>>"]
        assert [e["text"] for e in rows["log"]["entries"]] == ["n1: <<>>", "n2: <<>>"]
    dom = dom_at(show_page, 2)
    assert '<span class="entry new">n1, n2: &lt;&lt;v1, v1&gt;&gt;</span>' in dom
    assert '<tr data-symbol="net" class="changed">' in dom and "net_len" not in dom


def test_a_liveness_lasso_shows_its_cycle(tmp_path: Path) -> None:
    """The steps of the cycle are marked, the last one goes back to where the cycle starts
    (a link to it), and `next` from the last state steps round the cycle."""
    page = tmp_path / "lasso.html"
    result = run_cli(
        "check", "tests/specs/live_mutex.py:WeakMutex", "--html", str(page), "--no-progress"
    )
    assert result.returncode == 1, result.stderr
    dom = dom_at(page, 3)
    assert '<li data-step="3" class="loop current">' in dom
    assert '<li data-step="1" class="loop">' in dom and '<li data-step="0">' in dom
    assert '<a href="#step=1">↺ leave(p=p2): back to state 2</a>' in dom
    assert '"loop": 1' in dom and "data.loop !== null && current === data.steps.length - 1" in dom
    dom = dom_at(page, 1)  # at the cycle's start, the way back is highlighted with it
    assert 'id="back" data-step="1" class="back current"' in dom
