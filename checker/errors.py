"""Errors that paxoscope reports to its user, each with a place to look.

`SpecError` is raised for a spec that misuses the language; it carries the spec file and line.
`UsageError` is raised for a bad command (unknown parameter, unknown invariant, ...).
Both become a one-paragraph message and exit code 2 on the command line.

`ExitCode` is what every command exits with and every `checker.api` outcome's `exit_code`; it
lives here, beneath the engines, the facade and the command line, so that all can import it.
"""

from __future__ import annotations

import os
import sys
from dataclasses import dataclass
from enum import IntEnum
from types import FrameType

_CHECKER_DIR = os.path.dirname(os.path.abspath(__file__))


class ExitCode(IntEnum):
    """The exit codes of `paxoscope`, shared by every command.

    `OK`: every property holds (proved, conforms, linearizable, no difference). `VIOLATED`: one
    does not (a counterexample, a failed obligation, a mismatch, a difference). `ERROR`: the
    spec, the input or the command is wrong — and, as `UNKNOWN` (the same code), z3 or a
    timeout left the verdict open: unknown is not a success. `INTERRUPTED`: Ctrl-C.
    """

    OK = 0
    VIOLATED = 1
    ERROR = 2
    UNKNOWN = 2  # an alias of ERROR: the verdict is open (z3 gave up, a timeout expired)
    INTERRUPTED = 130


@dataclass(frozen=True)
class Loc:
    """A place in a spec file."""

    file: str
    line: int

    def __str__(self) -> str:
        return f"{_display_path(self.file)}:{self.line}"


UNKNOWN_LOC = Loc("<unknown>", 0)


def _display_path(path: str) -> str:
    """Show a path relative to the working directory when it lies under it."""
    try:
        rel = os.path.relpath(path)
    except ValueError:
        return path
    return path if rel.startswith("..") else rel


def _is_checker_frame(frame: FrameType) -> bool:
    filename = os.path.abspath(frame.f_code.co_filename)
    return filename.startswith(_CHECKER_DIR + os.sep)


def user_loc(skip: int = 1) -> Loc:
    """The innermost stack frame that lies outside the checker package: the user's spec line."""
    frame: FrameType | None = sys._getframe(skip)
    while frame is not None and _is_checker_frame(frame):
        frame = frame.f_back
    if frame is None:
        return UNKNOWN_LOC
    return Loc(os.path.abspath(frame.f_code.co_filename), frame.f_lineno)


class PaxoscopeError(Exception):
    """Base of the errors that the command line turns into exit code 2."""


class SpecError(PaxoscopeError):
    """A spec misuses the language. The message names the spec file and line."""

    def __init__(self, message: str, loc: Loc | None = None) -> None:
        self.loc = loc if loc is not None else user_loc(2)
        self.bare_message = message
        super().__init__(f"{self.loc}: {message}")


class UsageError(PaxoscopeError):
    """The command is wrong: an unknown parameter, spec, invariant or option value."""
