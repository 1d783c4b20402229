"""JUnit XML reports, so that CI systems show each property as a test case.

One `<testsuite>` per run; one `<testcase>` per property (check, bmc) or proof obligation
(prove). A violated property is a `<failure>` whose text is the readable counterexample; a
question z3 could not settle is an `<error>`: it is not a pass.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections.abc import Sequence
from dataclasses import dataclass


@dataclass(frozen=True)
class Case:
    name: str
    classname: str
    seconds: float = 0.0
    failure: str | None = None  # the message; `details` holds the trace
    error: str | None = None
    details: str = ""


def junit_xml(suite: str, cases: Sequence[Case], seconds: float) -> str:
    root = ET.Element("testsuites")
    ts = ET.SubElement(
        root,
        "testsuite",
        name=suite,
        tests=str(len(cases)),
        failures=str(sum(c.failure is not None for c in cases)),
        errors=str(sum(c.error is not None for c in cases)),
        time=f"{seconds:.3f}",
    )
    for c in cases:
        tc = ET.SubElement(
            ts, "testcase", name=c.name, classname=c.classname, time=f"{c.seconds:.3f}"
        )
        if c.failure is not None:
            ET.SubElement(tc, "failure", message=c.failure, type="violation").text = c.details
        elif c.error is not None:
            ET.SubElement(tc, "error", message=c.error, type="unknown").text = c.details
    ET.indent(root)
    return ET.tostring(root, encoding="unicode", xml_declaration=True) + "\n"


def write_junit(path: str, suite: str, cases: Sequence[Case], seconds: float) -> None:
    with open(path, "w", encoding="utf-8") as f:
        f.write(junit_xml(suite, cases, seconds))
