"""Traces and what users see of them: the step model (`step`), ITF JSON in and out (`itf`),
text (`text`), graphviz graphs of states and CTIs (`dot`), message-sequence charts (`msc`), the
self-contained HTML explorer (`html`) and JUnit XML reports (`junit`)."""

from checker.traces.step import Perm, TraceStep

__all__ = ["Perm", "TraceStep"]
