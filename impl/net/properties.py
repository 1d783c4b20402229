"""The text syntax of `java.util.Properties.load`, which ZooKeeper reads `zoo.cfg` with.

A file is a sequence of *natural* lines, ended by `\\n`, `\\r` or `\\r\\n`. Leading spaces, tabs
and form feeds are skipped; a line left empty is blank, and one starting with `#` or `!` is a
comment. The others hold *logical* lines: a natural line ending in an odd number of backslashes
continues on the next one (the backslash, the line terminator and the next line's leading
white space are dropped). A comment cannot be continued, and a continuation line starting with
`#` is data, unless nothing of its logical line came before it.

A logical line's key runs to the first `=`, `:`, space, tab or form feed not escaped by a
backslash. White space after the key is skipped, then one `=` or `:` if the key did not end
at one, then white space again; the rest of the line is the value, trailing white space and
all (a line holding only a key has the empty value). In keys and values `\\t`, `\\n`, `\\r`,
`\\f` and `\\uXXXX` (four hex digits, a UTF-16 code unit) are escapes, and a backslash before
any other character stands for that character (`\\\\`, `\\=`, `\\:`, `\\ `, `\\#`).

A `\\u` escape without four hex digits is an error, as in Java, here with the line it is on;
so is, unlike Java, a `\\uD800`-style escape that is half of a surrogate pair (a lone surrogate
cannot be encoded as UTF-8). One quirk of `Properties.load` is not copied: when the last line
of the text is a backslash alone (ended by nothing, `\\n` or `\\r`, but not `\\r\\n`), Java
reads an empty logical line, key `""` and value `""`; here that line is nothing, as a blank one.
Keys may repeat: `parse_properties` yields every line, and the caller decides (Java keeps the
last).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass

__all__ = [
    "WHITESPACE",
    "PropertiesError",
    "Property",
    "escape",
    "logical_lines",
    "parse_properties",
    "split_property",
    "unescape",
]

WHITESPACE = " \t\f"  # Properties' white space; line terminators are not among it
_TERMINATOR = re.compile(r"\r\n|\r|\n")
_HEX4 = re.compile(r"[0-9a-fA-F]{4}")
_SIMPLE_ESCAPES = {"t": "\t", "n": "\n", "r": "\r", "f": "\f"}
_SURROGATE = re.compile(r"[\ud800-\udfff]")


class PropertiesError(ValueError):
    """Text `Properties.load` would not give a value for: `line` is the physical line (from 1)
    where the logical line began, the message says what is wrong and what was expected."""

    def __init__(self, line: int, message: str) -> None:
        super().__init__(message)
        self.line = line
        self.message = message


@dataclass(frozen=True)
class Property:
    """One key-value pair, escapes resolved, as `Properties.load` reads it."""

    line: int  # the physical line (from 1) where its logical line began
    key: str
    value: str
    text: str  # the logical line as written, continuations joined, escapes unresolved


def logical_lines(text: str) -> Iterator[tuple[int, str]]:
    """The logical lines of `text`, each with the number of the physical line it began on, with
    leading white space, comments, blank lines and continuations removed (escapes stay)."""
    pending = ""  # the logical line so far, while natural lines continue it
    start = 0
    for number, natural in enumerate(_TERMINATOR.split(text), start=1):
        line = natural.lstrip(WHITESPACE)
        if not pending:
            # Nothing of a logical line yet (a line of one backslash leaves nothing either):
            # Properties.load looks for a comment marker only here.
            if not line or line[0] in "#!":
                continue
            start = number
        if (len(line) - len(line.rstrip("\\"))) % 2:
            pending += line[:-1]  # the backslash escapes the line terminator
            continue
        yield start, pending + line
        pending = ""
    if pending:  # continued on the last line: the backslash is dropped
        yield start, pending


def split_property(line: str) -> tuple[str, str]:
    """A logical line's raw key and raw value (escapes not yet resolved)."""
    escaped = False
    for index, char in enumerate(line):
        if not escaped and (char in "=:" or char in WHITESPACE):
            rest = line[index + 1 :].lstrip(WHITESPACE)
            if char in WHITESPACE and rest[:1] in ("=", ":"):
                rest = rest[1:].lstrip(WHITESPACE)
            return line[:index], rest
        escaped = char == "\\" and not escaped
    return line, ""


def unescape(raw: str) -> str:
    """`raw` with its escapes resolved; a ValueError says what is wrong with a `\\u` escape."""
    if "\\" not in raw:
        return raw
    out: list[str] = []
    index = 0
    while index < len(raw):
        char = raw[index]
        index += 1
        if char != "\\":
            out.append(char)
        elif index == len(raw):
            pass  # a backslash ending the text escapes nothing (a continuation, in a file)
        elif raw[index] == "u":
            digits = raw[index + 1 : index + 5]
            if not _HEX4.fullmatch(digits):
                raise ValueError(f"\\u followed by {digits!r}; expected four hex digits after \\u")
            out.append(chr(int(digits, 16)))
            index += 5
        else:
            out.append(_SIMPLE_ESCAPES.get(raw[index], raw[index]))
            index += 1
    result = "".join(out)
    if _SURROGATE.search(result):
        # \uXXXX escapes are UTF-16 code units: a pair of them is one character.
        result = result.encode("utf-16-le", "surrogatepass").decode("utf-16-le", "surrogatepass")
        lone = _SURROGATE.search(result)
        if lone:
            raise ValueError(
                f"an escape \\u{ord(lone.group()):04X}, half of a UTF-16 surrogate pair; "
                "expected a whole pair (as \\uD83D\\uDE00) or a character of its own"
            )
    return result


def parse_properties(text: str) -> Iterator[Property]:
    """The key-value pairs of `text` in order, duplicates included. Raises PropertiesError at
    the first logical line whose escapes are malformed (the lines before it are yielded)."""
    for number, line in logical_lines(text):
        raw_key, raw_value = split_property(line)
        try:
            key, value = unescape(raw_key), unescape(raw_value)
        except ValueError as bad:
            raise PropertiesError(number, f"{line!r} has {bad}") from None
        yield Property(number, key, value, line)


def escape(text: str, *, key: bool = False) -> str:
    """`text` written so that `Properties.load` reads it back unchanged, as a key (`key=True`:
    separators, white space and a leading comment marker escaped) or as a value (a leading space,
    `=` or `:` escaped). Other characters, `:` and `=` inside values and non-ASCII ones, are left
    as they are, so that a value stays readable."""
    out: list[str] = []
    for index, char in enumerate(text):
        if char == "\\":
            out.append("\\\\")
        elif char in "\t\n\r\f":
            out.append("\\" + "tnrf"["\t\n\r\f".index(char)])
        elif char == " " and (key or index == 0):
            out.append("\\ ")
        elif (key and char in "=:") or (index == 0 and char in ("=:#!" if key else "=:")):
            out.append("\\" + char)
        else:
            out.append(char)
    return "".join(out)
