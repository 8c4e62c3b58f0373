"""Debian's Chromium, headless, driven over the DevTools protocol (a websocket; `websockets` pinned):
open a page with the network switched off, record every request, failed request, console error and
uncaught exception, read values from the page and take full-page screenshots at given widths.

    with HeadlessChromium.start(tmp_path) as browser:
        page = browser.load_offline(report.as_uri(), "document.title", widths=(390, 1200))
    assert not page.failed_requests and not page.console_errors

Chromium downloads nothing here: the executable is Debian's `chromium` package (`CHROMIUM` overrides
the path); without it the start fails with the command that installs it."""

from __future__ import annotations

import base64
import json
import os
import shutil
import subprocess
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from websockets.sync.client import ClientConnection, connect

START_TIMEOUT_SECONDS = 30.0
COMMAND_TIMEOUT_SECONDS = 30.0
# After the load event, how long the page must stay quiet (no new event) before it counts as settled.
SETTLE_SECONDS = 0.5
SCREENSHOT_HEIGHT = 900


class ChromiumError(RuntimeError):
    """Chromium is missing, did not start, or a DevTools command failed."""


def chromium_executable() -> str:
    executable = os.environ.get("CHROMIUM") or shutil.which("chromium")
    if not executable:
        raise ChromiumError(
            "Debian's chromium is not installed (the report test needs it): `make install` installs it "
            "as root, or run `apt-get install chromium`; CHROMIUM=/path overrides"
        )
    return executable


@dataclass
class PageLoad:
    """What one offline page load did."""

    url: str
    requests: list[str] = field(default_factory=list)
    failed_requests: list[str] = field(default_factory=list)
    console_errors: list[str] = field(default_factory=list)
    value: Any = None
    screenshots: dict[int, Path] = field(default_factory=dict)


