"""The java.util.Properties text syntax that zoo.cfg is read with (`impl.net.properties`)."""

from __future__ import annotations

import random
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from impl.net.properties import (
    PropertiesError,
    Property,
    escape,
    logical_lines,
    parse_properties,
    split_property,
    unescape,
)


def pairs(text: str) -> list[tuple[str, str]]:
    return [(p.key, p.value) for p in parse_properties(text)]


def load(text: str) -> dict[str, str]:
    """What Properties.load keeps: the last value of each key."""
    return dict(pairs(text))


# --- lines -----------------------------------------------------------------------------------


def test_comments_and_blank_lines() -> None:
    text = "# hash\n! bang\n   # indented\n\t\f! indented too\n\n   \n\t\na=1\n"
    assert list(logical_lines(text)) == [(8, "a=1")]
    # Only the first character of a line makes a comment.
    assert pairs("a=1 # not a comment\nb=2!\n") == [("a", "1 # not a comment"), ("b", "2!")]


@pytest.mark.parametrize("terminator", ["\n", "\r", "\r\n"])
def test_line_terminators(terminator: str) -> None:
    text = terminator.join(["a=1", "", "b=2", "c=3\\", "  4", "d=5"])
    assert list(logical_lines(text)) == [(1, "a=1"), (3, "b=2"), (4, "c=34"), (6, "d=5")]


def test_mixed_terminators_count_one_line_each() -> None:
    text = "a=1\r\nb=2\rc=3\nd=4\n\r\re=5"
    assert [line for line, _ in logical_lines(text)] == [1, 2, 3, 4, 7]


def test_continuation_lines() -> None:
    text = "fruits    apple, banana, pear, \\\n          cantaloupe, watermelon, \\\n  kiwi\n"
    assert pairs(text) == [("fruits", "apple, banana, pear, cantaloupe, watermelon, kiwi")]
    # The logical line is numbered by its first physical line.
    assert list(logical_lines("\n\nk=a\\\n\\\n  b\nnext=1\n")) == [(3, "k=ab"), (6, "next=1")]
    # Leading spaces, tabs and form feeds of a continuation line are dropped, not others.
    assert pairs("k=a\\\n \t\f\u00a0b") == [("k", "a\u00a0b")]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("k=a\\\\\nb=c", [("k", "a\\"), ("b", "c")]),  # two backslashes: one, no continuation
        ("k=a\\\\\\\nb", [("k", "a\\b")]),  # three: one, and a continuation
        ("k=a\\\\\\\\\nb", [("k", "a\\\\"), ("b", "")]),  # four: two
    ],
)
def test_an_odd_number_of_backslashes_continues(text: str, expected: list[tuple[str, str]]) -> None:
    assert pairs(text) == expected


def test_continuation_edge_cases() -> None:
    # A comment is not continued by a backslash.
    assert pairs("# comment \\\nk=v\n") == [("k", "v")]
    # A continuation line that starts with a comment marker is data...
    assert pairs("k=a\\\n  #b\n") == [("k", "a#b")]
    # ...unless nothing of the logical line came before it (Java 9 and later).
    assert pairs("  \\\n# comment\nk=v\n") == [("k", "v")]
    # An empty continuation line ends the logical line.
    assert pairs("k=a\\\n\nb=c\n") == [("k", "a"), ("b", "c")]
    assert pairs("k=a\\\n   \nb=c\n") == [("k", "a"), ("b", "c")]
    # A backslash at the very end is dropped.
    assert pairs("k=a\\") == [("k", "a")]
    assert pairs("k=a\\\n") == [("k", "a")]
    assert pairs("k=a\\\n  \n") == [("k", "a")]
    # A last line of one backslash is nothing (Properties.load reads key "" and value "" from
    # the first three endings, and nothing from the last two: see impl.net.properties).
    for ending in ("", "\n", "\r", "\r\n", "\n  \n"):
        assert pairs("k=a\n  \\" + ending) == [("k", "a")]
    # Continuations join keys too, and the white space before the backslash stays.
    assert pairs("ke\\\n   y = a \\\n  b") == [("key", "a b")]


