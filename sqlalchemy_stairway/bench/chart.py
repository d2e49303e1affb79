"""The chart: each step's time and floor against the number of rows, per database."""

import io
from pathlib import Path

from sqlalchemy_stairway.check.errors import StairwayError

DIALECT_ORDER = {"sqlite": 0, "postgresql": 1, "mysql": 2}


def draw_chart(results: dict, path: Path) -> None:
    """Draw every stage-by-stage run in ``results`` as a PNG at ``path``."""
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        raise StairwayError(
            "drawing the chart needs matplotlib: pip install -e '.[bench]'"
        ) from None
    dialects = sorted(
        {r["dialect"] for r in results["runs"]}, key=lambda d: DIALECT_ORDER.get(d, 3)
    )
    if not dialects:
        raise StairwayError("no results to draw yet; run the bench first")
    figure, axes = plt.subplots(1, len(dialects), figsize=(5.2 * len(dialects), 4.2), squeeze=False)
    for ax, dialect in zip(axes[0], dialects, strict=True):
        runs = [r for r in results["runs"] if r["dialect"] == dialect]
        sizes = [r["rows"] for r in runs]
        names = [s["name"] for s in runs[-1]["steps"]]
        for index, name in enumerate(names):
            color = f"C{index}"
            steps = [next(s for s in r["steps"] if s["name"] == name) for r in runs]
            ax.plot(sizes, [s["seconds"] for s in steps], "o-", color=color, label=name)
            ax.plot(sizes, [s["floor"] for s in steps], "x--", color=color, alpha=0.6)
        ax.set(xscale="log", yscale="log", xlabel="rows seeded", ylabel="seconds")
        ax.set_title(runs[-1]["server"], fontsize=10)
        ax.grid(True, which="major", alpha=0.3)
    axes[0][0].legend(fontsize=7, title="solid: stairway, dashed: floor", title_fontsize=7)
    figure.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=72)
    plt.close(figure)
    # a 64-colour palette keeps the PNG small enough to live in the repository
    from PIL import Image

    Image.open(buffer).convert("RGB").quantize(64).save(path, optimize=True)
