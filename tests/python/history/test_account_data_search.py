"""Account data (`StreamingHistory_music_*.json`: names, no URI), end to end on real DuckDB, real dbt and
the Spotify emulator (Development Mode) over HTTP: an account-data file derived from the real sample
export plus injected rows -> load_listening_history -> enrich_artists (dry run, then backfill, which
searches each distinct (track name, artist name) pair once) -> dbt build. Matched plays reach the hub
with the real history's artists; a made-up track and an ambiguous pair are reported by name and are
not counted for any artist; a second run searches nothing."""

from __future__ import annotations

import csv
import json
from collections import Counter
from pathlib import Path

from enrichment.enrichment_helpers import Warehouse, base_environ, run_checked
from history_helpers import RealHistory

from spotify_enrichment_dev.emulator_process import EmulatorProcess

# The first entries of the export keep the test cheap; still hundreds of distinct pairs.
ENTRIES = 600
TWIN_ARTIST = "TwinArtist000000000001"
TWIN_FEATURE = "TwinFeature00000000001"
QUOTE_ARTIST = "QuoteArtist00000000001"
INJECTED_TRACKS = [
    {
        "id": "TwinSongSolo0000000001",
        "name": "Twin Song",
        "artists": [{"id": TWIN_ARTIST, "name": "Twin Artist"}],
    },
    {
        "id": "TwinSongFeat0000000001",
        "name": "Twin Song",
        "artists": [{"id": TWIN_ARTIST, "name": "Twin Artist"}, {"id": TWIN_FEATURE, "name": "Feature"}],
    },
    {
        "id": "SayHelloQuote000000001",
        "name": 'Say "Hello"',
        "artists": [{"id": QUOTE_ARTIST, "name": "Quote Artist"}],
    },
]


def _latest_artists(csv_path: Path) -> dict[str, list[str]]:
    latest: dict[str, list[str]] = {}
    with csv_path.open(encoding="utf-8", newline="") as handle:
        for row in csv.DictReader(handle):
            latest[row["track_id"]] = [a for a in row["artist_ids"].split(";") if a]
    return latest


def _account_rows(real_history: RealHistory) -> tuple[list[dict[str, object]], list[str | None]]:
    """Account-data rows of the export's first entries, and each row's true track ID (None: injected)."""
    rows: list[dict[str, object]] = []
    truth: list[str | None] = []
    entries = json.loads(real_history.export_files[0].read_text(encoding="utf-8"))[:ENTRIES]
    for entry in entries:
        if not entry.get("spotify_track_uri"):
            continue  # an episode: the account data keeps those in another file
        rows.append(
            {
                "endTime": entry["ts"][:16].replace("T", " "),
                "artistName": entry["master_metadata_album_artist_name"],
                "trackName": entry["master_metadata_track_name"],
                "msPlayed": entry["ms_played"],
            }
        )
        truth.append(entry["spotify_track_uri"].removeprefix("spotify:track:"))
    # The same track in capitals: matched regardless of case.
    shouted = dict(rows[0], trackName=str(rows[0]["trackName"]).upper(), endTime="2021-01-01 10:00")
    rows.append(shouted)
    truth.append(truth[0])
    injected = [
        ("A Song Nobody Wrote", "Nobody At All", 2),
        ("Twin Song", "Twin Artist", 3),
        ('Say "Hello"', "Quote Artist", 1),
    ]
    for track, artist, plays in injected:
        for number in range(plays):
            rows.append(
                {
                    "endTime": f"2021-01-02 1{number}:00",
                    "artistName": artist,
                    "trackName": track,
                    "msPlayed": 1000,
                }
            )
            truth.append(None)
    return rows, truth


