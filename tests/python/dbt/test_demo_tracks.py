"""The demo generator's track catalogue (`tracks.jsonl`, the Spotify emulator's `--tracks`): every track
of the demo history, with every artist its plays name, readable by the emulator; the emulator's search
finds a demo track by its names."""

from __future__ import annotations

import json
from collections import defaultdict
from pathlib import Path

import pytest

from spotify_enrichment_dev.demo_data import TRACKS_FILE, DemoDataSpec, generate_demo_data
from spotify_enrichment_dev.track_catalogue import load_track_catalogues, search


@pytest.fixture(scope="module")
def demo_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("demo_tracks")
    generate_demo_data(out, DemoDataSpec(artists=300, plays=4000, seed=7, featured_track_share=0.2))
    return out


def test_every_played_track_is_in_the_catalogue_with_the_artists_its_plays_name(demo_dir: Path) -> None:
    played: dict[str, set[str]] = defaultdict(set)
    names: dict[str, str] = {}
    for line in (demo_dir / "listening_history.jsonl").read_text(encoding="utf-8").splitlines():
        play = json.loads(line)
        played[play["trackId"]].add(play["artistId"])
        names[play["trackId"]] = play["trackName"]
    tracks = load_track_catalogues([demo_dir / TRACKS_FILE])
    assert set(tracks) == set(played)
    featured = 0
    for track_id, artist_ids in played.items():
        credited = [artist["id"] for artist in tracks[track_id]["artists"]]
        assert artist_ids <= set(credited) and len(credited) == len(set(credited)), track_id
        assert tracks[track_id]["name"] == names[track_id]
        featured += len(credited) > 1
    assert featured > 0  # tracks with a guest credit both

    track = next(iter(tracks.values()))
    found = search(tracks, track["name"], track["artists"][0]["name"])
    assert found[0]["name"] == track["name"]
