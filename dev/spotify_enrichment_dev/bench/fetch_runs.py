"""What one timed fetch of a list of artist IDs achieved, and where it was sent."""

from dataclasses import dataclass
from typing import Literal

ApiMode = Literal["batch", "single"]


class BenchFetchError(RuntimeError):
    """A benchmark fetch did not answer every artist; its figures would be meaningless."""


@dataclass(frozen=True)
class ApiEndpoint:
    """The emulator a fetch talks to, with the credentials it accepts."""

    api_url: str
    accounts_url: str
    client_id: str
    client_secret: str

    def __repr__(self) -> str:
        return f"ApiEndpoint(api_url={self.api_url!r}, accounts_url={self.accounts_url!r})"


@dataclass(frozen=True)
class FetchRun:
    """`answered` counts artists with an answer (ok or not_found); `requests` and `rate_limited` are the
    emulator's own counts of API requests and 429 answers during the run."""

    artists: int
    answered: int
    requests: int
    rate_limited: int
    seconds: float

    @property
    def artists_per_s(self) -> float:
        return self.answered / self.seconds if self.seconds > 0 else 0.0

    @property
    def r429_per_1000(self) -> float:
        return 1000 * self.rate_limited / self.requests if self.requests else 0.0
