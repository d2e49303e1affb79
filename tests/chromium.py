"""Headless Chromium, driven over the Chrome DevTools Protocol, for the site's tests.

Debian's ``chromium`` package is the browser; the protocol is JSON over a
websocket, spoken here with the ``websockets`` package's synchronous client.
That is all a test needs to load a page, read what its console and its
network said, run a line of JavaScript and take a screenshot, without a
driver binary or a browser download of its own (as Selenium Manager or
Playwright would want).

    with Chromium.start() as browser:
        page = browser.open("http://127.0.0.1:8000/")
        page.problems            # console errors, exceptions, failed requests
        browser.evaluate("document.title")
        browser.screenshot(Path("page.png"))
        with browser.emulating(390, 844, dark=True):   # a phone, in dark mode
            browser.open(...)
"""

import base64
import json
import shutil
import subprocess
import tempfile
import time
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from websockets.sync.client import ClientConnection

FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--hide-scrollbars",
    "--remote-debugging-port=0",
)
TIMEOUT = 30.0
INSTALL = "apt-get update && apt-get install -y chromium"


class BrowserError(Exception):
    """Chromium could not be started or did not answer."""


def find_chromium() -> str:
    """The Chromium executable, or a BrowserError saying how to install it."""
    for name in ("chromium", "chromium-browser"):
        found = shutil.which(name)
        if found:
            return found
    raise BrowserError(f"Chromium is not installed; install Debian's package: {INSTALL}")


@dataclass
class Page:
    """What loading one address produced."""

    url: str
    problems: list[str] = field(default_factory=list)


