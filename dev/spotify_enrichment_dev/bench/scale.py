"""How big each benchmark is: the sizes of issue 7 (`FULL`) and a tiny one for the smoke test (`SMOKE`)."""

from dataclasses import asdict, dataclass


@dataclass(frozen=True)
class BenchScale:
    """Sizes and emulator settings of one bench run."""

    name: str
    rate_limit_per_window: int = 60
    rate_limited_latency_ms: int = 100
    rate_limited_extended_artists: int = 6_000
    rate_limited_development_artists: int = 600
    latency_bound_latency_ms: int = 50
    latency_bound_extended_artists: int = 50_000
    latency_bound_development_artists: int = 2_000
    warehouse_artists: int = 1_000_000
    warehouse_plays: int = 10_000_000
    warehouse_new_enrichments: int = 1_000
    # At musicbrainz.org's allowance: ~75 s for the fetcher, ~170 s for the naive client beside it.
    musicbrainz_artists: int = 100
    musicbrainz_requests_per_second: float = 1.0
    similar_artists_library: int = 50_000
    similar_artists_baseline: int = 5_000
    # Refused `enrich_artists` commands timed while the run lock is held (after one that warms dbt's parse).
    lock_refusal_repeats: int = 5
    seed: int = 7

    def as_dict(self) -> dict[str, int | str]:
        return asdict(self)


FULL = BenchScale(name="full")

SMOKE = BenchScale(
    name="smoke",
    rate_limited_extended_artists=100,
    rate_limited_development_artists=4,
    latency_bound_extended_artists=200,
    latency_bound_development_artists=20,
    warehouse_artists=300,
    warehouse_plays=3_000,
    warehouse_new_enrichments=10,
    musicbrainz_artists=20,
    musicbrainz_requests_per_second=20.0,
    similar_artists_library=300,
    similar_artists_baseline=100,
    lock_refusal_repeats=1,
)

SCALES: dict[str, BenchScale] = {scale.name: scale for scale in (FULL, SMOKE)}