def test_account_data_plays_are_matched_by_search_and_the_rest_reported_never_guessed(
    tmp_path: Path, real_history: RealHistory, shared_data: Path
) -> None:
    rows, truth = _account_rows(real_history)
    export = tmp_path / "export"
    export.mkdir()
    (export / "StreamingHistory_music_0.json").write_text(json.dumps(rows), encoding="utf-8")
    extra = tmp_path / "extra_tracks.jsonl"
    extra.write_text("".join(json.dumps(track) + "\n" for track in INJECTED_TRACKS), encoding="utf-8")
    tracks_csv = shared_data / "history" / "recently_played_plays.csv"
    latest = _latest_artists(tracks_csv)
    pairs = {(row["trackName"], row["artistName"]) for row in rows}
    with EmulatorProcess(
        shared_data / "artists" / "artists.csv",
        quota="development",
        extra_args=["--tracks", str(tracks_csv), "--tracks", str(extra)],
    ) as emulator:
        warehouse = Warehouse(
            root=tmp_path / "wh", landing_uri=str(tmp_path / "wh" / "landing"), env=base_environ(emulator)
        )
        warehouse.root.mkdir()
        loaded = run_checked(
            warehouse, "run-operation", "load_listening_history", "--args", json.dumps({"path": str(export)})
        )
        assert f"{len(rows)} new plays loaded" in loaded.output, loaded.output[-3000:]

        # A fresh account export names no artist ID: the dry run says what it does not count yet.
        dry = warehouse.enrich(mode="backfill", dry_run=True)
        assert dry.returncode == 0, str(dry)
        assert f"0 tracks to resolve (GET /tracks) and {len(pairs)} account-data" in dry.output
        assert f"and of {len(pairs)} account-data (track, artist) pairs not searched yet" in dry.output
        assert emulator.stats()["requests_total"] == 0

        emulator.reset_stats()
        backfill = warehouse.enrich(mode="backfill")
        assert backfill.returncode == 0, str(backfill)
        stats = emulator.stats()
        assert stats["by_kind"].get("search", 0) == len(pairs), stats
        assert stats["by_kind_status"]["search"] == {"200": len(pairs)}, stats
        assert f"resolve_track_artists search summary: requested {len(pairs)}" in backfill.output
        assert '"A Song Nobody Wrote" by "Nobody At All": not_found, 2 plays' in backfill.output
        assert (
            '"Twin Song" by "Twin Artist": ambiguous (2 exact candidates with different artists), 3 plays'
            in (backfill.output)
        )

        searches = {
            (track, artist): (status, confidence, track_id)
            for track, artist, status, confidence, track_id in warehouse.query(
                "select trackName, artistName, status, confidence, trackId "
                "from lake.lake_spotify__normalized_track_search"
            )
        }
        assert set(searches) == pairs  # one answer per pair
        assert searches[("A Song Nobody Wrote", "Nobody At All")] == ("not_found", None, None)
        assert searches[("Twin Song", "Twin Artist")] == ("ambiguous", None, None)
        assert searches[('Say "Hello"', "Quote Artist")] == (
            "matched",
            "exact_unique",
            "SayHelloQuote000000001",
        )

        run_checked(warehouse, "build")
        # The truth for the matched plays: each play counts for every artist of its real track.
        expected: Counter[str] = Counter()
        matched_plays = 0
        for row, true_track in zip(rows, truth, strict=True):
            status, _, track_id = searches[(row["trackName"], row["artistName"])]
            if status != "matched":
                continue
            matched_plays += 1
            assert track_id is not None
            if true_track is None:
                expected.update([QUOTE_ARTIST])
                continue
            # A match may be another version of the track (single, album), never other artists.
            assert set(latest[track_id]) == set(latest[true_track]), row
            expected.update(set(latest[true_track]))
        assert matched_plays > 0.9 * len(rows)
        hub = dict(warehouse.query("select artistId, playCount from hub.hub_music__svc_dim_artists"))
        assert hub == dict(expected)
        assert TWIN_ARTIST not in hub and TWIN_FEATURE not in hub
        # The unmatched plays stay, one row each, with no artist: visible, never guessed.
        unmatched = warehouse.query(
            "select trackName, count(*), count(artistId), count(trackId) "
            "from lake.lake_spotify__stg_listening_history "
            "where trackName in ('Twin Song', 'A Song Nobody Wrote') group by trackName order by trackName"
        )
        assert unmatched == [("A Song Nobody Wrote", 2, 0, 0), ("Twin Song", 3, 0, 0)]

        emulator.reset_stats()
        rerun = warehouse.enrich(mode="backfill")
        assert rerun.returncode == 0, str(rerun)
        assert "no tracks to resolve and no account-data names to search" in rerun.output
        assert emulator.stats()["by_kind"].get("search", 0) == 0
        assert '"Twin Song" by "Twin Artist": ambiguous' in rerun.output  # still reported