class Chromium:
    """One headless browser with one tab, and a websocket to that tab."""

    def __init__(self, tab: "ClientConnection", cleanup: ExitStack):
        self.tab, self.cleanup = tab, cleanup
        self.next_id = 0
        self.page: Page | None = None
        self.events: list[dict] = []
        self.requests: dict[str, str] = {}  # request id -> URL

    @classmethod
    def start(cls, width: int = 1280, height: int = 900) -> "Chromium":
        """Start Chromium with a fresh profile and connect to its first tab."""
        from websockets.sync.client import connect  # the docs extra; the tests say so if missing

        with ExitStack() as cleanup:
            profile = Path(tempfile.mkdtemp(prefix="stairway-chromium-"))
            cleanup.callback(shutil.rmtree, profile, ignore_errors=True)
            process = subprocess.Popen(
                [
                    find_chromium(),
                    *FLAGS,
                    f"--user-data-dir={profile}",
                    f"--window-size={width},{height}",
                    "about:blank",  # not the new-tab page, which reaches for the network
                ],
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
            )
            cleanup.callback(stop, process)
            port = cls._debugging_port(process, profile)
            tab = cleanup.enter_context(
                connect(cls._tab_address(port), max_size=None, open_timeout=TIMEOUT)
            )
            browser = cls(tab, cleanup.pop_all())
        try:
            for domain in ("Page", "Runtime", "Log", "Network"):
                browser.call(f"{domain}.enable")
        except BaseException:
            browser.close()
            raise
        return browser

    @staticmethod
    def _debugging_port(process: subprocess.Popen, profile: Path) -> int:
        """Wait for Chromium to write the port it listens on into its profile."""
        marker = profile / "DevToolsActivePort"
        deadline = time.monotonic() + TIMEOUT
        while time.monotonic() < deadline:
            if process.poll() is not None:
                raise BrowserError(f"Chromium exited with status {process.returncode} at start")
            if marker.exists() and marker.read_text().strip():
                return int(marker.read_text().split()[0])
            time.sleep(0.05)
        raise BrowserError(f"Chromium did not open its debugging port in {TIMEOUT:.0f} s")

    @staticmethod
    def _tab_address(port: int) -> str:
        """The websocket address of the browser's first tab."""
        from urllib.request import urlopen

        deadline = time.monotonic() + TIMEOUT
        while time.monotonic() < deadline:
            with urlopen(f"http://127.0.0.1:{port}/json/list", timeout=TIMEOUT) as answer:
                tabs = [t for t in json.load(answer) if t.get("type") == "page"]
            if tabs:
                return tabs[0]["webSocketDebuggerUrl"]
            time.sleep(0.05)
        raise BrowserError("Chromium opened no tab")

    def __enter__(self) -> "Chromium":
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def close(self) -> None:
        """Close the connection, stop the browser and delete its profile."""
        self.cleanup.close()

    # -- the protocol ---------------------------------------------------------

    def call(self, method: str, **params: object) -> dict:
        """Send one command and return its result; events that arrive meanwhile are kept."""
        self.next_id += 1
        self.tab.send(json.dumps({"id": self.next_id, "method": method, "params": params}))
        deadline = time.monotonic() + TIMEOUT
        while True:
            message = json.loads(self.tab.recv(timeout=max(deadline - time.monotonic(), 0.01)))
            if message.get("id") == self.next_id:
                if "error" in message:
                    raise BrowserError(f"{method} failed: {message['error'].get('message')}")
                return message.get("result", {})
            self._event(message)

    def _event(self, message: dict) -> None:
        """Keep an event, and note it on the page when it says something went wrong."""
        self.events.append(message)
        method, params = message.get("method", ""), message.get("params", {})
        if method == "Network.requestWillBeSent":
            self.requests[params["requestId"]] = params["request"]["url"]
        if self.page is None:
            return
        if method == "Network.loadingFailed":  # the event itself does not say what failed
            params = {**params, "url": self.requests.get(params.get("requestId"), "?")}
        problem = describe_problem(method, params)
        if problem:
            self.page.problems.append(problem)

    def wait_for(self, method: str, timeout: float = TIMEOUT) -> dict:
        """Wait for the next event called ``method`` and return its parameters."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            for index, event in enumerate(self.events):
                if event.get("method") == method:
                    del self.events[: index + 1]
                    return event.get("params", {})
            self.events.clear()
            try:
                raw = self.tab.recv(timeout=max(deadline - time.monotonic(), 0.01))
            except TimeoutError:
                break
            self._event(json.loads(raw))
        raise BrowserError(f"no {method} within {timeout:.0f} s")

    # -- what a test does -----------------------------------------------------

    def open(self, url: str) -> Page:
        """Load ``url``, wait for its load event, and return what went wrong on the way."""
        self.page = Page(url)
        self.events.clear()
        answer = self.call("Page.navigate", url=url)
        if answer.get("errorText"):
            self.page.problems.append(f"navigation failed: {answer['errorText']}")
            return self.page
        self.wait_for("Page.loadEventFired")
        return self.page

    def evaluate(self, expression: str) -> object:
        """Run JavaScript in the page (awaiting a promise) and return its value as JSON."""
        result = self.call(
            "Runtime.evaluate", expression=expression, returnByValue=True, awaitPromise=True
        )
        if "exceptionDetails" in result:
            details = result["exceptionDetails"]
            text = details.get("exception", {}).get("description") or details.get("text")
            raise BrowserError(f"JavaScript failed: {text}")
        return result["result"].get("value")

    def wait_until(self, expression: str, timeout: float = TIMEOUT) -> object:
        """Evaluate ``expression`` until it is truthy; return its value."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                value = self.evaluate(expression)
            except BrowserError as exc:  # the page went on to another: ask that one
                if "navigated" not in str(exc) and "context was destroyed" not in str(exc):
                    raise
                value = None
            if value:
                return value
            time.sleep(0.1)
        raise BrowserError(f"{expression!r} stayed false for {timeout:.0f} s")

    @contextmanager
    def emulating(self, width: int, height: int, *, dark: bool = False) -> Iterator[None]:
        """Show pages ``width`` px wide (a touch screen below 500), in light or dark mode."""
        self.call(
            "Emulation.setDeviceMetricsOverride",
            width=width,
            height=height,
            deviceScaleFactor=1,
            mobile=width < 500,
        )
        scheme = "dark" if dark else "light"
        self.call(
            "Emulation.setEmulatedMedia",
            features=[{"name": "prefers-color-scheme", "value": scheme}],
        )
        try:
            yield
        finally:
            self.call("Emulation.clearDeviceMetricsOverride")
            self.call("Emulation.setEmulatedMedia", features=[])

    def allow_clipboard(self, origin: str) -> None:
        """Let pages of ``origin`` write and read the clipboard, as a person's click lets them."""
        self.call(
            "Browser.grantPermissions",
            origin=origin,
            permissions=["clipboardReadWrite", "clipboardSanitizedWrite"],
        )

    def click(self, selector: str) -> None:
        """Click the middle of the first element ``selector`` finds, as a mouse does."""
        x, y = self.evaluate(
            f"""(() => {{
            const target = document.querySelector({json.dumps(selector)});
            target.scrollIntoView({{block: "center", behavior: "instant"}});
            const box = target.getBoundingClientRect();
            return [box.x + box.width / 2, box.y + box.height / 2];
        }})()"""
        )
        for kind in ("mousePressed", "mouseReleased"):
            self.call("Input.dispatchMouseEvent", type=kind, x=x, y=y, button="left", clickCount=1)

    def screenshot(self, path: Path) -> Path:
        """Save what the window shows now as a PNG."""
        data = self.call("Page.captureScreenshot", format="png")["data"]
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(base64.b64decode(data))
        return path


def stop(process: subprocess.Popen) -> None:
    """Ask the browser to exit; kill it if it does not within ten seconds."""
    process.terminate()
    try:
        process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


def describe_problem(method: str, params: dict) -> str | None:
    """One line for an event that means the page did not load cleanly, else None."""
    if method == "Runtime.exceptionThrown":
        details = params.get("exceptionDetails", {})
        return "exception: " + (
            details.get("exception", {}).get("description") or details.get("text", "")
        )
    if method == "Runtime.consoleAPICalled" and params.get("type") in ("error", "assert"):
        words = [str(a.get("value", a.get("description", ""))) for a in params.get("args", [])]
        return "console error: " + " ".join(words)
    if method == "Log.entryAdded" and params.get("entry", {}).get("level") == "error":
        entry = params["entry"]
        return f"console error: {entry.get('text')} {entry.get('url', '')}".strip()
    if method == "Network.loadingFailed" and not params.get("canceled"):
        return f"request failed: {params.get('errorText')} ({params.get('type')}): {params['url']}"
    if method == "Network.responseReceived":
        response = params.get("response", {})
        if response.get("status", 200) >= 400:
            return f"HTTP {response['status']}: {response.get('url')}"
    return None