# --- keys and values -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ("key=value", ("key", "value")),
        ("key = value", ("key", "value")),
        ("key:value", ("key", "value")),
        ("key : value", ("key", "value")),
        ("key value", ("key", "value")),
        ("key\tvalue", ("key", "value")),
        ("key\fvalue", ("key", "value")),
        ("key    =    value", ("key", "value")),
        ("key=", ("key", "")),
        ("key", ("key", "")),
        ("key   ", ("key", "")),
        ("key = ", ("key", "")),
        ("=value", ("", "value")),
        (":value", ("", "value")),
        ("key==value", ("key", "=value")),  # one separator only
        ("key=:value", ("key", ":value")),
        ("key = = value", ("key", "= value")),
        ("key : = value", ("key", "= value")),
        ("key value=more", ("key", "value=more")),
        ("key value  ", ("key", "value  ")),  # trailing white space is the value's
        ("key=a:b=c d", ("key", "a:b=c d")),
        ("Truth                    :Beauty", ("Truth", "Beauty")),
    ],
)
def test_separators(line: str, expected: tuple[str, str]) -> None:
    assert pairs(line) == [expected]


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ("\\:\\=", (":=", "")),
        ("a\\ b=c", ("a b", "c")),
        ("a\\=b=c", ("a=b", "c")),
        ("a\\:b:c", ("a:b", "c")),
        ("\\#not\\!comment=1", ("#not!comment", "1")),
        ("\\#k=1", ("#k", "1")),
        ("a\\\\=b", ("a\\", "b")),  # an escaped backslash does not escape the separator
        ("a\\\\\\=b=c", ("a\\=b", "c")),
        ("k=\\ lead", ("k", " lead")),
        ("k=tab\\there", ("k", "tab\there")),
        ("k=\\n\\r\\f\\t", ("k", "\n\r\f\t")),
        ("k=\\b\\x\\q\\'\\\"", ("k", "bxq'\"")),  # other escapes are the character itself
        ("k=\\u0041\\u00e9\\u20AC", ("k", "Aé€")),
        ("k=\\u0041BC", ("k", "ABC")),
        ("\\u006b\\u0065\\u0079=1", ("key", "1")),
        ("k=\\uD83D\\uDE00", ("k", "😀")),  # UTF-16 code units: a pair is one character
        ("k=\\U0041", ("k", "U0041")),  # only a lowercase u starts a unicode escape
        ("k=C:\\\\dir\\\\file", ("k", "C:\\dir\\file")),
        ("k=C:\\dir", ("k", "C:dir")),
        ("k=é 😀", ("k", "é 😀")),
    ],
)
def test_escapes(line: str, expected: tuple[str, str]) -> None:
    assert pairs(line) == [expected]


def test_split_property_leaves_escapes() -> None:
    assert split_property("a\\ b = c\\td") == ("a\\ b", "c\\td")
    assert split_property("plain") == ("plain", "")
    assert unescape("no escapes") == "no escapes"
    assert unescape("dangling\\") == "dangling"


def test_duplicates_are_all_yielded_in_order() -> None:
    text = "a=1\nb=2\na=3\n"
    assert [(p.line, p.key, p.value) for p in parse_properties(text)] == [
        (1, "a", "1"),
        (2, "b", "2"),
        (3, "a", "3"),
    ]
    assert load(text) == {"a": "3", "b": "2"}  # what Properties keeps


def test_property_keeps_the_written_line() -> None:
    assert list(parse_properties("\n  k\\ 1 = v\\\n   w\n")) == [
        Property(line=2, key="k 1", value="vw", text="k\\ 1 = vw")
    ]


