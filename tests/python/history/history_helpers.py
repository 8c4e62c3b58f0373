"""Helpers of the bring-your-own-history tests: the real sample export (`../shared/data/export/`),
the real history's track -> artists mapping as the emulator's track catalogue, a fresh warehouse."""

from __future__ import annotations

import csv
from collections import Counter
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class RealHistory:
    """What the real history (`history/recently_played_plays.csv`) says the hub must hold.

    The export names tracks, not artists, and Spotify answers a track with its artists as they are now:
    31 tracks of the real history changed artists over the years (an artist ID re-issued, a feature
    added), so the reachable truth is every play counted for each artist of its track's latest
    version (`plays_per_artist`). `plays_per_artist_as_played` counts each play's own artists."""

    csv_path: Path
    export_files: list[Path]
    plays_per_artist: Counter[str]
    plays_per_artist_as_played: Counter[str]
    distinct_tracks: int


def read_real_history(shared_data: Path) -> RealHistory:
    """The real history and the sample export derived from it."""
    csv_path = shared_data / "history" / "recently_played_plays.csv"
    as_played: Counter[str] = Counter()
    latest: dict[str, set[str]] = {}
    plays_per_track: Counter[str] = Counter()
    with csv_path.open(encoding="utf-8", newline="") as handle:
        for row in csv.DictReader(handle):
            artists = set(filter(None, row["artist_ids"].split(";")))
            latest[row["track_id"]] = artists
            plays_per_track[row["track_id"]] += 1
            as_played.update(artists)
    plays: Counter[str] = Counter()
    for track_id, count in plays_per_track.items():
        for artist_id in latest[track_id]:
            plays[artist_id] += count
    export_files = sorted((shared_data / "export").glob("Streaming_History_Audio_*.json"))
    assert len(export_files) == 2, export_files
    return RealHistory(csv_path, export_files, plays, as_played, len(latest))
