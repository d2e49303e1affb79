"""The results file: JSON, merged run by run, and the summaries printed from it."""

import json
from pathlib import Path

from sqlalchemy_stairway.check.errors import StairwayError


def load_results(path: Path) -> dict:
    if not path.exists():
        return {"runs": []}
    try:
        return json.loads(path.read_text())
    except json.JSONDecodeError:
        raise StairwayError(f"{path} is not a bench results file; choose another --json") from None


def merge(results: dict, key: str, run: dict) -> None:
    """Put ``run`` into ``results[key]``, replacing an earlier one of the same database and size."""
    same = (run["dialect"], run.get("rows"))
    runs = [r for r in results.get(key, []) if (r["dialect"], r.get("rows")) != same]
    results[key] = sorted([*runs, run], key=lambda r: (r["dialect"], r.get("rows") or 0))


def merge_run(results: dict, run: dict) -> None:
    """Put a stage-by-stage ``run`` into ``results``, replacing one of its database and size."""
    merge(results, "runs", run)


def save_results(path: Path, results: dict) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(results, indent=1) + "\n")


def explain(run: dict) -> list[str]:
    """Return, for each step over its target, where its time went against the floor's."""
    lines = []
    for step in run["steps"]:
        if step["ratio"] is None or step["ratio"] <= step["target"]:
            continue
        lines.append(
            f"{step['name']}: {step['seconds']:.3f} s against a floor of {step['floor']:.3f} s "
            f"({step['ratio']:.2f}x; target {step['target']}x"
            f"{'' if step['rows'] else '; no rows to touch'}). Outside SQL (Alembic, Python): "
            f"{step['seconds'] - step['sql_seconds']:.3f} s."
        )
        for who, slowest in (
            ("stairway", step["slowest"][:3]),
            ("floor", step["floor_slowest"][:2]),
        ):
            for statement, seconds in slowest:
                lines.append(f"    {who:8} {seconds:8.3f} s  {statement}")
    return lines


def scaling(results: dict, dialect: str) -> list[str]:
    """Return, for ``dialect``'s sizes, each row-moving step's time per row and the peak memory."""
    runs = [r for r in results["runs"] if r["dialect"] == dialect]
    if len(runs) < 2:
        return []
    sizes = ", ".join(f"{r['rows']:,}" for r in runs)
    lines = [f"{runs[0]['server']} at {sizes} rows:"]
    for index, step in enumerate(runs[-1]["steps"]):
        if not step["rows"]:
            continue
        per_row = [r["steps"][index]["seconds"] / r["steps"][index]["rows"] * 1e6 for r in runs]
        lines.append(f"  {step['name']}: " + ", ".join(f"{t:.2f}" for t in per_row) + " µs per row")
    peaks = [max(s["peak_mib"] for s in r["steps"]) for r in runs]
    lines.append("  peak memory: " + ", ".join(f"{p:.0f}" for p in peaks) + " MiB")
    return lines


def chain_memory(results: dict, dialect: str) -> list[str]:
    """Return the whole chain's peak memory at each of ``dialect``'s sizes, against the smallest."""
    chains = [c for c in results.get("chains", []) if c["dialect"] == dialect]
    if len(chains) < 2:
        return []
    smallest = chains[0]["peak_mib"]
    return [
        f"{chains[0]['server']}, the whole chain's peak memory (seeding excluded): "
        + ", ".join(
            f"{c['peak_mib']:.0f} MiB at {c['rows']:,} rows ({c['peak_mib'] / smallest:.2f}x)"
            for c in chains
        )
    ]
