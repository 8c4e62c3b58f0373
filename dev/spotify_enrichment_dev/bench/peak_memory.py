"""Peak resident memory of a process tree, sampled from a background thread."""

import threading
from types import TracebackType

import psutil

SAMPLE_SECONDS = 0.05


def tree_rss_bytes(process: psutil.Process) -> int:
    """RSS of a process and all its descendants; processes that end while we look count as zero."""
    total = 0
    try:
        members = [process, *process.children(recursive=True)]
    except psutil.Error:
        return 0
    for member in members:
        try:
            total += member.memory_info().rss
        except psutil.Error:
            continue
    return total


class PeakRssSampler:
    """Context manager: `peak_mb` is the highest summed RSS of `pid` and its children while it ran."""

    def __init__(self, pid: int, sample_seconds: float = SAMPLE_SECONDS) -> None:
        self._process = psutil.Process(pid)
        self._sample_seconds = sample_seconds
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._sample, name="peak-rss", daemon=True)
        self.peak_bytes = 0

    @property
    def peak_mb(self) -> float:
        return round(self.peak_bytes / 1024**2, 1)

    def _sample(self) -> None:
        while not self._stop.is_set():
            self.peak_bytes = max(self.peak_bytes, tree_rss_bytes(self._process))
            self._stop.wait(self._sample_seconds)

    def __enter__(self) -> "PeakRssSampler":
        self._thread.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self._stop.set()
        self._thread.join()
