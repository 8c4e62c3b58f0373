"""The project's emulator for a benchmark: started with the benchmark's settings, its counts read back."""

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Literal

from spotify_enrichment_dev.bench.fetch_runs import ApiEndpoint
from spotify_enrichment_dev.emulator import EmulatorStats
from spotify_enrichment_dev.emulator_process import EmulatorProcess

Quota = Literal["extended", "development"]
API_KINDS = ("batch", "single")


@contextmanager
def emulated_api(
    catalogue: Path, *, quota: Quota, latency_ms: int, rate_limit: int = 0
) -> Iterator[tuple[EmulatorProcess, ApiEndpoint]]:
    """A running emulator and the endpoint a client needs; stopped on exit, also after an error."""
    process = EmulatorProcess(
        catalogue, quota=quota, latency_ms=latency_ms, rate_limit=rate_limit, ready_timeout=60
    )
    with process:
        endpoint = ApiEndpoint(
            api_url=process.api_url,
            accounts_url=process.accounts_url,
            client_id=process.client_id,
            client_secret=process.client_secret,
        )
        yield process, endpoint


def api_requests(stats: EmulatorStats) -> int:
    """Artist requests (batch and single), not token or statistics requests."""
    return sum(stats["by_kind"].get(kind, 0) for kind in API_KINDS)


def rate_limited_answers(stats: EmulatorStats) -> int:
    """429 answers to artist requests."""
    return sum(stats["by_kind_status"].get(kind, {}).get("429", 0) for kind in API_KINDS)