# --- errors ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "line", "fragment"),
    [
        ("a=1\nk=\\u12\n", 2, "\\u followed by '12'"),
        ("a=1\nk=\\u12G4\n", 2, "\\u followed by '12G4'"),
        ("a=1\n\\uXYZW=1\n", 2, "\\u followed by 'XYZW'"),
        ("a=1\nk=\\u\n", 2, "\\u followed by ''"),
        ("a=1\n\nk=x\\\n  \\u00\\\n  4\n", 3, "\\u followed by '004'"),  # where it began
        ("k=\\uD83D\n", 1, "\\uD83D, half of a UTF-16 surrogate pair"),
        ("k=\\uDE00\\uD83D\n", 1, "\\uDE00, half of a UTF-16 surrogate pair"),
    ],
)
def test_malformed_escapes_name_the_line(text: str, line: int, fragment: str) -> None:
    with pytest.raises(PropertiesError) as caught:
        list(parse_properties(text))
    assert caught.value.line == line
    assert fragment in caught.value.message and "expected" in caught.value.message
    assert str(caught.value) == caught.value.message and "\n" not in caught.value.message


# --- escape: writing what load reads back ------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    ["", "plain", " lead", "trail ", "a b", "=:#!", "#x", "!x", "C:\\dir\\", "\t\n\r\f", "é😀"],
)
def test_escape_round_trips(text: str) -> None:
    for separator in ("=", ":", " ", " = ", "\t:"):
        line = f"{escape(text, key=True)}{separator}{escape(text)}\n"
        if text or separator.strip():  # an empty key needs a separator that is not space
            assert pairs(line) == [(text, text)], line


def test_escape_leaves_values_readable() -> None:
    assert escape("127.0.0.1:2888;2181") == "127.0.0.1:2888;2181"
    assert escape("a=b", key=True) == "a\\=b"


# --- against java.util.Properties itself -----------------------------------------------------

_DUMP_JAVA = """\
import java.io.*;
import java.nio.charset.StandardCharsets;
import java.util.*;

public class DumpProperties {
    static String hex(String s) {
        StringBuilder b = new StringBuilder();
        for (char c : s.toCharArray()) b.append(String.format("%04x", (int) c));
        return b.toString();
    }

    public static void main(String[] args) throws IOException {
        for (String name : args) {
            Properties p = new Properties();
            try (Reader r = new InputStreamReader(new FileInputStream(name), StandardCharsets.UTF_8)) {
                p.load(r);
            } catch (IllegalArgumentException e) {
                System.out.println("error");
                continue;
            }
            StringBuilder line = new StringBuilder("ok");
            for (String key : new TreeSet<>(p.stringPropertyNames())) {
                line.append(' ').append(hex(key)).append(':').append(hex(p.getProperty(key)));
            }
            System.out.println(line);
        }
    }
}
"""

TRICKY = (
    "# a zoo.cfg in every syntax Properties reads\r\n"
    "! bang comment \\\n"
    "tickTime 2000\n"
    "initLimit:10\r"
    "syncLimit = 5\r\n"
    "  \t dataDir\t=\tda\\\n"
    "     ta\n"
    "server.1 : 127.0.0.1:2888:3888;\\\n"
    "           2181\n"
    "server.2=127.0.0.1:2889\\\\\n"
    "key\\ with\\:separators\\=escaped = \\ value\\twith\\ttabs  \n"
    "unicode=\\u0041\\u00e9\\uD83D\\uDE00 é 😀\n"
    "other\\escapes=\\b\\x\\#\\!\\\\\n"
    "  \\\n"
    "#comment after an empty continuation\n"
    "cont=a\\\n"
    "  #b\\\n"
    "\n"
    "empty\n"
    "empty2=\n"
    "= no key\n"
    "dup=1\n"
    "dup=2\n"
    "last=no newline\\"
)

