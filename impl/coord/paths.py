"""Znode paths: ZooKeeper's `PathUtils.validatePath`, character for character.

Java checks UTF-16 code units. A character outside the Basic Multilingual Plane is a surrogate
pair there, and surrogates are refused, so here any code point above U+FFFF is refused too.
The checks are independent of one another, so only their union matters: a path is valid when
none of them fires.
"""

from __future__ import annotations

import re

# Paths no check below refuses, recognized in one step (most paths are of this kind): each
# name printable ASCII other than "/", and neither "." nor "..".
_PLAIN = re.compile(r"(?:/(?!\.\.?(?:/|\Z))[\x20-\x2e\x30-\x7e]+)+")


def _bad_char(c: str) -> bool:
    o = ord(c)
    return (
        0 < o <= 0x1F
        or 0x7F <= o <= 0x9F
        or 0xD800 <= o <= 0xF8FF
        or 0xFFF0 <= o <= 0xFFFF
        or o > 0xFFFF  # a surrogate pair in Java
    )


def path_error(path: str) -> str | None:
    """Why `path` is not a valid znode path, or None when it is."""
    if _PLAIN.fullmatch(path):
        return None
    return _checked(path)


def _checked(path: str) -> str | None:
    """`path_error` by ZooKeeper's checks, one character at a time."""
    if not path:
        return "path length must be > 0"
    if path[0] != "/":
        return "path must start with / character"
    if len(path) == 1:
        return None  # the root
    if path[-1] == "/":
        return "path must not end with / character"
    n = len(path)
    for i in range(1, n):
        c, last = path[i], path[i - 1]
        if c == "\0":
            return f"null character not allowed @{i}"
        if c == "/" and last == "/":
            return f"empty node name specified @{i}"
        if c == "." and last == ".":
            if path[i - 2] == "/" and (i + 1 == n or path[i + 1] == "/"):
                return f"relative paths not allowed @{i}"
        elif c == ".":
            if last == "/" and (i + 1 == n or path[i + 1] == "/"):
                return f"relative paths not allowed @{i}"
        elif _bad_char(c):
            return f"invalid character @{i}"
    return None


def is_valid(path: str) -> bool:
    return path_error(path) is None


def split(path: str) -> tuple[str, str]:
    """(parent, name) by the last slash, as ZooKeeper splits: the parent of "/a" is "", which
    the tree treats as the root (ZooKeeper keeps the root under both "" and "/")."""
    last = path.rfind("/")
    return path[:last], path[last + 1 :]
