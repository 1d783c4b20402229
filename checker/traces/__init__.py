"""Traces and what users see of them: ITF JSON in and out (`itf`), text (`text`), graphviz
graphs of states and CTIs (`dot`), the explored state graph as JSON or DOT (`stategraph`),
message-sequence charts (`msc`), the self-contained HTML explorer (`html`) and JUnit XML
reports (`junit`). A trace is a list of `checker.explicit.contract.TraceStep`, which every engine
makes; this package renders traces and is imported by nothing under `checker.explicit`."""
