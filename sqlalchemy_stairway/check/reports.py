"""A check's report as text, JSON, or the JUnit XML that pytest's --junitxml writes."""

import json
import xml.etree.ElementTree as ET
from collections import Counter

from sqlalchemy_stairway.check.results import FAILED, PASSED, SKIPPED, WARNING, Report, Result

MARKS = {FAILED: "defect", WARNING: "warning", SKIPPED: "skipped"}

# without -v, a finding shows this many of its differences; JSON and -v show them all
SHOWN_LINES = 6


def trimmed(result: Result, *, verbose: bool) -> str:
    """The result's summary, its differences cut to :data:`SHOWN_LINES` unless ``verbose``."""
    if verbose or len(result.lines) <= SHOWN_LINES:
        return result.summary
    more = len(result.lines) - SHOWN_LINES
    short = Result(
        result.check,
        result.revision,
        result.dialect,
        result.status,
        [*result.lines[:SHOWN_LINES], f"and {more} more (-v or --format json shows them all)"],
    )
    return short.summary


def as_text(report: Report, *, verbose: bool = False) -> str:
    """One line per finding (defects, then warnings), each with the command that reproduces it."""
    lines = []
    shown = [FAILED, WARNING] + ([SKIPPED, PASSED] if verbose else [])
    for status in shown:
        for result in report.with_status(status):
            line = f"{MARKS.get(status, status)}: {trimmed(result, verbose=verbose)}"
            if result.reproduce and status == FAILED:
                line += f"  (reproduce: {result.reproduce})"
            lines.append(line)
    counts = Counter(r.status for r in report.results)
    lines.append(
        f"{report.project}: {counts[FAILED]} defect(s), {counts[WARNING]} warning(s), "
        f"{counts[PASSED]} check(s) passed, {counts[SKIPPED]} skipped"
    )
    return "\n".join(lines)


def not_compared_note(report: Report) -> str | None:
    """One line naming the indexes on expressions no check compared, if there were any."""
    if not report.not_compared:
        return None
    return (
        "note: the database cannot read back indexes on expressions, so these were not "
        f"compared: {', '.join(sorted(report.not_compared))}"
    )


def as_json(report: Report) -> str:
    return json.dumps(
        {
            "project": report.project,
            "exit_status": report.exit_status,
            "results": [r.as_dict() for r in report.results],
        },
        indent=2,
        ensure_ascii=False,
    )


def as_junit_xml(report: Report) -> str:
    """A <testsuites><testsuite> with one <testcase> per dialect, revision and check.

    The shape is pytest's: ``classname`` groups the cases (here
    ``stairway.<dialect>.<revision>``), a failure is a ``<failure
    message=...>``, a skip a ``<skipped message=...>``; warnings pass, with
    their text in ``<system-out>``.
    """
    suites = ET.Element("testsuites", name="stairway check")
    counts = Counter(r.status for r in report.results)
    suite = ET.SubElement(
        suites,
        "testsuite",
        name=f"stairway check {report.project}",
        tests=str(len(report.results)),
        failures=str(counts[FAILED]),
        errors="0",
        skipped=str(counts[SKIPPED]),
    )
    for result in report.results:
        parts = ["stairway", result.dialect or "any", result.revision]
        case = ET.SubElement(
            suite, "testcase", classname=".".join(parts), name=result.check, time="0"
        )
        text = "\n".join(result.lines)
        if result.status == FAILED:
            failure = ET.SubElement(case, "failure", message=result.summary)
            failure.text = text + (f"\nreproduce: {result.reproduce}" if result.reproduce else "")
        elif result.status == SKIPPED:
            ET.SubElement(case, "skipped", type="pytest.skip", message=text or "skipped")
        elif result.status == WARNING:
            ET.SubElement(case, "system-out").text = text
    ET.indent(suites)
    return '<?xml version="1.0" encoding="utf-8"?>\n' + ET.tostring(suites, encoding="unicode")
