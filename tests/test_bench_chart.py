"""The chart: drawn from the results file; without matplotlib, one line says what to install."""

import sys

import pytest

from sqlalchemy_stairway.bench.chart import draw_chart
from sqlalchemy_stairway.check.errors import StairwayError

RESULTS = {
    "runs": [
        {
            "dialect": dialect,
            "server": dialect,
            "rows": rows,
            "steps": [{"name": "stage 1", "seconds": rows / 1e5, "floor": rows / 2e5}],
        }
        for dialect in ("mysql", "sqlite")
        for rows in (10, 100)
    ]
}


def test_the_chart_is_drawn(tmp_path):
    # matplotlib comes with the bench extra, which the README's test block installs
    path = tmp_path / "charts" / "chart.png"
    draw_chart(RESULTS, path)
    assert path.read_bytes().startswith(b"\x89PNG")


def test_no_results_no_chart(tmp_path):
    with pytest.raises(StairwayError, match="run the bench first"):
        draw_chart({"runs": []}, tmp_path / "chart.png")


def test_the_chart_without_matplotlib_says_what_to_install(tmp_path, monkeypatch):
    monkeypatch.setitem(sys.modules, "matplotlib", None)  # import matplotlib now fails
    with pytest.raises(StairwayError, match=r"pip install -e '\.\[bench\]'"):
        draw_chart(RESULTS, tmp_path / "chart.png")
