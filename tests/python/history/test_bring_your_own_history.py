"""Bring your own history, end to end on real DuckDB, real dbt and the Spotify emulator over HTTP: the
sample export of `../shared/data/export/` -> load_listening_history -> enrich_artists (backfill, which
resolves the tracks first) -> dbt build. The hub must hold exactly the real history's artists with
its play counts; the export's episodes are reported as skipped; loading again adds nothing."""

from __future__ import annotations

import json
import math
import re
import shutil
from pathlib import Path

from enrichment.enrichment_helpers import Warehouse, base_environ, run_checked
from history_helpers import RealHistory

from spotify_enrichment.history_export import zip_bytes
from spotify_enrichment_dev.emulator_process import EmulatorProcess

SUMMARY = re.compile(
    r"load_listening_history summary: (\d+) files, (\d+) entries, (\d+) new plays loaded, "
    r"(\d+) already present, (\d+) skipped(?: \(([^)]*)\))?.*, ([\d.]+) s"
)


def _load(warehouse: Warehouse, path: Path) -> dict[str, str]:
    result = run_checked(
        warehouse, "run-operation", "load_listening_history", "--args", json.dumps({"path": str(path)})
    )
    match = SUMMARY.search(result.output)
    assert match, result.output[-3000:]
    keys = ("files", "entries", "loaded", "present", "skipped", "reasons", "seconds")
    return dict(zip(keys, match.groups(), strict=True)) | {"output": result.output}


def _endsong_zip(export_files: list[Path], folder: Path) -> Path:
    """The same streams in the older export's shape: endsong_N.json, username and decrypted keys, no
    audiobook keys, zipped in a folder as Spotify sends it."""
    members = {}
    for number, path in enumerate(export_files):
        entries = json.loads(path.read_text(encoding="utf-8"))
        old = []
        for entry in entries:
            older = {k: v for k, v in entry.items() if not k.startswith("audiobook_")}
            older["username"] = "someone"
            older["ip_addr_decrypted"] = older.pop("ip_addr")
            older["user_agent_decrypted"] = "unknown"
            old.append(older)
        members[f"MyData/endsong_{number}.json"] = json.dumps(old).encode()
    members["MyData/ReadMeFirst_ExtendedStreamingHistory.pdf"] = b"%PDF-1.4"
    target = folder / "my_spotify_data.zip"
    target.write_bytes(zip_bytes(members))
    return target


def test_the_sample_export_reaches_the_hub_with_every_artist_and_the_real_play_counts(
    tmp_path: Path, real_history: RealHistory, shared_data: Path
) -> None:
    export = tmp_path / "export"
    export.mkdir()
    for path in real_history.export_files:
        shutil.copy2(path, export / path.name)
    tracks = shared_data / "history" / "recently_played_plays.csv"
    artists = shared_data / "artists" / "artists.csv"
    with EmulatorProcess(artists, extra_args=["--tracks", str(tracks)]) as emulator:
        warehouse = Warehouse(
            root=tmp_path / "wh", landing_uri=str(tmp_path / "wh" / "landing"), env=base_environ(emulator)
        )
        warehouse.root.mkdir()

        first = _load(warehouse, export)
        assert (first["files"], first["entries"], first["loaded"], first["present"]) == (
            "2",
            "14880",
            "14842",
            "0",
        )
        assert first["skipped"] == "38" and first["reasons"] == "38 episode", first["output"]
        assert float(first["seconds"]) < 10.0
        for path in real_history.export_files:
            assert f"{export / path.name} (extended streaming history): 7440 entries" in first["output"]

        again = _load(warehouse, export)
        assert (again["loaded"], again["present"], again["skipped"]) == ("0", "14842", "38")
        assert "the same file (checksum) was loaded before" in again["output"]

        # The older endsong_*.json shape, zipped: the same plays, so nothing new.
        zipped = _load(warehouse, _endsong_zip(real_history.export_files, tmp_path))
        assert (zipped["files"], zipped["entries"], zipped["loaded"], zipped["present"]) == (
            "2",
            "14880",
            "0",
            "14842",
        )
        assert "ReadMeFirst_ExtendedStreamingHistory.pdf" in zipped["output"]  # named as ignored

        emulator.reset_stats()
        backfill = warehouse.enrich(mode="backfill")
        assert backfill.returncode == 0, str(backfill)
        stats = emulator.stats()
        assert stats["by_kind"].get("track_batch", 0) <= math.ceil(real_history.distinct_tracks / 50) + 1
        assert "resolve_track_artists summary: requested 2948, ok 2948" in backfill.output

        run_checked(warehouse, "build")
        hub = dict(warehouse.query("select artistId, playCount from hub.hub_music__svc_dim_artists"))
        assert set(hub) == set(real_history.plays_per_artist)
        assert hub == dict(real_history.plays_per_artist)
        # Only artists of superseded versions of a track are out of reach (see RealHistory).
        assert set(hub) <= set(real_history.plays_per_artist_as_played)
        assert len(set(real_history.plays_per_artist_as_played) - set(hub)) < 20

        emulator.reset_stats()
        rerun = warehouse.enrich(mode="backfill")
        assert rerun.returncode == 0, str(rerun)
        assert "no tracks to resolve" in rerun.output
        assert emulator.stats()["requests_total"] == 0