class HeadlessChromium:
    def __init__(self, process: subprocess.Popen[bytes], socket: ClientConnection, work_dir: Path) -> None:
        self._process = process
        self._socket = socket
        self._work_dir = work_dir
        self._next_id = 0
        self._events: list[dict[str, Any]] = []

    @classmethod
    @contextmanager
    def start(cls, work_dir: Path) -> Iterator[HeadlessChromium]:
        profile = work_dir / "chromium-profile"
        profile.mkdir(parents=True, exist_ok=True)
        command = [
            chromium_executable(),
            "--headless",
            "--disable-gpu",
            "--no-first-run",
            "--no-default-browser-check",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--remote-debugging-address=127.0.0.1",
            "--remote-debugging-port=0",
            f"--user-data-dir={profile}",
            "about:blank",
        ]
        if os.geteuid() == 0:
            command.insert(1, "--no-sandbox")  # Chromium refuses to run its sandbox as root
        log = (work_dir / "chromium.log").open("wb")
        process = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT)
        try:
            url = cls._browser_socket_url(profile, process)
            with connect(url, max_size=None, open_timeout=10) as socket:
                yield cls(process, socket, work_dir)
        finally:
            process.terminate()
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
            log.close()

    @staticmethod
    def _browser_socket_url(profile: Path, process: subprocess.Popen[bytes]) -> str:
        """Chromium writes its port and browser path to DevToolsActivePort once it listens."""
        port_file = profile / "DevToolsActivePort"
        deadline = time.monotonic() + START_TIMEOUT_SECONDS
        while time.monotonic() < deadline:
            if process.poll() is not None:
                raise ChromiumError(f"chromium exited with {process.returncode} before listening")
            lines = port_file.read_text().split() if port_file.is_file() else []
            if len(lines) >= 2:
                return f"ws://127.0.0.1:{lines[0]}{lines[1]}"
            time.sleep(0.05)
        raise ChromiumError(f"chromium did not open its DevTools port within {START_TIMEOUT_SECONDS:.0f} s")

    def send(self, method: str, params: dict[str, Any] | None = None, session: str | None = None) -> Any:
        self._next_id += 1
        message: dict[str, Any] = {"id": self._next_id, "method": method, "params": params or {}}
        if session:
            message["sessionId"] = session
        self._socket.send(json.dumps(message))
        deadline = time.monotonic() + COMMAND_TIMEOUT_SECONDS
        while time.monotonic() < deadline:
            answer = json.loads(self._socket.recv(timeout=COMMAND_TIMEOUT_SECONDS))
            if answer.get("id") == self._next_id:
                if "error" in answer:
                    raise ChromiumError(f"{method} failed: {answer['error']}")
                return answer.get("result", {})
            self._events.append(answer)
        raise ChromiumError(f"{method}: no answer within {COMMAND_TIMEOUT_SECONDS:.0f} s")

    def _wait_for(self, method: str, session: str, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        while not any(e.get("method") == method and e.get("sessionId") == session for e in self._events):
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise ChromiumError(f"no {method} within {timeout:.0f} s")
            self._events.append(json.loads(self._socket.recv(timeout=remaining)))

    def _settle(self) -> None:
        while True:
            try:
                self._events.append(json.loads(self._socket.recv(timeout=SETTLE_SECONDS)))
            except TimeoutError:
                return

    def load_offline(self, url: str, expression: str, widths: Sequence[int] = ()) -> PageLoad:
        """Load `url` in a new tab with the network off; evaluate `expression` (its JSON value is
        `value`) and screenshot the whole page at each width."""
        target = self.send("Target.createTarget", {"url": "about:blank"})["targetId"]
        session = self.send("Target.attachToTarget", {"targetId": target, "flatten": True})["sessionId"]
        for domain in ("Page", "Network", "Runtime", "Log"):
            self.send(f"{domain}.enable", session=session)
        self.send(
            "Network.emulateNetworkConditions",
            {"offline": True, "latency": 0, "downloadThroughput": -1, "uploadThroughput": -1},
            session,
        )
        self._events.clear()
        self.send("Page.navigate", {"url": url}, session)
        self._wait_for("Page.loadEventFired", session, COMMAND_TIMEOUT_SECONDS)
        self._settle()
        page = self._page_load(url, session)
        page.value = self.send(
            "Runtime.evaluate", {"expression": expression, "returnByValue": True}, session
        )["result"].get("value")
        for width in widths:
            page.screenshots[width] = self._screenshot(session, width)
        self.send("Target.closeTarget", {"targetId": target})
        return page

    def _page_load(self, url: str, session: str) -> PageLoad:
        page = PageLoad(url)
        requested: dict[str, str] = {}
        for event in (e for e in self._events if e.get("sessionId") == session):
            method, params = event.get("method"), event.get("params", {})
            if method == "Network.requestWillBeSent":
                requested[params["requestId"]] = params["request"]["url"]
                page.requests.append(params["request"]["url"])
            elif method == "Network.loadingFailed":
                failed_url = requested.get(params["requestId"], "?")
                page.failed_requests.append(f"{failed_url}: {params.get('errorText')}")
            elif method == "Runtime.consoleAPICalled" and params.get("type") in ("error", "assert"):
                page.console_errors.append(
                    " ".join(str(a.get("value", a.get("description"))) for a in params["args"])
                )
            elif method == "Runtime.exceptionThrown":
                page.console_errors.append(str(params["exceptionDetails"].get("text")))
            elif method == "Log.entryAdded" and params["entry"].get("level") == "error":
                page.console_errors.append(f"{params['entry'].get('source')}: {params['entry'].get('text')}")
        return page

    def _screenshot(self, session: str, width: int) -> Path:
        metrics = {"width": width, "height": SCREENSHOT_HEIGHT, "deviceScaleFactor": 1, "mobile": width < 600}
        self.send("Emulation.setDeviceMetricsOverride", metrics, session)
        height = self.send(
            "Runtime.evaluate",
            {"expression": "document.documentElement.scrollHeight", "returnByValue": True},
            session,
        )["result"]["value"]
        shot = self.send(
            "Page.captureScreenshot",
            {
                "format": "png",
                "captureBeyondViewport": True,
                "clip": {"x": 0, "y": 0, "width": width, "height": height, "scale": 1},
            },
            session,
        )
        path = self._work_dir / f"screenshot-{width}px.png"
        path.write_bytes(base64.b64decode(shot["data"]))
        return path
