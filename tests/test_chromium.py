"""The browser driver the site's tests use: finding Chromium, and what counts as a problem."""

import pytest

from tests.chromium import BrowserError, describe_problem, find_chromium


def test_a_missing_chromium_says_how_to_install_it(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PATH", "")
    with pytest.raises(
        BrowserError, match=r"Chromium is not installed.*apt-get install -y chromium"
    ):
        find_chromium()


@pytest.mark.parametrize(
    ("method", "params", "said"),
    [
        (
            "Runtime.exceptionThrown",
            {"exceptionDetails": {"exception": {"description": "TypeError: x is undefined"}}},
            "exception: TypeError: x is undefined",
        ),
        (
            "Runtime.consoleAPICalled",
            {"type": "error", "args": [{"value": "broken"}]},
            "console error: broken",
        ),
        (
            "Log.entryAdded",
            {"entry": {"level": "error", "text": "Failed to load resource", "url": "x.js"}},
            "console error: Failed to load resource x.js",
        ),
        (
            "Network.loadingFailed",
            {
                "errorText": "net::ERR_NAME_NOT_RESOLVED",
                "type": "Script",
                "url": "https://cdn/x.js",
            },
            "request failed: net::ERR_NAME_NOT_RESOLVED (Script): https://cdn/x.js",
        ),
        (
            "Network.responseReceived",
            {"response": {"status": 404, "url": "http://127.0.0.1/favicon.ico"}},
            "HTTP 404: http://127.0.0.1/favicon.ico",
        ),
    ],
)
def test_problems(method: str, params: dict, said: str) -> None:
    assert describe_problem(method, params) == said


@pytest.mark.parametrize(
    ("method", "params"),
    [
        ("Runtime.consoleAPICalled", {"type": "log", "args": [{"value": "hello"}]}),
        ("Log.entryAdded", {"entry": {"level": "warning", "text": "slow"}}),
        ("Network.loadingFailed", {"canceled": True, "errorText": "net::ERR_ABORTED"}),
        ("Network.responseReceived", {"response": {"status": 200, "url": "http://x/"}}),
        ("Page.loadEventFired", {}),
    ],
)
def test_not_problems(method: str, params: dict) -> None:
    assert describe_problem(method, params) is None
