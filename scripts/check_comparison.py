"""What `stairway check`, pytest-alembic's defaults and pytest-mrt catch on the corpus, measured.

    python -m scripts.check_comparison --url sqlite:///tutorial.db --url postgresql+psycopg://... \\
        --peers-python PATH/TO/venv/bin/python --output docs/check-comparison.md

For every corpus project and every server whose dialect it supports, the
three tools run one after the other on the same chain (the peers as
scripts/peer_comparison.py runs them; `stairway check --no-squawk` as a
user does), each a process of its own, timed whole.  A defective project
counts as caught where its defect shows and a tool fails; a failure on a
correct project, or where the defect does not show, is a false alarm.  The
summary table (per tool: caught, missed, false alarms, time) and the table
per project go to ``--output``.
"""

import argparse
import subprocess
import sys
import tempfile
import time
import tomllib
from collections import Counter
from pathlib import Path

from scripts.peer_comparison import CORPUS, DIALECTS, TOOLS, corpus_targets, run_tool
from sqlalchemy_stairway.check.engines import parse_url

OURS = "stairway check"


def run_stairway(ini: Path, server_url: str) -> tuple[bool, float]:
    """(failed, seconds) for `stairway check` on a scratch database beside ``server_url``."""
    with tempfile.TemporaryDirectory() as tmp:
        url = server_url
        if parse_url(server_url).get_backend_name() == "sqlite":
            url = tmp  # a folder: the scratch files go there
        start = time.perf_counter()
        done = subprocess.run(
            [
                sys.executable,
                "-m",
                "sqlalchemy_stairway.check.cli",
                "check",
                "--config",
                str(ini),
                "--url",
                url,
                "--no-squawk",
            ],
            capture_output=True,
            text=True,
            check=False,
            timeout=900,
        )
        seconds = time.perf_counter() - start
    if done.returncode == 2:
        raise SystemExit(f"stairway check could not run on {ini}: {done.stderr.strip()}")
    return done.returncode == 1, seconds


def verdict(failed: bool, shows: bool) -> str:
    return {
        (True, True): "caught",
        (False, True): "missed",
        (True, False): "false alarm",
        (False, False): "clean",
    }[failed, shows]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url", action="append", required=True)
    parser.add_argument("--peers-python", default=sys.executable)
    parser.add_argument("--output", type=Path)
    args = parser.parse_args(argv)
    with open(CORPUS / "manifest.toml", "rb") as file:
        targets = corpus_targets(tomllib.load(file), [])
    tools = [OURS, *TOOLS]
    counts = {tool: Counter() for tool in tools}
    seconds = dict.fromkeys(tools, 0.0)
    rows = []
    for server_url in args.url:
        dialect = DIALECTS[parse_url(server_url).get_backend_name()]
        for target in targets:
            if dialect not in target.dialects:
                continue
            shows = dialect in target.shows_on
            cells = []
            failed, took = run_stairway(CORPUS / target.name / "alembic.ini", server_url)
            outcomes = {OURS: (verdict(failed, shows), took)}
            for tool in TOOLS:
                outcome = run_tool(tool, target, server_url, args.peers_python)
                outcomes[tool] = (outcome.verdict, outcome.seconds)
            for tool, (said, took) in outcomes.items():
                counts[tool][said] += 1
                seconds[tool] += took
                cells.append(f"{said} ({took:.1f} s)")
            print(f"{dialect} {target.name}: {cells}", file=sys.stderr)
            rows.append(
                f"| {target.name} | {dialect} | {target.check if shows else '-'} | "
                + " | ".join(cells)
                + " |"
            )
    dialects = ", ".join(DIALECTS[parse_url(u).get_backend_name()] for u in args.url)
    lines = [
        "# stairway check against its peers, on the corpus",
        "",
        f"Measured on {dialects}, {time.strftime('%Y-%m-%d')}.",
        "",
        "| tool | defects caught | missed | false alarms | correct runs clean | total time |",
        "|---|---|---|---|---|---|",
    ]
    for tool in tools:
        c = counts[tool]
        found = c["caught"] + c["missed"]
        lines.append(
            f"| {tool} | {c['caught']} of {found} | {c['missed']} | {c['false alarm']} | "
            f"{c['clean']} | {seconds[tool]:.0f} s |"
        )
    lines += [
        "",
        "| project | dialect | defect here | " + " | ".join(tools) + " |",
        "|---|---|---|" + "---|" * len(tools),
        *rows,
    ]
    text = "\n".join(lines) + "\n"
    if args.output:
        args.output.parent.mkdir(parents=True, exist_ok=True)
        args.output.write_text(text, encoding="utf-8")
    print(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
