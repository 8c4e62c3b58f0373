"""A landing JSONL fixture made from generated demo data: what a fetch of those artists would land (DESIGN.md
keys), with options for coverage, age, staleness and Development-Mode rows. Fills the lake in tests and demos
without an API."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import asdict, dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import numpy as np

from spotify_enrichment.records import LandingRecord
from spotify_enrichment_dev.demo_data import CATALOGUE_FILE, MISSING_IDS_FILE, DemoDataError


@dataclass(frozen=True)
class FixtureSpec:
    """A landing JSONL fixture made from a generated catalogue, as the fetcher would land it.

    coverage: share of all artists (catalogue and missing) given a row; missing ones land as `not_found`.
    age_days: how long before `reference` every row was enriched.
    stale_share/stale_age_days: share of `ok` rows enriched `stale_age_days` before `reference` instead.
    dev_mode_share: share of `ok` rows with genres, popularity and followerCount withheld (NULL).
    """

    coverage: float = 1.0
    age_days: float = 0.0
    stale_share: float = 0.0
    stale_age_days: float = 120.0
    dev_mode_share: float = 0.0
    reference: datetime | None = None
    run_id: str = "fixture"
    api_mode: str = "batch"
    seed: int = 42


@dataclass(frozen=True)
class FixtureSummary:
    """Counts of a written fixture."""

    path: str
    rows: int
    ok: int
    not_found: int
    omitted: int
    stale: int
    dev_mode: int

    def to_json(self) -> str:
        return json.dumps(asdict(self), sort_keys=True)


def _iso_utc(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def _check_fixture_spec(spec: FixtureSpec) -> None:
    for name in ("coverage", "stale_share", "dev_mode_share"):
        value = getattr(spec, name)
        if not 0.0 <= value <= 1.0:
            raise DemoDataError(f"fixture {name} must be within 0..1, got {value}")
    if spec.api_mode not in ("batch", "single"):
        raise DemoDataError(f"fixture api_mode must be batch or single, got {spec.api_mode!r}")


def _catalogue_records(data_dir: Path) -> Iterator[tuple[str, dict | None]]:
    with (data_dir / CATALOGUE_FILE).open(encoding="utf-8") as catalogue:
        for line in catalogue:
            artist = json.loads(line)
            yield artist["id"], artist
    with (data_dir / MISSING_IDS_FILE).open(encoding="utf-8") as missing:
        for line in missing:
            if line.strip():
                yield line.strip(), None


def _landing_record(
    artist_id: str, artist: dict | None, enriched_at: datetime, spec: FixtureSpec, *, dev_mode: bool
) -> LandingRecord:
    base: LandingRecord = {
        "artistId": artist_id,
        "artistName": None,
        "genres": None,
        "popularity": None,
        "followerCount": None,
        "images": None,
        "externalUrls": None,
        "enrichedAt": _iso_utc(enriched_at),
        "status": "not_found",
        "apiMode": spec.api_mode,  # type: ignore[typeddict-item]
        "runId": spec.run_id,
    }
    if artist is None:
        return base
    base.update(
        {
            "artistName": artist["name"],
            "images": artist["images"],
            "externalUrls": {"spotify": artist["external_urls"]["spotify"]},
            "status": "ok",
        }
    )
    if not dev_mode:
        base.update(
            {
                "genres": artist["genres"],
                "popularity": artist["popularity"],
                "followerCount": artist["followers"]["total"],
            }
        )
    return base


def write_enrichment_fixture(data_dir: Path, path: Path, spec: FixtureSpec) -> FixtureSummary:
    """Write a landing JSONL file (DESIGN.md keys) for the artists generated into `data_dir`."""
    _check_fixture_spec(spec)
    for name in (CATALOGUE_FILE, MISSING_IDS_FILE):
        if not (data_dir / name).is_file():
            raise DemoDataError(
                f"{data_dir / name} not found: generate the demo data into {data_dir} first "
                "(scripts/generate_demo_data.py --out DIR)"
            )
    reference = spec.reference or datetime.now(UTC)
    total = sum(1 for _ in _catalogue_records(data_dir))
    rng = np.random.default_rng(spec.seed)
    omitted = np.zeros(total, dtype=bool)
    omitted[rng.choice(total, size=round(total * (1 - spec.coverage)), replace=False)] = True
    draws_stale = rng.random(total)
    draws_dev = rng.random(total)
    counts = {"rows": 0, "ok": 0, "not_found": 0, "stale": 0, "dev_mode": 0}
    fresh_at = reference - timedelta(days=spec.age_days)
    stale_at = reference - timedelta(days=spec.stale_age_days)
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding="utf-8") as out:
        for number, (artist_id, artist) in enumerate(_catalogue_records(data_dir)):
            if omitted[number]:
                continue
            is_ok = artist is not None
            stale = is_ok and draws_stale[number] < spec.stale_share
            dev_mode = is_ok and draws_dev[number] < spec.dev_mode_share
            record = _landing_record(
                artist_id, artist, stale_at if stale else fresh_at, spec, dev_mode=dev_mode
            )
            out.write(json.dumps(record, ensure_ascii=False) + "\n")
            counts["rows"] += 1
            counts["ok" if is_ok else "not_found"] += 1
            counts["stale"] += int(stale)
            counts["dev_mode"] += int(dev_mode)
    return FixtureSummary(path=str(path), omitted=int(omitted.sum()), **counts)