# Pieces the fuzzed files are made of: separators, white space, escapes, line terminators and
# comment markers, with few letters (surrogate escapes, which this parser refuses alone, are
# left out: a backslash before \uD83D would leave \uDE00 alone).
_PIECES = [
    "a",
    "b",
    "k",
    "=",
    ":",
    " ",
    "  ",
    "\t",
    "\f",
    "\\",
    "\\\\",
    "\n",
    "\r",
    "\r\n",
    "\\\n",
    "\\\r\n",
    "#",
    "!",
    "\\u0041",
    "\\u00e9",
    "\\u12",
    "\\t",
    "\\n",
    "\\ ",
    "\\=",
    "\\:",
    "é",
    "😀",
    "\u00a0",
]


def _fuzzed(count: int, seed: int = 20240601) -> list[str]:
    rng = random.Random(seed)
    # A malformed \u escape fails the whole file: rarer, so that most files are read through.
    weights = [1 if piece == "\\u12" else 8 for piece in _PIECES]
    return ["".join(rng.choices(_PIECES, weights, k=rng.randint(1, 40))) for _ in range(count)]


def _ours(text: str) -> dict[str, str] | None:
    """What parse_properties reads, as Properties.load would: None for an error, and with the
    one quirk it does not copy (see impl.net.properties) put back."""
    try:
        ours = load(text)
    except PropertiesError:
        return None
    # Properties.load reads a last line of one backslash (ended by nothing, \n or \r) that
    # starts a logical line (nothing before it continues onto it) as key "" and value "", and
    # parse_properties as nothing.
    last = re.search(r"(?:\A|(?<=[\r\n]))[ \t\f]*\\(?:\n|\r)?\Z", text)
    if last and list(logical_lines(text[: last.start()] + "x"))[-1][1] == "x":
        ours[""] = ""
    return ours


def _theirs(answer: str) -> dict[str, str] | None:
    """A line of DumpProperties' output: "error", or "ok" and hex UTF-16 key:value pairs."""
    if answer == "error":
        return None

    def decode(hexed: str) -> str:
        return bytes.fromhex(hexed).decode("utf-16-be", "surrogatepass")

    entries = [entry.partition(":") for entry in answer.split(" ")[1:]]
    return {decode(key): decode(value) for key, _, value in entries}


def _java_version(java: str) -> int:
    shown = subprocess.run([java, "-version"], capture_output=True, text=True, timeout=60)
    match = re.search(r'version "(\d+)(?:\.(\d+))?', shown.stderr + shown.stdout)
    if not match:
        return 0
    major = int(match.group(1))
    return int(match.group(2) or 0) if major == 1 else major


def test_agrees_with_java_util_properties(tmp_path: Path) -> None:
    """One JVM reads a tricky zoo.cfg and a thousand fuzzed files; every result must match
    (the same keys and values, or both refusing the file)."""
    java = shutil.which("java")
    if java is None:
        pytest.skip("no java on PATH")
    if _java_version(java) < 11:
        pytest.skip("java older than 11 cannot run a source file")
    texts = [TRICKY, *_fuzzed(1000)]
    files = []
    for index, text in enumerate(texts):
        path = tmp_path / f"case{index}.properties"
        path.write_bytes(text.encode("utf-8"))
        files.append(str(path))
    (tmp_path / "DumpProperties.java").write_text(_DUMP_JAVA, encoding="utf-8")
    ran = subprocess.run(
        [java, "-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC", "DumpProperties.java", *files],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        timeout=120,
    )
    assert ran.returncode == 0, ran.stderr
    answers = ran.stdout.splitlines()
    assert len(answers) == len(texts)
    for text, answer in zip(texts, answers, strict=True):
        assert _ours(text) == _theirs(answer), f"on {text!r}"
    assert answers.count("error") < len(texts) // 4, "most files should be read through"
    # ...and the tricky file says what it seems to.
    assert load(TRICKY)["dataDir"] == "data"
    assert load(TRICKY)["key with:separators=escaped"] == " value\twith\ttabs  "
    assert load(TRICKY)["cont"] == "a#b"
    assert load(TRICKY)["last"] == "no newline"
