"""Landing files for the warehouse benchmarks, written with the fetcher's own record code
(`transform.artist_to_record`, `record_to_json_line`), as if one fetch had answered every artist."""

import json
from collections.abc import Iterable
from datetime import datetime
from pathlib import Path

from spotify_enrichment.landing import landing_file_name
from spotify_enrichment.transform import (
    artist_to_record,
    not_found_record,
    record_to_json_line,
    utc_timestamp,
)

LANDING_SUBFOLDER = Path("spotify") / "landing"


def write_landing_file(
    landing_dir: Path,
    catalogue_lines: Iterable[str],
    not_found_ids: Iterable[str],
    *,
    enriched_at: datetime,
    run_id: str,
) -> tuple[Path, int]:
    """One landing file in `{landing_dir}/spotify/landing/` with an `ok` line per catalogue artist and a
    `not_found` line per unknown ID; returns its path and line count."""
    folder = landing_dir / LANDING_SUBFOLDER
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / landing_file_name(enriched_at)
    stamp = utc_timestamp(enriched_at)
    lines = 0
    with path.open("w", encoding="utf-8") as landing:
        for line in catalogue_lines:
            artist = json.loads(line)
            record = artist_to_record(
                artist, artist_id=artist["id"], enriched_at=stamp, api_mode="batch", run_id=run_id
            )
            landing.write(record_to_json_line(record))
            lines += 1
        for artist_id in not_found_ids:
            record = not_found_record(artist_id=artist_id, enriched_at=stamp, api_mode="batch", run_id=run_id)
            landing.write(record_to_json_line(record))
            lines += 1
    return path, lines
