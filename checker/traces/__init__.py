"""Traces: the step model every engine produces, ITF JSON in and out, and text rendering."""

from checker.traces.step import Perm, TraceStep

__all__ = ["Perm", "TraceStep"]
